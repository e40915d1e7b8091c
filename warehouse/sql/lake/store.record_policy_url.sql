-- A lake has no primary key (warehouse.lake): a merge on (site, url) stands for the file's ON CONFLICT.
MERGE INTO policy_url USING (SELECT ? AS site, ? AS url, ?::TIMESTAMPTZ AS since, ? AS source, ? AS via) AS s
    USING (site, url)
WHEN MATCHED THEN UPDATE SET
    since = CASE WHEN s.since IS NULL OR policy_url.since IS NULL THEN NULL ELSE least(policy_url.since, s.since) END
WHEN NOT MATCHED THEN INSERT BY NAME
