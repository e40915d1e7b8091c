-- Compact storage. Policy texts, sections and hashes are most of a warehouse, and they repeat: a site's
-- consecutive versions share most of their text, many sites share clauses, and every hash appears in several
-- rows. DuckDB's default string compression (FSST, dictionary) works string by string; zstd, asked for
-- column by column here, also finds what neighbouring rows share. It is asked for only where it measured
-- smaller: texts, bodies, and hashes that repeat at a distance. Headings, a text's hash repeated on each of its
-- sections and a version's hash took less room with DuckDB's own choice (dictionary, FSST). Tables are
-- re-created with the same columns in the same order (the views do not change), their rows copied in the
-- order later writes keep them: grouped by site and text, so that what repeats sits close together.
--
-- zstd needs a file in DuckDB's storage format v1.2.0 or later, which warehouse.db creates. A file made in an
-- older format records this migration without running it (see warehouse.migrations): there DuckDB would store
-- the columns uncompressed, and copying every table would only cost time.
-- needs storage v1.2.0
--
-- The section table loses its primary key: a text's sections are written once, together (store.save_sections
-- checks), and the key's index was the largest object in the file (twelve entries per text).

CREATE TABLE policy_text_compact (
    text_sha256  VARCHAR USING COMPRESSION zstd PRIMARY KEY,
    text         VARCHAR USING COMPRESSION zstd NOT NULL,
    words        INTEGER NOT NULL,
    language     VARCHAR,
    extractor    VARCHAR,
    stated_date  DATE
);
INSERT INTO policy_text_compact
SELECT t.* FROM policy_text AS t
LEFT JOIN (SELECT text_sha256, min(site) AS site, min(first_seen) AS first_seen FROM version GROUP BY ALL) AS v
    USING (text_sha256)
ORDER BY v.site, v.first_seen, t.text_sha256;
DROP TABLE policy_text;
ALTER TABLE policy_text_compact RENAME TO policy_text;

CREATE TABLE section_compact (
    text_sha256     VARCHAR NOT NULL,
    ord             INTEGER NOT NULL,
    path            VARCHAR NOT NULL,
    heading         VARCHAR,
    body            VARCHAR USING COMPRESSION zstd NOT NULL,
    section_sha256  VARCHAR USING COMPRESSION zstd NOT NULL
);
INSERT INTO section_compact
SELECT s.* FROM section AS s
LEFT JOIN (SELECT text_sha256, min(site) AS site, min(first_seen) AS first_seen FROM version GROUP BY ALL) AS v
    USING (text_sha256)
ORDER BY v.site, v.first_seen, s.text_sha256, s.ord;
DROP TABLE section;
ALTER TABLE section_compact RENAME TO section;

CREATE TABLE capture_compact (
    site         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    status       INTEGER,
    mime         VARCHAR,
    length       BIGINT,
    outcome      VARCHAR NOT NULL,
    detail       VARCHAR USING COMPRESSION zstd,
    text_sha256  VARCHAR USING COMPRESSION zstd,
    quality      VARCHAR,
    usable       BOOLEAN NOT NULL DEFAULT false,
    provenance   VARCHAR NOT NULL DEFAULT 'archive',
    seen_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (site, url, ts, digest)
);
INSERT INTO capture_compact SELECT * FROM capture ORDER BY site, url, ts, digest;
DROP TABLE capture;
ALTER TABLE capture_compact RENAME TO capture;

CREATE TABLE payload_compact (
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    status       INTEGER NOT NULL,
    body_digest  VARCHAR USING COMPRESSION zstd NOT NULL,
    location     VARCHAR,
    warc_file    VARCHAR NOT NULL,
    warc_offset  BIGINT NOT NULL,
    warc_length  BIGINT NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (url, ts, digest)
);
INSERT INTO payload_compact SELECT * FROM payload ORDER BY url, ts, digest;
DROP TABLE payload;
ALTER TABLE payload_compact RENAME TO payload;

CREATE TABLE extraction_compact (
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    run_id       INTEGER NOT NULL,
    text_sha256  VARCHAR USING COMPRESSION zstd,
    quality      VARCHAR NOT NULL,
    error        VARCHAR,
    extracted_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (digest, run_id)
);
INSERT INTO extraction_compact SELECT * FROM extraction ORDER BY run_id, extracted_at, digest;
DROP TABLE extraction;
ALTER TABLE extraction_compact RENAME TO extraction;

DROP INDEX version_site;
CREATE TABLE version_compact (
    site         VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    text_sha256  VARCHAR NOT NULL,
    policy_url   VARCHAR NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    captures     INTEGER NOT NULL,
    PRIMARY KEY (site, version)
);
INSERT INTO version_compact SELECT * FROM version ORDER BY site, version;
DROP TABLE version;
ALTER TABLE version_compact RENAME TO version;
CREATE INDEX version_site ON version (site);

CREATE TABLE search_doc_compact (
    doc_id   BIGINT PRIMARY KEY,
    doc_key  VARCHAR USING COMPRESSION zstd NOT NULL,
    heading  VARCHAR USING COMPRESSION zstd,
    body     VARCHAR USING COMPRESSION zstd NOT NULL
);
INSERT INTO search_doc_compact SELECT * FROM search_doc ORDER BY doc_id;
DROP TABLE search_doc;
ALTER TABLE search_doc_compact RENAME TO search_doc;

CREATE TABLE search_link_compact (
    doc_id   BIGINT NOT NULL,
    site     VARCHAR USING COMPRESSION zstd NOT NULL,
    version  INTEGER NOT NULL
);
INSERT INTO search_link_compact SELECT * FROM search_link ORDER BY doc_id, site, version;
DROP TABLE search_link;
ALTER TABLE search_link_compact RENAME TO search_link;
