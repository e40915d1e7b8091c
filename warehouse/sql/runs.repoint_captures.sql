UPDATE capture AS c
SET text_id = e.text_id, quality = e.quality,
    usable = (e.text_id IS NOT NULL AND e.quality = 'ok'),
    outcome = CASE WHEN e.text_id IS NOT NULL AND e.quality = 'ok' THEN 'same-text'
                   WHEN e.text_id IS NOT NULL THEN 'skipped:' || e.quality
                   ELSE coalesce(e.error, 'error:extraction') END,
    detail = CASE WHEN e.text_id IS NOT NULL AND e.quality = 'ok' THEN NULL ELSE e.error END,
    others = e.others
FROM extraction AS e
WHERE e.run_id = $run AND e.digest = c.digest AND c.provenance <> 'imported'
  AND (c.usable OR c.quality IS NOT NULL OR c.outcome LIKE 'skipped:%' OR c.outcome = 'error:extraction')
