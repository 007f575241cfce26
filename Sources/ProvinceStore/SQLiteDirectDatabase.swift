import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import VaporCSQLite

/// SQLKit's interface over a ``SQLiteBulkConnection``: each statement prepared once, bound and stepped right where
/// it is called, with no hop to a thread pool and back. The writer runs its transactions' statements through it,
/// one after the other on the task that drains its queue; they take microseconds (SQLite's pages are in memory and a
/// WAL commit does not flush), where a hop for each statement cost more than SQLite's own work.
struct SQLiteDirectDatabase: SQLDatabase {
    let connection: SQLiteBulkConnection
    let logger: Logger
    let eventLoop: any EventLoop
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try runNow(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try runNow(query, onRow)
    }

    /// Runs `query` where it is called, giving `onRow` each row.
    func runNow(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let statement = try connection.statement(serializer.sql)
        defer { statement.reset() }
        let encoder = SQLiteDataEncoder()
        for (index, value) in serializer.binds.enumerated() {
            try statement.bind(Int32(index + 1), try encoder.encode(value))
        }
        while try statement.step() {
            onRow(statement.row())
        }
    }
}

extension SQLiteBulkStatement {
    /// Binds a value as SQLiteKit encodes it.
    func bind(_ parameter: Int32, _ data: SQLiteData) throws {
        switch data {
        case .integer(let value): bind(parameter, Int(value))
        case .float(let value): bind(parameter, double: value)
        case .text(let value): bind(parameter, value)
        case .blob(let value): bind(parameter, blob: value)
        case .null: bind(parameter, String?.none)
        }
    }

    /// The current row, every column as SQLite typed it.
    func row() -> DirectRow {
        var names: [String] = []
        var values: [SQLiteData] = []
        for column in 0..<columnCount {
            names.append(columnName(column))
            values.append(value(column))
        }
        return DirectRow(names: names, values: values)
    }
}

/// A row read through ``SQLiteDirectDatabase``, decoded as SQLiteKit decodes its own rows.
struct DirectRow: SQLRow {
    let names: [String]
    let values: [SQLiteData]

    var allColumns: [String] { names }

    func contains(column: String) -> Bool { names.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = names.firstIndex(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let index = names.firstIndex(of: column) else { throw StoreError.corrupt("no column \(column)") }
        return try SQLiteDataDecoder().decode(D.self, from: values[index])
    }
}
