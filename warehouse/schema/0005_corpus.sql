-- Search, imports and re-extraction. Tables only; the public views keep every column they had.

-- What the full-text index covers: one document per distinct section (doc_key: its section_sha256) and one per
-- text stored without sections (doc_key: its text_sha256). warehouse.search builds the BM25 index over it
-- (DuckDB fts, schema fts_main_search_doc) and a postings table sorted by term (search_posting).
CREATE TABLE search_doc (
    doc_id   BIGINT PRIMARY KEY,
    doc_key  VARCHAR NOT NULL,
    heading  VARCHAR,
    body     VARCHAR NOT NULL
);

-- Which versions carry each document, sorted by document.
CREATE TABLE search_link (
    doc_id   BIGINT NOT NULL,
    site     VARCHAR NOT NULL,
    version  INTEGER NOT NULL
);

-- When the index was last built, over how many texts and sections and which versions: any difference means
-- the index is stale (versions: a hash of every (site, version, text_sha256), changed by any rebuild).
CREATE TABLE search_state (
    texts     BIGINT NOT NULL,
    sections  BIGINT NOT NULL,
    versions  UBIGINT NOT NULL,
    built_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- Imported seed-format documents, exactly as given, so an export gives each file back byte for byte.
-- ``label`` and ``archived_on`` are the header's own words (the site as it names it, its archive date).
CREATE TABLE imported_document (
    file_sha256  VARCHAR PRIMARY KEY,    -- SHA-256 of the file's bytes
    name         VARCHAR NOT NULL,       -- the file's name when imported
    site         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR NOT NULL,       -- the capture key's digest: 'imported:' + the first 16 of file_sha256
    cited        VARCHAR,                -- the header's snapshot link as written (NULL: no header)
    label        VARCHAR,
    archived_on  VARCHAR,
    header       VARCHAR NOT NULL,       -- everything before the text, as given ('' when there is no header)
    body         VARCHAR NOT NULL,       -- the text after the header, as given
    text_sha256  VARCHAR NOT NULL,
    imported_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- What a verification found: the cited snapshot fetched and extracted again, compared with the imported text.
CREATE TABLE verification (
    file_sha256  VARCHAR NOT NULL,
    checked_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    similarity   DOUBLE,                 -- 0..1, NULL when the snapshot could not be fetched or extracted
    outcome      VARCHAR NOT NULL,       -- same-text | similar | different | error:<reason>
    detail       VARCHAR,
    PRIMARY KEY (file_sha256, checked_at)
);

-- Versions that appeared or vanished when a re-extraction changed texts, not because the site changed.
CREATE TABLE technical_change (
    run_id       INTEGER NOT NULL,
    site         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,       -- appeared | vanished
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    text_sha256  VARCHAR NOT NULL,
    PRIMARY KEY (run_id, site, kind, first_seen)
);

ALTER TABLE extraction_run ADD COLUMN finished_at TIMESTAMPTZ;
