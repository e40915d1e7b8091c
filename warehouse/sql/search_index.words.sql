CREATE OR REPLACE TEMP TABLE search_text AS
SELECT d.doc_id, coalesce(coalesce(b.heading || E'\n', '') || b.body, t.text) AS body
FROM search_doc AS d
LEFT JOIN section_text AS b USING (section_id)
LEFT JOIN policy_text AS t ON t.text_id = d.text_id
