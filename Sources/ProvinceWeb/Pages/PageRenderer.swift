import Foundation
import Hummingbird
import Mustache
import ProvinceCore

/// Renders pages: a Mustache template for the page's body inside the shared layout.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer

    static func load() async throws -> PageRenderer {
        guard let templates = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources"),
            let stylesheet = Bundle.module.url(forResource: "style", withExtension: "css", subdirectory: "Resources/static")
        else { throw CocoaError(.fileNoSuchFile) }
        let library = try await MustacheLibrary(directory: templates.path)
        let css = try Data(contentsOf: stylesheet)
        return PageRenderer(library: library, stylesheet: ByteBuffer(data: css))
    }

    /// The values every page's layout needs.
    func layoutValues(_ context: AppContext, title: String) -> [String: Any] {
        let language = context.language
        var values: [String: Any] = [
            "t": Strings.all(language), "lang": language.rawValue, "title": title,
            "otherLang": language == .vi ? "en" : "vi",
            "here": context.currentPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/",
        ]
        if let session = context.session {
            let account = session.account
            values["account"] = ["id": account.id, "fullName": account.fullName, "username": account.username]
            values["csrf"] = session.csrfToken
            values["canAdminAccounts"] = account.kind == .official && (account.has(.platformAdmin) || account.has(.agencyAdmin))
            values["canReadAudit"] = Access.auditScope(Actor(account: account, address: nil)) != nil
            values["isOfficial"] = account.kind == .official
        }
        return values
    }

    /// A full page: `template` rendered with `values`, inside the layout.
    func page(_ template: String, title: String, values: [String: Any], context: AppContext, status: HTTPResponse.Status = .ok) -> Response {
        var all = layoutValues(context, title: title)
        all.merge(values) { $1 }
        // Templates test `{{#has.list}}` to show a heading only when a list has items.
        all["has"] = values.compactMapValues { value -> Bool? in (value as? [Any]).map { !$0.isEmpty } }
        let body = library.render(all, withTemplate: template) ?? ""
        all["body"] = body
        let html = library.render(all, withTemplate: "layout") ?? body
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The page shown for an error on the web side.
    func errorPage(_ problem: Problem, context: AppContext) -> Response {
        if problem.kind == .unauthenticated {
            return Response(status: .seeOther, headers: [.location: "/sign-in"])
        }
        return page(
            "error", title: problem.title,
            values: [
                "problem": [
                    "title": problem.title, "detail": problem.detail ?? "", "status": problem.kind.status,
                    "errors": problem.errors.sorted { $0.key < $1.key }.map { ["field": $0.key, "message": $0.value] },
                ],
                "requestID": context.requestID,
            ],
            context: context, status: .init(code: problem.kind.status))
    }

    /// A redirect after a successful form post (post/redirect/get).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
