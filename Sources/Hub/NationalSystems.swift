import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// A national system the province's hub must reach (population, business registration, civil status, …), and
/// the registered service through which it is reached.
public struct NationalSystem: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    /// The ministry or agency that runs it.
    public var owner: String
    public var serviceID: String?
}

/// A national system with what the hub knows of it now.
public struct NationalSystemState: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Its service is enabled and the last probe reached its provider.
        case connected
        /// Its provider could not be reached at the last probe.
        case down
        /// Its service is disabled, or no longer registered.
        case disabled
        /// No probe has run yet.
        case unknown
        /// No service is mapped to it yet.
        case unmapped
    }

    public var system: NationalSystem
    public var state: State
    public var checkedAt: String?
}

/// The national-databases board: "17/17 connected".
public struct NationalBoard: Sendable, Codable, Equatable {
    public var connected: Int
    public var total: Int
    public var systems: [NationalSystemState]

    /// Joins the list with the registry and the latest provider probes.
    public init(systems: [NationalSystem], services: [HubService], health: [ProviderHealth]) {
        let servicesByID = Dictionary(services.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        let healthByID = Dictionary(health.map { ($0.serviceID, $0) }, uniquingKeysWith: { $1 })
        self.systems = systems.map { system in
            guard let serviceID = system.serviceID else { return NationalSystemState(system: system, state: .unmapped, checkedAt: nil) }
            guard let service = servicesByID[serviceID], service.enabled else {
                return NationalSystemState(system: system, state: .disabled, checkedAt: nil)
            }
            guard let probe = healthByID[serviceID] else { return NationalSystemState(system: system, state: .unknown, checkedAt: nil) }
            return NationalSystemState(system: system, state: probe.state == .up ? .connected : .down, checkedAt: probe.checkedAt)
        }
        connected = self.systems.filter { $0.state == .connected }.count
        total = self.systems.count
    }
}

extension HubRegistry {
    /// The national systems in the board's order.
    public func nationalSystems() async throws -> [NationalSystem] {
        try await database.read { db in
            try await db.raw("SELECT * FROM hub_national_systems ORDER BY position").all().map {
                NationalSystem(
                    code: try $0.string("code"), name: try $0.string("name"), owner: try $0.string("owner"),
                    serviceID: try $0.optionalString("service_id"))
            }
        }
    }

    /// Says through which registered service a national system is reached (nil: none yet). Platform administrators only.
    public func mapNationalSystem(_ code: String, serviceID: String?, by actor: Actor) async throws -> NationalSystem {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        guard var system = try await nationalSystems().first(where: { $0.code == code }) else {
            throw AppError.notFound("hệ thống quốc gia / national system")
        }
        if let serviceID {
            _ = try await service(serviceID)
        }
        let before = system
        system.serviceID = serviceID
        try await change(
            actor, action: "hub.national.map", targetType: "hub_national_system", targetID: code, agencyID: nil, before: before, after: system
        ) { db in
            try await db.raw("UPDATE hub_national_systems SET service_id = \(bind: serviceID) WHERE code = \(bind: code)").run()
        }
        return system
    }
}
