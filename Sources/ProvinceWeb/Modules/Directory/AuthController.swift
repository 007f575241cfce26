import Directory
import Foundation
import Hummingbird
import ProvinceCore

/// `POST /api/v1/auth/token` exchanges a username and password for a bearer token; `DELETE` ends it;
/// `GET /api/v1/me` says who the token belongs to; `POST /api/v1/citizens` registers a citizen.
struct AuthController {
    let accounts: AccountDirectory
    let sessions: SessionStore

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    struct TokenResponse: ResponseEncodable {
        var token: String
        var tokenType = "Bearer"
        var expiresAt: Date
        var account: Account
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.post("auth/token", use: signIn)
        group.delete("auth/token", use: signOut)
        group.get("me", use: me)
        group.get("me/sessions", use: mySessions)
        group.delete("me/sessions/{id}", use: endMySession)
        group.post("citizens", use: registerCitizen)
    }

    @Sendable func signIn(_ request: Request, context: AppContext) async throws -> EditedResponse<TokenResponse> {
        let credentials = try await request.decodeJSON(Credentials.self, context: context)
        let account = try await accounts.authenticate(
            username: credentials.username.trimmingCharacters(in: .whitespaces), password: credentials.password,
            address: context.remoteAddress)
        let (token, session) = try await sessions.open(for: account, kind: .api, address: context.remoteAddress)
        return EditedResponse(status: .created, response: TokenResponse(token: token, expiresAt: session.expiresAt, account: account))
    }

    @Sendable func signOut(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        _ = try context.actor()
        guard context.session != nil, let header = request.headers[.authorization] else {
            throw AppError(.badRequest, vi: "Khoá API không có phiên để kết thúc.", en: "An API key has no session to end.")
        }
        try await sessions.close(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        return .noContent
    }

    @Sendable func me(_ request: Request, context: AppContext) async throws -> Account {
        try context.actor().account!
    }

    /// The signed-in person's live sessions, in browsers and API clients.
    @Sendable func mySessions(_ request: Request, context: AppContext) async throws -> ListPage<SessionInfo> {
        let account = try context.actor().account!
        let current =
            context.session == nil ? nil : request.headers[.authorization].map { String($0.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        return ListPage(items: try await sessions.sessions(of: account.id, currentToken: current), nextCursor: nil)
    }

    /// Ends one of the signed-in person's sessions (another device's, or this one).
    @Sendable func endMySession(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        let account = try context.actor().account!
        guard try await sessions.end(try context.parameters.require("id"), of: account.id) else { throw AppError.notFound("phiên / session") }
        return .noContent
    }

    @Sendable func registerCitizen(_ request: Request, context: AppContext) async throws -> EditedResponse<Account> {
        let registration = try await request.decodeJSON(CitizenRegistration.self, context: context)
        let actor = context.optionalActor ?? Actor(system: "anonymous", address: context.remoteAddress)
        return EditedResponse(status: .created, response: try await accounts.register(registration, by: actor))
    }
}
