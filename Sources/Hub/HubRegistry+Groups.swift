import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

extension HubRegistry {
    /// Creates a group of subsystems. Platform administrators only.
    public func createGroup(code: String, name: String, by actor: Actor) async throws -> HubGroup {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        var validator = Validator()
        validator.checkIdentifierPart(code, "code")
        let trimmed = validator.checkName(name)
        try validator.finish()
        let group = HubGroup(code: code, name: trimmed, members: [], createdAt: Date())
        try await change(
            actor, action: "hub.group.create", targetType: "hub_group", targetID: code, agencyID: nil, before: Optional<HubGroup>.none, after: group
        ) {
            db in
            guard try await db.raw("SELECT code FROM hub_groups WHERE code = \(bind: code)").first() == nil else {
                throw AppError(.conflict, vi: "Nhóm \(code) đã có.", en: "The group \(code) already exists.")
            }
            try await db.raw(
                "INSERT INTO hub_groups (code, name, created_at) VALUES (\(bind: code), \(bind: trimmed), \(bind: Timestamp.string(group.createdAt)))"
            ).run()
        }
        return group
    }

    /// Adds a subsystem to a group, or takes it out. Platform administrators only.
    public func setMembership(group code: String, subsystemID: String, member: Bool, by actor: Actor) async throws -> HubGroup {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        let before = try await group(code)
        _ = try await subsystem(subsystemID)
        var after = before
        after.members = member ? Array(Set(before.members + [subsystemID])).sorted() : before.members.filter { $0 != subsystemID }
        guard after != before else { return before }
        try await change(
            actor, action: member ? "hub.group.add" : "hub.group.remove", targetType: "hub_group", targetID: code, agencyID: nil, before: before,
            after: after
        ) { db in
            if member {
                try await db.raw("INSERT INTO hub_group_members (group_code, subsystem_id) VALUES (\(bind: code), \(bind: subsystemID))").run()
            } else {
                try await db.raw("DELETE FROM hub_group_members WHERE group_code = \(bind: code) AND subsystem_id = \(bind: subsystemID)").run()
            }
        }
        return after
    }

    public func group(_ code: String) async throws -> HubGroup {
        guard let group = try await groups(code: code).first else { throw AppError.notFound("nhóm / group") }
        return group
    }

    /// Every group with its members (or the one named).
    public func groups(code: String? = nil) async throws -> [HubGroup] {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM hub_groups"
            if let code { sql += " WHERE code = \(bind: code)" }
            sql += " ORDER BY code"
            var groups = try await db.raw(sql).all().map {
                HubGroup(code: try $0.string("code"), name: try $0.string("name"), members: [], createdAt: try $0.date("created_at"))
            }
            for index in groups.indices {
                groups[index].members = try await db.raw(
                    "SELECT subsystem_id FROM hub_group_members WHERE group_code = \(bind: groups[index].code) ORDER BY subsystem_id"
                ).all().map { try $0.string("subsystem_id") }
            }
            return groups
        }
    }
}
