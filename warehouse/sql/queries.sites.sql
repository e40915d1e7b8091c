SELECT s.site,
       (SELECT count(*) FROM version v WHERE v.site = s.site) AS versions,
       (SELECT count(*) FROM capture c WHERE c.site = s.site) AS captures,
       (SELECT count(*) FROM policy_url p WHERE p.site = s.site) AS policy_urls,
       (SELECT min(first_seen) FROM version v WHERE v.site = s.site) AS first_seen,
       (SELECT max(last_seen) FROM version v WHERE v.site = s.site) AS last_seen,
       s.last_crawl
FROM site s ORDER BY s.site
