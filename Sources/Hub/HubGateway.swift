import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ProvinceCore
import ProvinceStore
import ServiceLifecycle
import Synchronization

/// The hub's gateway: an HTTP server on its own port speaking X-Road's message protocol for REST, built on SwiftNIO
/// so that nothing on the path of a call waits (rights and keys come from memory, records go to a batching
/// writer). It runs beside the platform's web server.
public final class HubGateway: Service, Sendable {
    let host: String
    let requestedPort: Int
    let environment: GatewayEnvironment
    let registry: RegistryCache
    let group: MultiThreadedEventLoopGroup
    let sealer: Sealer?
    let sealInterval: Duration
    let probeInterval: Duration
    let probeTimeout: Duration
    /// Traffic and provider health, for the operator's page, the API and `/metrics`.
    public let monitor: HubMonitor
    let requestedTLSPort: Int?
    /// Where providers may be, for the gateway's connections and the probes.
    let upstreamRule: UpstreamRule
    let serverTLS: NIOSSLContext?
    private let pools: [ObjectIdentifier: UpstreamPool]
    /// Where exchanges are first written; imported into the message log as they come.
    public let journal: MessageJournal
    private let channel = Mutex<(any Channel)?>(nil)
    private let tlsChannel = Mutex<(any Channel)?>(nil)

    /// - Parameters:
    ///   - maxBodyBytes: the largest request body the gateway forwards (413 beyond).
    ///   - refreshInterval: how often the registry's version is checked (changes made by other processes).
    ///   - sealingKey: the key that signs the message log's seals (nil: this process does not seal).
    ///   - identity: the hub's TLS identity, for calls to peer hubs and for the mutual-TLS port.
    ///   - tlsPort: where the mutual-TLS port listens (peer hubs, consumers with certificates); nil for none.
    ///   - sealArchive: the file each seal is also written to, outside the database.
    ///   - upstreamRule: where providers may be (see ``UpstreamRule``); the gateway's own ports are added to it.
    ///   - probeTimeout: how long a provider has to answer the health probe before it is marked down.
    ///   - journal: where the gateway writes exchanges first (see ``MessageJournal``).
    public init(
        host: String, port: Int, database: ProvinceDatabase, maxBodyBytes: Int = 100 << 20, refreshInterval: Duration = .seconds(1),
        sealingKey: SealingKey? = nil, sealInterval: Duration = .seconds(2), monitor: HubMonitor = HubMonitor(),
        probeInterval: Duration = .seconds(30), identity: HubIdentity? = nil, tlsPort: Int? = nil, sealArchive: String? = nil,
        upstreamRule: UpstreamRule = UpstreamRule(), probeTimeout: Duration = .seconds(3),
        journal: MessageJournal, logger: Logger
    ) throws {
        self.journal = journal
        self.monitor = monitor
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        sealer = sealingKey.map { Sealer(database: database, key: $0, recent: journal.recentHashes, archive: sealArchive.map(SealArchive.init)) }
        self.sealInterval = sealInterval
        self.host = host
        requestedPort = port
        requestedTLSPort = identity == nil ? nil : tlsPort
        serverTLS = try identity.flatMap { identity in tlsPort == nil ? nil : try identity.serverContext() }
        registry = RegistryCache(database: database, interval: refreshInterval, logger: logger)
        environment = GatewayEnvironment(
            registry: registry, journal: journal, limiter: RateLimiter(),
            monitor: monitor, maxBodyBytes: maxBodyBytes, logger: logger)
        group = MultiThreadedEventLoopGroup.singleton
        let tls = UpstreamTLS(publicContext: try? HubIdentity.publicClientContext(), peerContext: try identity?.peerClientContext())
        var pools: [ObjectIdentifier: UpstreamPool] = [:]
        var rule = upstreamRule
        rule.ownPorts.formUnion([port, tlsPort].compactMap { $0 }.filter { $0 != 0 })
        self.upstreamRule = rule
        for loop in group.makeIterator() { pools[ObjectIdentifier(loop)] = UpstreamPool(eventLoop: loop, tls: tls, rule: rule) }
        self.pools = pools
    }

    /// Loads the registry and starts listening; returns the port (useful when 0 asked for a free one).
    @discardableResult
    public func start() async throws -> Int {
        if let bound = channel.withLock({ $0 }) { return bound.localAddress?.port ?? requestedPort }
        try await registry.refresh()
        // What a stopped process wrote but did not import is in the log before any new exchange.
        try await journal.importPending()
        let server = try await listen(port: requestedPort, tls: nil)
        channel.withLock { $0 = server }
        if let serverTLS, let requestedTLSPort {
            let secure = try await listen(port: requestedTLSPort, tls: serverTLS)
            tlsChannel.withLock { $0 = secure }
        }
        return server.localAddress?.port ?? requestedPort
    }

    /// The port of the mutual-TLS listener, once started (nil when there is none).
    public var tlsPort: Int? { tlsChannel.withLock { $0?.localAddress?.port } }

    private func listen(port: Int, tls: NIOSSLContext?) async throws -> any Channel {
        let environment = self.environment
        let pools = self.pools
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    var presented: PresentedCertificate?
                    if let tls {
                        let certificate = PresentedCertificate()
                        presented = certificate
                        // Every certificate is let through the handshake; the registry says per call whose it is.
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLServerHandler(context: tls) { certificates, promise in
                                certificate.fingerprint = certificates.first.map(HubIdentity.fingerprint)
                                promise.succeed(.certificateVerified)
                            })
                    }
                    // The handler reads calls from the bytes and writes answers as bytes (`HTTPReader`, `HTTPWire`).
                    try channel.pipeline.syncOperations.addHandler(
                        GatewayHandler(
                            environment: environment, pool: pools[ObjectIdentifier(channel.eventLoop)]!,
                            journal: environment.journal.file(for: channel.eventLoop), presented: presented))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// Reloads the registry now (after a change made through this process).
    public func reloadRegistry() async throws { try await registry.refresh() }

    public func run() async throws {
        try await start()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.registry.run() }
                group.addTask { await self.journal.run() }
                group.addTask {
                    // Bodies whose retention has ended go; their records (and digests) stay.
                    while !Task.isCancelled {
                        do {
                            try await MessageLog.removeExpiredBodies(in: self.registry.database)
                        } catch {
                            self.environment.logger.error("removing expired message bodies failed: \(error)")
                        }
                        try? await Task.sleep(for: .seconds(60))
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        await self.probeProviders()
                        try? await Task.sleep(for: self.probeInterval)
                    }
                }
                if let sealer = self.sealer {
                    group.addTask {
                        do {
                            try await sealer.repairArchive()
                        } catch {
                            self.environment.logger.error("repairing the message log's seal archive failed: \(error)")
                        }
                        while !Task.isCancelled {
                            do {
                                try await sealer.sealPending()
                            } catch {
                                self.environment.logger.error("sealing the message log failed: \(error)")
                            }
                            try? await Task.sleep(for: self.sealInterval)
                        }
                    }
                }
            }
        }
        stop()
    }

    /// Asks the provider of every enabled service for its base URL (`HEAD`, once per address) and records whether
    /// it answered (any HTTP status counts: the provider is there), and how long the answer took.
    public func probeProviders() async {
        let snapshot = registry.snapshot
        let services = snapshot.services.values.flatMap { $0.values.flatMap { $0 } }.filter(\.enabled)
        let addresses = Set(services.map(\.upstreamURL))
        let rule = upstreamRule
        let timeout = TimeAmount(probeTimeout)
        let outcomes = await withTaskGroup(of: (String, Double?, String?).self) { tasks in
            for address in addresses {
                tasks.addTask {
                    let start = ContinuousClock.now
                    // An address the rule refuses is not probed: the probe is no way around the rule.
                    guard var request = await rule.checkedRequest(address) else { return (address, nil, "refused by the upstream rule") }
                    do {
                        request.method = .HEAD
                        request.headers.add(name: "User-Agent", value: "OpenProvince hub probe")
                        // A new connection each time: a kept-alive one could outlive the provider's listening socket.
                        request.headers.add(name: "Connection", value: "close")
                        let response = try await UpstreamRule.client.execute(request, timeout: timeout)
                        _ = try await response.body.collect(upTo: 1 << 16)
                        let elapsed = ContinuousClock.now - start
                        return (address, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, nil)
                    } catch {
                        return (address, nil, "\(error)")
                    }
                }
            }
            var outcomes: [String: (Double?, String?)] = [:]
            for await (address, seconds, problem) in tasks { outcomes[address] = (seconds, problem) }
            return outcomes
        }
        let checkedAt = Timestamp.now()
        monitor.setHealth(
            services.map { service in
                let (seconds, problem) = outcomes[service.upstreamURL] ?? (nil, "not probed")
                return ProviderHealth(
                    serviceID: service.id, upstream: service.upstreamURL, state: problem == nil ? .up : .down, checkedAt: checkedAt,
                    responseMilliseconds: seconds.map(HubMonitor.milliseconds), problem: problem)
            })
    }

    /// Stops listening; the registry poll ends with the task that runs it.
    public func stop() {
        channel.withLock { $0?.close(promise: nil) }
        tlsChannel.withLock { $0?.close(promise: nil) }
    }
}
