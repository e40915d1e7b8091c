-- 0017 in a lake, which holds no primary key: the claim code keeps one row per site.
CREATE TABLE crawl_claim (
    site     VARCHAR NOT NULL,
    holder   VARCHAR NOT NULL,
    since    TIMESTAMPTZ NOT NULL,
    renewed  TIMESTAMPTZ NOT NULL
);
