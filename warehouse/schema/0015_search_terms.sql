-- The search index reads CJK and Hangul text as overlapping pairs of characters and hyphenated words also joined
-- (warehouse.terms). The index is derived: forgetting when it was built makes the next search rebuild it.
DELETE FROM search_state;
