import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// A signed-in session: a browser's (cookie) or an API client's (bearer token). Kept in the database so that
/// every process serving the platform sees it.
public struct Session: Sendable {
    public enum Kind: String, Sendable { case web, api }
    public var account: Account
    public var kind: Kind
    public var csrfToken: String
    public var expiresAt: Date
}

/// A session as its holder sees it in their list: never its token.
public struct SessionInfo: Sendable, Codable, Equatable {
    /// Names the session in the list (the start of its token's digest): enough to end it, not to use it.
    public var id: String
    public var kind: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var address: String?
    /// Whether this is the session the list was asked with.
    public var current: Bool
}

public struct SessionStore: Sendable {
    let database: ProvinceDatabase
    public static let webLifetime: TimeInterval = 8 * 3600
    public static let apiLifetime: TimeInterval = 24 * 3600
    /// A session unused this long ends (OWASP ASVS 3.3.2): a browser's after 30 minutes, an API client's after 2 hours.
    public static let webIdle: TimeInterval = 30 * 60
    public static let apiIdle: TimeInterval = 2 * 3600
    /// A session's last use is written at most this often: not a write on every request.
    static let activityResolution: TimeInterval = 60

    /// How long `kind` may go unused.
    public static func idleLimit(_ kind: Session.Kind) -> TimeInterval { kind == .web ? webIdle : apiIdle }

    public init(database: ProvinceDatabase) { self.database = database }

    /// Opens a session for `account` and returns its token (which is stored only as a digest).
    public func open(for account: Account, kind: Session.Kind, address: String?) async throws -> (token: String, session: Session) {
        let token = Tokens.random(bytes: 32)
        let now = Date()
        let session = Session(
            account: account, kind: kind, csrfToken: Tokens.random(bytes: 24),
            expiresAt: now.addingTimeInterval(kind == .web ? Self.webLifetime : Self.apiLifetime))
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO sessions (token_hash, account_id, kind, csrf_token, created_at, expires_at, address, last_seen_at)
                VALUES (\(bind: Tokens.digest(token)), \(bind: account.id), \(bind: kind.rawValue), \(bind: session.csrfToken),
                    \(bind: Timestamp.string(now)), \(bind: Timestamp.string(session.expiresAt)), \(bind: address), \(bind: Timestamp.string(now)))
                """
            ).run()
            // Expired sessions are swept as new ones open.
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: Timestamp.string(now))").run()
        }
        return (token, session)
    }

    /// The live session a token opens, if any: not past its end, not unused for longer than its idle limit. Its last
    /// use is kept (at most once a minute).
    public func session(for token: String) async throws -> Session? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        let digest = Tokens.digest(token)
        let now = Date()
        // The session and its account in one statement, the account's roles in another: every signed-in request
        // makes this lookup.
        let found = try await database.lookup { db -> (Session, lastSeen: Date)? in
            guard
                let row = try await db.raw(
                    """
                    SELECT a.*, s.kind AS session_kind, s.csrf_token AS session_csrf, s.expires_at AS session_expires,
                        s.last_seen_at AS session_seen, s.created_at AS session_created
                    FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = \(bind: digest)
                    """
                ).first(),
                try row.date("session_expires") > now
            else { return nil }
            let session = Session(
                account: try await AccountDirectory.account(from: row, in: db),
                kind: Session.Kind(rawValue: try row.string("session_kind")) ?? .web, csrfToken: try row.string("session_csrf"),
                expiresAt: try row.date("session_expires"))
            return (session, try row.optionalDate("session_seen") ?? row.date("session_created"))
        }
        guard let (session, lastSeen) = found, !session.account.disabled else { return nil }
        guard now.timeIntervalSince(lastSeen) <= Self.idleLimit(session.kind) else { return nil }
        if now.timeIntervalSince(lastSeen) >= Self.activityResolution {
            try await database.write { db in
                try await db.raw("UPDATE sessions SET last_seen_at = \(bind: Timestamp.string(now)) WHERE token_hash = \(bind: digest)").run()
            }
        }
        return session
    }

    /// The live sessions of an account, newest first; `current` names the one asking.
    public func sessions(of accountID: String, currentToken: String?) async throws -> [SessionInfo] {
        let now = Date()
        let current = currentToken.map { Self.listID(Tokens.digest($0)) }
        return try await database.read { db in
            try await db.raw(
                """
                SELECT token_hash, kind, created_at, last_seen_at, expires_at, address FROM sessions
                WHERE account_id = \(bind: accountID) AND expires_at > \(bind: Timestamp.string(now)) ORDER BY created_at DESC
                """
            ).all().compactMap { row -> SessionInfo? in
                let kind = Session.Kind(rawValue: try row.string("kind")) ?? .web
                let lastSeen = try row.optionalDate("last_seen_at") ?? row.date("created_at")
                guard now.timeIntervalSince(lastSeen) <= Self.idleLimit(kind) else { return nil }
                let id = Self.listID(try row.string("token_hash"))
                return SessionInfo(
                    id: id, kind: kind.rawValue, createdAt: try row.date("created_at"), lastSeenAt: lastSeen,
                    expiresAt: try row.date("expires_at"), address: try row.optionalString("address"), current: id == current)
            }
        }
    }

    /// Ends one of the account's own sessions by its id in the list; false when it has no such session.
    public func end(_ id: String, of accountID: String) async throws -> Bool {
        guard id.count == 16, id.utf8.allSatisfy({ Hex.value($0) != nil }) else { return false }
        return try await database.write { db in
            let rows = try await db.raw(
                "SELECT token_hash FROM sessions WHERE account_id = \(bind: accountID) AND token_hash LIKE \(bind: id.lowercased() + "%")"
            ).all()
            for row in rows {
                try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: try row.string("token_hash"))").run()
            }
            return !rows.isEmpty
        }
    }

    static func listID(_ digest: String) -> String { String(digest.prefix(16)) }

    public func close(token: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: Tokens.digest(token))").run()
        }
    }
}
