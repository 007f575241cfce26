import Foundation
import Hummingbird
import Mustache
import ProvinceCore

/// Renders pages: a Mustache template for the page's body inside the shared layout.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    /// The modules, whose links make up the navigation.
    let modules: [any PlatformModule]

    /// The bundle's templates and the modules' own.
    static func load(modules: [any PlatformModule]) async throws -> PageRenderer {
        guard let templates = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources"),
            let stylesheet = Bundle.module.url(forResource: "style", withExtension: "css", subdirectory: "Resources/static")
        else { throw CocoaError(.fileNoSuchFile) }
        var library = try await MustacheLibrary(directory: templates.path)
        for module in modules {
            for (name, template) in type(of: module).templates { try library.register(template, named: name) }
        }
        let css = try Data(contentsOf: stylesheet)
        return PageRenderer(library: library, stylesheet: ByteBuffer(data: css), modules: modules)
    }

    /// The values every page's layout needs.
    func layoutValues(_ context: AppContext, title: String) -> [String: Any] {
        let language = context.language
        var values: [String: Any] = [
            "t": Strings.all(language), "lang": language.rawValue, "title": title,
            "otherLang": language == .vi ? "en" : "vi",
            "here": context.currentPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/",
        ]
        let actor = context.session.map { Actor(account: $0.account, address: nil) }
        let words = Strings.words(language)
        values["navigation"] = modules.flatMap { $0.navigation(for: actor) }.sorted { $0.position < $1.position }.map {
            ["path": $0.path, "label": words[$0.label]]
        }
        if let session = context.session {
            let account = session.account
            values["account"] = ["id": account.id, "fullName": account.fullName, "username": account.username]
            values["csrf"] = session.csrfToken
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

    /// A full page from a typed model: `template` sees the model as `page` beside the words (`t`) and the session's
    /// form token (`csrf`), and is put inside the layout.
    func page<Model: Sendable>(
        _ template: String, title: String, model: Model, context: AppContext, status: HTTPResponse.Status = .ok
    ) -> Response {
        let frame = PageFrame(t: Strings.all(context.language), csrf: context.session?.csrfToken ?? "", page: model)
        let body = library.render(frame, withTemplate: template) ?? ""
        var all = layoutValues(context, title: title)
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

/// What a typed page's template sees: the words, the session's form token and the page's own model.
struct PageFrame<Model: Sendable>: Sendable {
    let t: [String: String]
    let csrf: String
    let page: Model
}
