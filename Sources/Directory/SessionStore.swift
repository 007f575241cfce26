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

public struct SessionStore: Sendable {
    let database: ProvinceDatabase
    public static let webLifetime: TimeInterval = 8 * 3600
    public static let apiLifetime: TimeInterval = 24 * 3600

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
                INSERT INTO sessions (token_hash, account_id, kind, csrf_token, created_at, expires_at, address)
                VALUES (\(bind: Tokens.digest(token)), \(bind: account.id), \(bind: kind.rawValue), \(bind: session.csrfToken),
                    \(bind: Timestamp.string(now)), \(bind: Timestamp.string(session.expiresAt)), \(bind: address))
                """
            ).run()
            // Expired sessions are swept as new ones open.
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: Timestamp.string(now))").run()
        }
        return (token, session)
    }

    /// The live session a token opens, if any.
    public func session(for token: String) async throws -> Session? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        // The session and its account in one statement, the account's roles in another: every signed-in request
        // makes this lookup.
        let found = try await database.lookup { db -> Session? in
            guard
                let row = try await db.raw(
                    """
                    SELECT a.*, s.kind AS session_kind, s.csrf_token AS session_csrf, s.expires_at AS session_expires
                    FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = \(bind: Tokens.digest(token))
                    """
                ).first(),
                try row.date("session_expires") > Date()
            else { return nil }
            return Session(
                account: try await AccountDirectory.account(from: row, in: db),
                kind: Session.Kind(rawValue: try row.string("session_kind")) ?? .web, csrfToken: try row.string("session_csrf"),
                expiresAt: try row.date("session_expires"))
        }
        guard let found, !found.account.disabled else { return nil }
        return found
    }

    public func close(token: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: Tokens.digest(token))").run()
        }
    }
}
