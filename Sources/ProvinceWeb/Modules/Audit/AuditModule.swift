import Audit
import Logging
import ProvinceCore
import ServiceLifecycle

/// The audit trail: every change's entry, sealed on a schedule, read by those whose scope allows.
struct AuditModule: PlatformModule {
    static let schema = AuditSchema.schema
    static let strings = AuditStrings.table
    static func openAPI() throws -> OpenAPIPart { try .resource("audit") }

    let platform: Platform

    init(platform: Platform) { self.platform = platform }

    func addRoutes(to routes: ModuleRoutes) {
        AuditController(database: platform.database, sealer: platform.auditSealer).addRoutes(to: routes.api)
        PagesController(platform: platform, pages: routes.pages).addAuditRoutes(to: routes.site)
    }

    func navigation(for actor: Actor?) -> [NavigationLink] {
        guard let actor, Access.auditScope(actor) != nil else { return [] }
        return [NavigationLink("/audit", label: "audit", position: 81)]
    }

    func services(logger: Logger) async throws -> [any Service] {
        [AuditSealing(sealer: platform.auditSealer, logger: logger)]
    }
}
