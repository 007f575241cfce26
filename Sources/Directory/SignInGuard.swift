import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// How failed sign-ins are counted and what they cost. Each attempt is counted before its password is checked, in
/// one atomic step, so that guesses sent in parallel are counted as surely as guesses sent one after the other.
/// Three counts are kept, each for a window that starts with its first failure:
/// - a username from one address: past `lockThreshold` that address is refused for that username (423) until the
///   window ends, whether the username exists or not, so that the answer tells nothing about it;
/// - a username from anywhere: past `lockThreshold` a sign-in from an address that has not failed waits `delay`
///   but is still checked, so that nobody can lock an account, the platform administrator's included, for good;
/// - an address, whatever the usernames: past `addressThreshold` the address is refused (429) until the window ends.
public struct SignInPolicy: Sendable {
    public var window: TimeInterval
    public var lockThreshold: Int
    public var addressThreshold: Int
    public var delay: Duration

    public init(window: TimeInterval = 15 * 60, lockThreshold: Int = 5, addressThreshold: Int = 50, delay: Duration = .seconds(2)) {
        self.window = window
        self.lockThreshold = lockThreshold
        self.addressThreshold = addressThreshold
        self.delay = delay
    }

    /// What an attempt may do, given the counts it found (itself included).
    public enum Decision: Sendable, Equatable {
        case check
        case checkAfter(Duration)
        case locked(retryAfter: Int)
        case throttled(retryAfter: Int)
    }

    public func decide(_ counts: SignInCounts, now: Date) -> Decision {
        if counts.address.attempts > addressThreshold { return .throttled(retryAfter: retryAfter(counts.address, now: now)) }
        if counts.pair.attempts > lockThreshold { return .locked(retryAfter: retryAfter(counts.pair, now: now)) }
        if counts.username.attempts > lockThreshold { return .checkAfter(delay) }
        return .check
    }

    /// Seconds until a count's window ends (at least one).
    func retryAfter(_ count: SignInCounts.Count, now: Date) -> Int {
        max(1, Int((count.windowStart.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
    }
}

/// The failures counted for one attempt's username and address.
public struct SignInCounts: Sendable {
    public struct Count: Sendable {
        public var attempts: Int
        public var windowStart: Date
    }
    public var pair: Count
    public var username: Count
    public var address: Count
}

/// The counters of failed sign-ins, kept in the database so that every process serving the platform sees them.
struct SignInCounters: Sendable {
    let database: ProvinceDatabase
    let policy: SignInPolicy

    /// The counters' keys: the username by its digest, so that a key is short whatever was typed.
    struct Keys {
        var pair: String
        var username: String
        var address: String

        init(username: String, address: String?) {
            let user = "u:" + String(Tokens.digest(username).prefix(32))
            let client = address.map(ClientAddress.bucket) ?? "-"
            self.username = user
            pair = user + "|" + client
            self.address = "a:" + client
        }
    }

    /// Counts an attempt before its password is checked: one atomic step for all three counters.
    func count(_ keys: Keys, now: Date) async throws -> SignInCounts {
        let windowStart = Timestamp.string(now)
        let expired = Timestamp.string(now.addingTimeInterval(-policy.window))
        return try await database.write { db in
            // In one order everywhere (address, username, pair: the keys' order), so that concurrent attempts on
            // PostgreSQL lock the rows in the same order and cannot deadlock.
            for key in [keys.pair, keys.username, keys.address].sorted() {
                try await db.raw(
                    """
                    INSERT INTO sign_in_attempts (attempt_key, attempts, window_start) VALUES (\(bind: key), 1, \(bind: windowStart))
                    ON CONFLICT (attempt_key) DO UPDATE SET
                        attempts = CASE WHEN sign_in_attempts.window_start < \(bind: expired) THEN 1 ELSE sign_in_attempts.attempts + 1 END,
                        window_start = CASE WHEN sign_in_attempts.window_start < \(bind: expired) THEN excluded.window_start
                            ELSE sign_in_attempts.window_start END
                    """
                ).run()
            }
            var found: [String: SignInCounts.Count] = [:]
            let rows = try await db.raw(
                "SELECT attempt_key, attempts, window_start FROM sign_in_attempts WHERE attempt_key IN (\(binds: [keys.pair, keys.username, keys.address]))"
            ).all()
            for row in rows {
                found[try row.string("attempt_key")] = .init(attempts: try row.int("attempts"), windowStart: try row.date("window_start"))
            }
            let none = SignInCounts.Count(attempts: 0, windowStart: now)
            return SignInCounts(pair: found[keys.pair] ?? none, username: found[keys.username] ?? none, address: found[keys.address] ?? none)
        }
    }

    /// A right password: the username's counts start again, and the attempt no longer counts against its address.
    func succeeded(_ keys: Keys) async throws {
        try await database.write { db in
            // The counting order: address, username, pair.
            try await db.raw("UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE attempt_key = \(bind: keys.address) AND attempts > 0")
                .run()
            try await db.raw("DELETE FROM sign_in_attempts WHERE attempt_key = \(bind: keys.username)").run()
            try await db.raw("DELETE FROM sign_in_attempts WHERE attempt_key = \(bind: keys.pair)").run()
        }
    }

    /// Locks the pair for a whole window from now (the failure that reached the threshold).
    static func lock(_ keys: Keys, now: Date, in db: any SQLDatabase) async throws {
        try await db.raw("UPDATE sign_in_attempts SET window_start = \(bind: Timestamp.string(now)) WHERE attempt_key = \(bind: keys.pair)").run()
    }

    /// Forgets the counts kept for `username` from every address (an administrator set a new password).
    static func release(username: String, in db: any SQLDatabase) async throws {
        let prefix = Keys(username: username, address: nil).username
        try await db.raw("DELETE FROM sign_in_attempts WHERE attempt_key = \(bind: prefix) OR attempt_key LIKE \(bind: prefix + "|%")").run()
    }

    /// Drops counts whose window ended, in a transaction of its own.
    func sweep(before date: Date) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM sign_in_attempts WHERE window_start < \(bind: Timestamp.string(date))").run()
        }
    }
}
