INSERT INTO imported_document
    (file_sha256, name, site, url, ts, digest, cited, label, archived_on, body, text_sha256, header)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
