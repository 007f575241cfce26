import ProvinceStore
import SQLKit
import TestSupport
import Testing

/// The one writer of an SQLite database: writes through SQLKit, batched, and bulk writes through SQLite's C
/// interface, taking turns in one queue. Run on an SQLite file even when the suite runs on PostgreSQL (where
/// `bulkWrite` has nothing to do, as the last test checks).
@Suite struct SQLiteWriterTests {
    /// A table of the tests' own: the store knows no module's.
    static let schema = ModuleSchema(
        module: "writer-tests",
        steps: [SchemaStep("writer-tests-0001-rows", ["CREATE TABLE writer_rows (file TEXT PRIMARY KEY, imported_bytes BIGINT NOT NULL)"])])
    static let insertImport = "INSERT INTO writer_rows (file, imported_bytes) VALUES (?, ?)"

    static func count(_ database: ProvinceDatabase) async throws -> Int {
        try await database.read { try await $0.raw("SELECT COUNT(*) AS n FROM writer_rows").first()!.decode(column: "n", as: Int.self) }
    }

    @Test func bulkAndBatchedWritesTakeTurnsAndAllCommit() async throws {
        try await TestDatabase.withMigrated([Self.schema], sqliteOnly: true) { database, _ in
            #expect(database.engine == .sqlite)
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
                    group.addTask {
                        _ = try await database.bulkWrite { connection in
                            let insert = try connection.statement(Self.insertImport)
                            for row in 0..<100 {
                                insert.bind(1, "bulk-\(batch)-\(row)")
                                insert.bind(2, row)
                                try insert.execute()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Self.count(database) == 550)
        }
    }

    @Test func aFailedBulkWriteChangesNothingAndTheWriterGoesOn() async throws {
        try await TestDatabase.withMigrated([Self.schema], sqliteOnly: true) { database, _ in
            #expect(database.engine == .sqlite)
            _ = try await database.bulkWrite { connection in
                let insert = try connection.statement(Self.insertImport)
                insert.bind(1, "first")
                insert.bind(2, 1)
                try insert.execute()
            }
            await #expect(throws: SQLiteBulkError.self) {
                _ = try await database.bulkWrite { connection in
                    let insert = try connection.statement(Self.insertImport)
                    insert.bind(1, "second")
                    insert.bind(2, 2)
                    try insert.execute()
                    insert.bind(1, "first")  // the primary key again
                    try insert.execute()
                }
            }
            #expect(try await Self.count(database) == 1)
            // The statement kept by the connection and the writer's queue both work after the failure.
            _ = try await database.bulkWrite { connection in
                let insert = try connection.statement(Self.insertImport)
                insert.bind(1, "third")
                insert.bind(2, 3)
                try insert.execute()
            }
            try await database.write { db in try await db.raw("INSERT INTO writer_rows (file, imported_bytes) VALUES ('fourth', 4)").run() }
            #expect(try await Self.count(database) == 3)
        }
    }

    @Test func borrowedTextIsStoredAsGiven() async throws {
        try await TestDatabase.withMigrated([Self.schema], sqliteOnly: true) { database, _ in
            #expect(database.engine == .sqlite)
            let texts = ["Sở Thông tin và Truyền thông", "", "a\tb\\c"]
            _ = try await database.bulkWrite { connection in
                let insert = try connection.statement(Self.insertImport)
                for (index, text) in texts.enumerated() {
                    try Array(text.utf8).withUnsafeBufferPointer { bytes in
                        insert.bind(1, borrowing: bytes)
                        insert.bind(2, index)
                        try insert.execute()
                    }
                }
                let read = try connection.statement("SELECT file FROM writer_rows WHERE imported_bytes = ?")
                read.bind(1, 0)
                #expect(try read.first { $0.text(0) } == texts[0])
                read.bind(1, 9)
                #expect(try read.first { $0.text(0) } == nil)
            }
            let stored = try await database.read { db in
                try await db.raw("SELECT file FROM writer_rows ORDER BY imported_bytes").all().map {
                    try $0.decode(column: "file", as: String.self)
                }
            }
            #expect(stored == texts)
        }
    }

    @Test func postgreSQLHasNoBulkWriter() async throws {
        try await TestDatabase.withMigrated([Self.schema]) { database, _ in
            guard database.engine == .postgres else { return }
            let written = try await database.bulkWrite { _ in 1 }
            #expect(written == nil)
        }
    }
}
