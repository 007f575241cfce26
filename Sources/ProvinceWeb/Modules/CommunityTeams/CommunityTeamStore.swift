import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// Where the registry's teams and trainings are kept.
protocol CommunityTeamStore: Sendable {
    /// The provinces whose communes have teams recorded, the one with the most first: `(id, name)`.
    func provinces() async throws -> [(id: String, name: String)]
    /// The report of `provinceID`'s communes; nil when there is no such province.
    func report(province provinceID: String) async throws -> CommunityTeamsReport?
    /// The teams of `provinceID`'s communes, by district then commune.
    func teams(province provinceID: String) async throws -> [CommunityTeam]
    /// A commune's team, if recorded.
    func team(_ unitID: String) async throws -> CommunityTeam?
    /// A commune's trainings, the latest first.
    func trainings(_ unitID: String) async throws -> [CommunityTraining]
    /// Records a commune's figures (after the rules allowed it); returns the team and whether it was new.
    func save(_ input: CommunityTeamInput, for unitID: String, by actor: Actor) async throws -> (team: CommunityTeam, created: Bool)
    /// Records many communes' figures in one change (the demo, an import).
    func saveAll(_ inputs: [(unitID: String, input: CommunityTeamInput)], by actor: Actor) async throws
    /// Records a training of a commune.
    func addTraining(_ input: CommunityTrainingInput, for unitID: String, by actor: Actor) async throws -> CommunityTraining
}

/// The registry's tables on either engine.
struct SQLCommunityTeamStore: CommunityTeamStore {
    let database: ProvinceDatabase

    static let schema = ModuleSchema(
        module: "community-teams",
        steps: [
            SchemaStep(
                "community-teams-0001-registry",
                [
                    """
                    CREATE TABLE community_teams (
                        unit_id TEXT PRIMARY KEY REFERENCES units(id), members BIGINT NOT NULL, village_teams BIGINT NOT NULL,
                        village_members BIGINT NOT NULL, leader TEXT NOT NULL, updated_at TEXT NOT NULL)
                    """,
                    """
                    CREATE TABLE community_trainings (
                        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), held_on TEXT NOT NULL,
                        topic TEXT NOT NULL, participants BIGINT NOT NULL, recorded_at TEXT NOT NULL)
                    """,
                    "CREATE INDEX community_trainings_unit ON community_trainings(unit_id, held_on)",
                ])
        ])

    private static let teamColumns = """
        SELECT t.*, c.name AS commune_name, c.parent_id AS parent_id, p.name AS parent_name
        FROM community_teams t JOIN units c ON c.id = t.unit_id JOIN units p ON p.id = c.parent_id
        """

    func provinces() async throws -> [(id: String, name: String)] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT r.id, r.name, r.edition, COUNT(*) AS teams FROM community_teams t JOIN units c ON c.id = t.unit_id
                JOIN units p ON p.id = c.parent_id JOIN units r ON r.id = COALESCE(p.parent_id, p.id)
                GROUP BY r.id, r.name, r.edition ORDER BY COUNT(*) DESC, r.id
                """
            ).all().map { (id: try $0.string("id"), name: "\(try $0.string("name")) (\(try $0.string("edition")))") }
        }
    }

    func report(province provinceID: String) async throws -> CommunityTeamsReport? {
        guard let name = try await unitName(provinceID) else { return nil }
        let areas = try await database.read { db in
            try await db.raw(
                """
                SELECT d.id, d.name, COUNT(c.id) AS communes FROM units d LEFT JOIN units c ON c.parent_id = d.id
                WHERE d.parent_id = \(bind: provinceID) GROUP BY d.id, d.name ORDER BY d.name
                """
            ).all().map { (id: try $0.string("id"), name: try $0.string("name"), communes: try $0.int("communes")) }
        }
        // Units with none under them are communes right under the province (after the 2025 reform): one line for them.
        var districts = areas.filter { $0.communes > 0 }
        let direct = areas.count - districts.count
        if direct > 0 { districts.append((provinceID, name, direct)) }
        let teams = try await teams(province: provinceID)
        let trainings = try await database.read { db in
            try await db.raw(
                """
                SELECT g.* FROM community_trainings g JOIN units c ON c.id = g.unit_id JOIN units p ON p.id = c.parent_id
                WHERE p.id = \(bind: provinceID) OR p.parent_id = \(bind: provinceID)
                """
            ).all().map(Self.training(from:))
        }
        return CommunityTeamsReport.make(province: (provinceID, name), districts: districts, teams: teams, trainings: trainings)
    }

    func teams(province provinceID: String) async throws -> [CommunityTeam] {
        try await database.read { db in
            try await db.raw(
                """
                \(unsafeRaw: Self.teamColumns)
                WHERE p.id = \(bind: provinceID) OR p.parent_id = \(bind: provinceID) ORDER BY p.name, c.name
                """
            ).all().map(Self.team(from:))
        }
    }

    func team(_ unitID: String) async throws -> CommunityTeam? {
        try await database.lookup { db in
            try await db.raw("\(unsafeRaw: Self.teamColumns) WHERE t.unit_id = \(bind: unitID)").first().map(Self.team(from:))
        }
    }

    func trainings(_ unitID: String) async throws -> [CommunityTraining] {
        try await database.read { db in
            try await db.raw("SELECT * FROM community_trainings WHERE unit_id = \(bind: unitID) ORDER BY held_on DESC, recorded_at DESC, id")
                .all().map(Self.training(from:))
        }
    }

    func save(_ input: CommunityTeamInput, for unitID: String, by actor: Actor) async throws -> (team: CommunityTeam, created: Bool) {
        let database = self.database
        let created = try await database.write { db in
            let before = try await db.raw("SELECT * FROM community_teams WHERE unit_id = \(bind: unitID)\(database.lockForUpdate)").first()
            try await Self.upsert(input, for: unitID, in: db)
            try await AuditLog.append(
                AuditChange(
                    action: before == nil ? "community-team.create" : "community-team.update", targetType: "community-team",
                    targetID: unitID, before: try before.map(Self.figures(from:)), after: input,
                    summary: "\(unitID): \(input.members) / \(input.villageTeams) / \(input.villageMembers)"),
                by: actor, in: db, database: database)
            return before == nil
        }
        guard let team = try await team(unitID) else { throw AppError.notFound("tổ công nghệ số / community team") }
        return (team, created)
    }

    func saveAll(_ inputs: [(unitID: String, input: CommunityTeamInput)], by actor: Actor) async throws {
        let database = self.database
        let teams = inputs.map { ($0.unitID, $0.input) }
        try await database.write { db in
            for (unitID, input) in teams { try await Self.upsert(input, for: unitID, in: db) }
            try await AuditLog.append(
                AuditChange(
                    action: "community-team.import", targetType: "community-team", targetID: "*", before: nil as String?,
                    after: teams.map { "\($0.0) \($0.1.members) \($0.1.villageTeams) \($0.1.villageMembers)" },
                    summary: "\(teams.count) communes"),
                by: actor, in: db, database: database)
        }
    }

    func addTraining(_ input: CommunityTrainingInput, for unitID: String, by actor: Actor) async throws -> CommunityTraining {
        let training = CommunityTraining(
            id: UUID().uuidString.lowercased(), unitID: unitID, heldOn: input.heldOn,
            topic: input.topic.trimmingCharacters(in: .whitespacesAndNewlines), participants: input.participants, recordedAt: Timestamp.now())
        let database = self.database
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO community_trainings (id, unit_id, held_on, topic, participants, recorded_at)
                VALUES (\(bind: training.id), \(bind: unitID), \(bind: training.heldOn), \(bind: training.topic),
                    \(bind: training.participants), \(bind: training.recordedAt))
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "community-training.create", targetType: "community-team", targetID: unitID, before: nil as CommunityTraining?,
                    after: training, summary: "\(training.heldOn) \(training.topic)"),
                by: actor, in: db, database: database)
        }
        return training
    }

    private func unitName(_ id: String) async throws -> String? {
        try await database.lookup { db in try await db.raw("SELECT name FROM units WHERE id = \(bind: id)").first()?.string("name") }
    }

    /// Inserts the commune's figures or replaces them, in one statement: two first saves at once both succeed, the
    /// later one's figures kept.
    private static func upsert(_ input: CommunityTeamInput, for unitID: String, in db: any SQLDatabase) async throws {
        let leader = (input.leader ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let now = Timestamp.now()
        try await db.raw(
            """
            INSERT INTO community_teams (unit_id, members, village_teams, village_members, leader, updated_at)
            VALUES (\(bind: unitID), \(bind: input.members), \(bind: input.villageTeams), \(bind: input.villageMembers),
                \(bind: leader), \(bind: now))
            ON CONFLICT (unit_id) DO UPDATE SET members = excluded.members, village_teams = excluded.village_teams,
                village_members = excluded.village_members, leader = excluded.leader, updated_at = excluded.updated_at
            """
        ).run()
    }

    private static func figures(from row: any SQLRow) throws -> CommunityTeamInput {
        CommunityTeamInput(
            members: try row.int("members"), villageTeams: try row.int("village_teams"), villageMembers: try row.int("village_members"),
            leader: try row.string("leader"))
    }

    private static func team(from row: any SQLRow) throws -> CommunityTeam {
        CommunityTeam(
            unitID: try row.string("unit_id"), communeName: try row.string("commune_name"), parentID: try row.string("parent_id"),
            parentName: try row.string("parent_name"), members: try row.int("members"), villageTeams: try row.int("village_teams"),
            villageMembers: try row.int("village_members"), leader: try row.string("leader"), updatedAt: try row.string("updated_at"))
    }

    private static func training(from row: any SQLRow) throws -> CommunityTraining {
        CommunityTraining(
            id: try row.string("id"), unitID: try row.string("unit_id"), heldOn: try row.string("held_on"), topic: try row.string("topic"),
            participants: try row.int("participants"), recordedAt: try row.string("recorded_at"))
    }
}
