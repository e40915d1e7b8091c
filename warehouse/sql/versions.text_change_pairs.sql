SELECT p.text_id, v.text_id, pt.text, vt.text
FROM version AS v
JOIN version AS p ON p.site = v.site AND p.version = v.version - 1
JOIN policy_text AS pt ON pt.text_id = p.text_id
JOIN policy_text AS vt ON vt.text_id = v.text_id
WHERE v.site = ? AND p.site = ?
  AND NOT EXISTS (SELECT 1 FROM text_change AS d WHERE d.from_id = p.text_id AND d.to_id = v.text_id)
