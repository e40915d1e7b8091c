CREATE OR REPLACE TEMP TABLE search_ref AS
WITH numbered AS (
    SELECT v.vid, x.text_id FROM search_version AS v JOIN version AS x USING (site, version)
), first_form AS (
    SELECT section_id, min(section_id) OVER (PARTITION BY section_sha256) AS ref FROM section_text
)
SELECT DISTINCT f.ref, n.vid
FROM numbered AS n JOIN text_section AS s USING (text_id) JOIN first_form AS f USING (section_id)
UNION ALL
SELECT -n.text_id, n.vid FROM numbered AS n
WHERE NOT EXISTS (SELECT 1 FROM text_section AS s WHERE s.text_id = n.text_id)
