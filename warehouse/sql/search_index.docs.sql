INSERT INTO search_doc (doc_id, section_id, text_id)
SELECT row_number() OVER (ORDER BY min(vid), ref), CASE WHEN ref > 0 THEN ref END, CASE WHEN ref < 0 THEN -ref END
FROM search_ref GROUP BY ref ORDER BY 1
