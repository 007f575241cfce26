import Audit
import Directory
import Foundation
import Hub
import Hummingbird
import Logging
import NIOCore
import ProvinceCore
import ProvinceStore
import PublicServices
import ServiceLifecycle
import Workflow
import WorkingDays

/// The services one process runs on, opened from its configuration.
public struct Platform: Sendable {
    public let configuration: AppConfiguration
    public let database: ProvinceDatabase
    public let units: UnitDirectory
    public let agencies: AgencyDirectory
    public let accounts: AccountDirectory
    public let sessions: SessionStore
    /// The hub gateway's live figures: the gateway of this process writes them, the API and pages read them.
    public let hubMonitor = HubMonitor()
    /// The hub gateway's journal: the gateway writes exchanges to it, the API imports them before reading the log.
    public let hubJournal: MessageJournal

    /// The one-stop shop's desk: dossiers and their workflow.
    public let desk: DossierDesk
    /// Fees of dossiers and their payment.
    public let fees: FeeDesk
    /// The hub's registry, held to the configured upstream rule.
    public let hubRegistry: HubRegistry
    /// Seals the audit trail with the platform's key and checks it (see ``AuditSealer``).
    public let auditSealer: AuditSealer
    /// The platform's signing key (the data directory's): it signs both logs' seals and is trusted to check them.
    public let sealingKey: SealingKey
    /// Where the message log's seals are also written, outside the database.
    public var hubSealArchive: SealArchive { SealArchive(path: configuration.dataDirectory + "/hub-seals.jsonl") }

    /// Opens the database and brings its schema up to date. `today` is the day in Vietnam deadlines count from.
    public static func open(
        _ configuration: AppConfiguration, logger: Logger, today: @escaping @Sendable () -> CivilDate = { CivilDate(Date()) }
    ) async throws -> Platform {
        let database = try await ProvinceDatabase.open(configuration.database, logger: logger)
        do {
            try await Migrations.run(on: database, schemas: PlatformModules.schemas)
        } catch {
            await database.close()
            throw error
        }
        let key: SealingKey
        do {
            key = try SealingKey.load(directory: configuration.dataDirectory)
        } catch {
            await database.close()
            throw error
        }
        return Platform(configuration: configuration, database: database, logger: logger, today: today, sealingKey: key)
    }

    init(
        configuration: AppConfiguration, database: ProvinceDatabase, logger: Logger, today: @escaping @Sendable () -> CivilDate,
        sealingKey: SealingKey
    ) {
        self.configuration = configuration
        self.database = database
        units = UnitDirectory(database: database)
        agencies = AgencyDirectory(database: database)
        accounts = AccountDirectory(database: database, bcryptCost: configuration.bcryptCost)
        sessions = SessionStore(database: database)
        hubJournal = MessageJournal(directory: configuration.dataDirectory + "/hub-journal", database: database, logger: logger)
        desk = DossierDesk(
            database: database, files: DossierFileStore(directory: configuration.dataDirectory + "/dossier-files"), today: today)
        fees = FeeDesk(desk: desk, notificationSecret: configuration.paymentSecret)
        hubRegistry = HubRegistry(database: database, upstreamRule: configuration.upstreamRule)
        self.sealingKey = sealingKey
        auditSealer = AuditSealer(database: database, key: sealingKey, archive: configuration.dataDirectory + "/audit-seals.jsonl")
    }
}

/// Everything under the web server: middleware, then the platform's own routes and each module's, API and pages.
/// `modules`: by default, every module of ``PlatformModules``.
public func buildRouter(_ platform: Platform, modules: [any PlatformModule]? = nil) async throws -> Router<AppContext> {
    let modules = try modules ?? PlatformModules.make(platform)
    let pages = try await PageRenderer.load(modules: modules)
    let router = Router(context: AppContext.self)
    router.middlewares.add(
        RequestMiddleware(pages: pages, secureCookies: platform.configuration.secureCookies, trustedProxies: platform.configuration.trustedProxies))
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(AuthMiddleware(sessions: platform.sessions, accounts: platform.accounts))
    router.middlewares.add(ErrorMiddleware(pages: pages))

    let site = router.group()
    SystemController(
        database: platform.database, registry: MetricsBootstrap.registry, modules: modules,
        openAPI: ByteBuffer(data: try PlatformModules.servedOpenAPI.get()),
        metricsToken: platform.configuration.metricsToken
    )
    .addRoutes(to: site)
    PagesController(platform: platform, pages: pages).addRoutes(to: site)
    let routes = ModuleRoutes(api: router.group("api/v1"), site: site, pages: pages)
    for module in modules { module.addRoutes(to: routes) }
    return router
}

/// The web application of one `province serve` process, over `modules` (by default, every module of
/// ``PlatformModules``). `services` run beside the web server and stop with it.
public func buildApplication(
    _ platform: Platform, logger: Logger, modules: [any PlatformModule]? = nil, services: [any Service] = [],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(platform, modules: modules)
    return Application(
        responder: CanonicalRequests(inner: router.buildResponder()),
        configuration: .init(address: .hostname(platform.configuration.host, port: platform.configuration.port), serverName: "OpenProvince"),
        services: services,
        onServerRunning: onServerRunning,
        logger: logger)
}
