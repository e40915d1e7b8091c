-- The search index by number. It held its own copy of every section (search_doc), named versions by site and
-- number in every link, and listed each document's versions as structs of four fields: together about a third
-- of a warehouse. Now a document names the section or text it indexes (their words are read from section_text
-- and policy_text), versions are numbered once (search_version), and links and lists hold those numbers.
-- Every table here is derived and rebuilt whole by warehouse.search_index.build_index.

DROP TABLE IF EXISTS search_doc;
DROP TABLE IF EXISTS search_link;
DROP TABLE IF EXISTS search_carrier;
DROP SCHEMA IF EXISTS fts_main_search_doc CASCADE;
DELETE FROM search_impact;
DELETE FROM search_state;

-- Every version, numbered in (site, version) order, with the moments that bound the time it was in force:
-- first_seen, and next_seen, the next version's first_seen (NULL for a site's latest version).
CREATE TABLE search_version (
    vid         INTEGER PRIMARY KEY,
    site        VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    next_seen   TIMESTAMPTZ
);

-- One document per distinct normalised section (section_id: the first section stored with that normalised
-- hash) and one per text a version has that has no sections (text_id), numbered in the order of the first
-- version that carries it.
CREATE TABLE search_doc (
    doc_id      INTEGER PRIMARY KEY,
    section_id  INTEGER,
    text_id     INTEGER
);

-- Which documents each version carries, sorted by version number (a site's versions sit together).
CREATE TABLE search_link (
    vid     INTEGER NOT NULL,
    doc_id  INTEGER NOT NULL
);

-- The versions that carry each document, sorted by number, hence by site and version.
CREATE TABLE search_carrier (
    doc_id  INTEGER PRIMARY KEY,
    vids    INTEGER[] NOT NULL
);
