CREATE OR REPLACE TEMP TABLE search_doc_link AS
SELECT d.doc_id, r.vid FROM search_ref AS r
JOIN search_doc AS d ON r.ref = coalesce(d.section_id, -d.text_id)
