INSERT INTO policy_url (site, url, since, source, via) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (site, url) DO UPDATE SET
    since = CASE WHEN excluded.since IS NULL OR policy_url.since IS NULL THEN NULL
                 ELSE least(policy_url.since, excluded.since) END
