import Foundation
import SQLKit

/// The schema, as an ordered list of additive steps. A step, once released, is never edited: add a new one.
/// Only types both engines share (TEXT, BIGINT) are used; timestamps are UTC ISO 8601 text written by the app.
public enum Migrations {
    static let steps: [(id: String, statements: [String])] = [
        (
            "0001-spine",
            [
                """
                CREATE TABLE units (
                    id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
                    level BIGINT NOT NULL, parent_id TEXT REFERENCES units(id), edition TEXT NOT NULL,
                    valid_from TEXT, valid_to TEXT, search_key TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX units_parent ON units(parent_id, name)",
                "CREATE INDEX units_code ON units(code)",
                """
                CREATE TABLE unit_successions (
                    predecessor_id TEXT NOT NULL REFERENCES units(id),
                    successor_id TEXT NOT NULL REFERENCES units(id),
                    PRIMARY KEY (predecessor_id, successor_id))
                """,
                "CREATE INDEX unit_successions_successor ON unit_successions(successor_id)",
                """
                CREATE TABLE agencies (
                    id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
                    parent_id TEXT REFERENCES agencies(id), unit_id TEXT REFERENCES units(id), search_key TEXT NOT NULL,
                    created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX agencies_parent ON agencies(parent_id)",
                """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, username TEXT NOT NULL UNIQUE,
                    full_name TEXT NOT NULL, email TEXT, agency_id TEXT REFERENCES agencies(id),
                    password_hash TEXT, failed_attempts BIGINT NOT NULL DEFAULT 0, locked_until TEXT,
                    disabled_at TEXT, search_key TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX accounts_agency ON accounts(agency_id, username)",
                """
                CREATE TABLE account_roles (
                    account_id TEXT NOT NULL REFERENCES accounts(id), role TEXT NOT NULL,
                    PRIMARY KEY (account_id, role))
                """,
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),
                    kind TEXT NOT NULL, csrf_token TEXT NOT NULL, created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL, address TEXT)
                """,
                "CREATE INDEX sessions_account ON sessions(account_id)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL,
                    key_hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)
                """,
                """
                CREATE TABLE audit_entries (
                    seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, address TEXT,
                    action TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL, agency_id TEXT,
                    before_digest TEXT, after_digest TEXT, summary TEXT NOT NULL,
                    prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX audit_actor ON audit_entries(actor, seq)",
                "CREATE INDEX audit_target ON audit_entries(target_type, target_id, seq)",
                "CREATE INDEX audit_at ON audit_entries(at)",
                "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            ]
        ),
        (
            "0002-hub-registry",
            [
                """
                CREATE TABLE hub_members (
                    id TEXT PRIMARY KEY, instance TEXT NOT NULL, member_class TEXT NOT NULL, member_code TEXT NOT NULL,
                    name TEXT NOT NULL, agency_id TEXT REFERENCES agencies(id), created_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE hub_subsystems (
                    id TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES hub_members(id), subsystem_code TEXT NOT NULL,
                    name TEXT NOT NULL, rate_limit_per_second BIGINT, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_subsystems_member ON hub_subsystems(member_id)",
                """
                CREATE TABLE hub_services (
                    id TEXT PRIMARY KEY, subsystem_id TEXT NOT NULL REFERENCES hub_subsystems(id),
                    service_code TEXT NOT NULL, version TEXT, upstream_url TEXT NOT NULL, timeout_ms BIGINT NOT NULL,
                    enabled BIGINT NOT NULL, log_bodies BIGINT NOT NULL, body_retention_days BIGINT NOT NULL,
                    openapi TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_services_subsystem ON hub_services(subsystem_id, service_code)",
                """
                CREATE TABLE hub_endpoints (
                    service_id TEXT NOT NULL REFERENCES hub_services(id), method TEXT NOT NULL, path TEXT NOT NULL,
                    PRIMARY KEY (service_id, method, path))
                """,
                """
                CREATE TABLE hub_rights (
                    id TEXT PRIMARY KEY, consumer_id TEXT NOT NULL REFERENCES hub_subsystems(id),
                    service_id TEXT NOT NULL REFERENCES hub_services(id), endpoint_method TEXT, endpoint_path TEXT,
                    granted_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_rights_service ON hub_rights(service_id, consumer_id)",
                """
                CREATE TABLE hub_credentials (
                    id TEXT PRIMARY KEY, subsystem_id TEXT NOT NULL REFERENCES hub_subsystems(id), kind TEXT NOT NULL,
                    name TEXT NOT NULL, secret_digest TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)
                """,
                "CREATE INDEX hub_credentials_digest ON hub_credentials(secret_digest)",
                "CREATE TABLE hub_registry_version (id BIGINT PRIMARY KEY, version BIGINT NOT NULL)",
            ]
        ),
        (
            "0003-hub-message-log",
            [
                """
                CREATE TABLE hub_messages (
                    seq BIGINT PRIMARY KEY, message_id TEXT NOT NULL, consumer TEXT NOT NULL, service TEXT NOT NULL,
                    method TEXT NOT NULL, path TEXT NOT NULL, status BIGINT NOT NULL, error TEXT,
                    request_bytes BIGINT NOT NULL, response_bytes BIGINT NOT NULL,
                    request_sha256 TEXT NOT NULL, response_sha256 TEXT NOT NULL,
                    received_at TEXT NOT NULL, forwarded_at TEXT, answered_at TEXT NOT NULL,
                    prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX hub_messages_consumer ON hub_messages(consumer, seq)",
                "CREATE INDEX hub_messages_service ON hub_messages(service, seq)",
                "CREATE INDEX hub_messages_received ON hub_messages(received_at)",
                "CREATE INDEX hub_messages_id ON hub_messages(message_id)",
                "CREATE TABLE hub_message_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            ]
        ),
        (
            "0004-hub-seals",
            [
                "CREATE TABLE hub_seal_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at TEXT NOT NULL)",
                """
                CREATE TABLE hub_seals (
                    seq BIGINT PRIMARY KEY, first_record BIGINT NOT NULL, last_record BIGINT NOT NULL,
                    merkle_root TEXT NOT NULL, key_id TEXT NOT NULL REFERENCES hub_seal_keys(key_id),
                    signature TEXT NOT NULL, sealed_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_seals_last ON hub_seals(last_record)",
            ]
        ),
        (
            "0005-hub-national-systems",
            [
                """
                CREATE TABLE hub_national_systems (
                    code TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, position BIGINT NOT NULL, service_id TEXT)
                """,
                // The national systems a province's hub must reach (seed 000: "17/17"); the operator maps each to a service.
                """
                INSERT INTO hub_national_systems (code, name, owner, position) VALUES
                    ('population', 'Cơ sở dữ liệu quốc gia về dân cư', 'Bộ Công an', 1),
                    ('business', 'Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp', 'Bộ Tài chính', 2),
                    ('civil-status', 'Cơ sở dữ liệu hộ tịch điện tử toàn quốc', 'Bộ Tư pháp', 3),
                    ('land', 'Cơ sở dữ liệu quốc gia về đất đai', 'Bộ Nông nghiệp và Môi trường', 4),
                    ('insurance', 'Cơ sở dữ liệu quốc gia về bảo hiểm', 'Bảo hiểm xã hội Việt Nam', 5),
                    ('officials', 'Cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức', 'Bộ Nội vụ', 6),
                    ('public-services', 'Cổng Dịch vụ công quốc gia', 'Văn phòng Chính phủ', 7),
                    ('reporting', 'Hệ thống thông tin báo cáo quốc gia', 'Văn phòng Chính phủ', 8),
                    ('procedures', 'Cơ sở dữ liệu quốc gia về thủ tục hành chính', 'Văn phòng Chính phủ', 9),
                    ('documents', 'Trục liên thông văn bản quốc gia', 'Văn phòng Chính phủ', 10),
                    ('tax', 'Hệ thống thuế điện tử', 'Bộ Tài chính', 11),
                    ('treasury', 'Hệ thống thông tin Kho bạc Nhà nước', 'Bộ Tài chính', 12),
                    ('payments', 'Nền tảng thanh toán trực tuyến', 'Văn phòng Chính phủ', 13),
                    ('judicial-records', 'Cơ sở dữ liệu lý lịch tư pháp', 'Bộ Tư pháp', 14),
                    ('legal-documents', 'Cơ sở dữ liệu quốc gia về văn bản pháp luật', 'Bộ Tư pháp', 15),
                    ('education', 'Cơ sở dữ liệu ngành giáo dục và đào tạo', 'Bộ Giáo dục và Đào tạo', 16),
                    ('vehicles', 'Cơ sở dữ liệu đăng ký phương tiện và giấy phép lái xe', 'Bộ Công an', 17)
                """,
            ]
        ),
        (
            "0006-hub-peers",
            [
                """
                CREATE TABLE hub_peers (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL)
                """,
                // A member registered on a peer hub: calls to its services are forwarded to that hub.
                "ALTER TABLE hub_members ADD COLUMN peer_id TEXT REFERENCES hub_peers(id)",
            ]
        ),
        (
            "0007-hub-message-bodies",
            [
                // Bodies of services that log them, kept until expires_at; the record's hash chain covers their SHA-256,
                // so removing an expired body leaves the chain intact. Base64 text: one column type on both engines.
                """
                CREATE TABLE hub_message_bodies (
                    seq BIGINT PRIMARY KEY, request_body TEXT NOT NULL, response_body TEXT NOT NULL,
                    request_truncated BIGINT NOT NULL, response_truncated BIGINT NOT NULL, expires_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_message_bodies_expiry ON hub_message_bodies(expires_at)",
            ]
        ),
        (
            "0008-hub-groups",
            [
                // Groups of subsystems, granted rights as one: a right's consumer is a subsystem or `group:CODE`.
                "CREATE TABLE hub_groups (code TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL)",
                """
                CREATE TABLE hub_group_members (
                    group_code TEXT NOT NULL REFERENCES hub_groups(code), subsystem_id TEXT NOT NULL REFERENCES hub_subsystems(id),
                    PRIMARY KEY (group_code, subsystem_id))
                """,
                // Rights granted to a group: the columns of hub_rights, the consumer being `group:CODE`.
                """
                CREATE TABLE hub_group_rights (
                    id TEXT PRIMARY KEY, consumer_id TEXT NOT NULL, service_id TEXT NOT NULL REFERENCES hub_services(id),
                    endpoint_method TEXT, endpoint_path TEXT, granted_at TEXT NOT NULL)
                """,
                "CREATE INDEX hub_group_rights_service ON hub_group_rights(service_id, consumer_id)",
            ]
        ),
        (
            "0009-hub-journal-imports",
            [
                // How far each gateway journal file has been imported into hub_messages: advanced in the transaction
                // that inserts the records, so a record is imported once, whoever imports it.
                "CREATE TABLE hub_journal_imports (file TEXT PRIMARY KEY, imported_bytes BIGINT NOT NULL)"
            ]
        ),
        (
            "0010-calendar-adjustments",
            [
                // The operator's changes to a year's working days, as the government announces them: a day given off
                // or a day worked (kind), by date (YYYY-MM-DD).
                """
                CREATE TABLE calendar_adjustments (
                    day TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at TEXT NOT NULL)
                """
            ]
        ),
        (
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
        (
            "0012-process-definitions",
            [
                // Workflows as data: the whole definition as JSON text, checked before it is saved.
                """
                CREATE TABLE process_definitions (
                    code TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                """
            ]
        ),
        (
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
        (
            "0014-portal-outbox-order",
            [
                // A change is pushed only after its dossier's earlier ones: looked up by dossier and number.
                "CREATE INDEX portal_outbox_dossier ON portal_outbox(dossier_id, event_seq)"
            ]
        ),
        (
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
        (
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
        (
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
        (
            "0018-dossiers-overdue-covering",
            [
                // The index's overdue count read from the index alone: unfinished, clock running, by due day.
                "CREATE INDEX dossiers_overdue_counted ON dossiers(finished, paused_since, due_on, received_on, agency_id)"
            ]
        ),
        (
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
        (
            "0020-sign-in-attempts",
            [
                // Failed sign-ins counted by username and address, by username, and by address, each for a window that
                // starts with its first failure (accounts.failed_attempts and locked_until are no longer used).
                """
                CREATE TABLE sign_in_attempts (
                    attempt_key TEXT PRIMARY KEY, attempts BIGINT NOT NULL, window_start TEXT NOT NULL)
                """,
                "CREATE INDEX sign_in_attempts_window ON sign_in_attempts(window_start)",
            ]
        ),
        (
            "0021-session-activity",
            [
                // When a session was last used: one unused past its idle limit ends.
                "ALTER TABLE sessions ADD COLUMN last_seen_at TEXT",
                "UPDATE sessions SET last_seen_at = created_at",
            ]
        ),
        (
            "0022-dossier-tracking-keys",
            [
                // The secret check part of the code an applicant tracks a dossier by; dossiers already there take six
                // hexadecimal digits of their random id.
                "ALTER TABLE dossiers ADD COLUMN track_key TEXT",
                "UPDATE dossiers SET track_key = upper(substr(id, 25, 6))",
            ]
        ),
        (
            "0023-audit-seals",
            [
                // Signed Merkle roots over runs of audit entries, and the public keys that check them; each seal is
                // also written to a file outside the database (AuditSealer's archive).
                "CREATE TABLE audit_seal_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, added_at TEXT NOT NULL)",
                """
                CREATE TABLE audit_seals (
                    seq BIGINT PRIMARY KEY, first_entry BIGINT NOT NULL UNIQUE, last_entry BIGINT NOT NULL, merkle_root TEXT NOT NULL,
                    key_id TEXT NOT NULL, signature TEXT NOT NULL, sealed_at TEXT NOT NULL)
                """,
            ]
        ),
        (
            "0024-hub-message-xroad-fields",
            [
                // What X-Road's operational monitoring keeps of a message besides what the log had: the request id,
                // the request hash, and the client's X-Road-UserId, X-Road-Issue and X-Road-Represented-Party.
                "ALTER TABLE hub_messages ADD COLUMN request_id TEXT",
                "ALTER TABLE hub_messages ADD COLUMN request_hash TEXT",
                "ALTER TABLE hub_messages ADD COLUMN user_id TEXT",
                "ALTER TABLE hub_messages ADD COLUMN issue TEXT",
                "ALTER TABLE hub_messages ADD COLUMN represented_party TEXT",
            ]
        ),
    ]

    /// Applies the steps not yet applied; safe to run from several processes at once.
    @discardableResult
    public static func run(on database: ProvinceDatabase) async throws -> [String] {
        try await database.write { db in
            if database.engine == .postgres {
                // Serializes concurrent starts of several processes until this transaction ends.
                try await db.raw("SELECT pg_advisory_xact_lock(7401)").run()
            }
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            ).run()
            let applied = Set(
                try await db.raw("SELECT id FROM schema_migrations").all().map { try $0.decode(column: "id", as: String.self) })
            var newlyApplied: [String] = []
            for step in steps where !applied.contains(step.id) {
                for statement in step.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw(
                    "INSERT INTO schema_migrations (id, applied_at) VALUES (\(bind: step.id), \(bind: Timestamp.now()))"
                ).run()
                newlyApplied.append(step.id)
            }
            return newlyApplied
        }
    }
}

/// Timestamps as the database keeps them: UTC, ISO 8601 with milliseconds, so text order is time order.
public enum Timestamp {
    /// `2026-11-24T22:22:58.650Z`. Computed by hand (days to civil date, as in Howard Hinnant's algorithm):
    /// Foundation's formatters cost microseconds, and the hub stamps every exchange three times.
    public static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var days = milliseconds / 86_400_000
        var rest = milliseconds % 86_400_000
        if rest < 0 {
            rest += 86_400_000
            days -= 1
        }
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Written straight into the string's storage: 24 bytes, the year taken as four digits.
        return String(unsafeUninitializedCapacity: 24) { text in
            var position = 0
            func append(_ value: Int64, width: Int) {
                var divisor: Int64 = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    text[position] = 48 + UInt8(value / divisor % 10)
                    position += 1
                    divisor /= 10
                }
            }
            func append(_ byte: UInt8) {
                text[position] = byte
                position += 1
            }
            append(year, width: 4)
            append(45)
            append(month, width: 2)
            append(45)
            append(day, width: 2)
            append(84)
            append(rest / 3_600_000, width: 2)
            append(58)
            append(rest / 60_000 % 60, width: 2)
            append(58)
            append(rest / 1000 % 60, width: 2)
            append(46)
            append(rest % 1000, width: 3)
            append(90)
            return position
        }
    }

    public static func now() -> String { string(Date()) }

    public static func date(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

extension SQLRow {
    /// A text column's value.
    public func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    /// A nullable text column's value.
    public func optionalString(_ column: String) throws -> String? { try decodeNil(column: column) ? nil : string(column) }
    /// An integer column's value.
    public func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    /// A timestamp column's value.
    public func date(_ column: String) throws -> Date {
        let text = try string(column)
        guard let date = Timestamp.date(text) else { throw StoreError.corrupt("timestamp \(text) in \(column)") }
        return date
    }
    public func optionalDate(_ column: String) throws -> Date? {
        try optionalString(column).flatMap(Timestamp.date)
    }
}

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
