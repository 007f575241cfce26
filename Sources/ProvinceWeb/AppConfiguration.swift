import Foundation
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

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "data", database: DatabaseLocation? = nil,
        demo: Bool = false, bcryptCost: UInt8 = 11, secureCookies: Bool = false, paymentSecret: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.database = database ?? .resolve(databaseURL: nil, dataDirectory: dataDirectory)
        self.demo = demo
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.paymentSecret = paymentSecret
    }
}
