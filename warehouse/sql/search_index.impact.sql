-- Every posting of the fts extension's index (its tokens, counted per document) with its term score (Okapi BM25,
-- as search_index.TERM_SCORE), each term's postings best first; scoring at build time is what lets a query stop
-- early.
INSERT INTO search_impact (termid, rank, doc_id, score)
SELECT termid, row_number() OVER (PARTITION BY termid ORDER BY score DESC, doc_id) - 1 AS rank, doc_id, score
FROM (
    SELECT p.termid, p.doc_id,
           ln((stats.num_docs - dict.df + 0.5) / (dict.df + 0.5) + 1)
           * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / stats.avgdl)) AS score
    FROM (
        SELECT t.termid, d.name AS doc_id, count(*) AS tf, any_value(d.len) AS len
        FROM fts_main_search_text.terms AS t JOIN fts_main_search_text.docs AS d USING (docid)
        GROUP BY t.termid, d.name
    ) AS p
    JOIN fts_main_search_text.dict AS dict USING (termid), fts_main_search_text.stats AS stats
)
ORDER BY termid, rank
