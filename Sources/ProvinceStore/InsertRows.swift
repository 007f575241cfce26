import SQLKit
import SQLiteKit

/// A column's value for ``insertRows(into:columns:rows:in:)``.
public enum RowValue: Sendable, Encodable {
    case text(String)
    case integer(Int)
    case null

    public init(_ text: String?) { self = text.map(RowValue.text) ?? .null }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .integer(let integer): try container.encode(integer)
        case .null: try container.encodeNil()
        }
    }

    var sqliteData: SQLiteData {
        switch self {
        case .text(let text): .text(text)
        case .integer(let integer): .integer(integer)
        case .null: .null
        }
    }
}

/// Inserts many rows, up to 256 a statement (within the engines' parameter limits). On SQLite's writer the values
/// go to SQLite as they are: SQLKit's serializing and encoding of each value costs more than SQLite's insert of it
/// (the hub imports thousands of message records a second). `table` and `columns` are the caller's own names.
public func insertRows(into table: String, columns: [String], rows: [[RowValue]], in db: any SQLDatabase) async throws {
    // A few hundred rows a statement: more would make its values an array large enough to be mapped and unmapped
    // from the system on every statement, for no fewer steps in SQLite.
    let perStatement = max(1, min(256, 32_000 / columns.count))
    for start in stride(from: 0, to: rows.count, by: perStatement) {
        let part = rows[start..<min(start + perStatement, rows.count)]
        if let writer = db as? SQLiteWriterDatabase {
            let row = "(" + repeatElement("?", count: columns.count).joined(separator: ",") + ")"
            let sql =
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + repeatElement(row, count: part.count).joined(separator: ",")
            // One array of every value, filled in place: no array made per row on the way.
            var values: [SQLiteData] = []
            values.reserveCapacity(part.count * columns.count)
            for row in part {
                for value in row { values.append(value.sqliteData) }
            }
            try await writer.connection.query(sql, values) { _ in }
        } else {
            var insert = db.insert(into: table).columns(columns)
            for row in part { insert = insert.values(row.map { SQLBind($0) }) }
            try await insert.run()
        }
    }
}
