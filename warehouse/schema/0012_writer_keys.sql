-- Keys the writer keeps. DuckDB backs a primary key or unique constraint with an ART index, which stores each
-- key again: 86–100 bytes a row for payloads and extractions (a URL, a time and a 32-character digest), about
-- 38 bytes a row for a random 64-bit section key (measured 2026-12). Payloads, extractions, sections and word
-- counts of changes are written only by warehouse.store and warehouse.texts, one writer at a time (DuckDB's file
-- lock, and concurrent crawls in one process take turns), which look up what is stored and merge on the same
-- columns; `palimpsest doctor` checks that no key repeats. Captures keep their primary key and texts their
-- unique content address: those are the warehouse's identities.
--
-- A payload's body_digest is now NULL when the bytes hashed to the CDX digest, as they almost always do.

CREATE TABLE payload_merged (
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    status       INTEGER NOT NULL,
    body_digest  VARCHAR USING COMPRESSION zstd,     -- the bytes' base32 SHA-1 when it is not the digest
    location     VARCHAR,
    warc_file    VARCHAR NOT NULL,
    warc_offset  BIGINT NOT NULL,
    warc_length  BIGINT NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
INSERT INTO payload_merged
SELECT url, ts, digest, status, nullif(body_digest, digest), location, warc_file, warc_offset, warc_length,
       fetched_at
FROM payload ORDER BY url, ts, digest;
DROP TABLE payload;
ALTER TABLE payload_merged RENAME TO payload;

CREATE TABLE extraction_merged (
    digest       VARCHAR USING COMPRESSION zstd NOT NULL,
    run_id       INTEGER NOT NULL,
    text_id      INTEGER,
    quality      VARCHAR NOT NULL,
    error        VARCHAR,
    extracted_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
INSERT INTO extraction_merged SELECT * FROM extraction ORDER BY run_id, extracted_at, digest;
DROP TABLE extraction;
ALTER TABLE extraction_merged RENAME TO extraction;

CREATE TABLE text_change_merged (
    from_id        INTEGER NOT NULL,
    to_id          INTEGER NOT NULL,
    words_added    INTEGER NOT NULL,
    words_removed  INTEGER NOT NULL,
    minor          BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO text_change_merged SELECT * FROM text_change ORDER BY to_id, from_id;
DROP TABLE text_change;
ALTER TABLE text_change_merged RENAME TO text_change;

DROP INDEX section_text_key;
