import Foundation
import SQLKit

extension SQLRow {
    /// A text column's value.
    public func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    /// A nullable text column's value.
    public func optionalString(_ column: String) throws -> String? { try decodeNil(column: column) ? nil : string(column) }
    /// An integer column's value.
    public func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    /// A timestamp column's value.
    public func date(_ column: String) throws -> Date {
        let text = try string(column)
        guard let date = Timestamp.date(text) else { throw StoreError.corrupt("timestamp \(text) in \(column)") }
        return date
    }
    public func optionalDate(_ column: String) throws -> Date? {
        try optionalString(column).flatMap(Timestamp.date)
    }
}
