-- Each capture records the archive it came from: the CDX endpoint that listed it and the replay prefix that served
-- it, so a snapshot link points to that archive and not to whatever PALIMPSEST_REPLAY_URL says when it is shown.
-- An archive is stored once and numbered. Captures stored before this migration have none (NULL: not recorded);
-- an imported document's archive is the one its header cites (its CDX endpoint is not known).
CREATE TABLE archive (
    archive_id INTEGER PRIMARY KEY,
    cdx_url    VARCHAR,
    replay_url VARCHAR NOT NULL
);
ALTER TABLE capture ADD COLUMN archive_id INTEGER;

INSERT INTO archive (archive_id, cdx_url, replay_url)
SELECT row_number() OVER (ORDER BY base), NULL, base
FROM (
    SELECT DISTINCT regexp_extract(cited, '^(https?://[^/]+/web/)') AS base
    FROM imported_document
    WHERE cited IS NOT NULL AND regexp_extract(cited, '^(https?://[^/]+/web/)') <> ''
);
UPDATE capture AS c
SET archive_id = a.archive_id
FROM imported_document AS d, archive AS a
WHERE c.provenance = 'imported' AND d.site = c.site AND d.url = c.url AND d.ts = c.ts AND d.digest = c.digest
  AND a.cdx_url IS NULL AND a.replay_url = regexp_extract(d.cited, '^(https?://[^/]+/web/)');

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
    c.provenance,
    c.others AS other_documents,
    a.replay_url AS archive,
    a.cdx_url AS archive_cdx
FROM capture AS c
LEFT JOIN policy_text AS t USING (text_id)
LEFT JOIN archive AS a USING (archive_id);
