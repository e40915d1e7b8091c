-- Sections are inserted once looked up (section_text has no key index; see migration 0012).
INSERT INTO section_text (section_id, section_key, section_sha256, heading, body)
SELECT nextval('section_text_ids'), section_key(heading, body), *
FROM (SELECT unnest(from_json(?::JSON, ?), recursive := true))
RETURNING section_key, section_id
