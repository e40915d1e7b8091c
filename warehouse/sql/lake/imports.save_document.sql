-- A lake has no primary key (warehouse.lake): a document stored before (the same file's SHA-256) is left as it is.
MERGE INTO imported_document USING (
    SELECT ? AS file_sha256, ? AS name, ? AS site, ? AS url, ?::TIMESTAMPTZ AS ts, ? AS digest, ? AS cited,
           ? AS label, ? AS archived_on, ? AS body, ? AS text_sha256, ? AS header
) AS s USING (file_sha256)
WHEN NOT MATCHED THEN INSERT BY NAME
