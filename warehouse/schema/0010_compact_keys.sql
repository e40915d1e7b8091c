-- Compact keys. Most of a warehouse was identifiers: every capture, extraction, version, change and section row
-- held a 64-character text hash, each section row its own hash besides, and the indexes behind those keys stored
-- them again (about 126 bytes per key). Now:
--
-- * Each text has a number, `text_id`, given in the order texts are stored; every other table refers to a text by
--   it. The text's SHA-256 stays in `policy_text` only, which is still content-addressed: `text_key`, 64 bits
--   of the SHA-256 of that hash, is unique (a writer that met two texts with the same first 64 bits but different hashes would
--   refuse to store the second; see warehouse.store).
-- * A section is stored once however many texts hold it: `section_text` holds each distinct section exactly as
--   written (keyed by `section_key`, the first 64 bits of the SHA-256 of its exact heading and body) and
--   `text_section` says which sections each text has, in order, under which path.
-- * `version` loses its primary key: it is rebuilt per site from captures, one row per number, in one statement
--   (warehouse.versions). The index on `version(site)` that `policy_at` reads stays.
--
-- The views keep every column they had, in the same order.

CREATE SEQUENCE policy_text_ids;
CREATE SEQUENCE section_text_ids;

-- A text's content address and a section's, as 64-bit numbers (warehouse.store computes the same in Python).
CREATE MACRO text_key(sha) AS ('0x' || left(sha256(sha), 16))::UBIGINT;
CREATE MACRO section_key(heading, body) AS
    ('0x' || left(sha256(coalesce('h' || heading, 'n') || chr(31) || body), 16))::UBIGINT;

-- Texts, numbered in the order their first version came (by site, then time), as 0007 keeps them.
CREATE TABLE policy_text_keyed (
    text_id      INTEGER NOT NULL,
    text_key     UBIGINT NOT NULL,
    text_sha256  VARCHAR USING COMPRESSION zstd NOT NULL,
    text         VARCHAR USING COMPRESSION zstd NOT NULL,
    words        INTEGER NOT NULL,
    language     VARCHAR,
    extractor    VARCHAR,
    stated_date  DATE
);
INSERT INTO policy_text_keyed
SELECT row_number() OVER (ORDER BY v.site NULLS LAST, v.first_seen NULLS LAST, t.text_sha256),
       text_key(t.text_sha256), t.text_sha256, t.text, t.words, t.language, t.extractor, t.stated_date
FROM policy_text AS t
LEFT JOIN (SELECT text_sha256, min(site) AS site, min(first_seen) AS first_seen FROM version GROUP BY ALL) AS v
    USING (text_sha256)
ORDER BY 1;
-- The sequence moves past every number given (nextval is called once per text).
CREATE TEMP TABLE keyed_advance AS SELECT nextval('policy_text_ids') AS n FROM policy_text_keyed;
DROP TABLE keyed_advance;

-- Every distinct section, numbered in the order of the first text holding it.
CREATE TABLE section_text (
    section_id      INTEGER NOT NULL,
    section_key     UBIGINT NOT NULL,
    section_sha256  VARCHAR USING COMPRESSION zstd NOT NULL,   -- of the normalised heading and body
    heading         VARCHAR,
    body            VARCHAR USING COMPRESSION zstd NOT NULL
);
INSERT INTO section_text
SELECT row_number() OVER (ORDER BY first_text, first_ord), section_key, section_sha256, heading, body
FROM (
    SELECT section_key(s.heading, s.body) AS section_key, any_value(s.section_sha256) AS section_sha256,
           s.heading, s.body, min(t.text_id) AS first_text, arg_min(s.ord, t.text_id) AS first_ord
    FROM section AS s JOIN policy_text_keyed AS t USING (text_sha256)
    GROUP BY s.heading, s.body
)
ORDER BY 1;
CREATE TEMP TABLE keyed_advance AS SELECT nextval('section_text_ids') AS n FROM section_text;
DROP TABLE keyed_advance;

-- Which sections each text has: its ord-th section, under its chain of headings.
-- A path repeats from one version of a site to the next (zstd finds that; a dictionary per segment did not).
CREATE TABLE text_section (
    text_id     INTEGER NOT NULL,
    ord         INTEGER NOT NULL,
    path        VARCHAR USING COMPRESSION zstd NOT NULL,
    section_id  INTEGER NOT NULL
);
INSERT INTO text_section
SELECT t.text_id, s.ord, s.path, st.section_id
FROM section AS s
JOIN policy_text_keyed AS t USING (text_sha256)
JOIN section_text AS st ON st.section_key = section_key(s.heading, s.body)
ORDER BY t.text_id, s.ord;
DROP TABLE section;

DROP INDEX version_site;
CREATE TABLE version_keyed (
    site         VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    text_id      INTEGER NOT NULL,
    policy_url   VARCHAR NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    captures     INTEGER NOT NULL
);
INSERT INTO version_keyed
SELECT v.site, v.version, t.text_id, v.policy_url, v.first_seen, v.last_seen, v.captures
FROM version AS v JOIN policy_text_keyed AS t USING (text_sha256)
ORDER BY v.site, v.version;
DROP TABLE version;
ALTER TABLE version_keyed RENAME TO version;
CREATE INDEX version_site ON version (site);

CREATE TABLE capture_keyed (
    site         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    status       INTEGER,
    mime         VARCHAR,
    length       BIGINT,
    outcome      VARCHAR NOT NULL,
    detail       VARCHAR USING COMPRESSION zstd,
    text_id      INTEGER,
    quality      VARCHAR,
    usable       BOOLEAN NOT NULL DEFAULT false,
    provenance   VARCHAR NOT NULL DEFAULT 'archive',
    seen_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (site, url, ts, digest)
);
INSERT INTO capture_keyed
SELECT c.site, c.url, c.ts, c.digest, c.status, c.mime, c.length, c.outcome, c.detail, t.text_id, c.quality,
       c.usable, c.provenance, c.seen_at
FROM capture AS c LEFT JOIN policy_text_keyed AS t USING (text_sha256)
ORDER BY c.site, c.url, c.ts, c.digest;
DROP TABLE capture;
ALTER TABLE capture_keyed RENAME TO capture;

CREATE TABLE extraction_keyed (
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    run_id       INTEGER NOT NULL,
    text_id      INTEGER,
    quality      VARCHAR NOT NULL,
    error        VARCHAR,
    extracted_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (digest, run_id)
);
INSERT INTO extraction_keyed
SELECT e.digest, e.run_id, t.text_id, e.quality, e.error, e.extracted_at
FROM extraction AS e LEFT JOIN policy_text_keyed AS t USING (text_sha256)
ORDER BY e.run_id, e.extracted_at, e.digest;
DROP TABLE extraction;
ALTER TABLE extraction_keyed RENAME TO extraction;

CREATE TABLE text_change_keyed (
    from_id        INTEGER NOT NULL,
    to_id          INTEGER NOT NULL,
    words_added    INTEGER NOT NULL,
    words_removed  INTEGER NOT NULL,
    minor          BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (from_id, to_id)
);
INSERT INTO text_change_keyed
SELECT f.text_id, t.text_id, d.words_added, d.words_removed, d.minor
FROM text_change AS d
JOIN policy_text_keyed AS f ON f.text_sha256 = d.from_sha256
JOIN policy_text_keyed AS t ON t.text_sha256 = d.to_sha256
ORDER BY t.text_id, f.text_id;
DROP TABLE text_change;
ALTER TABLE text_change_keyed RENAME TO text_change;

DROP TABLE policy_text;
ALTER TABLE policy_text_keyed RENAME TO policy_text;
CREATE UNIQUE INDEX policy_text_key ON policy_text (text_key);
CREATE UNIQUE INDEX section_text_key ON section_text (section_key);

-- The search index is rebuilt over the new tables on the next search.
DELETE FROM search_state;

-- The public interface, same columns in the same order, now joining texts by number.
CREATE OR REPLACE VIEW captures AS
SELECT
    c.site,
    c.url,
    c.ts AS "timestamp",
    c.status,
    c.mime,
    c.digest,
    c.outcome,
    t.text_sha256,
    c.quality,
    c.detail,
    c.provenance
FROM capture AS c
LEFT JOIN policy_text AS t USING (text_id);

CREATE OR REPLACE VIEW versions AS
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
    t.text_sha256,
    t.extractor,
    t.stated_date
FROM version AS v
JOIN policy_text AS t USING (text_id);

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
    LEFT JOIN text_change AS d ON d.from_id = p.text_id AND d.to_id = v.text_id
    LEFT JOIN policy_text AS t ON t.text_id = v.text_id
    LEFT JOIN policy_text AS pt ON pt.text_id = p.text_id
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

CREATE OR REPLACE VIEW sections AS
SELECT
    v.site,
    v.version,
    v.policy_url,
    v.first_seen,
    v.last_seen,
    s.ord,
    s.path,
    b.heading,
    b.body,
    b.section_sha256,
    t.text_sha256
FROM version AS v
JOIN text_section AS s USING (text_id)
JOIN section_text AS b USING (section_id)
JOIN policy_text AS t USING (text_id);

-- The site's versions read once through version_site, the text then fetched by its number (texts are stored in
-- number order, so the number's zone of the table is the only one read).
CREATE OR REPLACE MACRO policy_at(_site, _ts) AS TABLE
WITH mine AS MATERIALIZED (
    SELECT * FROM version WHERE site = _site
)
SELECT v.site, v.version, v.policy_url, v.first_seen, v.last_seen, v.captures, t.language, t.words, t.text,
       t.text_sha256, t.extractor, t.stated_date
FROM mine AS v
JOIN policy_text AS t USING (text_id)
WHERE v.version = (SELECT max(version) FROM mine WHERE first_seen <= CAST(_ts AS TIMESTAMPTZ));
