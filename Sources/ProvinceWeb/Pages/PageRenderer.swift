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
            for (name, template) in type(of: module).templates {
                // A module's template never silently takes the place of the bundle's or another module's.
                guard library.getTemplate(named: name) == nil else {
                    throw PageRendererError(reason: "\(type(of: module)) brings a template \(name) the platform already has")
                }
                try library.register(template, named: name)
            }
        }
        let css = try Data(contentsOf: stylesheet)
        return PageRenderer(library: library, stylesheet: ByteBuffer(data: css), modules: modules)
    }

    /// The site's navigation for whoever is signed in: each module's links, in their order.
    func navigation(_ context: AppContext) -> [NavigationItem] {
        let actor = context.session.map { Actor(account: $0.account, address: nil) }
        let words = Strings.words(context.language)
        return modules.flatMap { $0.navigation(for: actor) }.sorted { ($0.position, $0.path) < ($1.position, $1.path) }.map {
            NavigationItem(path: $0.path, label: words[$0.label])
        }
    }

    /// What every page's layout shows around its body.
    func layout(_ context: AppContext, title: String, body: String) -> LayoutModel {
        let language = context.language
        return LayoutModel(
            t: Strings.all(language), lang: language.rawValue, title: title, otherLang: language == .vi ? "en" : "vi",
            here: context.currentPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/",
            navigation: navigation(context),
            account: context.session.map {
                LayoutModel.SignedIn(id: $0.account.id, fullName: $0.account.fullName, username: $0.account.username)
            },
            csrf: context.session?.csrfToken ?? "", body: body)
    }

    /// A full page from a typed model: `template` sees the model as `page` beside the words (`t`) and the session's
    /// form token (`csrf`), and is put inside the layout.
    func page<Model: Sendable>(
        _ template: String, title: String, model: Model, context: AppContext, status: HTTPResponse.Status = .ok
    ) -> Response {
        let frame = PageFrame(t: Strings.all(context.language), csrf: context.session?.csrfToken ?? "", page: model)
        guard let body = library.render(frame, withTemplate: template) else {
            if template == "error" { return Response(status: .internalServerError) }
            // A page without its template is the code's fault: said as one, never an empty page.
            let problem = Problem(PageRendererError(reason: "no template \(template)"), language: context.language, logger: context.logger)
            return errorPage(problem, context: context)
        }
        return html(body, title: title, context: context, status: status)
    }

    /// `body` inside the layout, as the response.
    private func html(_ body: String, title: String, context: AppContext, status: HTTPResponse.Status) -> Response {
        let html = library.render(layout(context, title: title, body: body), withTemplate: "layout") ?? body
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The page shown for an error on the web side.
    func errorPage(_ problem: Problem, context: AppContext) -> Response {
        if problem.kind == .unauthenticated {
            return Response(status: .seeOther, headers: [.location: "/sign-in"])
        }
        let model = ErrorPage(
            problem: .init(
                title: problem.title, detail: problem.detail ?? "", status: problem.kind.status,
                errors: problem.errors.sorted { $0.key < $1.key }.map(\.value)),
            requestID: context.requestID)
        return page("error", title: problem.title, model: model, context: context, status: .init(code: problem.kind.status))
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

/// One link of the site's navigation, in the page's language.
struct NavigationItem: Sendable {
    let path: String
    let label: String
}

/// The layout around every page: the words, the language and its switch, the navigation, who is signed in.
struct LayoutModel: Sendable {
    struct SignedIn: Sendable {
        let id: String
        let fullName: String
        let username: String
    }

    let t: [String: String]
    let lang: String
    let title: String
    let otherLang: String
    /// The page's path and query, for the language switch's way back.
    let here: String
    let navigation: [NavigationItem]
    let account: SignedIn?
    let csrf: String
    let body: String
}

/// The error page: the problem and the request's id.
struct ErrorPage: Sendable {
    struct Shown: Sendable {
        let title: String
        let detail: String
        let status: Int
        let errors: [String]
    }

    let problem: Shown
    let requestID: String
}

/// The page templates could not be put together.
struct PageRendererError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "page templates: \(reason)" }
}
