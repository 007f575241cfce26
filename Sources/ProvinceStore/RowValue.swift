import SQLKit

/// A column's value in a row of ``BatchWriter/insert(into:columns:count:_:)``.
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

/// The statements that insert `rows`, up to 256 a statement (within the engines' parameter limits). `table` and
/// `columns` are the caller's own names.
func insertStatements(into table: String, columns: [String], rows: [[RowValue]], in db: any SQLDatabase) -> [SQLInsertBuilder] {
    let perStatement = max(1, min(256, 32_000 / columns.count))
    return stride(from: 0, to: rows.count, by: perStatement).map { start in
        var insert = db.insert(into: table).columns(columns)
        for row in rows[start..<min(start + perStatement, rows.count)] { insert = insert.values(row.map { SQLBind($0) }) }
        return insert
    }
}
