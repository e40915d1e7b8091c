INSERT INTO search_version (vid, site, version, first_seen, next_seen)
SELECT row_number() OVER (ORDER BY site, version), site, version, first_seen,
       lead(first_seen) OVER (PARTITION BY site ORDER BY version)
FROM version ORDER BY site, version
