import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// The two storage engines the platform runs on.
public enum DatabaseEngine: String, Sendable {
    case sqlite, postgres
}

/// Where the platform keeps its data: an SQLite file in the data directory, or a PostgreSQL database.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Chooses PostgreSQL when a `postgres://` URL is given, else the SQLite file in the data directory.
    public static func resolve(databaseURL: String?, dataDirectory: String) -> DatabaseLocation {
        if let databaseURL, !databaseURL.isEmpty {
            if databaseURL.hasPrefix("sqlite://") {
                return .sqlite(path: String(databaseURL.dropFirst("sqlite://".count)))
            }
            return .postgres(url: databaseURL)
        }
        return .sqlite(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("province.sqlite").path)
    }
}

/// The platform's database on either engine. Reads run on any connection; every write runs in a transaction,
/// and on SQLite all writes go through one writer that batches them into shared transactions.
public final class ProvinceDatabase: Sendable {
    public let engine: DatabaseEngine
    public let logger: Logger
    let backend: Backend
    /// SQLite: the task that checkpoints the WAL in the background.
    private let checkpoints: Task<Void, Never>?

    enum Backend: Sendable {
        case sqlite(writer: SQLiteWriter, readers: ReaderRing, lookups: [LookupConnection])
        case postgres(PostgresPool)
    }

    /// An SQLite connection for lookups through SQLite's C interface, used by one task at a time.
    final class LookupConnection: Sendable {
        let connection: SQLiteBulkConnection
        private let busy = Atomic(false)
        init(_ connection: SQLiteBulkConnection) { self.connection = connection }
        /// Takes the connection if no task holds it.
        func take() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }
        func give() { busy.store(false, ordering: .releasing) }
    }

    /// SQLite connections for reads, handed out in turn.
    final class ReaderRing: Sendable {
        let connections: [SQLiteConnection]
        let next = Atomic(0)
        init(_ connections: [SQLiteConnection]) { self.connections = connections }
        func any() -> SQLiteConnection {
            connections[next.wrappingAdd(1, ordering: .relaxed).oldValue % connections.count]
        }
    }

    /// The connection pool, which locks its own state.
    final class PostgresPool: @unchecked Sendable {
        let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
        init(_ pool: EventLoopGroupConnectionPool<PostgresConnectionSource>) { self.pool = pool }
    }

    private init(engine: DatabaseEngine, backend: Backend, checkpoints: Task<Void, Never>? = nil, logger: Logger) {
        self.engine = engine
        self.backend = backend
        self.checkpoints = checkpoints
        self.logger = logger
    }

    /// Opens the database; the SQLite file and its folder are created when missing.
    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> ProvinceDatabase {
        switch location {
        case .sqlite(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var connections: [SQLiteConnection] = []
            var lookups: [LookupConnection] = []
            let bulk = try SQLiteBulkConnection(path: path)
            do {
                try bulk.run("PRAGMA journal_mode = WAL")
                for _ in 0..<4 { connections.append(try await openSQLite(path: path, logger: logger)) }
                for _ in 0..<4 { lookups.append(LookupConnection(try SQLiteBulkConnection(path: path, cacheMiB: 8))) }
            } catch {
                for connection in connections { try? await connection.close() }
                for lookup in lookups { lookup.connection.close() }
                bulk.close()
                throw error
            }
            let writer = SQLiteWriter(bulk: bulk, logger: logger)
            let readers = ReaderRing(connections)
            // The WAL is copied back into the database file by a reader every fraction of a second, so the writer's
            // own automatic checkpoint (every 1,000 pages) finds little left to copy and does not stall a batch.
            let checkpoints = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    _ = try? await readers.connections[0].query("PRAGMA wal_checkpoint(PASSIVE)")
                }
            }
            return ProvinceDatabase(
                engine: .sqlite, backend: .sqlite(writer: writer, readers: readers, lookups: lookups), checkpoints: checkpoints, logger: logger)
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(url: url)
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: 4, logger: logger, on: MultiThreadedEventLoopGroup.singleton)
            let database = ProvinceDatabase(engine: .postgres, backend: .postgres(PostgresPool(pool)), logger: logger)
            do {
                try await database.read { try await $0.raw("SELECT 1").run() }
            } catch {
                try? await pool.shutdownAsync()
                throw error
            }
            return database
        }
    }

    /// The event loop on which SQLite's answers land: a loop of its own, so that a statement's result does not wait
    /// behind the network work of the web server's and the hub gateway's loops.
    private static let sqliteLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private static func openSQLite(path: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: .singleton, logger: logger, on: sqliteLoop.next())
        do {
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                _ = try await connection.query(pragma)
            }
            return connection
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs queries that change nothing.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(_, let readers, _):
            return try await body(readers.any().sql())
        case .postgres(let pool):
            return try await body(pool.pool.database(logger: logger).sql())
        }
    }

    /// Runs a lookup of a few rows by key (a session, a procedure, a dossier): on SQLite through SQLite's C interface
    /// where it is called, with no hop to a thread pool and back, since it takes microseconds; on a pooled reader when
    /// every lookup connection is taken, and on PostgreSQL. Not for queries that scan: they would hold up the thread.
    public func lookup<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard case .sqlite(_, _, let lookups) = backend, let free = lookups.first(where: { $0.take() }) else { return try await read(body) }
        defer { free.give() }
        return try await body(SQLiteDirectDatabase(connection: free.connection, logger: logger, eventLoop: Self.sqliteLoop.next()))
    }

    /// Runs `body` in a transaction: all of its changes are kept, or none. On PostgreSQL the transaction is
    /// READ COMMITTED; code that must serialize takes a row lock (see ``lockForUpdate``).
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let writer, _, _):
            return try await writer.submit(body)
        case .postgres(let pool):
            return try await pool.pool.database(logger: logger).sql().withSession { session in
                try await session.raw("BEGIN").run()
                do {
                    let result = try await body(session)
                    try await session.raw("COMMIT").run()
                    return result
                } catch {
                    try? await session.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
    }

    /// The `FOR UPDATE` suffix that locks selected rows until the transaction ends; SQLite's writer already
    /// holds the database's write lock, so there it is empty.
    public var lockForUpdate: SQLQueryString {
        engine == .postgres ? " FOR UPDATE" : ""
    }

    /// Copies the SQLite database to `destination` while it stays in use: `VACUUM INTO` on a reader
    /// connection writes a consistent snapshot without holding up the writer.
    public func backup(to destination: String) async throws {
        guard engine == .sqlite else { throw StoreError.unsupported("backup of PostgreSQL: use pg_dump") }
        try await read { try await $0.raw("VACUUM INTO \(bind: destination)").run() }
    }

    /// Closes every connection.
    public func close() async {
        switch backend {
        case .sqlite(let writer, let readers, let lookups):
            checkpoints?.cancel()
            await writer.close()
            for reader in readers.connections { try? await reader.close() }
            for lookup in lookups where lookup.take() { lookup.connection.close() }
        case .postgres(let pool):
            try? await pool.pool.shutdownAsync()
        }
    }
}

/// Failures of the storage layer that are not the database's own.
public enum StoreError: Error, CustomStringConvertible {
    case unsupported(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .unsupported(let what): "not supported: \(what)"
        case .corrupt(let what): "unexpected data: \(what)"
        }
    }
}
