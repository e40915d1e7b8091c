SELECT c.site, c.url, c.ts, c.digest FROM capture AS c
WHERE c.usable AND c.provenance = 'archive'
  AND NOT EXISTS (SELECT 1 FROM payload AS p WHERE p.digest = c.digest)
ORDER BY c.site, c.ts
