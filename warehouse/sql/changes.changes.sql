SELECT v.site, v.version, c.previous_version, c.changed_after, v.first_seen, c.words_added,
       c.words_removed, c.minor, v.policy_url, v.text_sha256, v.words,
       (SELECT a.replay_url FROM capture AS f JOIN archive AS a USING (archive_id)
        WHERE f.site = v.site AND f.url = v.policy_url AND f.ts = v.first_seen LIMIT 1) AS archive
FROM versions v
LEFT JOIN changes c ON c.site = v.site AND c.version = v.version
WHERE ? IS NULL OR v.site = ?
ORDER BY v.first_seen DESC, v.site, v.version DESC
