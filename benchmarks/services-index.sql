SELECT c.agency_id, SUM(c.received), SUM(c.online), SUM(c.finished), SUM(c.on_time), SUM(c.digitized), SUM(c.digitized_results),
    SUM(c.ratings), SUM(c.satisfied)
FROM dossier_daily c WHERE c.day BETWEEN '2000-01-01' AND '2100-12-31' GROUP BY c.agency_id;
SELECT COALESCE(agency_id, ''), COUNT(*) FROM dossiers
WHERE finished = 0 AND due_on < '2026-12-02' AND paused_since IS NULL AND received_on BETWEEN '2000-01-01' AND '2100-12-31'
GROUP BY COALESCE(agency_id, '');
