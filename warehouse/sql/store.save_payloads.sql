-- Payloads have no key index (migration 0012): a merge on their key columns replaces a row stored before, as
-- INSERT OR REPLACE would, in one statement.
MERGE INTO payload USING (SELECT unnest(from_json(?::JSON, ?), recursive := true)) AS s USING (url, ts, digest)
WHEN MATCHED THEN UPDATE SET status = s.status, body_digest = s.body_digest, location = s.location,
    warc_file = s.warc_file, warc_offset = s.warc_offset, warc_length = s.warc_length, fetched_at = current_timestamp
WHEN NOT MATCHED THEN INSERT BY NAME
