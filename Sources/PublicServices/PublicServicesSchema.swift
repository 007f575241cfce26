import ProvinceStore

/// The one-stop shop's tables: procedures, dossiers with their events, files and outbox, ratings, fees and payments,
/// the daily counts of the service-quality index.
public enum PublicServicesSchema {
    /// Its steps in the order they were released: additive, never edited once released.
    public static let schema = ModuleSchema(
        module: "public-services",
        steps: [
            SchemaStep(
                "0011-procedures",
                [
                    // The catalogue of administrative procedures; documents and form fields as JSON text.
                    """
                    CREATE TABLE procedures (
                        id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, field TEXT NOT NULL, level TEXT NOT NULL,
                        agency_id TEXT REFERENCES agencies(id), online_level TEXT NOT NULL, deadline_days BIGINT NOT NULL, fee_vnd BIGINT NOT NULL,
                        documents TEXT NOT NULL, form_fields TEXT NOT NULL, process_code TEXT, search_key TEXT NOT NULL,
                        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                    """,
                    "CREATE INDEX procedures_agency ON procedures(agency_id, code)",
                ]
            ),
            SchemaStep(
                "0013-dossiers",
                [
                    """
                    CREATE TABLE dossiers (
                        id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, procedure_id TEXT NOT NULL REFERENCES procedures(id),
                        process_code TEXT NOT NULL, agency_id TEXT REFERENCES agencies(id), applicant_id TEXT, applicant_name TEXT NOT NULL,
                        applicant_citizen_id TEXT, channel TEXT NOT NULL, form TEXT NOT NULL, state TEXT NOT NULL, finished BIGINT NOT NULL,
                        received_on TEXT NOT NULL, due_on TEXT NOT NULL, paused_since TEXT, paused_days BIGINT NOT NULL, submission_key TEXT,
                        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT)
                    """,
                    // A submission key makes one dossier per applicant however often it is sent.
                    "CREATE UNIQUE INDEX dossiers_submission ON dossiers(applicant_id, submission_key)",
                    "CREATE INDEX dossiers_inbox ON dossiers(agency_id, finished, due_on)",
                    "CREATE INDEX dossiers_applicant ON dossiers(applicant_id, created_at)",
                    """
                    CREATE TABLE dossier_events (
                        dossier_id TEXT NOT NULL REFERENCES dossiers(id), seq BIGINT NOT NULL, action TEXT NOT NULL, from_state TEXT,
                        to_state TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT, at TEXT NOT NULL, PRIMARY KEY (dossier_id, seq))
                    """,
                    """
                    CREATE TABLE dossier_files (
                        id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL REFERENCES dossiers(id), event_seq BIGINT NOT NULL, kind TEXT NOT NULL,
                        filename TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, uploaded_at TEXT NOT NULL)
                    """,
                    "CREATE INDEX dossier_files_dossier ON dossier_files(dossier_id)",
                    // The last number given to dossiers of each agency and day.
                    "CREATE TABLE dossier_numbers (prefix TEXT PRIMARY KEY, last BIGINT NOT NULL)",
                    // Every status change, put here in the transaction that makes it, for the national portal.
                    """
                    CREATE TABLE portal_outbox (
                        idempotency_key TEXT PRIMARY KEY, dossier_id TEXT NOT NULL, event_seq BIGINT NOT NULL, payload TEXT NOT NULL,
                        attempts BIGINT NOT NULL, next_attempt_at TEXT NOT NULL, sent_at TEXT, last_error TEXT, created_at TEXT NOT NULL)
                    """,
                    "CREATE INDEX portal_outbox_pending ON portal_outbox(sent_at, next_attempt_at)",
                ]
            ),
            SchemaStep(
                "0014-portal-outbox-order",
                [
                    // A change is pushed only after its dossier's earlier ones: looked up by dossier and number.
                    "CREATE INDEX portal_outbox_dossier ON portal_outbox(dossier_id, event_seq)"
                ]
            ),
            SchemaStep(
                "0015-dossier-ratings",
                [
                    // An applicant's rating of a finished dossier, once (1 to 5).
                    """
                    CREATE TABLE dossier_ratings (
                        dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id), score BIGINT NOT NULL, comment TEXT, rated_at TEXT NOT NULL)
                    """,
                    "CREATE INDEX dossiers_received ON dossiers(received_on, agency_id)",
                ]
            ),
            SchemaStep(
                "0016-fees",
                [
                    // The fee a dossier owes, as its procedure set it when it was submitted (NULL: none).
                    "ALTER TABLE dossiers ADD COLUMN fee_vnd BIGINT",
                    // Where an agency collects its fees (a VietQR code names it).
                    """
                    CREATE TABLE payment_accounts (
                        agency_id TEXT PRIMARY KEY REFERENCES agencies(id), bank_bin TEXT NOT NULL, account TEXT NOT NULL, account_name TEXT NOT NULL,
                        updated_at TEXT NOT NULL)
                    """,
                    """
                    CREATE TABLE dossier_payments (
                        dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id), amount BIGINT NOT NULL, method TEXT NOT NULL, reference TEXT NOT NULL,
                        paid_at TEXT NOT NULL, recorded_by TEXT NOT NULL)
                    """,
                    // Each payment notification once, by the payment service's transaction id.
                    "CREATE TABLE payment_notifications (transaction_id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL, received_at TEXT NOT NULL)",
                ]
            ),
            SchemaStep(
                "0017-dossier-daily",
                [
                    // The service-quality index's counts, by agency and day of receipt, kept in the transaction of each
                    // submission, action and rating; the dossiers already there counted once here.
                    """
                    CREATE TABLE dossier_daily (
                        agency_id TEXT NOT NULL, day TEXT NOT NULL, received BIGINT NOT NULL, online BIGINT NOT NULL, finished BIGINT NOT NULL,
                        on_time BIGINT NOT NULL, digitized BIGINT NOT NULL, digitized_results BIGINT NOT NULL, ratings BIGINT NOT NULL,
                        satisfied BIGINT NOT NULL, PRIMARY KEY (agency_id, day))
                    """,
                    DossierDaily.recount,
                    "CREATE INDEX dossiers_overdue ON dossiers(finished, due_on)",
                ]
            ),
            SchemaStep(
                "0018-dossiers-overdue-covering",
                [
                    // The index's overdue count read from the index alone: unfinished, clock running, by due day.
                    "CREATE INDEX dossiers_overdue_counted ON dossiers(finished, paused_since, due_on, received_on, agency_id)"
                ]
            ),
            SchemaStep(
                "0019-dossiers-across-agencies",
                [
                    // A procedure received at one agency's one-stop desk (the commune's) and resolved by another (the
                    // province's department): the dossier remembers where it came in and which agency holds it now.
                    "ALTER TABLE procedures ADD COLUMN receiving_agency_id TEXT REFERENCES agencies(id)",
                    "ALTER TABLE dossiers ADD COLUMN receiving_agency_id TEXT",
                    "ALTER TABLE dossiers ADD COLUMN holder_agency_id TEXT",
                    "UPDATE dossiers SET receiving_agency_id = agency_id, holder_agency_id = agency_id",
                    // The inbox is the holder's now.
                    "DROP INDEX dossiers_inbox",
                    "CREATE INDEX dossiers_held ON dossiers(holder_agency_id, finished, due_on)",
                ]
            ),
            SchemaStep(
                "0022-dossier-tracking-keys",
                [
                    // The secret check part of the code an applicant tracks a dossier by; dossiers already there take six
                    // hexadecimal digits of their random id.
                    "ALTER TABLE dossiers ADD COLUMN track_key TEXT",
                    "UPDATE dossiers SET track_key = upper(substr(id, 25, 6))",
                ]
            ),
        ]
    )
}
