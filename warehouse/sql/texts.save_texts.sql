INSERT INTO policy_text (text_id, text_key, text_sha256, text, words, language, extractor, stated_date)
SELECT nextval('policy_text_ids'), text_key(text_sha256), *
FROM (SELECT unnest(from_json(?::JSON, ?), recursive := true))
ON CONFLICT DO NOTHING
