import Logging
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
        let run: @Sendable (any SQLDatabase) async -> @Sendable ((any Error)?) -> Void
        let reject: @Sendable (any Error) -> Void
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
            let run: @Sendable (any SQLDatabase) async -> @Sendable ((any Error)?) -> Void = { database in
                let value: T
                do {
                    try await database.raw("SAVEPOINT job").run()
                    do {
                        value = try await body(database)
                        try await database.raw("RELEASE job").run()
                    } catch {
                        try? await database.raw("ROLLBACK TO job").run()
                        try? await database.raw("RELEASE job").run()
                        throw error
                    }
                } catch {
                    return { _ in continuation.resume(throwing: error) }
                }
                return { commitError in
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
        let database = connection.sql()
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
            var completions: [@Sendable ((any Error)?) -> Void] = []
            for job in batch { completions.append(await job.run(database)) }
            var commitError: (any Error)?
            do {
                try await database.raw("COMMIT").run()
            } catch {
                logger.error("SQLite commit failed: \(error)")
                try? await database.raw("ROLLBACK").run()
                commitError = error
            }
            for completion in completions { completion(commitError) }
        }
    }

    func close() async {
        try? await connection.close()
    }
}
