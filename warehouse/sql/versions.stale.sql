SELECT c.site, c.usable, coalesce(v.counted, 0)
FROM (SELECT site, count(*) FILTER (WHERE usable) AS usable, count(*) FILTER (WHERE outcome = $waiting) AS waiting
      FROM capture WHERE $sites IS NULL OR list_contains($sites, site) GROUP BY site) AS c
LEFT JOIN (SELECT site, sum(captures) AS counted FROM version
           WHERE $sites IS NULL OR list_contains($sites, site) GROUP BY site) AS v USING (site)
WHERE c.waiting = 0 AND c.usable <> coalesce(v.counted, 0)
ORDER BY c.site
