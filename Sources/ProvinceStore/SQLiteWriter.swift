import Logging
import NIOCore
import SQLKit
import SQLiteKit
import Synchronization

/// The one writer of an SQLite database. Writes queue up while a transaction runs; the next transaction takes
/// every queued write at once (group commit), each in a savepoint of its own, so one failing write leaves the
/// others of its batch intact. A write's caller is answered only after its batch has committed.
final class SQLiteWriter: Sendable {
    /// One queued write: `run` performs it and returns what to tell its caller once the batch's fate is known;
    /// `reject` answers the caller when the batch could not even begin.
    private struct Job: Sendable {
        /// Runs the write; the Bool says whether it shares its transaction (and so needs a savepoint of its own).
        let run: @Sendable (any SQLDatabase, Bool) async -> Outcome
        let reject: @Sendable (any Error) -> Void
    }

    /// What a job did: whether it failed (its changes undone, or to be undone with the transaction when it ran
    /// alone), and what to tell its caller once the batch's fate is known.
    private struct Outcome: Sendable {
        let failed: Bool
        let answer: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queue: [Job] = []
        var draining = false
    }

    private let connection: SQLiteConnection
    private let logger: Logger
    private let state = Mutex(State())
    private static let maxBatch = 512

    init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func submit<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let run: @Sendable (any SQLDatabase, Bool) async -> Outcome = { database, shared in
                let value: T
                do {
                    if shared { try await database.raw("SAVEPOINT job").run() }
                    do {
                        value = try await body(database)
                        if shared { try await database.raw("RELEASE job").run() }
                    } catch {
                        if shared {
                            try? await database.raw("ROLLBACK TO job").run()
                            try? await database.raw("RELEASE job").run()
                        }
                        throw error
                    }
                } catch {
                    return Outcome(failed: true) { _ in continuation.resume(throwing: error) }
                }
                return Outcome(failed: false) { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(returning: value)
                    }
                }
            }
            enqueue(Job(run: run, reject: { continuation.resume(throwing: $0) }))
        }
    }

    private func enqueue(_ job: Job) {
        let startDrain = state.withLock { state -> Bool in
            state.queue.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if startDrain {
            Task { await self.drain() }
        }
    }

    private func drain() async {
        let database = SQLiteWriterDatabase(connection: connection, base: connection.sql())
        while true {
            let batch = state.withLock { state -> [Job] in
                let batch = Array(state.queue.prefix(Self.maxBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                try await database.raw("BEGIN IMMEDIATE").run()
            } catch {
                logger.error("SQLite could not begin a transaction: \(error)")
                for job in batch { job.reject(error) }
                continue
            }
            // A job alone in its transaction has no savepoint: when it fails, the transaction is rolled back.
            var outcomes: [Outcome] = []
            for job in batch { outcomes.append(await job.run(database, batch.count > 1)) }
            var commitError: (any Error)?
            do {
                if batch.count == 1 && outcomes[0].failed {
                    try await database.raw("ROLLBACK").run()
                } else {
                    try await database.raw("COMMIT").run()
                }
            } catch {
                logger.error("SQLite commit failed: \(error)")
                try? await database.raw("ROLLBACK").run()
                commitError = error
            }
            for outcome in outcomes { outcome.answer(commitError) }
        }
    }

    func close() async {
        try? await connection.close()
    }
}

/// The writer connection as SQLKit sees it, with the connection itself at hand for ``insertRows(into:columns:rows:in:)``.
struct SQLiteWriterDatabase: SQLDatabase {
    let connection: SQLiteConnection
    let base: any SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await base.execute(sql: query, onRow)
    }
}
