import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// Input for a new service, or changes to one (nil fields stay as they are).
public struct ServiceInput: Sendable, Codable {
    public var serviceCode: String?
    public var version: String?
    public var upstreamURL: String?
    public var timeoutMilliseconds: Int?
    public var enabled: Bool?
    public var logBodies: Bool?
    public var bodyRetentionDays: Int?

    public init(
        serviceCode: String? = nil, version: String? = nil, upstreamURL: String? = nil, timeoutMilliseconds: Int? = nil,
        enabled: Bool? = nil, logBodies: Bool? = nil, bodyRetentionDays: Int? = nil
    ) {
        self.serviceCode = serviceCode
        self.version = version
        self.upstreamURL = upstreamURL
        self.timeoutMilliseconds = timeoutMilliseconds
        self.enabled = enabled
        self.logBodies = logBodies
        self.bodyRetentionDays = bodyRetentionDays
    }
}

/// The hub's registry: members, subsystems, services and their endpoints, access rights, consumer credentials.
/// Every change is audited and bumps the registry version, which gateways poll to reload their snapshot.
public struct HubRegistry: Sendable {
    let database: ProvinceDatabase
    /// Where providers may be: checked when a service's address is saved or its description fetched.
    public let upstreamRule: UpstreamRule

    public init(database: ProvinceDatabase, upstreamRule: UpstreamRule = UpstreamRule()) {
        self.database = database
        self.upstreamRule = upstreamRule
    }

    // MARK: Members and subsystems

    public func createMember(
        instance: String, memberClass: String, memberCode: String, name: String, agencyID: String?, peerID: String? = nil, by actor: Actor
    ) async throws -> HubMember {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        var validator = Validator()
        for (field, value) in [("instance", instance), ("memberClass", memberClass), ("memberCode", memberCode)] {
            validator.checkIdentifierPart(value, field)
        }
        let trimmed = validator.checkName(name)
        try validator.finish()
        let member = HubMember(
            id: "\(instance)/\(memberClass)/\(memberCode)", instance: instance, memberClass: memberClass, memberCode: memberCode,
            name: trimmed, agencyID: agencyID, peerID: peerID, createdAt: Date())
        if let peerID { _ = try await peer(peerID) }
        try await change(
            actor, action: "hub.member.create", targetType: "hub_member", targetID: member.id, agencyID: agencyID, before: Optional<HubMember>.none,
            after: member
        ) { db in
            guard try await db.raw("SELECT id FROM hub_members WHERE id = \(bind: member.id)").first() == nil else {
                throw AppError(.conflict, vi: "Thành viên \(member.id) đã có.", en: "The member \(member.id) already exists.")
            }
            try await db.raw(
                """
                INSERT INTO hub_members (id, instance, member_class, member_code, name, agency_id, peer_id, created_at)
                VALUES (\(bind: member.id), \(bind: instance), \(bind: memberClass), \(bind: memberCode), \(bind: trimmed),
                    \(bind: agencyID), \(bind: peerID), \(bind: Timestamp.string(member.createdAt)))
                """
            ).run()
        }
        return member
    }

    public func createSubsystem(memberID: String, code: String, name: String, rateLimitPerSecond: Int?, by actor: Actor) async throws -> HubSubsystem
    {
        let member = try await member(memberID)
        guard Access.canManageAccounts(of: member.agencyID, actor) else { throw AppError.forbidden }
        var validator = Validator()
        validator.checkIdentifierPart(code, "subsystemCode")
        let trimmed = validator.checkName(name)
        validator.check(
            rateLimitPerSecond.map { $0 > 0 } ?? true, "rateLimitPerSecond", vi: "Giới hạn phải là số dương.", en: "The limit must be positive.")
        try validator.finish()
        let subsystem = HubSubsystem(
            id: "\(memberID)/\(code)", memberID: memberID, subsystemCode: code, name: trimmed, rateLimitPerSecond: rateLimitPerSecond,
            createdAt: Date())
        try await change(
            actor, action: "hub.subsystem.create", targetType: "hub_subsystem", targetID: subsystem.id, agencyID: member.agencyID,
            before: Optional<HubSubsystem>.none, after: subsystem
        ) { db in
            guard try await db.raw("SELECT id FROM hub_subsystems WHERE id = \(bind: subsystem.id)").first() == nil else {
                throw AppError(.conflict, vi: "Hệ thống \(subsystem.id) đã có.", en: "The subsystem \(subsystem.id) already exists.")
            }
            try await db.raw(
                """
                INSERT INTO hub_subsystems (id, member_id, subsystem_code, name, rate_limit_per_second, created_at)
                VALUES (\(bind: subsystem.id), \(bind: memberID), \(bind: code), \(bind: trimmed), \(bind: rateLimitPerSecond),
                    \(bind: Timestamp.string(subsystem.createdAt)))
                """
            ).run()
        }
        return subsystem
    }

    // MARK: Services

    /// Registers a service; it starts disabled.
    public func createService(subsystemID: String, _ input: ServiceInput, by actor: Actor) async throws -> HubService {
        let subsystem = try await subsystem(subsystemID)
        let owner = try await member(subsystem.memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        var validator = Validator()
        let code = input.serviceCode ?? ""
        validator.check(
            IdentifierPart.isValid(code), "serviceCode", vi: "Mã dịch vụ chỉ dùng chữ, số và các dấu ' ( ) + , - . = (như X-Road).",
            en: "Service codes use letters, digits and ' ( ) + , - . = only (as X-Road's identifiers do).")
        if let version = input.version {
            validator.check(IdentifierPart.isValid(version), "version", vi: "Phiên bản không hợp lệ.", en: "Invalid version.")
        }
        let now = Date()
        var service = HubService(
            id: [subsystemID, code, input.version].compactMap { $0 }.joined(separator: "/"), subsystemID: subsystemID, serviceCode: code,
            version: input.version, upstreamURL: input.upstreamURL ?? "", timeoutMilliseconds: input.timeoutMilliseconds ?? 30_000,
            enabled: false, logBodies: input.logBodies ?? false, bodyRetentionDays: input.bodyRetentionDays ?? 30, createdAt: now, updatedAt: now)
        Self.validate(&service, into: &validator)
        try validator.finish()
        try await checkUpstream(service.upstreamURL)
        let created = service
        try await change(
            actor, action: "hub.service.create", targetType: "hub_service", targetID: created.id, agencyID: owner.agencyID,
            before: Optional<HubService>.none, after: created
        ) { db in
            // X-Road's REST protocol names a service by its code alone: a second version of a code could not be called.
            guard
                try await db.raw(
                    "SELECT id FROM hub_services WHERE subsystem_id = \(bind: subsystemID) AND service_code = \(bind: code)"
                ).first() == nil
            else {
                throw AppError(
                    .conflict, vi: "Hệ thống đã có dịch vụ mã \(code).", en: "The subsystem already has a service with the code \(code).")
            }
            try await db.raw(
                """
                INSERT INTO hub_services (id, subsystem_id, service_code, version, upstream_url, timeout_ms, enabled, log_bodies,
                    body_retention_days, created_at, updated_at)
                VALUES (\(bind: created.id), \(bind: subsystemID), \(bind: code), \(bind: created.version), \(bind: created.upstreamURL),
                    \(bind: created.timeoutMilliseconds), 0, \(bind: created.logBodies ? 1 : 0), \(bind: created.bodyRetentionDays),
                    \(bind: Timestamp.string(now)), \(bind: Timestamp.string(now)))
                """
            ).run()
        }
        return created
    }

    /// Changes a service: enable or disable it, move its upstream, its timeout, its logging. Only the platform's
    /// administrators enable a service or move an enabled one's upstream: what the gateway calls is theirs to decide.
    public func updateService(_ id: String, _ input: ServiceInput, by actor: Actor) async throws -> HubService {
        let old = try await service(id)
        let owner = try await member(try await subsystem(old.subsystemID).memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let enables = input.enabled == true && !old.enabled
        let moves = input.upstreamURL.map { $0 != old.upstreamURL } ?? false
        guard Access.canAdministerPlatform(actor) || !(enables || (moves && old.enabled)) else { throw AppError.forbidden }
        var service = old
        if let url = input.upstreamURL { service.upstreamURL = url }
        if let timeout = input.timeoutMilliseconds { service.timeoutMilliseconds = timeout }
        if let enabled = input.enabled { service.enabled = enabled }
        if let logBodies = input.logBodies { service.logBodies = logBodies }
        if let retention = input.bodyRetentionDays { service.bodyRetentionDays = retention }
        var validator = Validator()
        Self.validate(&service, into: &validator)
        try validator.finish()
        if moves { try await checkUpstream(service.upstreamURL) }
        service.updatedAt = Date()
        let updated = service
        try await change(
            actor, action: "hub.service.update", targetType: "hub_service", targetID: id, agencyID: owner.agencyID, before: old, after: updated
        ) { db in
            try await db.raw(
                """
                UPDATE hub_services SET upstream_url = \(bind: updated.upstreamURL), timeout_ms = \(bind: updated.timeoutMilliseconds),
                    enabled = \(bind: updated.enabled ? 1 : 0), log_bodies = \(bind: updated.logBodies ? 1 : 0),
                    body_retention_days = \(bind: updated.bodyRetentionDays), updated_at = \(bind: Timestamp.string(updated.updatedAt))
                WHERE id = \(bind: id)
                """
            ).run()
        }
        return updated
    }

    /// Refuses an upstream the rule does not permit, in the same words whatever the reason.
    func checkUpstream(_ url: String) async throws {
        if let problem = await upstreamRule.problem(withURL: url) {
            var validator = Validator()
            validator.add("upstreamURL", problem)
            try validator.finish()
        }
    }

    static func validate(_ service: inout HubService, into validator: inout Validator) {
        let url = URL(string: service.upstreamURL)
        validator.check(
            url?.host != nil && ["http", "https"].contains(url?.scheme ?? ""), "upstreamURL",
            vi: "Địa chỉ dịch vụ phải là URL http hoặc https.", en: "The upstream must be an http or https URL.")
        validator.check(
            (100...300_000).contains(service.timeoutMilliseconds), "timeoutMilliseconds", vi: "Thời gian chờ từ 100 ms đến 300 s.",
            en: "The timeout must be 100 ms to 300 s.")
        validator.check(
            (1...3650).contains(service.bodyRetentionDays), "bodyRetentionDays", vi: "Thời hạn lưu từ 1 đến 3650 ngày.",
            en: "Retention must be 1 to 3650 days.")
    }

    /// Replaces a service's endpoints with those of its OpenAPI description.
    public func describe(_ id: String, openAPI data: Data, by actor: Actor) async throws -> [HubEndpoint] {
        let service = try await service(id)
        let owner = try await member(try await subsystem(service.subsystemID).memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let endpoints = try OpenAPIEndpoints.parse(data)
        let text = String(decoding: data, as: UTF8.self)
        try await change(
            actor, action: "hub.service.describe", targetType: "hub_service", targetID: id, agencyID: owner.agencyID, before: Optional<String>.none,
            after: endpoints
        ) { db in
            try await db.raw("UPDATE hub_services SET openapi = \(bind: text), updated_at = \(bind: Timestamp.now()) WHERE id = \(bind: id)").run()
            try await db.raw("DELETE FROM hub_endpoints WHERE service_id = \(bind: id)").run()
            for endpoint in endpoints {
                try await db.raw(
                    "INSERT INTO hub_endpoints (service_id, method, path) VALUES (\(bind: id), \(bind: endpoint.method), \(bind: endpoint.path))"
                ).run()
            }
        }
        return endpoints
    }

    // MARK: Rights and credentials

    /// Grants a consumer subsystem a whole service, or one endpoint of it.
    public func grant(consumerID: String, serviceID: String, endpoint: HubEndpoint?, by actor: Actor) async throws -> HubRight {
        if consumerID.hasPrefix(HubGroup.prefix) {
            _ = try await group(String(consumerID.dropFirst(HubGroup.prefix.count)))
        } else {
            _ = try await subsystem(consumerID)
        }
        let service = try await service(serviceID)
        let owner = try await member(try await subsystem(service.subsystemID).memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let right = HubRight(id: UUID().uuidString.lowercased(), consumerID: consumerID, serviceID: serviceID, endpoint: endpoint, grantedAt: Date())
        try await change(
            actor, action: "hub.right.grant", targetType: "hub_service", targetID: serviceID, agencyID: owner.agencyID,
            before: Optional<HubRight>.none, after: right
        ) { db in
            try await db.raw(
                """
                INSERT INTO \(unsafeRaw: Self.rightsTable(for: consumerID)) (id, consumer_id, service_id, endpoint_method, endpoint_path, granted_at)
                VALUES (\(bind: right.id), \(bind: consumerID), \(bind: serviceID), \(bind: endpoint?.method), \(bind: endpoint?.path),
                    \(bind: Timestamp.string(right.grantedAt)))
                """
            ).run()
        }
        return right
    }

    /// Rights to subsystems and rights to groups, read as one table.
    static let allRights = "SELECT * FROM hub_rights UNION ALL SELECT * FROM hub_group_rights"

    /// Where a right is kept: subsystems' rights reference the subsystem, groups' the group's consumer id.
    static func rightsTable(for consumerID: String) -> String {
        consumerID.hasPrefix(HubGroup.prefix) ? "hub_group_rights" : "hub_rights"
    }

    public func revoke(rightID: String, by actor: Actor) async throws {
        let row = try await database.read { db in
            try await db.raw("SELECT service_id FROM (\(unsafeRaw: Self.allRights)) AS rights WHERE id = \(bind: rightID)").first()
        }
        guard let serviceID = try row?.string("service_id") else { throw AppError.notFound("quyền / right") }
        let owner = try await member(try await subsystem(try await service(serviceID).subsystemID).memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        try await change(
            actor, action: "hub.right.revoke", targetType: "hub_service", targetID: serviceID, agencyID: owner.agencyID, before: rightID,
            after: Optional<String>.none
        ) { db in
            try await db.raw("DELETE FROM hub_rights WHERE id = \(bind: rightID)").run()
            try await db.raw("DELETE FROM hub_group_rights WHERE id = \(bind: rightID)").run()
        }
    }

    /// Issues an API key for a consumer subsystem; the secret is shown once.
    public func issueKey(subsystemID: String, name: String, by actor: Actor) async throws -> (id: String, secret: String) {
        let subsystem = try await subsystem(subsystemID)
        let owner = try await member(subsystem.memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let id = Tokens.random(bytes: 9)
        let secret = "hub_\(id)_\(Tokens.random(bytes: 32))"
        try await addCredential(subsystem, owner: owner, kind: "api_key", name: name, digest: Tokens.digest(secret), id: id, actor: actor)
        return (id, secret)
    }

    /// Registers a client certificate (mutual TLS) by its SHA-256 fingerprint.
    public func addCertificate(subsystemID: String, name: String, fingerprint: String, by actor: Actor) async throws -> String {
        let subsystem = try await subsystem(subsystemID)
        let owner = try await member(subsystem.memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let normalized = fingerprint.lowercased().filter { $0.isHexDigit }
        guard normalized.count == 64 else {
            throw AppError(.validation, vi: "Dấu vân tay phải là SHA-256 (64 ký tự hex).", en: "The fingerprint must be a SHA-256 (64 hex digits).")
        }
        let id = Tokens.random(bytes: 9)
        try await addCredential(subsystem, owner: owner, kind: "certificate", name: name, digest: normalized, id: id, actor: actor)
        return id
    }

    private func addCredential(_ subsystem: HubSubsystem, owner: HubMember, kind: String, name: String, digest: String, id: String, actor: Actor)
        async throws
    {
        try await change(
            actor, action: "hub.credential.add", targetType: "hub_subsystem", targetID: subsystem.id, agencyID: owner.agencyID,
            before: Optional<String>.none, after: ["id": id, "kind": kind, "name": name]
        ) { db in
            if kind == "certificate" { try await Self.refuseTakenFingerprint(digest, in: db) }
            try await db.raw(
                """
                INSERT INTO hub_credentials (id, subsystem_id, kind, name, secret_digest, created_at)
                VALUES (\(bind: id), \(bind: subsystem.id), \(bind: kind), \(bind: name), \(bind: digest), \(bind: Timestamp.now()))
                """
            ).run()
        }
    }

    /// A certificate names one party: a fingerprint already registered, to a subsystem or a peer hub, is refused (it
    /// would take over, or break, the calls of whoever registered it first).
    static func refuseTakenFingerprint(_ fingerprint: String, in db: any SQLDatabase) async throws {
        let credential = try await db.raw(
            "SELECT id FROM hub_credentials WHERE kind = 'certificate' AND revoked_at IS NULL AND secret_digest = \(bind: fingerprint)"
        ).first()
        let peer = try await db.raw("SELECT id FROM hub_peers WHERE fingerprint = \(bind: fingerprint)").first()
        guard credential == nil, peer == nil else {
            throw AppError(
                .conflict, vi: "Chứng thư có dấu vân tay này đã được đăng ký.", en: "A certificate with this fingerprint is already registered.")
        }
    }

    // MARK: Reading

    public func member(_ id: String) async throws -> HubMember {
        let row = try await database.read { db in try await db.raw("SELECT * FROM hub_members WHERE id = \(bind: id)").first() }
        guard let row else { throw AppError.notFound("thành viên / member") }
        return try Self.member(from: row)
    }

    public func subsystem(_ id: String) async throws -> HubSubsystem {
        let row = try await database.read { db in try await db.raw("SELECT * FROM hub_subsystems WHERE id = \(bind: id)").first() }
        guard let row else { throw AppError.notFound("hệ thống / subsystem") }
        return try Self.subsystem(from: row)
    }

    public func service(_ id: String) async throws -> HubService {
        let row = try await database.read { db in try await db.raw("SELECT * FROM hub_services WHERE id = \(bind: id)").first() }
        guard let row else { throw AppError.notFound("dịch vụ / service") }
        return try Self.service(from: row)
    }

    /// The registry version: it changes with every registry change, on every process sharing the database.
    public func version() async throws -> Int {
        try await database.read { db in try await db.raw("SELECT version FROM hub_registry_version WHERE id = 1").first()?.int("version") ?? 0 }
    }

    /// Runs a registry change with its audit entry and a new registry version, in one transaction.
    func change<Before: Encodable & Sendable, After: Encodable & Sendable>(
        _ actor: Actor, action: String, targetType: String, targetID: String, agencyID: String?, before: Before?, after: After?,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws {
        let database = self.database
        try await database.write { db in
            // The version's row is locked first: registry changes run one at a time, so a check the change makes (a
            // fingerprint or a service code not yet taken) still holds when it writes.
            let current = try await db.raw("SELECT version FROM hub_registry_version WHERE id = 1\(database.lockForUpdate)").first()
            if current == nil {
                try await db.raw("INSERT INTO hub_registry_version (id, version) VALUES (1, 1)").run()
            } else {
                try await db.raw("UPDATE hub_registry_version SET version = version + 1 WHERE id = 1").run()
            }
            try await body(db)
            try await AuditLog.append(
                AuditChange(
                    action: action, targetType: targetType, targetID: targetID, agencyID: agencyID, before: before, after: after,
                    summary: "\(action) \(targetID)"),
                by: actor, in: db, database: database)
        }
    }

    static func member(from row: any SQLRow) throws -> HubMember {
        HubMember(
            id: try row.string("id"), instance: try row.string("instance"), memberClass: try row.string("member_class"),
            memberCode: try row.string("member_code"), name: try row.string("name"), agencyID: try row.optionalString("agency_id"),
            peerID: try row.optionalString("peer_id"), createdAt: try row.date("created_at"))
    }

    static func subsystem(from row: any SQLRow) throws -> HubSubsystem {
        HubSubsystem(
            id: try row.string("id"), memberID: try row.string("member_id"), subsystemCode: try row.string("subsystem_code"),
            name: try row.string("name"),
            rateLimitPerSecond: try row.decodeNil(column: "rate_limit_per_second") ? nil : try row.int("rate_limit_per_second"),
            createdAt: try row.date("created_at"))
    }

    static func service(from row: any SQLRow) throws -> HubService {
        HubService(
            id: try row.string("id"), subsystemID: try row.string("subsystem_id"), serviceCode: try row.string("service_code"),
            version: try row.optionalString("version"), upstreamURL: try row.string("upstream_url"), timeoutMilliseconds: try row.int("timeout_ms"),
            enabled: try row.int("enabled") != 0, logBodies: try row.int("log_bodies") != 0, bodyRetentionDays: try row.int("body_retention_days"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}

extension HubRegistry {
    /// Every member, by id.
    public func members() async throws -> [HubMember] {
        try await database.read { db in try await db.raw("SELECT * FROM hub_members ORDER BY id").all().map(Self.member(from:)) }
    }

    /// Every subsystem, by id.
    public func subsystems() async throws -> [HubSubsystem] {
        try await database.read { db in try await db.raw("SELECT * FROM hub_subsystems ORDER BY id").all().map(Self.subsystem(from:)) }
    }

    /// Every service, by id.
    public func services() async throws -> [HubService] {
        try await database.read { db in try await db.raw("SELECT * FROM hub_services ORDER BY id").all().map(Self.service(from:)) }
    }

    /// A service's endpoints, as its OpenAPI description lists them.
    public func endpoints(of serviceID: String) async throws -> [HubEndpoint] {
        try await database.read { db in
            try await db.raw("SELECT method, path FROM hub_endpoints WHERE service_id = \(bind: serviceID) ORDER BY path, method").all().map {
                HubEndpoint(method: try $0.string("method"), path: try $0.string("path"))
            }
        }
    }

    /// The rights granted on a service.
    public func rights(of serviceID: String) async throws -> [HubRight] {
        try await database.read { db in
            try await db.raw("SELECT * FROM (\(unsafeRaw: Self.allRights)) AS rights WHERE service_id = \(bind: serviceID) ORDER BY granted_at").all()
                .map(Self.right(from:))
        }
    }

    static func right(from row: any SQLRow) throws -> HubRight {
        let method = try row.optionalString("endpoint_method")
        let path = try row.optionalString("endpoint_path")
        return HubRight(
            id: try row.string("id"), consumerID: try row.string("consumer_id"), serviceID: try row.string("service_id"),
            endpoint: method.flatMap { method in path.map { HubEndpoint(method: method, path: $0) } },
            grantedAt: try row.date("granted_at"))
    }
}

extension Validator {
    /// A part of an X-Road identifier (instance, class, member, subsystem, peer id).
    mutating func checkIdentifierPart(_ value: String, _ field: String) {
        check(
            IdentifierPart.isValid(value), field, vi: "Chỉ dùng chữ, số và các dấu ' ( ) + , - . = (như X-Road).",
            en: "Use letters, digits and ' ( ) + , - . = only (as X-Road's identifiers do).")
    }

    /// A display name of 2 to 300 characters; returns it trimmed.
    mutating func checkName(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        check((2...300).contains(trimmed.count), "name", vi: "Tên phải có từ 2 đến 300 ký tự.", en: "The name must have 2 to 300 characters.")
        return trimmed
    }
}
