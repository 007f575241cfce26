import Logging
import ProvinceCore
import PublicServices
import ServiceLifecycle

/// The one-stop shop: procedures, dossiers and their fees, tracking, the service-quality index; deadlines escalated
/// and status changes pushed to the national portal in the background.
struct PublicServicesModule: PlatformModule {
    static let schema = PublicServicesSchema.schema
    static let strings = PublicServicesStrings.table
    static func openAPI() throws -> OpenAPIPart { try .resource("public-services") }

    let platform: Platform

    init(platform: Platform) { self.platform = platform }

    func addRoutes(to routes: ModuleRoutes) {
        ProceduresController(catalogue: ProcedureCatalogue(database: platform.database)).addRoutes(to: routes.api)
        DossiersController(desk: platform.desk).addRoutes(to: routes.api)
        FeesController(fees: platform.fees).addRoutes(to: routes.api)
        PagesController(platform: platform, pages: routes.pages).addServiceRoutes(to: routes.site)
    }

    func navigation(for actor: Actor?) -> [NavigationLink] {
        var links = [NavigationLink("/services", label: "publicServices", position: 10), NavigationLink("/track", label: "track", position: 11)]
        if let actor, actor.account != nil {
            links.append(NavigationLink("/dossiers", label: Access.isOfficial(actor) ? "inbox" : "myDossiers", position: 12))
        }
        links.append(NavigationLink("/service-quality", label: "serviceQuality", position: 13))
        return links
    }

    func services(logger: Logger) async throws -> [any Service] {
        var services: [any Service] = [Escalator(desk: platform.desk, logger: logger)]
        if let portal = platform.configuration.portal {
            services.append(PortalSync(database: platform.database, target: portal, logger: logger))
        }
        return services
    }

    func loadDemo(by actor: Actor) async throws {
        try await DemoProvince.loadServices(into: platform, by: actor)
    }
}
