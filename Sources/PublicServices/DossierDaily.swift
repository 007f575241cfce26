/// The service-quality index's daily counts.
public enum DossierDaily {
    /// Counts every dossier into `dossier_daily` (an empty table): what migration 0017 does with the dossiers already
    /// stored, and what a load of dossiers written straight to the database must do after it.
    public static let recount = """
        INSERT INTO dossier_daily (agency_id, day, received, online, finished, on_time, digitized, digitized_results, ratings, satisfied)
        SELECT COALESCE(d.agency_id, ''), d.received_on, COUNT(*),
            SUM(CASE WHEN d.channel = 'online' THEN 1 ELSE 0 END),
            SUM(CASE WHEN d.finished = 1 THEN 1 ELSE 0 END),
            SUM(CASE WHEN d.finished = 1 AND substr(d.finished_at, 1, 10) <= d.due_on THEN 1 ELSE 0 END),
            SUM(CASE WHEN EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id) THEN 1 ELSE 0 END),
            SUM(CASE WHEN d.finished = 1 AND EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.event_seq > 1) THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.score IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END)
        FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id
        GROUP BY COALESCE(d.agency_id, ''), d.received_on
        """
}
