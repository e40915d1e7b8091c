SELECT min(ts), detail FROM capture
WHERE site = ? AND url IN (SELECT unnest(?::VARCHAR[])) AND outcome = 'redirect' AND detail IS NOT NULL
GROUP BY detail ORDER BY min(ts)
