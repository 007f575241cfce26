import Foundation
import Logging
import ProvinceStore

/// Databases for tests: a fresh SQLite file, or a fresh PostgreSQL database when `PROVINCE_TEST_DATABASE_URL`
/// names a server (scripts/test runs every suite both ways).
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PROVINCE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new empty database in `directory`, or on the test PostgreSQL server; `cleanup` drops it. `sqliteOnly`: an
    /// SQLite file whatever the server named, for what only SQLite has (its writer, its C interface).
    public static func fresh(in directory: String, sqliteOnly: Bool = false) async throws -> (DatabaseLocation, cleanup: @Sendable () async -> Void) {
        guard let adminURL = postgresURL, !sqliteOnly else {
            return (.resolve(databaseURL: nil, dataDirectory: directory), { try? FileManager.default.removeItem(atPath: directory) })
        }
        let name = "op_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let admin = try await ProvinceDatabase.open(.postgres(url: adminURL), logger: logger)
        try await admin.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        await admin.close()
        guard var components = URLComponents(string: adminURL) else { throw CocoaError(.fileReadInvalidFileName) }
        components.path = "/" + name
        let cleanup: @Sendable () async -> Void = {
            try? FileManager.default.removeItem(atPath: directory)
            guard let admin = try? await ProvinceDatabase.open(.postgres(url: adminURL), logger: logger) else { return }
            try? await admin.read { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            await admin.close()
        }
        return (.postgres(url: components.string!), cleanup)
    }

    /// Runs `body` with a fresh database carrying `schemas` and its temporary folder, then closes and drops them.
    public static func withMigrated(
        _ schemas: [ModuleSchema], sqliteOnly: Bool = false, _ body: (ProvinceDatabase, String) async throws -> Void
    ) async throws {
        let directory = temporaryDirectory()
        let (location, cleanup) = try await fresh(in: directory, sqliteOnly: sqliteOnly)
        let database = try await ProvinceDatabase.open(location, logger: logger)
        do {
            try await Migrations.run(on: database, schemas: schemas)
            try await body(database, directory)
        } catch {
            await database.close()
            await cleanup()
            throw error
        }
        await database.close()
        await cleanup()
    }

    /// A fresh temporary folder's path.
    public static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("op-test-\(UUID().uuidString)").path
    }
}
