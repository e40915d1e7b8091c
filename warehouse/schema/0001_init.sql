-- Palimpsest warehouse, first schema. Tables may change through later migrations; the views in 0002 are the
-- public interface (see CONTRACT.md). All times are TIMESTAMPTZ in UTC.

-- Every tracked site, and when it was last crawled.
CREATE TABLE site (
    site        VARCHAR PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    last_crawl  TIMESTAMPTZ
);

-- Where each site's policy has lived. ``since`` is when this URL became the policy (NULL: from the start),
-- ``via`` the URL whose archived redirect (or homepage link) led here.
CREATE TABLE policy_url (
    site    VARCHAR NOT NULL,
    url     VARCHAR NOT NULL,
    since   TIMESTAMPTZ,
    source  VARCHAR NOT NULL,          -- start | redirect | discovered | imported
    via     VARCHAR,
    PRIMARY KEY (site, url)
);

-- One row per CDX row seen (plus imported documents). Keyed on the archive's identity of a capture.
-- ``outcome`` and ``usable`` are derived: set when the capture is processed and recomputed by rebuilds.
CREATE TABLE capture (
    site         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR NOT NULL,
    status       INTEGER,
    mime         VARCHAR,
    length       BIGINT,
    outcome      VARCHAR NOT NULL,     -- version | same-text | redirect | not-found | error:… | skipped:… | imported
    detail       VARCHAR,              -- the error message, or the redirect target
    text_sha256  VARCHAR,
    quality      VARCHAR,              -- ok | soft-404 | bot-wall | parked | login-wall | not-a-policy | empty
    usable       BOOLEAN NOT NULL DEFAULT false,
    provenance   VARCHAR NOT NULL DEFAULT 'archive',   -- archive | imported | sampled
    seen_at      TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (site, url, ts, digest)
);

-- Raw bytes we hold: one per fetched (url, ts, digest), located in the WARC store.
CREATE TABLE payload (
    url          VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    digest       VARCHAR NOT NULL,
    status       INTEGER NOT NULL,
    body_digest  VARCHAR NOT NULL,     -- base32 SHA-1 of the bytes received
    location     VARCHAR,              -- for archived redirects: the original target URL
    warc_file    VARCHAR NOT NULL,
    warc_offset  BIGINT NOT NULL,
    warc_length  BIGINT NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (url, ts, digest)
);

-- Extractor versions and settings, so every text can be traced to what produced it.
CREATE TABLE extraction_run (
    run_id      INTEGER PRIMARY KEY,
    extractor   VARCHAR NOT NULL,
    settings    VARCHAR,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- What extraction made of each distinct payload digest, per extraction run. Identical bytes give an identical
-- result, so each digest is fetched and extracted once; captures sharing it reuse the result.
CREATE TABLE extraction (
    digest       VARCHAR NOT NULL,
    run_id       INTEGER NOT NULL,
    text_sha256  VARCHAR,              -- NULL when nothing usable came out
    quality      VARCHAR NOT NULL,     -- ok | … (see capture.quality) | error
    error        VARCHAR,              -- the reason, when text_sha256 is NULL
    extracted_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (digest, run_id)
);

-- Policy texts, stored once per normalised hash (content-addressed).
CREATE TABLE policy_text (
    text_sha256  VARCHAR PRIMARY KEY,
    text         VARCHAR NOT NULL,
    words        INTEGER NOT NULL,
    language     VARCHAR,
    extractor    VARCHAR,
    stated_date  DATE
);

-- Sections of a text, split on its headings.
CREATE TABLE section (
    text_sha256     VARCHAR NOT NULL,
    ord             INTEGER NOT NULL,
    path            VARCHAR NOT NULL,
    heading         VARCHAR,
    body            VARCHAR NOT NULL,
    section_sha256  VARCHAR NOT NULL,
    PRIMARY KEY (text_sha256, ord)
);

-- Materialised versions per site: rebuilt from ``capture`` whenever a site's captures change.
CREATE TABLE version (
    site         VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    text_sha256  VARCHAR NOT NULL,
    policy_url   VARCHAR NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    captures     INTEGER NOT NULL,
    PRIMARY KEY (site, version)
);

-- Word-level differences between two texts, computed once per ordered pair.
CREATE TABLE text_change (
    from_sha256    VARCHAR NOT NULL,
    to_sha256      VARCHAR NOT NULL,
    words_added    INTEGER NOT NULL,
    words_removed  INTEGER NOT NULL,
    minor          BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (from_sha256, to_sha256)
);
