-- A lake has no sequence, and its inserts return nothing (warehouse.lake): a new section is numbered after the
-- highest stored, and texts.save_sections reads the numbers back by key. Sections are inserted once looked up.
INSERT INTO section_text (section_id, section_key, section_sha256, heading, body)
SELECT (SELECT coalesce(max(section_id), 0) FROM section_text) + row_number() OVER (), section_key(heading, body), *
FROM (SELECT unnest(from_json(?::JSON, ?), recursive := true))
