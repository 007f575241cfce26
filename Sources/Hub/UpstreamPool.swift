import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where a service lives: the gateway keeps a pool of keep-alive connections per origin.
struct Origin: Hashable, Sendable {
    /// How the connection is protected.
    enum Security: Hashable, Sendable {
        case plain
        /// HTTPS checked against the system's trusted roots and the host name.
        case verified
        /// Mutual TLS with a peer hub: this hub's certificate presented, the peer's pinned by its SHA-256 fingerprint.
        case pinned(fingerprint: String)
    }

    var host: String
    var port: Int
    /// The path the service's base URL adds in front of every call.
    var basePath: String
    /// Where a call with no path of its own goes: the service URL's path exactly (X-Road calls the service URL as given).
    var servicePath: String
    var security: Security

    init?(_ url: String) {
        guard let components = URLComponentsLite(url), ["http", "https"].contains(components.scheme) else { return nil }
        host = components.host
        security = components.scheme == "https" ? .verified : .plain
        port = components.port ?? (security == .plain ? 80 : 443)
        basePath = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        servicePath = components.path.isEmpty ? "/" : components.path
        hostHeader = port == (security == .plain ? 80 : 443) ? host : "\(host):\(port)"
    }

    /// A peer hub's gateway, its certificate pinned.
    init?(peer: HubPeer) {
        guard var origin = Origin(peer.url), origin.isTLS else { return nil }
        origin.security = .pinned(fingerprint: peer.fingerprint)
        self = origin
    }

    var isTLS: Bool { security != .plain }
    /// What the `Host` header of a call to it says.
    var hostHeader: String
    /// What a pooled connection is good for: the same address, reached the same way.
    var key: Key { Key(host: host, port: port, security: security) }

    struct Key: Hashable {
        var host: String
        var port: Int
        var security: Security
    }
}

/// The TLS contexts upstream connections use: one for HTTPS providers, one for peer hubs (nil without an identity).
struct UpstreamTLS: Sendable {
    var publicContext: NIOSSLContext?
    var peerContext: NIOSSLContext?
}

/// A tiny URL reader (scheme, host, port, path) that allocates nothing on the hot path but strings.
struct URLComponentsLite {
    var scheme: String
    var host: String
    var port: Int?
    var path: String

    init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        path = String(rest[authorityEnd...])
        if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            self.port = port
        } else {
            host = String(authority)
            port = nil
        }
        if host.isEmpty { return nil }
    }
}

/// Receives what an upstream connection reads while it serves one exchange.
protocol UpstreamDelegate: AnyObject {
    /// An informational answer, before the final one.
    func upstreamInterim(_ head: ResponseHead)
    func upstreamHead(_ head: ResponseHead)
    func upstreamBody(_ buffer: ByteBuffer)
    func upstreamEnd()
    /// A read cycle ended; it may have produced nothing at all (a chunk header alone), so the exchange decides
    /// here whether to read on.
    func upstreamReadComplete()
    func upstreamClosed(_ error: (any Error)?)
}

/// Handler at the end of an upstream connection's pipeline: reads the provider's answers (`ResponseReader`) and
/// passes them to the exchange using the connection. Confined to its channel's event loop (as NIO handlers are),
/// hence unchecked.
final class UpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    weak var delegate: (any UpstreamDelegate)?
    private var failure: (any Error)?
    private var reader = HTTPReader<ResponseHead>()
    /// Exchanges that have used this connection: above one, it came from the pool.
    var uses = 0
    /// Whether the provider said it closes the connection after its answer, or sent more than the answer.
    private(set) var closing = false

    /// The next answer is to a `HEAD` call: it has no body.
    func expectNoBody() { reader.expectsNoBody = true }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        do {
            while let event = try reader.next() {
                // The exchange may close the connection as it takes an event: what follows is no one's.
                guard let delegate else { return }
                switch event {
                case .interim(let head):
                    delegate.upstreamInterim(head)
                case .head(let head):
                    if head.closes { closing = true }
                    delegate.upstreamHead(head)
                case .body(let buffer):
                    delegate.upstreamBody(buffer)
                case .end:
                    // The exchange has its answer: nothing more read here is its. Bytes beyond the answer are no
                    // answer to any call, so the connection is not used again.
                    self.delegate = nil
                    if reader.isInMessage { closing = true }
                    delegate.upstreamEnd()
                }
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure = error
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        // An answer without a length ends with the connection.
        if failure == nil, reader.closed() {
            closing = true
            delegate?.upstreamEnd()
        }
        delegate?.upstreamClosed(failure)
    }
}

/// Idle keep-alive connections to upstreams, one pool per event loop: a client connection and the upstream
/// connections it uses live on the same loop, so nothing here is shared between threads (every method checks it).
final class UpstreamPool: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let tls: UpstreamTLS
    /// Where upstreams may be.
    private let rule: UpstreamRule
    private var idle: [Origin.Key: [(any Channel, UpstreamHandler)]] = [:]
    /// The deadlines of this loop's exchanges.
    let deadlines: DeadlineSweeper
    static let maxIdlePerOrigin = 128

    init(eventLoop: any EventLoop, tls: UpstreamTLS, rule: UpstreamRule) {
        self.eventLoop = eventLoop
        self.tls = tls
        self.rule = rule
        deadlines = DeadlineSweeper(eventLoop: eventLoop)
    }

    /// An idle open connection to `origin`, if there is one.
    func takeIdle(_ origin: Origin) -> (any Channel, UpstreamHandler)? {
        eventLoop.preconditionInEventLoop()
        let key = origin.key
        while let last = idle[key]?.popLast() {
            if last.0.isActive { return last }
        }
        return nil
    }

    /// A connection reached an address the upstream rule refuses.
    struct UpstreamRefused: Error {}

    /// A new connection to `origin`.
    func connect(_ origin: Origin, connectTimeout: TimeAmount) -> EventLoopFuture<(any Channel, UpstreamHandler)> {
        let handler = UpstreamHandler()
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { [tls] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let handler = try Self.tlsHandler(for: origin, tls) { try channel.pipeline.syncOperations.addHandler(handler) }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: origin.host, port: origin.port)
            .flatMapThrowing { [rule] channel in
                // Checked on the address really reached, whatever the name resolved to when the service was saved:
                // nothing is sent to an address the rule refuses.
                guard let reached = channel.remoteAddress, rule.permits(reached) else {
                    channel.close(promise: nil)
                    throw UpstreamRefused()
                }
                return (channel, handler)
            }
    }

    /// The TLS client handler an origin needs, nil for plain HTTP.
    static func tlsHandler(for origin: Origin, _ tls: UpstreamTLS) throws -> NIOSSLClientHandler? {
        // Server Name Indication takes host names only, not addresses.
        let serverName = origin.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : origin.host
        switch origin.security {
        case .plain:
            return nil
        case .verified:
            guard let context = tls.publicContext else { throw NIOSSLError.failedToLoadCertificate }
            return try NIOSSLClientHandler(context: context, serverHostname: serverName)
        case .pinned(let fingerprint):
            guard let context = tls.peerContext else { throw NIOSSLError.failedToLoadCertificate }
            return try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                let presented = certificates.first.map(HubIdentity.fingerprint)
                promise.succeed(presented == fingerprint ? .certificateVerified : .failed)
            }
        }
    }

    /// Returns a connection whose exchange ended cleanly, for the next call to the same origin.
    func release(_ origin: Origin, _ connection: (any Channel, UpstreamHandler)) {
        eventLoop.preconditionInEventLoop()
        connection.1.delegate = nil
        let key = origin.key
        guard connection.0.isActive, !connection.1.closing, (idle[key]?.count ?? 0) < Self.maxIdlePerOrigin else {
            connection.0.close(promise: nil)
            return
        }
        idle[key, default: []].append(connection)
    }
}

/// Something on an event loop that waits until a deadline: an exchange waiting on its provider.
protocol Expiring: AnyObject {
    /// When it gives up; nil while it does not wait.
    var deadline: NIODeadline? { get set }
    func expired()
}

/// The deadlines of one event loop's exchanges, checked every `resolution` by one repeating task (which runs only
/// while something waits), rather than a timer scheduled and cancelled for every call. Confined to its loop.
final class DeadlineSweeper: @unchecked Sendable {
    /// How late past its deadline an exchange may give up.
    static let resolution = TimeAmount.milliseconds(20)
    private struct Watched { weak var target: (any Expiring)? }
    private let eventLoop: any EventLoop
    private var watched: [Watched] = []
    private var task: RepeatedTask?

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Gives `target` `amount` from now; setting its deadline to nil cancels.
    func watch(_ target: any Expiring, for amount: TimeAmount) {
        eventLoop.preconditionInEventLoop()
        if target.deadline == nil { watched.append(Watched(target: target)) }
        target.deadline = .now() + amount
        if task == nil {
            task = eventLoop.scheduleRepeatedTask(initialDelay: Self.resolution, delay: Self.resolution) { [weak self] _ in self?.sweep() }
        }
    }

    private func sweep() {
        let now = NIODeadline.now()
        var due: [any Expiring] = []
        watched.removeAll { entry in
            guard let target = entry.target, let deadline = target.deadline else { return true }
            guard deadline <= now else { return false }
            target.deadline = nil
            due.append(target)
            return true
        }
        if watched.isEmpty {
            task?.cancel()
            task = nil
        }
        for target in due { target.expired() }
    }
}
