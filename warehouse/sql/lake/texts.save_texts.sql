-- A lake has no sequence and no unique key (warehouse.lake): a new text is numbered after the highest stored, and
-- a text whose key is stored already is left out. Writers to a lake take turns, so no other numbers meanwhile.
INSERT INTO policy_text (text_id, text_key, text_sha256, text, words, language, extractor, stated_date)
SELECT (SELECT coalesce(max(text_id), 0) FROM policy_text) + row_number() OVER (), text_key(s.text_sha256), s.*
FROM (SELECT unnest(from_json(?::JSON, ?), recursive := true)) AS s
WHERE text_key(s.text_sha256) NOT IN (SELECT text_key FROM policy_text)
