import Audit
import Foundation
import Hub
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

/// Registry changes that check before they write, made at once from many connections (on PostgreSQL, truly at once):
/// exactly one of those that want the same thing gets it.
@Suite struct RegistryRaceTests {
    @Test func aFingerprintAndAServiceCodeAreTakenOnce() async throws {
        try await TestDatabase.withMigrated(hubSchemas) { database, _ in
            let registry = HubRegistry(database: database)
            let actor = Actor(system: "test")
            _ = try await registry.createMember(instance: "VN", memberClass: "GOV", memberCode: "A", name: "Sở A", agencyID: nil, by: actor)
            for index in 0..<8 {
                _ = try await registry.createSubsystem(
                    memberID: "VN/GOV/A", code: "S\(index)", name: "Hệ thống \(index)", rateLimitPerSecond: nil, by: actor)
            }
            let fingerprint = String(repeating: "ab", count: 32)
            let certificates = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        (try? await registry.addCertificate(subsystemID: "VN/GOV/A/S\(index)", name: "c", fingerprint: fingerprint, by: actor)) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(certificates == 1)
            let services = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        (try? await registry.createService(
                            subsystemID: "VN/GOV/A/S0", ServiceInput(serviceCode: "same", upstreamURL: "http://127.0.0.1:1"), by: actor)) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(services == 1)
            let stored = try await database.read { db in
                try await db.raw("SELECT count(*) AS n FROM hub_credentials WHERE secret_digest = \(bind: fingerprint)").first()?.int("n")
            }
            #expect(stored == 1)
        }
    }
}
