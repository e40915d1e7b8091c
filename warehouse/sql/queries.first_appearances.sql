-- The first versions whose sections hold a phrase: each distinct section is stored once, so this reads each clause
-- once however many versions and sites hold it (migration 0010); $texts adds texts without sections that hold it.
WITH texts AS (
    SELECT s.text_id
    FROM section_text AS b JOIN text_section AS s USING (section_id)
    WHERE b.body ILIKE '%' || $phrase || '%' OR b.heading ILIKE '%' || $phrase || '%'
    UNION
    SELECT unnest($texts::INTEGER[])
)
SELECT v.site, v.version, v.first_seen FROM version AS v SEMI JOIN texts USING (text_id)
ORDER BY v.first_seen, v.site, v.version LIMIT $limit
