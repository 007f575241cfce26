import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// The fields of an agency a client may set.
public struct AgencyInput: Sendable, Codable {
    public var code: String?
    public var name: String?
    public var kind: String?
    public var parentID: String?
    public var unitID: String?

    public init(code: String? = nil, name: String? = nil, kind: String? = nil, parentID: String? = nil, unitID: String? = nil) {
        self.code = code
        self.name = name
        self.kind = kind
        self.parentID = parentID
        self.unitID = unitID
    }
}

/// Agencies: departments, People's Committees, public-service units.
public struct AgencyDirectory: Sendable {
    let database: ProvinceDatabase

    public init(database: ProvinceDatabase) { self.database = database }

    /// A page of agencies ordered by code.
    public func list(search: String?, parentID: String?, afterCode: String?, limit: Int) async throws -> [Agency] {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM agencies WHERE 1 = 1"
            if let search, !search.isEmpty {
                sql += " AND search_key LIKE \(bind: SearchKey.containsPattern(search)) ESCAPE '\\'"
            }
            if let parentID { sql += " AND parent_id = \(bind: parentID)" }
            if let afterCode { sql += " AND code > \(bind: afterCode)" }
            sql += " ORDER BY code LIMIT \(bind: limit)"
            return try await db.raw(sql).all().map(Self.agency(from:))
        }
    }

    public func get(_ id: String) async throws -> Agency {
        let found = try await database.read { db in
            try await db.raw("SELECT * FROM agencies WHERE id = \(bind: id)").first().map(Self.agency(from:))
        }
        guard let found else { throw AppError.notFound("cơ quan / agency") }
        return found
    }

    public func find(code: String) async throws -> Agency? {
        try await database.read { db in
            try await db.raw("SELECT * FROM agencies WHERE code = \(bind: code)").first().map(Self.agency(from:))
        }
    }

    /// Registers an agency; only a platform administrator may.
    public func create(_ input: AgencyInput, by actor: Actor) async throws -> Agency {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        var validator = Validator()
        let code = input.code.flatMap(AgencyCode.init)
        validator.check(code != nil, "code", vi: "Mã định danh phải có dạng 000.00.00.H00.", en: "The identifier code must look like 000.00.00.H00.")
        let name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        validator.check(
            (2...300).contains(name.count), "name", vi: "Tên cơ quan phải có từ 2 đến 300 ký tự.", en: "The name must have 2 to 300 characters.")
        let kind = AgencyKind(rawValue: input.kind ?? AgencyKind.department.rawValue)
        validator.check(kind != nil, "kind", vi: "Loại cơ quan không hợp lệ.", en: "Unknown agency kind.")
        try await checkReferences(parentID: input.parentID, unitID: input.unitID, selfID: nil, into: &validator)
        try validator.finish()
        let now = Date()
        let agency = Agency(
            id: UUID().uuidString.lowercased(), code: code!.value, name: name, kind: kind!, parentID: input.parentID,
            unitID: input.unitID, createdAt: now, updatedAt: now)
        let database = self.database
        try await database.write { db in
            if try await db.raw("SELECT id FROM agencies WHERE code = \(bind: agency.code)").first() != nil {
                throw AppError(.conflict, vi: "Mã định danh \(agency.code) đã được dùng.", en: "The identifier code \(agency.code) is already used.")
            }
            try await db.raw(
                """
                INSERT INTO agencies (id, code, name, kind, parent_id, unit_id, search_key, created_at, updated_at)
                VALUES (\(bind: agency.id), \(bind: agency.code), \(bind: agency.name), \(bind: agency.kind.rawValue),
                    \(bind: agency.parentID), \(bind: agency.unitID), \(bind: Self.searchKey(agency)),
                    \(bind: Timestamp.string(now)), \(bind: Timestamp.string(now)))
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "agency.create", targetType: "agency", targetID: agency.id, agencyID: agency.id,
                    before: Optional<Agency>.none, after: agency, summary: "created \(agency.code) \(agency.name)"),
                by: actor, in: db, database: database)
        }
        return agency
    }

    /// Changes an agency's name, kind, parent or unit (its code stays); its administrators may.
    public func update(_ id: String, _ input: AgencyInput, by actor: Actor) async throws -> Agency {
        let old = try await get(id)
        guard Access.canEditAgency(id, actor) else { throw AppError.forbidden }
        var agency = old
        var validator = Validator()
        if let code = input.code, AgencyCode(code)?.value != old.code {
            validator.add("code", LocalizedText(vi: "Không thể đổi mã định danh.", en: "The identifier code cannot change."))
        }
        if let name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
            validator.check(
                (2...300).contains(name.count), "name", vi: "Tên cơ quan phải có từ 2 đến 300 ký tự.", en: "The name must have 2 to 300 characters.")
            agency.name = name
        }
        if let kindText = input.kind {
            if let kind = AgencyKind(rawValue: kindText) {
                agency.kind = kind
            } else {
                validator.add("kind", LocalizedText(vi: "Loại cơ quan không hợp lệ.", en: "Unknown agency kind."))
            }
        }
        if input.parentID != nil {
            agency.parentID = input.parentID!.isEmpty ? nil : input.parentID
            // Moving an agency under another is a platform-level change.
            if agency.parentID != old.parentID && !Access.canAdministerPlatform(actor) { throw AppError.forbidden }
        }
        if input.unitID != nil { agency.unitID = input.unitID!.isEmpty ? nil : input.unitID }
        try await checkReferences(parentID: agency.parentID, unitID: agency.unitID, selfID: id, into: &validator)
        try validator.finish()
        if agency == old { return old }
        agency.updatedAt = Date()
        let updated = agency
        let database = self.database
        try await database.write { db in
            try await db.raw(
                """
                UPDATE agencies SET name = \(bind: updated.name), kind = \(bind: updated.kind.rawValue),
                    parent_id = \(bind: updated.parentID), unit_id = \(bind: updated.unitID),
                    search_key = \(bind: Self.searchKey(updated)), updated_at = \(bind: Timestamp.string(updated.updatedAt))
                WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "agency.update", targetType: "agency", targetID: id, agencyID: id,
                    before: old, after: updated, summary: "updated \(updated.code) \(updated.name)"),
                by: actor, in: db, database: database)
        }
        return updated
    }

    private func checkReferences(parentID: String?, unitID: String?, selfID: String?, into validator: inout Validator) async throws {
        if let parentID, !parentID.isEmpty {
            let ancestors = try await database.read { db in
                var chain: [String] = []
                var cursor: String? = parentID
                while let current = cursor, !chain.contains(current), chain.count < 64,
                    let row = try await db.raw("SELECT parent_id FROM agencies WHERE id = \(bind: current)").first()
                {
                    chain.append(current)
                    cursor = try row.optionalString("parent_id")
                }
                return chain
            }
            if ancestors.isEmpty {
                validator.add("parentID", LocalizedText(vi: "Không có cơ quan cấp trên này.", en: "No such parent agency."))
            } else if let selfID, ancestors.contains(selfID) {
                validator.add("parentID", LocalizedText(vi: "Cơ quan cấp trên tạo thành vòng lặp.", en: "The parent agency would form a cycle."))
            }
        }
        if let unitID, !unitID.isEmpty, try await !UnitDirectory(database: database).exists(unitID) {
            validator.add("unitID", LocalizedText(vi: "Không có đơn vị hành chính này.", en: "No such administrative unit."))
        }
    }

    static func searchKey(_ agency: Agency) -> String { SearchKey.fold(agency.code + " " + agency.name) }

    static func agency(from row: any SQLRow) throws -> Agency {
        Agency(
            id: try row.string("id"), code: try row.string("code"), name: try row.string("name"),
            kind: AgencyKind(rawValue: try row.string("kind")) ?? .other, parentID: try row.optionalString("parent_id"),
            unitID: try row.optionalString("unit_id"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
