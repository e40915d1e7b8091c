SELECT site, kind, first_seen, last_seen, text_sha256 FROM technical_change
WHERE run_id = coalesce(?, (SELECT max(run_id) FROM technical_change))
ORDER BY site, first_seen, kind
