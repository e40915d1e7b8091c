INSERT INTO version (site, version, text_id, policy_url, first_seen, last_seen, captures)
WITH ordered AS (
    SELECT url, ts, digest, text_id,
           lag(text_id) OVER (ORDER BY ts, url, digest) AS previous
    FROM capture
    WHERE site = $site AND usable
), numbered AS (
    SELECT *, sum(CASE WHEN previous IS DISTINCT FROM text_id THEN 1 ELSE 0 END)
                  OVER (ORDER BY ts, url, digest ROWS UNBOUNDED PRECEDING) AS version
    FROM ordered
)
SELECT $site, version, any_value(text_id), arg_min(url, ts), min(ts), max(ts), count(*)
FROM numbered
GROUP BY version
ORDER BY version
