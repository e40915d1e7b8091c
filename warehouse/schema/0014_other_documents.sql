-- What else a page held beside its privacy policy: the titles of the documents extraction left out of the text
-- (terms of use, a legal page's other notices; extractors.documents). Kept per extraction, and on each capture
-- the extraction decided, where the captures view shows them as other_documents (views only gain columns).
ALTER TABLE extraction ADD COLUMN others VARCHAR[];
ALTER TABLE capture ADD COLUMN others VARCHAR[];

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
    c.others AS other_documents
FROM capture AS c
LEFT JOIN policy_text AS t USING (text_id);
