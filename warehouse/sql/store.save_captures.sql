INSERT OR REPLACE INTO capture
    (site, url, ts, digest, status, mime, length, outcome, detail, text_id, quality, usable, provenance, others,
     archive_id)
SELECT unnest(from_json(?::JSON, ?), recursive := true)
