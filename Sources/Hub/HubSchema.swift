import ProvinceStore

/// The hub's tables: the registry (members, subsystems, services, endpoints, rights, credentials, groups, peers,
/// national systems), the message log with its bodies, seals and journal imports.
public enum HubSchema {
    /// Its steps in the order they were released: additive, never edited once released.
    public static let schema = ModuleSchema(
        module: "hub",
        steps: [
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
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
            SchemaStep(
                "0009-hub-journal-imports",
                [
                    // How far each gateway journal file has been imported into hub_messages: advanced in the transaction
                    // that inserts the records, so a record is imported once, whoever imports it.
                    "CREATE TABLE hub_journal_imports (file TEXT PRIMARY KEY, imported_bytes BIGINT NOT NULL)"
                ]
            ),
            SchemaStep(
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
    )
}
