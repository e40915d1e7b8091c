SELECT file_sha256, name, site, url, ts, cited, body FROM imported_document
WHERE cited IS NOT NULL AND (? IS NULL OR site = ?)
ORDER BY site, ts, name
