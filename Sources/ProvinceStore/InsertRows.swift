import SQLKit

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
}

/// Inserts many rows, up to 256 a statement (within the engines' parameter limits). `table` and `columns` are the
/// caller's own names.
public func insertRows(into table: String, columns: [String], rows: [[RowValue]], in db: any SQLDatabase) async throws {
    let perStatement = max(1, min(256, 32_000 / columns.count))
    for start in stride(from: 0, to: rows.count, by: perStatement) {
        var insert = db.insert(into: table).columns(columns)
        for row in rows[start..<min(start + perStatement, rows.count)] { insert = insert.values(row.map { SQLBind($0) }) }
        try await insert.run()
    }
}
