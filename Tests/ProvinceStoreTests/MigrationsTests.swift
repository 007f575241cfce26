import ProvinceStore
import SQLKit
import TestSupport
import Testing

/// Modules' schemas: applied module by module, each step once and recorded under its module; a module added later
/// brings its tables at the next start; a step or a module listed twice is refused before anything is applied.
@Suite struct MigrationsTests {
    static let teams = ModuleSchema(
        module: "teams", steps: [SchemaStep("teams-0001-teams", ["CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL)"])])
    static let members = ModuleSchema(
        module: "members",
        steps: [
            SchemaStep("members-0001-members", ["CREATE TABLE members (id TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id))"]),
            SchemaStep("members-0002-trained", ["ALTER TABLE members ADD COLUMN trained_at TEXT"]),
        ])

    @Test func aModuleAddedLaterBringsItsTablesAndEachStepIsRecordedUnderItsModule() async throws {
        try await TestDatabase.withMigrated([Self.teams]) { database, _ in
            #expect(try await Migrations.run(on: database, schemas: [Self.teams]).isEmpty)
            let added = try await Migrations.run(on: database, schemas: [Self.teams, Self.members])
            #expect(added == ["members-0001-members", "members-0002-trained"])
            try await database.write { db in
                try await db.raw("INSERT INTO teams (id, name) VALUES ('t', 'Tổ công nghệ số')").run()
                try await db.raw("INSERT INTO members (id, team_id, trained_at) VALUES ('m', 't', '2026-12-03')").run()
            }
            let recorded = try await database.read { db in
                try await db.raw("SELECT id, module FROM schema_migrations ORDER BY id").all().map {
                    "\(try $0.string("module")) \(try $0.string("id"))"
                }
            }
            #expect(
                recorded == [
                    "members members-0001-members", "members members-0002-trained", "platform platform-0001-steps-by-module",
                    "teams teams-0001-teams",
                ])
        }
    }

    @Test func aStepOrAModuleListedTwiceIsRefusedBeforeAnythingIsApplied() async throws {
        try await TestDatabase.withMigrated([]) { database, _ in
            let copy = ModuleSchema(module: "copy", steps: Self.teams.steps)
            await #expect(throws: StoreError.self) { try await Migrations.run(on: database, schemas: [Self.teams, copy]) }
            await #expect(throws: StoreError.self) { try await Migrations.run(on: database, schemas: [Self.teams, Self.teams]) }
            let tables = try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM schema_migrations WHERE module = 'teams'").first()?.int("n")
            }
            #expect(tables == 0)
        }
    }
}
