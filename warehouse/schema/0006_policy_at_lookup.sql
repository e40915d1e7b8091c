-- policy_at(site, ts) as two keyed lookups instead of a join over every version of the site.
--
-- An ART index on version(site) finds a site's few versions without scanning the row group they sit in (the
-- version table is rebuilt per site, so its rows are not kept in site order). The macro first takes the number
-- of the version in force (versions count from 1 in time order, so the highest number first seen at or before
-- the moment), then reads that one row of `versions`, whose text is then fetched by its hash.
-- DuckDB refuses some changes (renaming a column, for one) to a table with an index: a later migration that
-- makes one to `version` drops this index first and creates it again.
CREATE INDEX version_site ON version (site);

CREATE OR REPLACE MACRO policy_at(_site, _ts) AS TABLE
SELECT *
FROM versions
WHERE site = _site
  AND version = (
      SELECT max(version)
      FROM version
      WHERE site = _site AND first_seen <= CAST(_ts AS TIMESTAMPTZ)
  );
