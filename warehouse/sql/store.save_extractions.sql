-- Extractions have no key index (migration 0012): a merge on their key columns replaces a row stored before, as
-- INSERT OR REPLACE would, in one statement.
MERGE INTO extraction USING (SELECT unnest(from_json(?::JSON, ?), recursive := true)) AS s USING (digest, run_id)
WHEN MATCHED THEN UPDATE SET text_id = s.text_id, quality = s.quality, error = s.error, others = s.others,
    extracted_at = current_timestamp
WHEN NOT MATCHED THEN INSERT BY NAME
