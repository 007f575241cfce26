import Foundation
import SQLKit

/// One additive step of a module's schema. A step, once released, is never edited: add a new one. Only types both
/// engines share (TEXT, BIGINT) are used; timestamps are UTC ISO 8601 text written by the app.
public struct SchemaStep: Sendable {
    /// Unique across the platform, and recorded once applied: steps released before modules kept their own schemas are
    /// numbered across the platform (`0013-dossiers`); new ones begin with their module's name (`hub-0001-…`).
    public let id: String
    public let statements: [String]

    public init(_ id: String, _ statements: [String]) {
        self.id = id
        self.statements = statements
    }
}

/// A module's schema: its steps, applied in order and recorded under the module's name, so that a module added to a
/// running platform brings its tables with it at the next start.
public struct ModuleSchema: Sendable {
    public let module: String
    public let steps: [SchemaStep]

    public init(module: String, steps: [SchemaStep]) {
        self.module = module
        self.steps = steps
    }
}

/// Applies the modules' schemas.
public enum Migrations {
    /// The record of applied steps says which module each belongs to: a step of the runner's own, before any module's.
    public static let runner = ModuleSchema(
        module: "platform",
        steps: [SchemaStep("platform-0001-steps-by-module", ["ALTER TABLE schema_migrations ADD COLUMN module TEXT"])])

    /// Applies the steps not yet applied, module by module in the order given (a module after those whose tables its
    /// own refer to); safe to run from several processes at once. Returns the ids of the steps it applied.
    @discardableResult
    public static func run(on database: ProvinceDatabase, schemas: [ModuleSchema]) async throws -> [String] {
        let all = [runner] + schemas
        try check(all)
        return try await database.write { db in
            if database.engine == .postgres {
                // Serializes concurrent starts of several processes until this transaction ends.
                try await db.raw("SELECT pg_advisory_xact_lock(7401)").run()
            }
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            ).run()
            let applied = Set(
                try await db.raw("SELECT id FROM schema_migrations").all().map { try $0.decode(column: "id", as: String.self) })
            var newlyApplied: [String] = []
            for schema in all {
                for step in schema.steps where !applied.contains(step.id) {
                    for statement in step.statements {
                        try await db.raw(SQLQueryString(statement)).run()
                    }
                    try await db.raw(
                        """
                        INSERT INTO schema_migrations (id, applied_at, module)
                        VALUES (\(bind: step.id), \(bind: Timestamp.now()), \(bind: schema.module))
                        """
                    ).run()
                    newlyApplied.append(step.id)
                }
            }
            // Steps applied before the record named modules are given theirs.
            if newlyApplied.contains(runner.steps[0].id) {
                for schema in schemas where !schema.steps.isEmpty {
                    try await db.raw(
                        """
                        UPDATE schema_migrations SET module = \(bind: schema.module)
                        WHERE module IS NULL AND id IN (\(binds: schema.steps.map(\.id)))
                        """
                    ).run()
                }
            }
            return newlyApplied
        }
    }

    /// Each module once, each step id once across them.
    static func check(_ schemas: [ModuleSchema]) throws {
        var modules = Set<String>()
        var ids = Set<String>()
        for schema in schemas {
            guard modules.insert(schema.module).inserted else { throw StoreError.unsupported("the module \(schema.module) is listed twice") }
            for step in schema.steps {
                guard ids.insert(step.id).inserted else { throw StoreError.unsupported("the schema step \(step.id) is listed twice") }
            }
        }
    }
}
