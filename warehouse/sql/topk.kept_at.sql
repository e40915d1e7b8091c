-- A document's first versions in force then, by number; its first version whatever the time.
SELECT doc_id, first, vid FROM (
    SELECT doc_id, vids[1] AS first, unnest(vids) AS vid, generate_subscripts(vids, 1) AS n
    FROM search_carrier WHERE doc_id IN (SELECT unnest($docs::INTEGER[]))
) SEMI JOIN topk_in_force USING (vid)
QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY n) <= $limit
