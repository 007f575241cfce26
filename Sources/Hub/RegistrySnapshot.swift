import Foundation
import Logging
import ProvinceStore
import SQLKit
import Synchronization

/// Everything the gateway needs to route and authorize a call, read once from the database and kept in memory:
/// the hot path never waits on storage.
public struct RegistrySnapshot: Sendable {
    public var version: Int
    /// Subsystem id → subsystem.
    public var subsystems: [String: HubSubsystem]
    /// Provider subsystem id → service code → services (one per version).
    public var services: [String: [String: [HubService]]]
    /// Service id → its rights.
    public var rights: [String: [HubRight]]
    /// Service id → its endpoints.
    public var endpoints: [String: [HubEndpoint]]
    /// SHA-256 of an API key, or a certificate fingerprint → the subsystem it authenticates.
    public var credentials: [String: String]
    /// Member id → member.
    public var members: [String: HubMember] = [:]
    /// Service id → its OpenAPI description, for the `getOpenAPI` metaservice.
    public var openAPI: [String: String] = [:]
    /// Service id → where the gateway forwards it, parsed once when the snapshot is loaded.
    var origins: [String: Origin] = [:]
    /// Subsystem id → the consumer ids of the groups it belongs to (`group:CODE`).
    var groupsOf: [String: [String]] = [:]
    /// Peer hub id → peer.
    public var peers: [String: HubPeer] = [:]
    /// A peer's certificate fingerprint → the peer's id.
    var peerByFingerprint: [String: String] = [:]
    /// Peer hub id → its mutual-TLS gateway.
    var peerOrigins: [String: Origin] = [:]
    /// The hub's own X-Road instance: the one most of its own (not a peer's) members belong to; `VN` when there are none.
    public var localInstance = "VN"

    public static let empty = RegistrySnapshot(version: -1, subsystems: [:], services: [:], rights: [:], endpoints: [:], credentials: [:])

    /// Finds the service a call names. X-Road's REST protocol has no service version: the code alone names the
    /// service and the whole path goes to it. Only a registry made before that rule, holding several versions of one
    /// code and none without, still picks the version by the path's first segment. Returns the service and its path.
    public func service(provider: String, code: String, path: [Substring]) -> (HubService, [Substring])? {
        guard let candidates = services[provider]?[code], !candidates.isEmpty else { return nil }
        if let plain = candidates.first(where: { $0.version == nil }) { return (plain, path) }
        if candidates.count == 1 { return (candidates[0], path) }
        guard let first = path.first, let versioned = candidates.first(where: { $0.version == String(first) }) else { return nil }
        return (versioned, Array(path.dropFirst()))
    }

    /// Whether `consumer` may call `method path` on `service`.
    public func allows(_ consumer: String, _ service: HubService, method: String, path: String) -> Bool {
        (rights[service.id] ?? []).contains { right in
            grants(right, to: consumer) && (right.endpoint.map { $0.matches(method: method, path: path) } ?? true)
        }
    }

    /// Whether a right is the consumer's own or one of its groups'.
    func grants(_ right: HubRight, to consumer: String) -> Bool {
        right.consumerID == consumer || (right.consumerID.hasPrefix(HubGroup.prefix) && (groupsOf[consumer] ?? []).contains(right.consumerID))
    }

    /// Reads the whole registry.
    public static func load(from database: ProvinceDatabase) async throws -> RegistrySnapshot {
        try await database.read { db in
            var snapshot = RegistrySnapshot.empty
            snapshot.version = try await db.raw("SELECT version FROM hub_registry_version WHERE id = 1").first()?.int("version") ?? 0
            for row in try await db.raw("SELECT * FROM hub_members").all() {
                let member = try HubRegistry.member(from: row)
                snapshot.members[member.id] = member
            }
            for row in try await db.raw("SELECT id, openapi FROM hub_services WHERE openapi IS NOT NULL").all() {
                snapshot.openAPI[try row.string("id")] = try row.string("openapi")
            }
            for row in try await db.raw("SELECT * FROM hub_subsystems").all() {
                let subsystem = try HubRegistry.subsystem(from: row)
                snapshot.subsystems[subsystem.id] = subsystem
            }
            for row in try await db.raw("SELECT * FROM hub_services").all() {
                let service = try HubRegistry.service(from: row)
                snapshot.services[service.subsystemID, default: [:]][service.serviceCode, default: []].append(service)
                snapshot.origins[service.id] = Origin(service.upstreamURL)
            }
            for row in try await db.raw("\(unsafeRaw: HubRegistry.allRights)").all() {
                let right = try HubRegistry.right(from: row)
                snapshot.rights[right.serviceID, default: []].append(right)
            }
            for row in try await db.raw("SELECT * FROM hub_endpoints").all() {
                snapshot.endpoints[try row.string("service_id"), default: []].append(
                    HubEndpoint(method: try row.string("method"), path: try row.string("path")))
            }
            for row in try await db.raw("SELECT group_code, subsystem_id FROM hub_group_members").all() {
                snapshot.groupsOf[try row.string("subsystem_id"), default: []].append(HubGroup.prefix + (try row.string("group_code")))
            }
            for row in try await db.raw("SELECT * FROM hub_peers").all() {
                let peer = try HubRegistry.peer(from: row)
                snapshot.peers[peer.id] = peer
                snapshot.peerByFingerprint[peer.fingerprint] = peer.id
                snapshot.peerOrigins[peer.id] = Origin(peer: peer)
            }
            let ownInstances = Dictionary(grouping: snapshot.members.values.filter { $0.peerID == nil }, by: \.instance)
            if let (instance, _) = ownInstances.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }) {
                snapshot.localInstance = instance
            }
            for row in try await db.raw("SELECT subsystem_id, secret_digest FROM hub_credentials WHERE revoked_at IS NULL").all() {
                snapshot.credentials[try row.string("secret_digest")] = try row.string("subsystem_id")
            }
            return snapshot
        }
    }
}

/// The current snapshot, swapped whole when the registry's version changes (checked every `interval`, so changes
/// made through another process sharing the database arrive within it).
public final class RegistryCache: Sendable {
    private let current = Mutex(RegistrySnapshot.empty)
    /// The snapshot's version, readable without copying the snapshot: the gateway checks it on every call.
    private let currentVersion = Atomic<Int>(RegistrySnapshot.empty.version)
    let database: ProvinceDatabase
    let interval: Duration
    let logger: Logger

    public init(database: ProvinceDatabase, interval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    public var snapshot: RegistrySnapshot { current.withLock { $0 } }

    /// The version of ``snapshot``.
    public var version: Int { currentVersion.load(ordering: .acquiring) }

    /// Reloads when the stored version differs from the one in memory.
    public func refresh() async throws {
        let stored = try await HubRegistry(database: database).version()
        guard stored != snapshot.version else { return }
        let fresh = try await RegistrySnapshot.load(from: database)
        current.withLock {
            $0 = fresh
            currentVersion.store(fresh.version, ordering: .releasing)
        }
    }

    /// Polls until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await refresh()
            } catch {
                logger.error("hub registry reload failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
