import Hummingbird
import Logging
import ProvinceCore
import ProvinceStore
import ServiceLifecycle

/// A capability of the platform (the directory, the hub, public services, …) as the platform sees it: its schema,
/// its words, its part of the API description, its routes, the services it runs beside the web server and its demo
/// data. A module is listed once, in ``PlatformModules/all``; `serve`, `migrate` and the tests build the platform from
/// that list.
///
/// The static members describe the module without a database (`migrate` needs only the schema); an instance is made
/// over an opened ``Platform`` and serves it.
public protocol PlatformModule: Sendable {
    /// Its tables: steps applied in order and recorded under the module's name.
    static var schema: ModuleSchema { get }
    /// The words of its pages and navigation in Vietnamese and English, by key; templates read them as `{{t.key}}`.
    /// Keys are unique across the platform.
    static var strings: [String: (vi: String, en: String)] { get }
    /// Its pages' Mustache templates, by name, where they are kept in code rather than in the bundle's `templates`.
    static var templates: [String: String] { get }
    /// Its part of the OpenAPI document: the paths its API routes serve and the schemas those use.
    static func openAPI() throws -> OpenAPIPart

    /// The module over an opened platform.
    init(platform: Platform) throws
    /// Adds its API routes (under `/api/v1`) and its pages' routes.
    func addRoutes(to routes: ModuleRoutes)
    /// The links it puts in the site's navigation for whoever is signed in (nobody: `nil`).
    func navigation(for actor: Actor?) -> [NavigationLink]
    /// Services that run beside the web server while `serve` runs, started; they stop with it.
    func services(logger: Logger) async throws -> [any Service]
    /// Lines `serve` prints once it listens (addresses of the module's own listeners).
    func startupLines() -> [String]
    /// Its Prometheus figures, appended to `/metrics`.
    func metrics() async -> String
    /// Loads its demo data into a platform whose directory (units, agencies, accounts) the demo has loaded.
    func loadDemo(by actor: Actor) async throws
}

extension PlatformModule {
    public static var templates: [String: String] { [:] }
    public func navigation(for actor: Actor?) -> [NavigationLink] { [] }
    public func services(logger: Logger) async throws -> [any Service] { [] }
    public func startupLines() -> [String] { [] }
    public func metrics() async -> String { "" }
    public func loadDemo(by actor: Actor) async throws {}
}

/// Where a module adds its routes.
public struct ModuleRoutes {
    /// `/api/v1`: answers are JSON, errors `application/problem+json`.
    public let api: RouterGroup<AppContext>
    /// The site's root: pages, answered as HTML.
    public let site: RouterGroup<AppContext>
    /// Renders the module's pages inside the shared layout.
    let pages: PageRenderer
}

/// One link of the site's navigation: a path, the key of its words in the strings table, and where it stands among
/// the other modules' links (the public's first, administration last).
public struct NavigationLink: Sendable, Equatable {
    public let path: String
    public let label: String
    public let position: Int

    public init(_ path: String, label: String, position: Int) {
        self.path = path
        self.label = label
        self.position = position
    }
}
