-- The public interface (CONTRACT.md): views and the policy_at macro. Columns may be added, never removed.

CREATE VIEW captures AS
SELECT
    c.site,
    c.url,
    c.ts AS "timestamp",
    c.status,
    c.mime,
    c.digest,
    c.outcome,
    c.text_sha256,
    c.quality,
    c.detail,
    c.provenance
FROM capture AS c;

CREATE VIEW versions AS
SELECT
    v.site,
    v.version,
    v.policy_url,
    v.first_seen,
    v.last_seen,
    v.captures,
    t.language,
    t.words,
    t.text,
    v.text_sha256,
    t.extractor,
    t.stated_date
FROM version AS v
JOIN policy_text AS t USING (text_sha256);

CREATE VIEW changes AS
SELECT
    v.site,
    v.version,
    p.version AS previous_version,
    p.last_seen AS changed_after,
    v.first_seen AS changed_by,
    d.words_added,
    d.words_removed,
    d.minor
FROM version AS v
JOIN version AS p ON p.site = v.site AND p.version = v.version - 1
LEFT JOIN text_change AS d ON d.from_sha256 = p.text_sha256 AND d.to_sha256 = v.text_sha256;

-- The versions row in force at a moment: the latest version first seen at or before it.
CREATE MACRO policy_at(_site, _ts) AS TABLE
SELECT *
FROM versions
WHERE site = _site AND first_seen <= CAST(_ts AS TIMESTAMPTZ)
ORDER BY first_seen DESC
LIMIT 1;
