import Directory
import Hummingbird
import ProvinceCore

/// Finds who is calling: on the API a bearer token (a session token or an API key), on pages the session
/// cookie. A credential that is presented but not valid is refused at once with 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let sessions: SessionStore
    let accounts: AccountDirectory
    static let sessionCookie = "op_session"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if request.uri.path.hasPrefix("/api/") {
            if let header = request.headers[.authorization] {
                guard header.lowercased().hasPrefix("bearer ") else {
                    throw AppError(.unauthenticated, vi: "Chỉ chấp nhận xác thực Bearer.", en: "Only Bearer authentication is accepted.")
                }
                let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                if token.hasPrefix("opk_") {
                    context.keyAccount = try await accounts.account(forKey: token)
                    if context.keyAccount == nil { throw invalidToken }
                } else {
                    guard let session = try await sessions.session(for: token), session.kind == .api else { throw invalidToken }
                    context.session = session
                }
            }
        } else if let token = request.cookies[Self.sessionCookie]?.value {
            // An expired or unknown cookie simply means "not signed in" on pages.
            if let session = try await sessions.session(for: token), session.kind == .web { context.session = session }
        }
        return try await next(request, context)
    }

    private var invalidToken: AppError {
        AppError(.unauthenticated, vi: "Mã truy cập không hợp lệ hoặc đã hết hạn.", en: "The access token is invalid or expired.")
    }
}
