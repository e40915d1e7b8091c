-- Search reads the best postings of each query term first and stops once nothing unread can change the answer
-- (warehouse.topk). Both tables are derived and rebuilt whole by warehouse.search.build_index.
--
-- Documents are numbered in the order of the first version that carries them (by site, then version number),
-- so that among equally scored documents the one read first also holds the first versions; search_link is kept
-- sorted by site and version, so that one site's documents sit together.

-- Every (term, document) posting with its Okapi BM25 term score, sorted by term, then best score first (ties by
-- document). rank is the posting's place in its term's list, counting from 0.
CREATE TABLE search_impact (
    termid  BIGINT NOT NULL,
    rank    INTEGER NOT NULL,
    doc_id  BIGINT NOT NULL,
    score   DOUBLE NOT NULL
);

-- The versions that carry each document, sorted by site and version, with the moments that bound the time each
-- was in force (first_seen, and next_seen: the next version's first_seen, NULL for a site's latest version).
CREATE TABLE search_carrier (
    doc_id    BIGINT PRIMARY KEY,
    carriers  STRUCT(site VARCHAR, version INTEGER, first_seen TIMESTAMPTZ, next_seen TIMESTAMPTZ)[] NOT NULL
);

-- The term-sorted postings of earlier versions are replaced by search_impact; an index built before this
-- migration is stale.
DROP TABLE IF EXISTS search_posting;
DELETE FROM search_state;
