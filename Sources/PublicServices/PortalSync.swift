import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ProvinceStore
import SQLKit
import ServiceLifecycle

/// Pushes the dossiers' status changes from the outbox to the national public-service portal: each change with
/// its idempotency key (`Idempotency-Key`), in order for each dossier (a change waits until the one before it has
/// been taken), retried with growing pauses while the portal refuses, fails or hangs, and resumed from the outbox
/// after a restart. The portal may be reached through the province's hub, so that every push is in its message log.
public struct PortalSync: Service {
    /// Where and how to push.
    public struct Target: Sendable {
        public var url: String
        /// Headers every push carries (`X-Road-Client` and the hub's key, when the portal is reached through the hub).
        public var headers: [(String, String)]
        public var timeout: TimeAmount

        public init(url: String, headers: [(String, String)] = [], timeout: TimeAmount = .seconds(10)) {
            self.url = url
            self.headers = headers
            self.timeout = timeout
        }
    }

    let database: ProvinceDatabase
    let target: Target
    let logger: Logger
    let interval: Duration

    public init(database: ProvinceDatabase, target: Target, logger: Logger, interval: Duration = .seconds(1)) {
        self.database = database
        self.target = target
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                let round: Round
                do {
                    round = try await pushDue()
                } catch {
                    logger.error("national portal outbox: \(error)")
                    round = Round(delivered: 0, failed: true)
                }
                if round.failed {
                    // While the portal is out, the sender waits longer and longer (up to five minutes) between rounds.
                    failures += 1
                    if failures == 1 { logger.warning("the national portal does not take changes; retrying") }
                    try await Task.sleep(for: .seconds(min(300, 1 << min(failures, 9))))
                } else {
                    if failures > 0 { logger.notice("the national portal takes changes again") }
                    failures = 0
                    if round.delivered == 0 { try await Task.sleep(for: interval) }
                }
            }
        }
    }

    /// What a round of pushes did.
    public struct Round: Sendable, Equatable {
        public var delivered: Int
        /// A push failed: the round stopped there, the rest waits for the next.
        public var failed: Bool

        public init(delivered: Int, failed: Bool) {
            self.delivered = delivered
            self.failed = failed
        }
    }

    /// Pushes the changes due by `now` that are the next of their dossier, the least recently tried first, until one
    /// fails (the portal is likely out: the others are not each made to wait their timeout).
    @discardableResult
    public func pushDue(now: Date = Date()) async throws -> Round {
        let due = try await database.read { db in
            try await db.raw(
                """
                SELECT idempotency_key, payload, attempts FROM portal_outbox o
                WHERE o.sent_at IS NULL AND o.next_attempt_at <= \(bind: Timestamp.string(now))
                    AND NOT EXISTS (SELECT 1 FROM portal_outbox e WHERE e.dossier_id = o.dossier_id AND e.sent_at IS NULL AND e.event_seq < o.event_seq)
                ORDER BY o.next_attempt_at, o.created_at, o.event_seq LIMIT 100
                """
            ).all().map { (key: try $0.string("idempotency_key"), payload: try $0.string("payload"), attempts: try $0.int("attempts")) }
        }
        var delivered = 0
        let database = self.database
        for change in due {
            if let failure = await push(key: change.key, payload: change.payload) {
                // This change waits 1, 2, 4 … seconds, then five minutes at most: it is never dropped.
                let pause = min(300, 1 << min(change.attempts, 9))
                try await database.write { db in
                    try await db.raw(
                        """
                        UPDATE portal_outbox SET attempts = attempts + 1, last_error = \(bind: String(failure.prefix(500))),
                            next_attempt_at = \(bind: Timestamp.string(now.addingTimeInterval(Double(pause))))
                        WHERE idempotency_key = \(bind: change.key)
                        """
                    ).run()
                }
                return Round(delivered: delivered, failed: true)
            }
            try await database.write { db in
                try await db.raw(
                    "UPDATE portal_outbox SET sent_at = \(bind: Timestamp.now()), attempts = attempts + 1, last_error = NULL WHERE idempotency_key = \(bind: change.key)"
                ).run()
            }
            delivered += 1
        }
        return Round(delivered: delivered, failed: false)
    }

    /// Sends one change; nil when the portal took it (2xx), else why not.
    func push(key: String, payload: String) async -> String? {
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: key)
        for (name, value) in target.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: payload))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: target.timeout)
            _ = try? await response.body.collect(upTo: 1 << 16)
            return (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }
}
