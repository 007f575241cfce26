import Directory
import Foundation
import Hummingbird
import NIOCore
import ProvinceCore

/// What a request carries through middleware to its controller: who is acting, in which language.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address, as the audit trail records it and sign-in failures are counted by: the connection's
    /// peer, or the client a trusted proxy names (set by `RequestMiddleware`, see ``ClientAddress``).
    public var remoteAddress: String?
    /// The signed-in session (browser cookie or API token), if any.
    public var session: Session?
    /// The account behind an API key, if one was presented.
    public var keyAccount: Account?
    public var language: Language = .vi
    public var requestID: String = ""
    /// The path and query of the page being shown (for the language switch's way back).
    public var currentPath: String = "/"
    /// Whether the browser reached the platform over HTTPS (directly configured, or said by the proxy in front):
    /// cookies are then `Secure` and HSTS is sent.
    public var overHTTPS = false
    /// Why the request could not be put in one form, if it could not: answered before any route is reached.
    var refusal: AppError?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Request bodies larger than this are refused with 413.
    public var maxUploadSize: Int { 1 << 20 }

    /// The signed-in account, from a session or an API key.
    public var account: Account? { session?.account ?? keyAccount }

    /// The actor for authorization and audit; throws 401 when nobody is signed in.
    public func actor() throws -> Actor {
        guard let account else { throw AppError.unauthenticated }
        return Actor(account: account, address: remoteAddress)
    }

    /// The actor when there may be none (public routes).
    public var optionalActor: Actor? { account.map { Actor(account: $0, address: remoteAddress) } }
}
