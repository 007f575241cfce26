import Audit
import Foundation
import Hub
import ProvinceStore
import SQLKit
import TestSupport
import Testing

@testable import ProvinceWeb

/// A database written by an earlier release upgrades in place: every row kept, every chain intact, the same schema as
/// a new database's. The fixture is such a database (`Tests/Fixtures/make-upgrade-fixture.py` made it with the release
/// build of 1cb8de7, the last before the modules kept their own schemas), restored on the engine the suite runs on.
@Suite struct UpgradeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/upgrade-from-1cb8de7")

    @Test func aDatabaseOfTheReleaseBeforeTheModulesSchemasKeepsEveryRow() async throws {
        let directory = TestDatabase.temporaryDirectory()
        let freshDirectory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let (freshLocation, freshCleanup) = try await TestDatabase.fresh(in: freshDirectory)
        do {
            try await Self.upgrade(location, directory: directory, besideNew: freshLocation, in: freshDirectory)
        } catch {
            await cleanup()
            await freshCleanup()
            throw error
        }
        await cleanup()
        await freshCleanup()
    }

    static func upgrade(_ location: DatabaseLocation, directory: String, besideNew freshLocation: DatabaseLocation, in freshDirectory: String)
        async throws
    {
        try Self.restore(into: location, directory: directory)

        let before = try await Self.survey(location)
        #expect(before.rows["schema_migrations"] == 24)
        #expect(before.rows["hub_messages"] == 3 && before.rows["dossiers"] == 1 && before.rows["audit_entries"] == 55)

        let configuration = AppConfiguration(dataDirectory: directory, database: location, bcryptCost: 4)
        let platform = try await Platform.open(configuration, logger: TestDatabase.logger)
        let (log, trail, modules) = try await Self.checkChains(platform.database)
        await platform.database.close()
        #expect(log.isIntact && log.recordsChecked == 3, "\(log)")
        #expect(trail.firstBadSeq == nil && trail.entriesChecked == 55, "\(trail)")

        let after = try await Self.survey(location)
        for (table, count) in before.rows where table != "schema_migrations" {
            #expect(after.rows[table] == count, "\(table): \(count) rows before, \(after.rows[table] ?? 0) after")
        }
        // Every step is recorded, under its module: the runner's own and those of modules added since were new.
        #expect(after.rows["schema_migrations"] == ([Migrations.runner] + PlatformModules.schemas).reduce(0) { $0 + $1.steps.count })
        let expected = Dictionary(
            uniqueKeysWithValues: ([Migrations.runner] + PlatformModules.schemas).flatMap { schema in schema.steps.map { ($0.id, schema.module) } })
        #expect(modules == expected)

        // The same schema as a database made new.
        let fresh = try await Platform.open(
            AppConfiguration(dataDirectory: freshDirectory, database: freshLocation, bcryptCost: 4), logger: TestDatabase.logger)
        await fresh.database.close()
        let made = try await Self.survey(freshLocation)
        #expect(made.columns == after.columns)
        #expect(made.indexes == after.indexes)
    }

    /// The fixture's database in `location`: the SQLite file copied, or the PostgreSQL dump run by `psql`.
    static func restore(into location: DatabaseLocation, directory: String) throws {
        let command: String
        switch location {
        case .sqlite(let path):
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            command = "gzip -dc '\(fixture.path)/province.sqlite.gz' > '\(path)'"
        case .postgres(let url):
            command = "gzip -dc '\(fixture.path)/province.postgres.sql.gz' | psql -q -v ON_ERROR_STOP=1 '\(url)' > /dev/null"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(command)")
    }

    struct Survey {
        var rows: [String: Int] = [:]
        var columns: [String: Set<String>] = [:]
        var indexes: Set<String> = []
    }

    /// Every table's row count and columns, and the indexes' names.
    static func survey(_ location: DatabaseLocation) async throws -> Survey {
        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        let sqlite = database.engine == .sqlite
        let survey = try await database.read { db in
            var found = Survey()
            let columns: SQLQueryString =
                sqlite
                ? "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
                : "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'"
            for row in try await db.raw(columns).all() {
                found.columns[try row.string("t"), default: []].insert(try row.string("c"))
            }
            for table in found.columns.keys {
                found.rows[table] = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.int("n")
            }
            let indexes: SQLQueryString =
                sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'index'"
                : "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'"
            found.indexes = Set(try await db.raw(indexes).all().map { try $0.string("name") })
            return found
        }
        await database.close()
        return survey
    }

    /// The message log's and the audit trail's chains checked, and each applied step's module.
    static func checkChains(_ database: ProvinceDatabase) async throws -> (MessageLog.Verification, AuditVerification, [String: String]) {
        let log = try await MessageLog.verify(database)
        let trail = try await AuditLog.verify(database)
        let modules = try await database.read { db in
            try await db.raw("SELECT id, module FROM schema_migrations").all().reduce(into: [String: String]()) {
                $0[try $1.string("id")] = try $1.optionalString("module") ?? "(no module)"
            }
        }
        return (log, trail, modules)
    }
}
