SELECT url, ts, digest FROM capture
WHERE site = ? AND url IN (SELECT unnest(?::VARCHAR[]))
  AND NOT list_contains(?::VARCHAR[], outcome)
  AND (? OR provenance <> 'inferred')
