-- policy_at(site, ts) from the site's own versions, found through the version_site index once and read twice
-- (for the number in force and for its row), and its text through policy_text's key: no step reads rows of
-- other sites, however the tables are ordered. Same columns as the versions view.
CREATE OR REPLACE MACRO policy_at(_site, _ts) AS TABLE
WITH mine AS MATERIALIZED (
    SELECT * FROM version WHERE site = _site
)
SELECT v.site, v.version, v.policy_url, v.first_seen, v.last_seen, v.captures, t.language, t.words, t.text,
       v.text_sha256, t.extractor, t.stated_date
FROM mine AS v
JOIN policy_text AS t USING (text_sha256)
WHERE v.version = (SELECT max(version) FROM mine WHERE first_seen <= CAST(_ts AS TIMESTAMPTZ));
