import Foundation
import Hub
import ProvinceStore
import PublicServices

/// How one `province serve` process runs.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var database: DatabaseLocation
    /// Load the demo province into an empty database.
    public var demo: Bool
    /// bcrypt cost for new password hashes.
    public var bcryptCost: UInt8
    /// Mark cookies `Secure` (set when the platform is served over HTTPS, directly or behind a proxy).
    public var secureCookies: Bool
    /// The key the payment service signs its notifications with; nil: notifications are refused.
    public var paymentSecret: String?
    /// Where the hub's providers may be (the networks the operator names, the hub's own ports refused).
    public var upstreamRule: UpstreamRule
    /// The bearer token a metrics scraper presents on `/metrics` (a platform administrator's page session works too);
    /// nil: only platform administrators read them.
    public var metricsToken: String?
    /// Reverse proxies in front of the platform, whose `X-Forwarded-For` names the client (`serve --trusted-proxies`).
    public var trustedProxies: [IPNetwork]
    /// The hub gateway's listeners, as `serve` runs it.
    public var hubGateway = HubGatewaySettings()
    /// Where dossiers' status changes are pushed (`serve --portal-url`); nil: nowhere.
    public var portal: PortalSync.Target?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "data", database: DatabaseLocation? = nil,
        demo: Bool = false, bcryptCost: UInt8 = 11, secureCookies: Bool = false, paymentSecret: String? = nil,
        upstreamRule: UpstreamRule = UpstreamRule(), metricsToken: String? = nil, trustedProxies: [IPNetwork] = []
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.database = database ?? .resolve(databaseURL: nil, dataDirectory: dataDirectory)
        self.demo = demo
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.paymentSecret = paymentSecret
        var rule = upstreamRule
        if port != 0 { rule.ownPorts.insert(port) }
        self.upstreamRule = rule
        self.metricsToken = metricsToken
        self.trustedProxies = trustedProxies
    }
}

/// Where `serve` runs the hub's gateway (`--hub-port`, `--hub-tls-port`, `--hub-probe-seconds`).
public struct HubGatewaySettings: Sendable {
    /// The X-Road REST protocol's port (0 picks a free one).
    public var port = 8081
    /// The mutual-TLS port for peer hubs and callers with client certificates (0 picks a free one).
    public var tlsPort = 8443
    /// Time between probes of the providers.
    public var probeInterval = Duration.seconds(30)

    public init(port: Int = 8081, tlsPort: Int = 8443, probeInterval: Duration = .seconds(30)) {
        self.port = port
        self.tlsPort = tlsPort
        self.probeInterval = probeInterval
    }
}
