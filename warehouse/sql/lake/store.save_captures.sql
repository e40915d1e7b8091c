-- A lake has no primary key (warehouse.lake): a merge on the capture's key replaces a capture stored before, as
-- INSERT OR REPLACE does in a file.
MERGE INTO capture USING (SELECT unnest(from_json(?::JSON, ?), recursive := true)) AS s USING (site, url, ts, digest)
WHEN MATCHED THEN UPDATE SET status = s.status, mime = s.mime, length = s.length, outcome = s.outcome,
    detail = s.detail, text_id = s.text_id, quality = s.quality, usable = s.usable, provenance = s.provenance,
    others = s.others, archive_id = s.archive_id, seen_at = current_timestamp
WHEN NOT MATCHED THEN INSERT BY NAME
