import Hub
import Logging
import ProvinceCore
import ServiceLifecycle
import Synchronization

/// The hub (LGSP): its registry and message log through the API and pages, and, as `serve` runs it, its gateway.
final class HubModule: PlatformModule {
    static let schema = HubSchema.schema
    static let strings = HubStrings.table
    static func openAPI() throws -> OpenAPIPart { try .resource("hub") }

    let platform: Platform
    /// The hub's TLS identity (the data directory's), read once.
    let identity: HubIdentity
    /// The ports the gateway listens on, once `services` has started it.
    private let listening = Mutex<(port: Int, tlsPort: Int)?>(nil)

    init(platform: Platform) throws {
        self.platform = platform
        identity = try HubIdentity.load(directory: platform.configuration.dataDirectory)
    }

    func addRoutes(to routes: ModuleRoutes) {
        HubController(
            registry: platform.hubRegistry, database: platform.database, sealArchive: platform.hubSealArchive, sealingKey: platform.sealingKey,
            journal: platform.hubJournal, monitor: platform.hubMonitor, identity: identity
        )
        .addRoutes(to: routes.api)
        PagesController(platform: platform, pages: routes.pages).addHubRoutes(to: routes.site)
    }

    func navigation(for actor: Actor?) -> [NavigationLink] {
        guard let actor, Access.isOfficial(actor) else { return [] }
        return [NavigationLink("/hub", label: "hub", position: 60)]
    }

    /// The gateway, started: calls between information systems, the mutual-TLS port for peers, probes and seals.
    func services(logger: Logger) async throws -> [any Service] {
        let configuration = platform.configuration
        let settings = configuration.hubGateway
        let gateway = try HubGateway(
            host: configuration.host, port: settings.port, database: platform.database, sealingKey: platform.sealingKey,
            monitor: platform.hubMonitor, probeInterval: settings.probeInterval, identity: identity, tlsPort: settings.tlsPort,
            sealArchive: platform.hubSealArchive.path, upstreamRule: configuration.upstreamRule, journal: platform.hubJournal, logger: logger)
        let port = try await gateway.start()
        listening.withLock { $0 = (port, gateway.tlsPort ?? settings.tlsPort) }
        return [gateway]
    }

    func startupLines() -> [String] {
        guard let (port, tlsPort) = listening.withLock({ $0 }) else { return [] }
        let host = platform.configuration.host
        return [
            "Hub gateway (X-Road REST, /r1/...) at http://\(host):\(port)/",
            "Hub mutual-TLS gateway (peer hubs, client certificates) at https://\(host):\(tlsPort)/",
            "Hub certificate SHA-256 fingerprint: \(identity.fingerprint)",
        ]
    }

    func metrics() async -> String {
        platform.hubMonitor.prometheusText() + (await platform.hubJournal.prometheusText())
    }
}
