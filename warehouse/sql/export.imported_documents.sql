SELECT v.site, v.version, d.name, d.header || d.body
FROM imported_document AS d
JOIN capture AS c ON c.site = d.site AND c.url = d.url AND c.ts = d.ts AND c.digest = d.digest
JOIN version AS v ON v.site = c.site AND c.ts BETWEEN v.first_seen AND v.last_seen
                 AND v.text_id = c.text_id
ORDER BY v.site, v.version, d.ts, d.name
