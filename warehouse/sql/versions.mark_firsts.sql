UPDATE capture AS c
SET outcome = CASE WHEN EXISTS (
        SELECT 1 FROM version AS v
        WHERE v.site = c.site AND v.first_seen = c.ts AND v.policy_url = c.url
    ) THEN 'version' ELSE 'same-text' END
WHERE c.site = $site AND c.usable AND c.outcome IN ('version', 'same-text')
