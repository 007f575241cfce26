// SQLiteNIO's own copy of SQLite, the library every other connection uses: a transitive module of SQLiteKit, linked
// once.
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// A connection through SQLite's own C interface, for writes too many for SQLKit's way of making them: a statement
/// prepared once and stepped for every row, its values bound without being copied into Swift strings first (the hub
/// imports thousands of message records a second). Only ``SQLiteWriter`` holds one, and uses it in its turn, on one
/// thread at a time.
final class SQLiteBulkConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteBulkStatement] = [:]

    /// Opens the database file with the settings of the writer's own connection; `cacheMiB` of page cache.
    init(path: String, cacheMiB: Int = 64) throws {
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(
            path, &handle, SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard status == SQLITE_OK, let handle else {
            let error = SQLiteBulkError(status: status, handle: handle)
            sqlite_nio_sqlite3_close(handle)
            throw error
        }
        self.handle = handle
        do {
            // A page cache of 64 MiB rather than 2: a bulk transaction's changed pages stay in memory until it
            // commits, instead of being spilled to the WAL midway and written there again when changed once more.
            for pragma in [
                "PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -\(cacheMiB * 1024)",
            ] {
                try run(pragma)
            }
        } catch {
            close()
            throw error
        }
    }

    /// Runs statements that return no rows (`BEGIN`, `COMMIT`, a pragma).
    func run(_ sql: String) throws {
        let status = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw SQLiteBulkError(status: status, handle: handle) }
    }

    /// The statement for `sql`, prepared on its first use and kept (up to 512 of them: past that the kept ones are
    /// let go); it comes reset, with its earlier values bound.
    func statement(_ sql: String) throws -> SQLiteBulkStatement {
        if let statement = statements[sql] { return statement }
        if statements.count >= 512 {
            for statement in statements.values { statement.finalize() }
            statements = [:]
        }
        var prepared: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard status == SQLITE_OK, let prepared else { throw SQLiteBulkError(status: status, handle: handle) }
        let statement = SQLiteBulkStatement(prepared, connection: handle)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in a transaction that holds the database's write lock from its start: all of its changes are
    /// kept, or none.
    func transaction<T>(_ body: (SQLiteBulkConnection) throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let value = try body(self)
            try run("COMMIT")
            return value
        } catch {
            for statement in statements.values { statement.reset() }
            try? run("ROLLBACK")
            throw error
        }
    }

    func close() {
        for statement in statements.values { statement.finalize() }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(handle)
        handle = nil
    }
}

/// A prepared statement of a ``SQLiteBulkConnection``. Parameters and columns count from 1 and 0, as in SQLite.
final class SQLiteBulkStatement {
    private var handle: OpaquePointer?
    private let connection: OpaquePointer?

    init(_ handle: OpaquePointer, connection: OpaquePointer?) {
        self.handle = handle
        self.connection = connection
    }

    func bind(_ parameter: Int32, _ value: Int) {
        sqlite_nio_sqlite3_bind_int64(handle, parameter, Int64(value))
    }

    /// Binds text that SQLite copies.
    func bind(_ parameter: Int32, _ text: String?) {
        guard let text else {
            sqlite_nio_sqlite3_bind_null(handle, parameter)
            return
        }
        sqlite_nio_sqlite3_bind_text64(handle, parameter, text, UInt64(text.utf8.count), copiedBySQLite, UInt8(SQLITE_UTF8))
    }

    /// Binds UTF-8 text that SQLite copies.
    func bind(_ parameter: Int32, copying text: UnsafeBufferPointer<UInt8>) {
        guard let address = text.baseAddress, !text.isEmpty else { return bind(parameter, "") }
        sqlite_nio_sqlite3_bind_text64(
            handle, parameter, UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self), UInt64(text.count), copiedBySQLite,
            UInt8(SQLITE_UTF8))
    }

    /// Runs the statement to its next row: true when there is one, false when it is done.
    func step() throws -> Bool {
        switch sqlite_nio_sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status:
            let error = SQLiteBulkError(status: status, handle: connection)
            reset()
            throw error
        }
    }

    /// Runs the statement to its end (an insert, an update) and makes it ready to run again.
    func execute() throws {
        defer { reset() }
        while try step() {}
    }

    /// Runs a query for its first row, read by `read`; nil when it has none. The statement is ready to run again.
    func first<T>(_ read: (SQLiteBulkStatement) -> T) throws -> T? {
        defer { reset() }
        return try step() ? read(self) : nil
    }

    /// Makes the statement ready to run again; its values stay bound.
    func reset() {
        sqlite_nio_sqlite3_reset(handle)
    }

    func bind(_ parameter: Int32, double value: Double) {
        sqlite_nio_sqlite3_bind_double(handle, parameter, value)
    }

    /// Binds bytes that SQLite copies.
    func bind(_ parameter: Int32, blob: ByteBuffer) {
        blob.withUnsafeReadableBytes { bytes in
            _ = sqlite_nio_sqlite3_bind_blob64(handle, parameter, bytes.baseAddress, UInt64(bytes.count), copiedBySQLite)
        }
    }

    /// How many columns the statement's rows have.
    var columnCount: Int32 { sqlite_nio_sqlite3_column_count(handle) }

    func columnName(_ column: Int32) -> String {
        sqlite_nio_sqlite3_column_name(handle, column).map { String(cString: $0) } ?? ""
    }

    /// The current row's value in `column`, typed as SQLite stores it.
    func value(_ column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(handle, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
            guard let bytes = sqlite_nio_sqlite3_column_blob(handle, column), count > 0 else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    func integer(_ column: Int32) -> Int {
        Int(sqlite_nio_sqlite3_column_int64(handle, column))
    }

    func text(_ column: Int32) -> String? {
        guard let text = sqlite_nio_sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }

    func finalize() {
        sqlite_nio_sqlite3_finalize(handle)
        handle = nil
    }
}

/// SQLite's failure of a ``SQLiteBulkConnection``: its result code and message.
struct SQLiteBulkError: Error, CustomStringConvertible {
    let status: Int32
    let message: String

    init(status: Int32, handle: OpaquePointer?) {
        self.status = status
        message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite_nio_sqlite3_errstr(status))
    }

    var description: String { "SQLite error \(status): \(message)" }
}

/// `SQLITE_TRANSIENT`: SQLite copies the bound value before the call returns.
private let copiedBySQLite = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
