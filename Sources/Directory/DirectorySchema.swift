import ProvinceStore

/// The directory's tables: units and their successions, agencies, accounts and their roles, sessions, API keys,
/// sign-in attempts. Its first step, released before modules kept schemas of their own, also made the audit trail's.
public enum DirectorySchema {
    /// Its steps in the order they were released: additive, never edited once released.
    public static let schema = ModuleSchema(
        module: "directory",
        steps: [
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
                "0021-session-activity",
                [
                    // When a session was last used: one unused past its idle limit ends.
                    "ALTER TABLE sessions ADD COLUMN last_seen_at TEXT",
                    "UPDATE sessions SET last_seen_at = created_at",
                ]
            ),
        ]
    )
}
