SELECT COUNT(*) AS received,
    SUM(CASE WHEN d.channel = 'online' THEN 1 ELSE 0 END) AS online,
    SUM(CASE WHEN d.finished = 1 THEN 1 ELSE 0 END) AS finished,
    SUM(CASE WHEN d.finished = 1 AND substr(d.finished_at, 1, 10) <= d.due_on THEN 1 ELSE 0 END) AS on_time,
    SUM(CASE WHEN d.finished = 0 AND d.paused_since IS NULL AND d.due_on < '2026-12-02' THEN 1 ELSE 0 END) AS overdue,
    SUM(CASE WHEN EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id) THEN 1 ELSE 0 END) AS digitized,
    SUM(CASE WHEN d.finished = 1 AND EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.event_seq > 1) THEN 1 ELSE 0 END) AS digitized_results,
    SUM(CASE WHEN r.score IS NOT NULL THEN 1 ELSE 0 END) AS ratings,
    SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) AS satisfied
FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id
WHERE d.received_on >= '2000-01-01' AND d.received_on <= '2100-12-31'
