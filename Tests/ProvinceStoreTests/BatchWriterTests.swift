import ProvinceStore
import SQLKit
import TestSupport
import Testing

/// Batched writes (``BatchWriter``), called the same way on both engines: on SQLite they take turns with the
/// writes through SQLKit in the one writer's queue.
@Suite struct BatchWriterTests {
    /// A table of the tests' own: the store knows no module's.
    static let schema = ModuleSchema(
        module: "writer-tests",
        steps: [SchemaStep("writer-tests-0001-rows", ["CREATE TABLE writer_rows (file TEXT PRIMARY KEY, imported_bytes BIGINT NOT NULL)"])])
    static let columns = ["file", "imported_bytes"]

    static func count(_ database: ProvinceDatabase) async throws -> Int {
        try await database.read { try await $0.raw("SELECT COUNT(*) AS n FROM writer_rows").first()!.decode(column: "n", as: Int.self) }
    }

    /// Inserts `files`, numbered from `first`, in one batch.
    static func insert(_ files: [String], from first: Int = 0, in database: ProvinceDatabase) async throws {
        try await database.batchWrite { batch in
            try batch.insert(into: "writer_rows", columns: columns, count: files.count) { offset, values in
                values.bind(files[offset])
                values.bind(first + offset)
            }
        }
    }

    @Test func batchedAndSharedWritesTakeTurnsAndAllCommit() async throws {
        try await TestDatabase.withMigrated([Self.schema]) { database, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await database.write { db in
                            try await db.raw(
                                "INSERT INTO writer_rows (file, imported_bytes) VALUES (\(bind: "shared-\(index)"), \(bind: index))"
                            ).run()
                        }
                    }
                }
                for batch in 0..<5 {
                    group.addTask { try await Self.insert((0..<300).map { "batch-\(batch)-\($0)" }, in: database) }
                }
                try await group.waitForAll()
            }
            #expect(try await Self.count(database) == 1_550)
        }
    }

    @Test func aFailedBatchChangesNothingAndTheWriterGoesOn() async throws {
        try await TestDatabase.withMigrated([Self.schema]) { database, _ in
            try await Self.insert(["first"], in: database)
            await #expect(throws: (any Error).self) {
                try await Self.insert(["second", "first"], in: database)  // the primary key again
            }
            #expect(try await Self.count(database) == 1)
            // A row with a value missing is refused before it is written.
            await #expect(throws: StoreError.self) {
                try await database.batchWrite { batch in
                    try batch.insert(into: "writer_rows", columns: Self.columns, count: 1) { _, values in values.bind("short") }
                }
            }
            // The statement kept by the connection and the writer's queue both work after the failures.
            try await Self.insert(["third"], in: database)
            try await database.write { db in try await db.raw("INSERT INTO writer_rows (file, imported_bytes) VALUES ('fourth', 4)").run() }
            #expect(try await Self.count(database) == 3)
        }
    }

    @Test func textIsStoredAsGivenAndLookedUpByKey() async throws {
        try await TestDatabase.withMigrated([Self.schema]) { database, _ in
            let texts = ["Sở Thông tin và Truyền thông", "", "a\tb\\c"]
            // Each text is bound from the middle of a larger buffer, as the hub binds a journal line's fields.
            let found = try await database.batchWrite { batch in
                try batch.insert(into: "writer_rows", columns: Self.columns, count: texts.count) { offset, values in
                    let line = Array("<\(texts[offset])>".utf8)
                    values.bind(utf8: line[1..<line.count - 1])
                    values.bind(offset)
                }
                try batch.run("UPDATE writer_rows SET imported_bytes = imported_bytes + 10 WHERE file = \(bind: texts[2])")
                return (
                    try batch.first("SELECT file FROM writer_rows WHERE imported_bytes = \(bind: 0)")?.decode(column: "file", as: String.self),
                    try batch.first("SELECT file FROM writer_rows WHERE imported_bytes = \(bind: 9)") == nil
                )
            }
            #expect(found.0 == texts[0])
            #expect(found.1)
            let stored = try await database.read { db in
                try await db.raw("SELECT file FROM writer_rows ORDER BY imported_bytes").all().map {
                    try $0.decode(column: "file", as: String.self)
                }
            }
            #expect(stored == texts)
        }
    }
}
