import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ProvinceCore
import ProvinceStore

/// What every gateway connection shares: the registry in memory, the message log, the rate limiter, limits.
final class GatewayEnvironment: Sendable {
    let registry: RegistryCache
    let journal: MessageJournal
    let limiter: RateLimiter
    let monitor: HubMonitor
    let maxBodyBytes: Int
    let logger: Logger

    init(registry: RegistryCache, journal: MessageJournal, limiter: RateLimiter, monitor: HubMonitor, maxBodyBytes: Int, logger: Logger) {
        self.registry = registry
        self.journal = journal
        self.monitor = monitor
        self.limiter = limiter
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }
}

/// One client connection of the gateway. Each request on it becomes an `Exchange`, which reads the call,
/// authorizes it against the registry snapshot, streams it to the provider over a pooled connection, streams the
/// answer back, and releases the answer's last bytes only after the exchange is committed to the message log.
/// Confined to its channel's event loop, as NIO handlers are.
final class GatewayHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let environment: GatewayEnvironment
    private let pool: UpstreamPool
    /// This loop's journal, where finished exchanges are written before their answers are released.
    fileprivate let journal: JournalFile
    /// The caller's certificate on the mutual-TLS port; nil on the plain port.
    fileprivate let presented: PresentedCertificate?
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    /// Reads calls from the client's bytes; a call sent before the answer to the one before it (pipelining) waits
    /// there, unread, until that exchange has ended.
    private var reader = HTTPReader<RequestHead>()
    private var takingCalls = false
    /// How the answer being written delimits its body.
    private var answerFraming = HTTPWire.Framing.asGiven

    init(environment: GatewayEnvironment, pool: UpstreamPool, journal: JournalFile, presented: PresentedCertificate? = nil) {
        self.environment = environment
        self.pool = pool
        self.journal = journal
        self.presented = presented
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.clientGone()
        exchange = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        takeCalls()
    }

    /// Passes what the client sent to the exchange it belongs to, starting one for each call; stops at a call that
    /// comes while the exchange before it has not ended.
    private func takeCalls() {
        guard !takingCalls else { return }
        takingCalls = true
        defer { takingCalls = false }
        do {
            while context != nil {
                if let exchange, exchange.requestEnded { return }
                guard let event = try reader.next() else { return }
                switch event {
                case .head(let head):
                    let exchange = Exchange(head: head, handler: self)
                    self.exchange = exchange
                    exchange.start()
                case .body(let buffer):
                    exchange?.requestBody(buffer)
                case .end:
                    exchange?.requestEnd()
                case .interim:
                    break  // calls have no interim heads
                }
            }
        } catch {
            refuse(error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A read cycle may produce no part (a chunk header alone): read on unless writes to the provider are pending.
        if wantsRead { context.read() }
    }

    /// Whether the client's connection may be read: not while the exchange holds back or waits on its provider.
    private var wantsRead: Bool { exchange?.wantsClientRead ?? true }

    /// Bytes that are not HTTP end the connection, since where the next call begins is lost; when no call is under
    /// way they are answered first, as X-Road answers a malformed call.
    private func refuse(_ error: any Error) {
        environment.logger.debug("gateway connection refused: \(error)")
        guard let context else { return }
        if exchange == nil {
            let local = LocalAnswer(GatewayError.badRequest("The request is not well-formed HTTP/1.1."), accept: nil)
            let head = local.head(version: .http1_1, ids: nil, keepAlive: false)
            context.write(wrapOutboundOut(HTTPWire.responseHead(head, allocator: context.channel.allocator)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: local.body)), promise: nil)
        }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("gateway connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: Used by the exchange

    fileprivate var env: GatewayEnvironment { environment }
    fileprivate var upstreams: UpstreamPool { pool }
    fileprivate var eventLoop: (any EventLoop)? { context?.eventLoop }

    fileprivate func readMore() { context?.read() }

    /// Writes an answer's head (not flushed: it goes with the body's first bytes or the end).
    fileprivate func writeHead(_ head: ByteBuffer, framing: HTTPWire.Framing) {
        guard let context else { return }
        answerFraming = framing
        context.write(wrapOutboundOut(head), promise: nil)
    }

    fileprivate var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Writes a part of an answer's body, framed as its head said.
    fileprivate func writeBody(_ buffer: ByteBuffer, flush: Bool, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        HTTPWire.writeBody(buffer, framing: answerFraming, allocator: context.channel.allocator, promise: promise) {
            context.write(wrapOutboundOut($0), promise: $1)
        }
        if flush { context.flush() }
    }

    /// Tells the client to send the body it holds back for `Expect: 100-continue`.
    fileprivate func writeContinue() {
        context?.writeAndFlush(wrapOutboundOut(HTTPWire.continueHead), promise: nil)
    }

    /// Ends an answer and sends what is written of it.
    fileprivate func writeEnd() {
        guard let context else { return }
        if case .chunked = answerFraming { context.write(wrapOutboundOut(HTTPWire.lastChunk), promise: nil) }
        answerFraming = .asGiven
        context.flush()
    }

    fileprivate func finished(_ exchange: Exchange, keepAlive: Bool) {
        if self.exchange === exchange { self.exchange = nil }
        guard keepAlive else {
            context?.close(promise: nil)
            return
        }
        // Within `takeCalls` (an answer the gateway gave at once) its loop goes on with the next call.
        guard !takingCalls else { return }
        takeCalls()
        if wantsRead { context?.read() }
    }

    fileprivate func closeConnection() { context?.close(promise: nil) }

    /// Random bytes for message ids, drawn from the system 1,024 at a time (one `arc4random_buf` call for 32 calls) rather than 16 per id.
    private var random = [UInt8](repeating: 0, count: 1024)
    private var randomUsed = 1024
    /// The last consumer authenticated by key on this connection, with what proved it.
    fileprivate var lastConsumer: (version: Int, client: String, secret: String, consumerID: String, keyHolder: String)?
    /// The last call forwarded on this connection, routed and authorized: a client calls the same path again and again.
    fileprivate var lastRoute: Route?

    fileprivate func randomBytes16() -> ArraySlice<UInt8> {
        if randomUsed + 16 > random.count {
            random.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
            randomUsed = 0
        }
        defer { randomUsed += 16 }
        return random[randomUsed..<randomUsed + 16]
    }
}

/// A call routed to a service and authorized, kept by its connection: the next call with the same method, path,
/// caller and key under the same registry version goes the same way without the registry being consulted again
/// (its rate limit and body size are still checked).
private struct Route {
    let version: Int
    let method: HTTPMethod
    /// The request URI up to its query.
    let path: Substring
    let client: String
    let secret: String
    let consumerID: String
    let service: HubService
    /// The service as `X-Road-Service` names it: five parts, no version.
    let xRoadService: String
    let instance: String
    let origin: Origin
    /// Where the call goes on the provider, before the query.
    let forwardPath: String
    let rateLimit: Int?
}

/// The state of one exchange; confined to its connection's event loop.
private final class Exchange: UpstreamDelegate, Expiring, @unchecked Sendable {
    enum Phase {
        /// The gateway answers itself once the request has been read.
        case answering(LocalAnswer)
        case connecting
        case forwarding
        case responding
        case done
    }

    let head: RequestHead
    /// The call's headers the exchange reads, found once.
    let headers: CallHeaders
    unowned let handler: GatewayHandler
    var phase: Phase = .connecting
    /// The message's `X-Road-Id`: the client's as given, or made once the call's instance is known.
    var messageID = ""
    let givenMessageID: String?
    /// `X-Road-Request-Id`: new for every request, whatever the client sent.
    let requestID: String
    /// The instance the call names, once read.
    var instance: String?
    /// What `X-Road-Service` says: the five-part service id.
    var xRoadService: String?
    /// The subsystem the credential proved: the consumer, or for a member-level client one of the member's subsystems.
    var keyHolder: String?
    /// The `X-Road-Request-Hash` the answer carried, for the log.
    var sentRequestHash: String?
    let receivedAt: Date
    let started = NIODeadline.now()
    var forwardedAt: Date?
    var consumer = "-"
    var serviceID = "-"
    var forwardPath = ""
    var origin: Origin?
    var service: HubService?
    /// How long the provider (or the peer hub) has to answer.
    var timeoutMilliseconds = 30_000
    /// The peer hub the call came from, when it came from one.
    var viaPeer: String?
    /// The bodies kept for the message log, when the service logs them.
    var captured: BodyCapture?
    /// Whether the provider connection came from the pool, and whether the call was already sent again once.
    var reusedConnection = false
    var resent = false
    var headersHashed = false
    var upstream: (any Channel, UpstreamHandler)?
    var pending: [ByteBuffer] = []
    var requestEnded = false
    var requestBytes = 0
    var responseBytes = 0
    /// The request body's digests, begun with its first bytes: most calls have no body.
    var requestHash: SHA256?
    var headersHash512 = SHA512()
    var bodyHash512: SHA512?
    var responseHash = SHA256()
    var responseStatus = 0
    /// When the provider's time runs out (connecting, or answering once it has the request); nil when not waiting.
    var deadline: NIODeadline?
    var timedOut = false
    var keepAlive: Bool
    /// Body parts written but not yet taken by the other side: reading pauses while there are any (backpressure).
    var writesToProvider = 0
    var writesToConsumer = 0
    /// The answer's last bytes are held back until the exchange is in the message log: with them the consumer
    /// would hold a complete answer (its Content-Length satisfied) that the log might not.
    var heldHead: ByteBuffer?
    var heldBody: ByteBuffer?
    /// Whether the provider's whole answer has been read.
    var answerRead = false
    /// How the request's body goes to the provider.
    var requestFraming = HTTPWire.Framing.asGiven
    /// How the answer's body goes to the consumer.
    var framing = HTTPWire.Framing.asGiven

    init(head: RequestHead, handler: GatewayHandler) {
        self.head = head
        self.handler = handler
        keepAlive = head.isKeepAlive
        headers = head.bytes.withUnsafeReadableBytes { CallHeaders($0, head.lines) }
        // X-Road keeps the client's `X-Road-Id` as given, reading a header sent twice by its last line.
        givenMessageID = headers.messageID
        receivedAt = Date()
        requestID = TimeOrderedID.string(random: handler.randomBytes16(), at: receivedAt)
    }

    /// The `X-Road-Id` the message goes by: the client's, or `{instance}-{UUID}` as X-Road's security server makes it.
    func nameMessage() {
        guard messageID.isEmpty else { return }
        messageID =
            givenMessageID ?? (instance ?? handler.env.registry.snapshot.localInstance) + "-"
            + TimeOrderedID.string(random: handler.randomBytes16(), at: receivedAt)
    }

    /// The client's `Accept`, which chooses the form of the gateway's own errors.
    var accept: String? { head.first(name: "accept") }

    /// Whether the consumer's connection may be read now.
    var wantsClientRead: Bool {
        switch phase {
        case .connecting, .done: false
        case .forwarding, .responding: writesToProvider == 0 && !requestEnded
        case .answering: !requestEnded
        }
    }

    var isDone: Bool {
        if case .done = phase { return true }
        return false
    }

    // MARK: Request side

    func start() {
        let outcome: Result<LocalAnswer?, GatewayError>
        do {
            outcome = .success(try route())
        } catch let error as GatewayError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(GatewayError("Server.ClientProxy.InternalError", "\(error)"))
        }
        nameMessage()
        switch outcome {
        case .success(let local?):
            phase = .answering(local)
            handler.readMore()
        case .success(nil):
            connect()
        case .failure(let error):
            let local = LocalAnswer(error, accept: accept)
            phase = .answering(local)
            if error.extensionStatus == .payloadTooLarge {
                // A body known to be too large is not read: answer now and close.
                keepAlive = false
                answer(local)
            } else {
                handler.readMore()
            }
        }
    }

    /// Parses the call, authenticates the consumer and checks its right; throws what to answer otherwise.
    /// Returns the answer of a metaservice, which the gateway gives itself, or nil to forward the call.
    func route() throws -> LocalAnswer? {
        let uri = head.uri
        guard uri.utf8.count <= 4096 else { throw GatewayError.badRequest("The request URI is longer than 4096 bytes.") }
        // One client, named once: two `X-Road-Client` lines would leave which one was proved to whoever reads them.
        guard headers.clientLines <= 1 else {
            throw GatewayError.badRequest("The X-Road-Client header is sent more than once.")
        }
        let queryStart = uri.utf8.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex
        let path = uri[..<queryStart]
        let query = uri[queryStart...]
        if let route = handler.lastRoute, route.path == path, route.method == head.method, handler.presented == nil,
            route.version == handler.env.registry.version, route.client == headers.client,
            route.secret == headers.credential
        {
            consumer = route.consumerID
            serviceID = route.service.id
            instance = route.instance
            try checkLimits(route.consumerID, rateLimit: route.rateLimit)
            take(route, query: query)
            return nil
        }
        if path == "/listClients", head.method == .GET {
            let snapshot = handler.env.registry.snapshot
            consumer = try authenticate(snapshot, clientRequired: false)
            try checkLimits(keyHolder ?? consumer, rateLimit: snapshot.subsystems[keyHolder ?? consumer]?.rateLimitPerSecond)
            let asked = Metaservice.parameter("xRoadInstance", in: query.dropFirst()).flatMap { $0.isEmpty ? nil : $0 }
            instance = asked ?? snapshot.localInstance
            serviceID = "listClients"
            return Metaservice.listClients(instance: instance!, accept: head.first(name: "accept"), snapshot: snapshot)
        }
        // Split on the bytes: splitting on Characters would find grapheme boundaries, on every call.
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }.dropFirst()
        guard segments.first == "r1" else {
            // Worded as X-Road's security server words them.
            if let version = segments.first, version.count == 2, version.first == "r", let digit = version.last, digit.isNumber {
                throw GatewayError.badRequest("Unsupported protocol version \(digit)")
            }
            if let version = segments.first, version.first == "r", segments.count >= 6 {
                throw GatewayError.badRequest("Invalid protocol version \(version)")
            }
            throw GatewayError.badRequest("Invalid request URI")
        }
        guard segments.count >= 6 else { throw GatewayError.badRequest("Invalid request URI") }
        // Each part of the service's id is percent-decoded on its own (PR-REST §4.2).
        var identifier: [String] = []
        do {
            for part in segments.dropFirst().prefix(5) { identifier.append(try IdentifierPart.decoding(part)) }
        } catch {
            throw GatewayError.badRequest(error.message)
        }
        instance = identifier[0]
        let provider = identifier[0..<4].joined(separator: "/")
        xRoadService = provider + "/" + identifier[4]
        let snapshot = handler.env.registry.snapshot
        let consumerID = try authenticate(snapshot)
        consumer = consumerID
        let rateLimit = snapshot.subsystems[keyHolder ?? consumerID]?.rateLimitPerSecond
        if let peerID = snapshot.members[identifier[0..<3].joined(separator: "/")]?.peerID {
            return try routeToPeer(peerID, provider: provider, serviceCode: identifier[4], consumerID: consumerID, snapshot)
        }
        if head.method == .GET, let metaservice = Metaservice(rawValue: identifier[4]), metaservice != .listClients {
            serviceID = xRoadService!
            // A metaservice counts against the consumer's rate as any call does.
            try checkLimits(keyHolder ?? consumerID, rateLimit: rateLimit)
            return try metaservice.answer(provider: provider, consumer: consumerID, query: query.dropFirst(), snapshot: snapshot)
        }
        // The path is put in one form before the right is checked, and the provider is sent that form: nothing it
        // could read as outside the service's base path gets past (percent-encoded dot-segments, escaped slashes).
        let rest: [Substring]
        do {
            rest = try PathNormalization.segments(segments.dropFirst(6)).map { Substring($0) }
        } catch {
            throw GatewayError.badRequest(error.reason)
        }
        guard let (service, remaining) = snapshot.service(provider: provider, code: identifier[4], path: rest) else {
            serviceID = xRoadService!
            throw GatewayError.unknownService(serviceID)
        }
        serviceID = service.id
        guard service.enabled else { throw GatewayError.serviceDisabled(xRoadService!) }
        let servicePath = "/" + remaining.joined(separator: "/")
        guard snapshot.allows(consumerID, service, method: head.method.rawValue, path: servicePath) else {
            throw GatewayError.accessDenied(xRoadService!, note: "\(consumerID) may not call \(head.method.rawValue) \(servicePath)")
        }
        try checkLimits(keyHolder ?? consumerID, rateLimit: rateLimit)
        guard let origin = snapshot.origins[service.id] else {
            throw GatewayError("Server.ServerProxy.ServiceMissingUrl", "Service address not specified for 'SERVICE:\(xRoadService!)'")
        }
        // With no path of its own the call goes to the service's URL exactly, as X-Road's security server sends it.
        let route = Route(
            version: snapshot.version, method: head.method, path: path, client: headers.client ?? "",
            secret: headers.credential ?? "", consumerID: consumerID, service: service, xRoadService: xRoadService!, instance: identifier[0],
            origin: origin,
            forwardPath: segments.count == 6 ? origin.servicePath : origin.basePath + servicePath, rateLimit: rateLimit)
        if handler.presented == nil, keyHolder == consumerID { handler.lastRoute = route }
        take(route, query: query)
        return nil
    }

    /// Takes the service, provider and path `route` gives this call (its limits already checked).
    func take(_ route: Route, query: Substring) {
        consumer = route.consumerID
        serviceID = route.service.id
        origin = route.origin
        service = route.service
        xRoadService = route.xRoadService
        timeoutMilliseconds = route.service.timeoutMilliseconds
        if route.service.logBodies { captured = BodyCapture(retentionDays: route.service.bodyRetentionDays) }
        forwardPath = route.forwardPath + query
    }

    /// A call for a member registered on a peer hub goes to that hub unchanged, over mutual TLS; the peer checks the
    /// consumer's right and logs its side. Calls that came from a peer are not passed on to another.
    func routeToPeer(_ peerID: String, provider: String, serviceCode: String, consumerID: String, _ snapshot: RegistrySnapshot) throws
        -> LocalAnswer?
    {
        serviceID = provider + "/" + serviceCode
        guard viaPeer == nil else {
            throw GatewayError.unknownService(serviceID)
        }
        guard let origin = snapshot.peerOrigins[peerID] else {
            throw GatewayError("Server.ServerProxy.NetworkError", "The peer hub \(peerID) has no usable address.")
        }
        try checkLimits(keyHolder ?? consumerID, rateLimit: snapshot.subsystems[keyHolder ?? consumerID]?.rateLimitPerSecond)
        self.origin = origin
        timeoutMilliseconds = Self.peerTimeoutMilliseconds
        forwardPath = head.uri
        return nil
    }

    /// A peer hub has this long to answer: it waits on its own provider's timeout.
    static let peerTimeoutMilliseconds = 120_000

    /// The consumer's rate limit, and the body's announced size.
    func checkLimits(_ consumerID: String, rateLimit: Int?) throws {
        if let limit = rateLimit, !handler.env.limiter.allow(consumerID, perSecond: limit) {
            throw GatewayError("Client.RateLimited", "More than \(limit) calls a second.", extensionStatus: .tooManyRequests, retryAfter: 1)
        }
        if let length = head.lines.contentLength, length > handler.env.maxBodyBytes { throw GatewayError.tooLarge(handler.env.maxBodyBytes) }
    }

    /// The client: named by `X-Road-Client`, proved by its key (or certificate). A connection's last success is kept
    /// for the same header, key and registry version: a client sends them call after call. `clientRequired` false
    /// lets the credential alone name it (`listClients`, which X-Road serves to a caller that names none).
    func authenticate(_ snapshot: RegistrySnapshot, clientRequired: Bool = true) throws -> String {
        let clientHeader = headers.client
        let secret = handler.presented == nil ? headers.credential : nil
        if let clientHeader, let secret, let known = handler.lastConsumer, known.version == snapshot.version, known.client == clientHeader,
            known.secret == secret
        {
            keyHolder = known.keyHolder
            return known.consumerID
        }
        if clientHeader == nil, !clientRequired, handler.presented == nil, let secret, let holder = snapshot.credentials[Tokens.digest(secret)] {
            keyHolder = holder
            return holder
        }
        let consumerID = try authenticate(clientHeader: clientHeader, secret: secret, snapshot)
        if let clientHeader, let secret, let keyHolder { handler.lastConsumer = (snapshot.version, clientHeader, secret, consumerID, keyHolder) }
        return consumerID
    }

    func authenticate(clientHeader: String?, secret: String?, _ snapshot: RegistrySnapshot) throws -> String {
        guard let clientHeader else {
            guard secret != nil || handler.presented != nil else {
                throw GatewayError("Client.Unauthorized", "Present the subsystem's API key in X-Road-Client-Key.")
            }
            throw GatewayError.badRequest("The client identifier is missing")
        }
        let client: ClientIdentifier
        do {
            client = try ClientIdentifier(parsing: clientHeader)
        } catch {
            throw GatewayError.badRequest(error.message)
        }
        if let presented = handler.presented {
            return try authenticate(certificate: presented.fingerprint, client: client, snapshot)
        }
        guard let secret, let holder = snapshot.credentials[Tokens.digest(secret)] else {
            throw GatewayError("Client.Unauthorized", "Present the subsystem's API key in X-Road-Client-Key.")
        }
        return try proves(holder, client, snapshot)
    }

    /// The client a credential held by the subsystem `holder` proves: that subsystem, or the member it belongs to
    /// (a member-level client, X-Road's 3-part `X-Road-Client`).
    func proves(_ holder: String, _ client: ClientIdentifier, _ snapshot: RegistrySnapshot) throws -> String {
        let proved = client.subsystemCode == nil ? snapshot.subsystems[holder]?.memberID == client.description : holder == client.description
        guard proved else { throw GatewayError("Client.WrongClient", "The credential does not belong to \(client).") }
        keyHolder = holder
        return client.description
    }

    /// On the mutual-TLS port the certificate speaks: a peer hub's vouches for the consumer it names (which must be
    /// registered here as a member of that peer), a consumer's own is registered to its subsystem.
    func authenticate(certificate fingerprint: String?, client: ClientIdentifier, _ snapshot: RegistrySnapshot) throws -> String {
        guard let fingerprint else { throw GatewayError("Client.Unauthorized", "Present a client certificate.") }
        if let peerID = snapshot.peerByFingerprint[fingerprint] {
            guard snapshot.members[client.member.description]?.peerID == peerID, snapshot.subsystems[client.description] != nil else {
                throw GatewayError("Client.WrongClient", "\(client) is not registered here as a member of the peer hub \(peerID).")
            }
            viaPeer = peerID
            keyHolder = client.description
            return client.description
        }
        guard let holder = snapshot.credentials[fingerprint] else {
            throw GatewayError("Client.Unauthorized", "The client certificate is not registered with this hub.")
        }
        return try proves(holder, client, snapshot)
    }

    func connect(fresh: Bool = false) {
        guard let origin, handler.eventLoop != nil else { return }
        phase = .connecting
        if !fresh, let idle = handler.upstreams.takeIdle(origin) {
            attach(idle)
            return
        }
        let timeout = TimeAmount.milliseconds(Int64(timeoutMilliseconds))
        handler.upstreams.deadlines.watch(self, for: timeout)
        handler.upstreams.connect(origin, connectTimeout: timeout).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let connection):
                guard case .connecting = self.phase else {
                    self.handler.upstreams.release(origin, connection)
                    return
                }
                self.attach(connection)
            case .failure:
                self.fail(
                    GatewayError("Server.ServerProxy.NetworkError", "The service's provider cannot be reached."))
            }
        }
    }

    /// Takes a connection to the provider and sends the call on it.
    func attach(_ connection: (any Channel, UpstreamHandler)) {
        upstream = connection
        connection.1.delegate = self
        connection.1.uses += 1
        reusedConnection = connection.1.uses > 1
        forward()
    }

    func forward() {
        guard let (channel, _) = upstream, let origin else { return }
        phase = .forwarding
        forwardedAt = Date()
        // The provider's time starts once it has the whole request: a slow upload is not its delay.
        deadline = nil
        // POST, PUT and PATCH without a length go in chunks, as a body of unknown length would.
        requestFraming =
            head.lines.chunked || (head.lines.contentLength == nil && [.POST, .PUT, .PATCH].contains(head.method)) ? .chunked : .asGiven
        var out = channel.allocator.buffer(capacity: head.bytes.readableBytes + 256)
        out.writeString(head.method.rawValue)
        out.writeStaticString(" ")
        out.writeString(forwardPath)
        out.writeStaticString(" HTTP/1.1\r\n")
        head.bytes.withUnsafeReadableBytes { raw in
            let connectionTokens = head.lines.connectionTokens(raw)
            for field in head.lines.fields
            where !HopByHop.contains(raw, field.nameStart, field.nameLength, connectionTokens) && !Self.isCredential(raw, field)
                && !Self.isReplaced(raw, field)
            {
                HeaderLines.write(raw, field, to: &out)
            }
        }
        HTTPWire.writeHeader("Host", origin.hostHeader, to: &out)
        HTTPWire.writeHeader("X-Road-Id", messageID, to: &out)
        HTTPWire.writeHeader("X-Road-Request-Id", requestID, to: &out)
        // The provider hears of exactly one client: the one this gateway authenticated.
        HTTPWire.writeHeader("X-Road-Client", consumer, to: &out)
        if case .chunked = requestFraming { HTTPWire.writeHeader("Transfer-Encoding", "chunked", to: &out) }
        out.writeStaticString("\r\n")
        hashHead()
        if head.method == .HEAD { upstream?.1.expectNoBody() }
        channel.write(out, promise: nil)
        for buffer in pending { writeToProvider(buffer, promise: nil) }
        pending.removeAll()
        if requestEnded {
            endToProvider()
            startResponseTimeout()
        } else {
            // The head goes out with the body's first bytes or the end, which usually follow in the same read: one
            // write to the provider, not two. A caller waiting for `100 Continue` needs the head now.
            if headers.expectsContinue { channel.flush() }
            handler.readMore()
        }
        channel.read()
    }

    /// Writes a part of the request's body to the provider, framed as the forwarded head said.
    func writeToProvider(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let (channel, _) = upstream else { return }
        HTTPWire.writeBody(buffer, framing: requestFraming, allocator: channel.allocator, promise: promise) { channel.write($0, promise: $1) }
    }

    /// Ends the request to the provider and sends what is written of it.
    func endToProvider() {
        guard let (channel, _) = upstream else { return }
        if case .chunked = requestFraming { channel.write(HTTPWire.lastChunk, promise: nil) }
        channel.flush()
    }

    func requestBody(_ buffer: ByteBuffer) {
        requestBytes += buffer.readableBytes
        if case .answering = phase {
            handler.readMore()
            return
        }
        if requestBytes > handler.env.maxBodyBytes {
            fail(GatewayError.tooLarge(handler.env.maxBodyBytes))
            return
        }
        if requestHash == nil {
            requestHash = SHA256()
            bodyHash512 = SHA512()
        }
        buffer.withUnsafeReadableBytes { bytes in
            requestHash?.update(bufferPointer: bytes)
            bodyHash512?.update(bufferPointer: bytes)
        }
        captured?.keep(buffer, of: \.request, truncated: \.requestTruncated)
        switch phase {
        case .connecting:
            pending.append(buffer)
        case .forwarding, .responding:
            guard let (channel, _) = upstream else { return }
            writesToProvider += 1
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenSuccess { [weak self] in
                guard let self else { return }
                self.writesToProvider -= 1
                if self.wantsClientRead { self.handler.readMore() }
            }
            writeToProvider(buffer, promise: promise)
            channel.flush()
        default:
            break
        }
    }

    func requestEnd() {
        requestEnded = true
        switch phase {
        case .answering(let local):
            answer(local)
        case .forwarding, .responding:
            endToProvider()
            if case .forwarding = phase { startResponseTimeout() }
        default:
            break
        }
    }

    /// From the end of the request, the provider has the service's timeout to start answering.
    func startResponseTimeout() {
        handler.upstreams.deadlines.watch(self, for: .milliseconds(Int64(timeoutMilliseconds)))
    }

    func expired() { timeoutFired() }

    /// Hashes the request's head, once, as X-Road's security server does for `X-Road-Request-Hash`: the method, CRLF,
    /// the URI as sent, CRLF, then each header the client sent, in its order and with its name as sent, `name:value`
    /// and CRLF, leaving out those the protocol filters (hop-by-hop ones, `Host`, `User-Agent`, `Content-Length`,
    /// `Expect`, `Server`) and any `X-Road-Request-Id` or `X-Road-Request-Hash`; then `x-road-request-id`, and
    /// `x-road-id` when the gateway made it.
    func hashHead() {
        guard !headersHashed else { return }
        headersHashed = true
        var canonical: [UInt8] = []
        canonical.reserveCapacity(head.bytes.readableBytes + 160)
        func endLine() {
            canonical.append(13)
            canonical.append(10)
        }
        func line<Name: Sequence<UInt8>, Value: Sequence<UInt8>>(_ name: Name, _ value: Value) {
            canonical += name
            canonical.append(UInt8(ascii: ":"))
            canonical += value
            endLine()
        }
        canonical += head.method.rawValue.utf8
        endLine()
        canonical += head.uri.utf8
        endLine()
        head.bytes.withUnsafeReadableBytes { raw in
            for field in head.lines.fields where !Self.isLeftOutOfHash(raw, field) {
                line(
                    UnsafeRawBufferPointer(rebasing: raw[field.nameStart..<field.nameStart + field.nameLength]),
                    UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueStart + field.valueLength]))
            }
        }
        line("x-road-request-id".utf8, requestID.utf8)
        if givenMessageID == nil { line("x-road-id".utf8, messageID.utf8) }
        headersHash512.update(data: canonical)
    }

    static func isLeftOutOfHash(_ raw: UnsafeRawBufferPointer, _ field: HeaderLines.Field) -> Bool {
        let start = field.nameStart
        let length = field.nameLength
        if HopByHop.contains(raw, start, length, []) { return true }
        // By length first: most names are compared with none of these.
        switch length {
        case 4: return HeaderName.equals(raw, start, length, "host")
        case 6: return HeaderName.equals(raw, start, length, "expect") || HeaderName.equals(raw, start, length, "server")
        case 10: return HeaderName.equals(raw, start, length, "user-agent")
        case 14: return HeaderName.equals(raw, start, length, "content-length")
        case 17: return HeaderName.equals(raw, start, length, "x-road-request-id")
        case 19: return HeaderName.equals(raw, start, length, "x-road-request-hash")
        default: return false
        }
    }

    /// `X-Road-Request-Hash` as PR-REST §4.3 defines it: base64(SHA512(SHA512(headers) + SHA512(body))), or
    /// base64(SHA512(headers)) when there is no body; the headers as `forward()` lists them.
    var requestHashHeader: String {
        let headers = headersHash512.finalize()
        guard let bodyHash512 else { return Data(headers).base64EncodedString() }
        var outer = SHA512()
        headers.withUnsafeBytes { outer.update(bufferPointer: $0) }
        bodyHash512.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return Data(outer.finalize()).base64EncodedString()
    }

    /// The digest of an empty body.
    static let emptySHA256 = Hex.string(SHA256.hash(data: [UInt8]()))

    // MARK: Response side

    func upstreamHead(_ response: ResponseHead) {
        guard case .forwarding = phase else { return }
        deadline = nil
        phase = .responding
        responseStatus = response.status
        let connectionTokens = response.connectionTokens
        // The X-Road headers the hub sets are not taken from the provider; a peer hub's own error type is passed on.
        let fromPeer = origin.map { if case .pinned = $0.security { true } else { false } } ?? false
        // A length is passed on only when the provider framed its body by it.
        let length = response.lines.transferEncoding ? nil : response.lines.contentLength
        let bodyless = head.method == .HEAD || response.status == 204 || response.status == 304 || length == 0
        framing = .asGiven
        if !bodyless && length == nil {
            // A body of unknown length is passed on in chunks; an HTTP/1.0 client gets it up to the close.
            if head.minorVersion >= 1 {
                framing = .chunked
            } else {
                keepAlive = false
            }
        }
        let clientHead = response.answerHead(
            minorVersion: head.minorVersion, allocator: handler.allocator,
            keep: { raw, field in
                !HopByHop.contains(raw, field.nameStart, field.nameLength, connectionTokens)
                    && (length != nil || !HeaderName.equals(raw, field.nameStart, field.nameLength, "content-length"))
                    // `Server` and `User-Agent` tell of the provider's host (PR-REST §4.3, filtered both ways).
                    && !HeaderName.equals(raw, field.nameStart, field.nameLength, "server")
                    && !HeaderName.equals(raw, field.nameStart, field.nameLength, "user-agent")
                    && (!HeaderName.hasPrefix(raw, field.nameStart, field.nameLength, "x-road-")
                        || !Self.isSetByHub(raw, field, errorFromPeer: fromPeer))
            },
            adding: { out in
                HTTPWire.writeHeader("X-Road-Id", messageID, to: &out)
                HTTPWire.writeHeader("X-Road-Client", consumer, to: &out)
                HTTPWire.writeHeader("X-Road-Service", xRoadService ?? serviceID, to: &out)
                HTTPWire.writeHeader("X-Road-Request-Id", requestID, to: &out)
                if requestEnded {
                    let hash = requestHashHeader
                    sentRequestHash = hash
                    HTTPWire.writeHeader("X-Road-Request-Hash", hash, to: &out)
                }
                if case .chunked = framing { HTTPWire.writeHeader("Transfer-Encoding", "chunked", to: &out) }
                if !keepAlive { HTTPWire.writeHeader("Connection", "close", to: &out) }
            })
        if bodyless {
            heldHead = clientHead
        } else {
            // Flushed with the first body bytes or the end: one write, not two, for a small answer.
            handler.writeHead(clientHead, framing: framing)
        }
        upstream?.0.read()
    }

    /// The provider's `100 Continue` goes to a consumer that waits for it (`Expect`), so that it sends its body now.
    func upstreamInterim(_ response: ResponseHead) {
        guard response.status == 100, case .forwarding = phase, !requestEnded, head.minorVersion >= 1, headers.expectsContinue else {
            return
        }
        handler.writeContinue()
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        responseBytes += buffer.readableBytes
        buffer.withUnsafeReadableBytes { responseHash.update(bufferPointer: $0) }
        captured?.keep(buffer, of: \.response, truncated: \.responseTruncated)
        guard let previous = heldBody else {
            heldBody = buffer
            upstream?.0.read()
            return
        }
        heldBody = buffer
        writesToConsumer += 1
        let promise = upstream?.0.eventLoop.makePromise(of: Void.self)
        promise?.futureResult.whenSuccess { [weak self] in
            guard let self else { return }
            self.writesToConsumer -= 1
            if self.writesToConsumer == 0 { self.upstream?.0.read() }
        }
        handler.writeBody(previous, flush: true, promise: promise)
    }

    func upstreamEnd() {
        guard case .responding = phase else { return }
        answerRead = true
        commit(error: nil) { [weak self] committed in
            guard let self else { return }
            guard committed else {
                // Not in the log: the consumer must not get a complete answer.
                self.upstream?.0.close(promise: nil)
                self.upstream = nil
                self.phase = .done
                self.handler.closeConnection()
                return
            }
            if let head = self.heldHead { self.handler.writeHead(head, framing: self.framing) }
            if let body = self.heldBody { self.handler.writeBody(body, flush: false) }
            self.heldHead = nil
            self.heldBody = nil
            self.handler.writeEnd()
            if let origin = self.origin, let upstream = self.upstream, self.requestEnded {
                self.handler.upstreams.release(origin, upstream)
            } else {
                self.upstream?.0.close(promise: nil)
            }
            self.upstream = nil
            self.phase = .done
            self.handler.finished(self, keepAlive: self.keepAlive && self.requestEnded)
        }
    }

    func upstreamReadComplete() {
        switch phase {
        case .forwarding, .responding:
            if writesToConsumer == 0 { upstream?.0.read() }
        default:
            break
        }
    }

    func upstreamClosed(_ error: (any Error)?) {
        upstream = nil
        switch phase {
        case .forwarding where canResend:
            // A pooled connection the provider closed as the call went out (its keep-alive ended): nothing was
            // answered, and a bodiless GET, HEAD or OPTIONS may be sent again, once, on a new connection.
            resent = true
            deadline = nil
            connect(fresh: true)
        case .connecting, .forwarding:
            if timedOut {
                fail(GatewayError("Server.ServerProxy.IOError", "The provider did not answer in time."))
            } else {
                fail(GatewayError("Server.ServerProxy.ServiceFailed", "The provider closed the connection without an answer."))
            }
        case .responding where answerRead:
            // An answer that ran to the close is whole: it is being committed.
            break
        case .responding:
            // The answer was cut off: the consumer's connection is closed so that it does not take it as complete.
            phase = .done
            handler.closeConnection()
        default:
            break
        }
    }

    var canResend: Bool {
        reusedConnection && !resent && !timedOut && requestEnded && requestBytes == 0 && [.GET, .HEAD, .OPTIONS].contains(head.method)
    }

    func timeoutFired() {
        switch phase {
        case .connecting:
            timedOut = true
            fail(GatewayError("Server.ServerProxy.NetworkError", "The provider could not be reached in time."))
        case .forwarding:
            timedOut = true
            upstream?.0.close(promise: nil)
        default:
            break
        }
    }

    /// Gives up on the provider: answers with `error` now if the request has been read, else once it has.
    func fail(_ error: GatewayError) {
        deadline = nil
        if let (channel, _) = upstream {
            channel.close(promise: nil)
            upstream = nil
        }
        let local = LocalAnswer(error, accept: accept)
        phase = .answering(local)
        if requestEnded || error.extensionStatus == .payloadTooLarge {
            if !requestEnded { keepAlive = false }
            answer(local)
        } else {
            handler.readMore()
        }
    }

    /// Sends the gateway's own answer, logged first when a consumer was identified.
    func answer(_ local: LocalAnswer) {
        guard !isDone else { return }
        phase = .done
        responseStatus = Int(local.status.code)
        responseBytes = local.body.count
        responseHash.update(data: local.body)
        if let type = local.errorType, let detail = local.detail {
            // The error's detail names this line, as X-Road's does: the operator finds what happened by it.
            handler.env.logger.info(
                "gateway error",
                metadata: [
                    "type": "\(type)", "detail": "\(detail)", "message": "\(local.logMessage ?? "")", "xRoadId": "\(messageID)",
                    "consumer": "\(consumer)", "service": "\(serviceID)",
                ])
        }
        let send: (Bool) -> Void = { [weak self] committed in
            guard let self else { return }
            let keepAlive = self.keepAlive && committed && self.requestEnded
            var ids = ResponseIDs(messageID: self.messageID, requestID: self.requestID)
            if local.errorType == nil {
                // A metaservice's answer carries what a provider's does: the client, the service, the request's hash.
                self.hashHead()
                ids.client = self.consumer
                ids.service = self.xRoadService
                ids.requestHash = self.requestHashHeader
                self.sentRequestHash = ids.requestHash
            }
            let head = local.head(version: self.head.version, ids: ids, keepAlive: keepAlive)
            self.handler.writeHead(HTTPWire.responseHead(head, allocator: self.handler.allocator), framing: .asGiven)
            // An answer to HEAD has no body (RFC 9110 §9.3.2), only the length a GET would have had.
            if self.head.method != .HEAD { self.handler.writeBody(ByteBuffer(bytes: local.body), flush: false) }
            self.handler.writeEnd()
            self.handler.finished(self, keepAlive: keepAlive)
        }
        if consumer == "-" {
            send(true)
        } else {
            commit(error: local.errorType, then: send)
        }
    }

    /// Hands the exchange to the message log; `then(true)` runs on this loop once it is in the journal.
    func commit(error: String?, then: @escaping (Bool) -> Void) {
        let record = MessageRecord(
            messageID: messageID, consumer: consumer, service: serviceID, method: head.method.rawValue,
            path: head.uri.utf8.count <= 2048 ? head.uri : String(head.uri.prefix(2048)), status: responseStatus, error: error,
            requestBytes: requestBytes,
            responseBytes: responseBytes, requestSHA256: requestHash.map { Hex.string($0.finalize()) } ?? Self.emptySHA256,
            responseSHA256: Hex.string(responseHash.finalize()),
            receivedAt: Timestamp.string(receivedAt), forwardedAt: forwardedAt.map(Timestamp.string), answeredAt: Timestamp.now(),
            requestID: requestID, requestHash: sentRequestHash, userID: headers.userID, issue: headers.issue,
            representedParty: headers.representedParty)
        handler.env.monitor.record(
            service: serviceID, consumer: consumer, errorKind: HubMonitor.errorKind(status: responseStatus, gatewayError: error),
            seconds: Double((NIODeadline.now() - started).nanoseconds) / 1e9)
        handler.journal.append(record, bodies: captured?.bodies, then: then)
    }

    func clientGone() {
        deadline = nil
        upstream?.0.close(promise: nil)
        upstream = nil
        phase = .done
    }

    /// Headers the gateway sets itself or drops (PR-REST §4.3): `Host`, `User-Agent` and `Server`, which tell of
    /// the client's host; the ids it sets (`X-Road-Id`, `X-Road-Request-Id`, `X-Road-Client`) and the hash it makes; X-Road names
    /// with underscores, which some servers read as the real ones.
    static func isReplaced(_ raw: UnsafeRawBufferPointer, _ field: HeaderLines.Field) -> Bool {
        let start = field.nameStart
        let length = field.nameLength
        switch length {
        case 4: return HeaderName.equals(raw, start, length, "host")
        case 6: return HeaderName.equals(raw, start, length, "server")
        case 9: return HeaderName.equals(raw, start, length, "x-road-id")
        case 10: return HeaderName.equals(raw, start, length, "user-agent")
        case 13: return HeaderName.equals(raw, start, length, "x-road-client") || HeaderName.isUnderscoredXRoad(raw, start, length)
        case 17: return HeaderName.equals(raw, start, length, "x-road-request-id") || HeaderName.isUnderscoredXRoad(raw, start, length)
        case 19: return HeaderName.equals(raw, start, length, "x-road-request-hash") || HeaderName.isUnderscoredXRoad(raw, start, length)
        default: return HeaderName.isUnderscoredXRoad(raw, start, length)
        }
    }

    /// The X-Road headers of an answer that are the hub's to set, not the provider's: the ids, the client, the service,
    /// the hash, and `X-Road-Error` (which says the hub failed) unless a peer hub sent it.
    static func isSetByHub(_ raw: UnsafeRawBufferPointer, _ field: HeaderLines.Field, errorFromPeer: Bool) -> Bool {
        let (start, length) = (field.nameStart, field.nameLength)
        return HeaderName.equals(raw, start, length, "x-road-id") || HeaderName.equals(raw, start, length, "x-road-client")
            || HeaderName.equals(raw, start, length, "x-road-service") || HeaderName.equals(raw, start, length, "x-road-request-id")
            || HeaderName.equals(raw, start, length, "x-road-request-hash")
            || (!errorFromPeer && HeaderName.equals(raw, start, length, "x-road-error"))
    }

    /// The consumer's credentials for the hub stay at the hub.
    static func isCredential(_ raw: UnsafeRawBufferPointer, _ field: HeaderLines.Field) -> Bool {
        HeaderName.equals(raw, field.nameStart, field.nameLength, "x-road-client-key")
            || (HeaderName.equals(raw, field.nameStart, field.nameLength, "authorization") && field.valueLength >= 11
                && raw[field.valueStart..<field.valueStart + 11].elementsEqual("Bearer hub_".utf8))
    }
}

/// The bodies of an exchange as they stream through, each kept up to `MessageBodies.limit` bytes.
struct BodyCapture {
    var request = ByteBuffer()
    var response = ByteBuffer()
    var requestTruncated = false
    var responseTruncated = false
    let retentionDays: Int

    init(retentionDays: Int) { self.retentionDays = retentionDays }

    mutating func keep(_ buffer: ByteBuffer, of side: WritableKeyPath<BodyCapture, ByteBuffer>, truncated: WritableKeyPath<BodyCapture, Bool>) {
        let room = MessageBodies.limit - self[keyPath: side].readableBytes
        if buffer.readableBytes > room { self[keyPath: truncated] = true }
        guard room > 0 else { return }
        self[keyPath: side].writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: min(room, buffer.readableBytes))!)
    }

    var bodies: MessageBodies {
        MessageBodies(
            request: Data(buffer: request), response: Data(buffer: response), requestTruncated: requestTruncated,
            responseTruncated: responseTruncated, expiresAt: Timestamp.string(Date().addingTimeInterval(Double(retentionDays) * 86400)))
    }
}
