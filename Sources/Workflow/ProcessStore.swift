import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// Process definitions kept in the database, each checked before it is saved; changed by platform administrators,
/// every change audited. A changed definition applies to the actions taken after the change.
public struct ProcessStore: Sendable {
    let database: ProvinceDatabase

    /// The roles an action may name: the officials' roles, `citizen` (the applicant) and `system` (escalation).
    public static let knownRoles = Set(Role.allCases.map(\.rawValue) + ["citizen", "system"])

    public init(database: ProvinceDatabase) {
        self.database = database
    }

    public func list() async throws -> [ProcessDefinition] {
        try await database.read { db in
            try await db.raw("SELECT definition FROM process_definitions ORDER BY code").all().map(Self.definition(from:))
        }
    }

    public func get(_ code: String) async throws -> ProcessDefinition {
        let found = try await database.lookup { db in
            try await db.raw("SELECT definition FROM process_definitions WHERE code = \(bind: code)").first().map(Self.definition(from:))
        }
        guard let found else { throw AppError(.notFound, vi: "Không có quy trình \(code).", en: "No such process: \(code).") }
        return found
    }

    /// Saves the definition under its code after checking it (every problem named at once). Returns whether it was new.
    @discardableResult
    public func save(_ definition: ProcessDefinition, by actor: Actor) async throws -> Bool {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        do {
            try definition.validate(knownRoles: Self.knownRoles)
        } catch let problems as ProcessDefinitionProblems {
            throw AppError(
                .validation, vi: "Quy trình chưa hợp lệ: \(problems.text(.vi)).", en: "The process is not valid: \(problems.text(.en)).")
        }
        let text = String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
        let database = self.database
        return try await database.write { db in
            let before = try await db.raw("SELECT definition FROM process_definitions WHERE code = \(bind: definition.code)\(database.lockForUpdate)")
                .first().map(Self.definition(from:))
            let now = Timestamp.now()
            if before == nil {
                try await db.raw(
                    """
                    INSERT INTO process_definitions (code, name, definition, created_at, updated_at)
                    VALUES (\(bind: definition.code), \(bind: definition.name), \(bind: text), \(bind: now), \(bind: now))
                    """
                ).run()
            } else {
                try await db.raw(
                    """
                    UPDATE process_definitions SET name = \(bind: definition.name), definition = \(bind: text), updated_at = \(bind: now)
                    WHERE code = \(bind: definition.code)
                    """
                ).run()
            }
            try await AuditLog.append(
                AuditChange(
                    action: before == nil ? "process.create" : "process.update", targetType: "process", targetID: definition.code,
                    before: before, after: definition, summary: "\(definition.code) \(definition.name)"),
                by: actor, in: db, database: database)
            return before == nil
        }
    }

    static func definition(from row: any SQLRow) throws -> ProcessDefinition {
        try JSONDecoder().decode(ProcessDefinition.self, from: Data(try row.string("definition").utf8))
    }
}
