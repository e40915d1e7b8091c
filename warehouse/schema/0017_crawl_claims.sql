-- Which process is crawling each site now, so that two crawls of one site (two terminals, two workers, two
-- machines writing one lake) never write its history at once: the second is refused. A crawl renews its claim
-- as it stores each batch; a claim not renewed for a quarter of an hour, or whose process on this host is gone,
-- is stale and taken over.
CREATE TABLE crawl_claim (
    site     VARCHAR PRIMARY KEY,
    holder   VARCHAR NOT NULL,      -- host-pid of the crawling process
    since    TIMESTAMPTZ NOT NULL,
    renewed  TIMESTAMPTZ NOT NULL
);
