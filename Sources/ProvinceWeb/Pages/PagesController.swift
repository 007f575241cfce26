import Audit
import Directory
import Foundation
import Hub
import Hummingbird
import ProvinceCore
import ProvinceStore

/// The server-rendered pages: sign-in, a home page for each kind of user, units, agencies, accounts, audit.
struct PagesController {
    let platform: Platform
    let pages: PageRenderer
    static let formCookie = "op_form"

    /// The pages every module's sit among: the stylesheet, the home page, the language switch.
    func addRoutes(to router: RouterGroup<AppContext>) {
        router.get("static/style.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: pages.stylesheet))
        }
        router.get("", use: home)
        router.get("language/{code}", use: switchLanguage)
    }

    // MARK: Home and signing in

    @Sendable func home(_ request: Request, context: AppContext) async throws -> Response {
        var signedIn: HomePage.SignedIn?
        if let account = context.session?.account {
            let message: String
            switch account.kind {
            case .citizen: message = "homeCitizen"
            case .system: message = "homeOfficial"
            case .official:
                message = account.has(.platformAdmin) ? "homeAdmin" : account.has(.agencyAdmin) ? "homeAgencyAdmin" : "homeOfficial"
            }
            var agency: HomePage.AgencyLink?
            if let agencyID = account.agencyID, let found = try? await platform.agencies.get(agencyID) {
                agency = .init(id: found.id, name: found.name)
            }
            let roles = account.roles.map { $0.label(context.language) }
            signedIn = .init(
                fullName: account.fullName, username: account.username, message: Strings.words(context.language)[message], agency: agency,
                roles: roles, hasRoles: !roles.isEmpty)
        }
        let model = HomePage(account: signedIn, navigation: pages.navigation(context))
        return pages.page("home", title: Strings.words(context.language)["home"], model: model, context: context)
    }

    @Sendable func switchLanguage(_ request: Request, context: AppContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard let language = Language(rawValue: code) else { throw AppError.notFound("ngôn ngữ / language") }
        let back = request.query("next").flatMap(SameSitePath.validated) ?? "/"
        var response = PageRenderer.redirect(back)
        response.setCookie(
            Cookie(name: "lang", value: language.rawValue, maxAge: 365 * 86400, path: "/", secure: context.overHTTPS, httpOnly: true, sameSite: .lax))
        return response
    }

    static func localTime(_ stored: String) -> String {
        guard let date = Timestamp.date(stored) else { return stored }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%02d/%02d/%04d %02d:%02d:%02d", c.day!, c.month!, c.year!, c.hour!, c.minute!, c.second!)
    }

    // MARK: Forms and their tokens

    /// A form page for visitors not signed in: protected by a double-submit token (cookie and hidden field), which
    /// `model` is given to put in the form. `title` is the key of the page's title.
    func formPage<Model: Sendable>(
        _ template: String, title: String, request: Request, context: AppContext, status: HTTPResponse.Status = .ok,
        model: (_ formToken: String) -> Model
    ) -> Response {
        let token = request.cookies[Self.formCookie]?.value ?? Tokens.random(bytes: 24)
        var response = pages.page(template, title: Strings.words(context.language)[title], model: model(token), context: context, status: status)
        response.setCookie(
            Cookie(
                name: Self.formCookie, value: token, maxAge: 3600, path: "/", secure: context.overHTTPS, httpOnly: true,
                sameSite: .strict))
        return response
    }

    func checkFormToken(_ form: Form, request: Request) throws {
        guard let cookie = request.cookies[Self.formCookie]?.value, !cookie.isEmpty,
            Tokens.constantTimeEqual(cookie, form["_csrf"])
        else { throw csrfError }
    }

    /// Every form of a signed-in user carries the session's CSRF token.
    func checkSession(_ form: Form, context: AppContext) throws {
        try checkSession(token: form["_csrf"], context: context)
    }

    /// Checks a form's CSRF token against the session's.
    func checkSession(token: String, context: AppContext) throws {
        guard let session = context.session else { throw AppError.unauthenticated }
        guard Tokens.constantTimeEqual(session.csrfToken, token) else { throw csrfError }
    }

    private var csrfError: AppError {
        AppError(
            .csrf, vi: "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.",
            en: "The form has expired or is not valid. Reload the page and try again.")
    }
}

/// A URL-encoded form body.
struct Form {
    private var fields: [(String, String)] = []

    init(_ request: Request, context: AppContext) async throws {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        fields = URLEncoded.pairs(String(buffer: buffer)).map { ($0.name, $0.value) }
    }

    subscript(_ name: String) -> String { fields.first { $0.0 == name }?.1 ?? "" }
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
}

/// The home page: for whoever is signed in, who they are and where to go; for visitors, where to begin.
struct HomePage: Sendable {
    struct AgencyLink: Sendable {
        let id: String
        let name: String
    }

    struct SignedIn: Sendable {
        let fullName: String
        let username: String
        /// What the home page says to their kind of account.
        let message: String
        let agency: AgencyLink?
        let roles: [String]
        let hasRoles: Bool
    }

    let account: SignedIn?
    let navigation: [NavigationItem]
}
