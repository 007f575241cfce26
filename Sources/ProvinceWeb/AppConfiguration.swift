import Foundation
import Hub
import ProvinceStore

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
