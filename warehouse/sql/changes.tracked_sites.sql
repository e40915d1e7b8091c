SELECT s.site,
       coalesce(
           (SELECT c.url FROM capture c
            WHERE c.site = s.site AND c.provenance <> 'imported' AND c.outcome <> 'redirect'
            ORDER BY c.ts DESC LIMIT 1),
           (SELECT p.url FROM policy_url p WHERE p.site = s.site AND p.source <> 'imported'
            ORDER BY p.since DESC NULLS LAST, p.url LIMIT 1)
       ) AS url,
       (SELECT max(c.ts) FROM capture c WHERE c.site = s.site AND c.provenance <> 'imported') AS last_seen
FROM site s ORDER BY s.site
