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
        let row = try await database.read { db in
            try await db.raw("SELECT * FROM sessions WHERE token_hash = \(bind: Tokens.digest(token))").first()
        }
        guard let row, try row.date("expires_at") > Date() else { return nil }
        let account = try await AccountDirectory(database: database).get(try row.string("account_id"))
        guard !account.disabled else { return nil }
        return Session(
            account: account, kind: Session.Kind(rawValue: try row.string("kind")) ?? .web,
            csrfToken: try row.string("csrf_token"), expiresAt: try row.date("expires_at"))
    }

    public func close(token: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: Tokens.digest(token))").run()
        }
    }
}
