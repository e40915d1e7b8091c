-- Extraction facts in the public views: the disclosure lag in `changes`, and a `sections` view over every
-- version's sections. Views only gain columns (CONTRACT.md).

-- `changes` gains what each version says of its own date against when the archive saw the text change:
--   stated_date           the date the new text states for itself ("Last updated …"), NULL when it states none;
--   previous_stated_date  the date the old text stated;
--   disclosure_lag_days   days from the stated date to the first capture with the new text (changed_by):
--                         positive when the archive saw the text after its stated date, negative before it;
--   date_status           how the stated date fits the interval (changed_after, changed_by] the change lies in:
--                         'unchanged' (the text changed, its date did not), 'consistent' (the date lies in the
--                         interval), 'backdated' (the date is before the last capture of the old text) or
--                         'ahead' (the text appeared before the date it states); NULL without a stated date.
CREATE OR REPLACE VIEW changes AS
WITH pairs AS (
    SELECT
        v.site,
        v.version,
        p.version AS previous_version,
        p.last_seen AS changed_after,
        v.first_seen AS changed_by,
        d.words_added,
        d.words_removed,
        d.minor,
        t.stated_date,
        pt.stated_date AS previous_stated_date
    FROM version AS v
    JOIN version AS p ON p.site = v.site AND p.version = v.version - 1
    LEFT JOIN text_change AS d ON d.from_sha256 = p.text_sha256 AND d.to_sha256 = v.text_sha256
    LEFT JOIN policy_text AS t ON t.text_sha256 = v.text_sha256
    LEFT JOIN policy_text AS pt ON pt.text_sha256 = p.text_sha256
)
SELECT
    site,
    version,
    previous_version,
    changed_after,
    changed_by,
    words_added,
    words_removed,
    minor,
    stated_date,
    previous_stated_date,
    CAST(CAST(timezone('UTC', changed_by) AS DATE) - stated_date AS INTEGER) AS disclosure_lag_days,
    CASE
        WHEN stated_date IS NULL THEN NULL
        WHEN stated_date = previous_stated_date THEN 'unchanged'
        WHEN stated_date < CAST(timezone('UTC', changed_after) AS DATE) THEN 'backdated'
        WHEN stated_date > CAST(timezone('UTC', changed_by) AS DATE) THEN 'ahead'
        ELSE 'consistent'
    END AS date_status
FROM pairs;

-- Every version's sections, in order: "when did a clause about X first appear" is one query over this view.
CREATE OR REPLACE VIEW sections AS
SELECT
    v.site,
    v.version,
    v.policy_url,
    v.first_seen,
    v.last_seen,
    s.ord,
    s.path,
    s.heading,
    s.body,
    s.section_sha256,
    v.text_sha256
FROM version AS v
JOIN section AS s USING (text_sha256);
