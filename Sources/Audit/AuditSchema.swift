import ProvinceStore

/// The audit trail's seals. (The trail's entries and head were made by the directory's first step.)
public enum AuditSchema {
    /// Its steps in the order they were released: additive, never edited once released.
    public static let schema = ModuleSchema(
        module: "audit",
        steps: [
            SchemaStep(
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
            )
        ]
    )
}
