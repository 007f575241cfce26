import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// A transaction for writes too many for SQLKit's way of making them, called the same way on both engines: its
/// statements run one after the other on a thread of NIO's blocking pool, in ``ProvinceDatabase/batchWrite(_:)``.
/// On SQLite they run through SQLite's C interface in the writer's turn, an insert prepared once and stepped for
/// every row (the hub imports thousands of message records a second); on PostgreSQL, on one pooled connection, the
/// rows of an insert sent a few hundred a statement.
public struct BatchWriter {
    enum Connection {
        case sqlite(SQLiteDirectDatabase)
        case postgres(any SQLDatabase)
    }

    let connection: Connection

    /// The `FOR UPDATE` suffix that locks selected rows until the transaction ends (empty on SQLite, whose writer
    /// holds the database's write lock).
    public var lockForUpdate: SQLQueryString {
        if case .postgres = connection { return " FOR UPDATE" }
        return ""
    }

    /// The first row of a query (a lookup by key), nil when there is none.
    public func first(_ query: SQLQueryString) throws -> (any SQLRow)? {
        switch connection {
        case .sqlite(let database):
            var first: (any SQLRow)?
            try database.runNow(query) { row in if first == nil { first = row } }
            return first
        case .postgres(let database):
            return try database.raw(query).first().wait()
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ query: SQLQueryString) throws {
        switch connection {
        case .sqlite(let database): try database.runNow(query) { _ in }
        case .postgres(let database): try database.raw(query).run().wait()
        }
    }

    /// Inserts `count` rows into `table`: `row` is given each row's offset and binds its values, one for each of
    /// `columns`, in order. `table` and `columns` are the caller's own names.
    public func insert(
        into table: String, columns: [String], count: Int, _ row: (_ offset: Int, _ values: inout RowBinder) throws -> Void
    ) throws {
        guard count > 0 else { return }
        switch connection {
        case .sqlite(let database):
            let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            let statement = try database.connection.statement(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
            for offset in 0..<count {
                var values = RowBinder(statement: statement)
                try row(offset, &values)
                try values.checkComplete(columns.count)
                try statement.execute()
            }
        case .postgres(let database):
            var rows: [[RowValue]] = []
            rows.reserveCapacity(count)
            for offset in 0..<count {
                var values = RowBinder(statement: nil)
                try row(offset, &values)
                try values.checkComplete(columns.count)
                rows.append(values.values)
            }
            for insert in insertStatements(into: table, columns: columns, rows: rows, in: database) { try insert.run().wait() }
        }
    }
}

/// The values of one row of ``BatchWriter/insert(into:columns:count:_:)``, bound in column order.
public struct RowBinder {
    private let statement: SQLiteBulkStatement?
    fileprivate private(set) var values: [RowValue] = []
    private var bound: Int32 = 0

    fileprivate init(statement: SQLiteBulkStatement?) {
        self.statement = statement
    }

    public mutating func bind(_ value: Int) {
        bound += 1
        if let statement { statement.bind(bound, value) } else { values.append(.integer(value)) }
    }

    /// Binds text, or null.
    public mutating func bind(_ text: String?) {
        bound += 1
        if let statement { statement.bind(bound, text) } else { values.append(RowValue(text)) }
    }

    /// Binds text given as UTF-8 bytes, without making a Swift string of them on SQLite.
    public mutating func bind(utf8 text: ArraySlice<UInt8>) {
        bound += 1
        if let statement {
            text.withUnsafeBufferPointer { statement.bind(bound, copying: $0) }
        } else {
            values.append(.text(String(decoding: text, as: UTF8.self)))
        }
    }

    public mutating func bind(_ value: RowValue) {
        switch value {
        case .integer(let integer): bind(integer)
        case .text(let text): bind(text)
        case .null: bind(String?.none)
        }
    }

    fileprivate func checkComplete(_ columns: Int) throws {
        guard bound == columns else { throw StoreError.corrupt("a row of \(bound) values for \(columns) columns") }
    }
}

extension ProvinceDatabase {
    /// Runs `body` in a transaction on a thread of NIO's blocking pool (see ``BatchWriter``): all of its changes
    /// are kept, or none. On SQLite it takes its turn in the writer's queue, alone.
    public func batchWrite<T: Sendable>(_ body: @escaping @Sendable (BatchWriter) throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let writer, _, _):
            return try await writer.submitBulk(body)
        case .postgres(let pool):
            let logger = self.logger
            return try await NIOThreadPool.singleton.runIfActive {
                let connection = try pool.pool.requestConnection(logger: logger).wait()
                defer { pool.pool.releaseConnection(connection, logger: logger) }
                let database = connection.sql()
                try database.raw("BEGIN").run().wait()
                do {
                    let value = try body(BatchWriter(connection: .postgres(database)))
                    try database.raw("COMMIT").run().wait()
                    return value
                } catch {
                    _ = try? database.raw("ROLLBACK").run().wait()
                    throw error
                }
            }
        }
    }
}
