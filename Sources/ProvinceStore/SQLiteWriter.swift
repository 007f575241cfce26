import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// The one writer of an SQLite database. Writes queue up while a transaction runs; the next transaction takes
/// every queued write at once (group commit), each in a savepoint of its own, so one failing write leaves the
/// others of its batch intact. A write's caller is answered only after its batch has committed. The writes' statements
/// run through SQLite's C interface where they are called (``SQLiteDirectDatabase``); beginning and committing a
/// transaction, which may wait on a lock or the disk, run on a thread of NIO's blocking pool. A bulk write
/// (``submitBulk(_:)``) takes its turn in the same queue, alone.
final class SQLiteWriter: Sendable {
    /// One queued write through SQLKit: `run` performs it and returns what to tell its caller once the batch's fate
    /// is known; `reject` answers the caller when the batch could not even begin.
    private struct Job: Sendable {
        /// Runs the write; the Bool says whether it shares its transaction (and so needs a savepoint of its own).
        let run: @Sendable (any SQLDatabase, Bool) async -> Outcome
        let reject: @Sendable (any Error) -> Void
    }

    /// What waits in the queue: writes through SQLKit, which share transactions, and bulk writes, each in a
    /// transaction of its own (its `run` answers its caller).
    private enum Queued: Sendable {
        case shared(Job)
        case bulk(run: @Sendable () async -> Void)
    }

    /// What a job did: whether it failed (its changes undone, or to be undone with the transaction when it ran
    /// alone), and what to tell its caller once the batch's fate is known.
    private struct Outcome: Sendable {
        let failed: Bool
        let answer: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queue: [Queued] = []
        var draining = false
    }

    private let bulk: SQLiteBulkConnection
    private let logger: Logger
    private let state = Mutex(State())
    private static let maxBatch = 512

    init(bulk: SQLiteBulkConnection, logger: Logger) {
        self.bulk = bulk
        self.logger = logger
    }

    /// Runs `body` on the bulk connection in a transaction of its own, in the writer's turn, on a thread of the pool
    /// (it blocks while SQLite works).
    func submitBulk<T: Sendable>(_ body: @escaping @Sendable (BatchWriter) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let bulk = self.bulk
            let logger = self.logger
            enqueue(
                .bulk {
                    do {
                        continuation.resume(
                            returning: try await NIOThreadPool.singleton.runIfActive {
                                try bulk.transaction { connection in
                                    let database = SQLiteDirectDatabase(
                                        connection: connection, logger: logger, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
                                    return try body(BatchWriter(connection: .sqlite(database)))
                                }
                            })
                    } catch {
                        continuation.resume(throwing: error)
                    }
                })
        }
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
            enqueue(.shared(Job(run: run, reject: { continuation.resume(throwing: $0) })))
        }
    }

    private func enqueue(_ job: Queued) {
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

    /// Runs a statement that may block (a lock, the disk) on a thread of the blocking pool.
    private func blocking(_ sql: String) async throws {
        let bulk = self.bulk
        try await NIOThreadPool.singleton.runIfActive { try bulk.run(sql) }
    }

    private func drain() async {
        let database = SQLiteDirectDatabase(connection: bulk, logger: logger, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        while true {
            let next = state.withLock { state -> [Queued] in
                // Shared writes up to the first bulk one, or that bulk write alone.
                var count = 0
                for job in state.queue.prefix(Self.maxBatch) {
                    if case .bulk = job {
                        if count == 0 { count = 1 }
                        break
                    }
                    count += 1
                }
                let next = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if next.isEmpty { state.draining = false }
                return next
            }
            guard let first = next.first else { return }
            if case .bulk(let run) = first {
                await run()
                continue
            }
            let batch = next.compactMap { queued -> Job? in
                if case .shared(let job) = queued { return job }
                return nil
            }
            do {
                try await blocking("BEGIN IMMEDIATE")
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
                try await blocking(batch.count == 1 && outcomes[0].failed ? "ROLLBACK" : "COMMIT")
            } catch {
                logger.error("SQLite commit failed: \(error)")
                try? await blocking("ROLLBACK")
                commitError = error
            }
            for outcome in outcomes { outcome.answer(commitError) }
        }
    }

    func close() async {
        let bulk = self.bulk
        try? await NIOThreadPool.singleton.runIfActive { bulk.close() }
    }
}
