SELECT url, ts, digest, status, location, warc_file, warc_offset, warc_length
FROM (SELECT *, row_number() OVER (PARTITION BY digest ORDER BY ts, url) AS nth FROM payload)
WHERE nth = 1 AND status BETWEEN 200 AND 299 AND location IS NULL
ORDER BY digest
