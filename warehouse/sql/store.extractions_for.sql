SELECT e.digest, t.text_sha256, e.quality, e.error, e.others
FROM extraction AS e LEFT JOIN policy_text AS t USING (text_id)
WHERE e.run_id = ? AND e.digest IN (SELECT unnest(?::VARCHAR[]))
