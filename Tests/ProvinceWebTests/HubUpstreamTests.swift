import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ProvinceCore
import TestSupport
import Testing

@testable import Hub
@testable import ProvinceWeb

/// What an agency's administrator can make the hub call: never a link-local address or the hub's own ports, nothing
/// enabled or moved once enabled without the platform's administrator, a description fetched without following
/// redirects and failing in one set of words; and a certificate registered to one party only.
@Suite struct HubUpstreamTests {
    static let subsystem = "VN/GOV/000.00.07.H38/YTE"

    /// The Department of Health's member and subsystem, registered by the platform.
    static func register(_ platform: Platform) async throws {
        let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
        let system = ProvinceCore.Actor(system: "system:test")
        _ = try await platform.hubRegistry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.07.H38", name: "Sở Y tế", agencyID: health.id, by: system)
        _ = try await platform.hubRegistry.createSubsystem(
            memberID: "VN/GOV/000.00.07.H38", code: "YTE", name: "Hệ thống y tế", rateLimitPerSecond: nil, by: system)
    }

    @Test func anAgencyAdministratorCannotPointAServiceAtWhatTheHubMustNotReach() async throws {
        try await TestPlatform.withDemo { platform, http in
            try await Self.register(platform)
            let healthAdmin = try await http.token("yte.quantri")
            let refused = [
                "http://169.254.169.254/latest/meta-data", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]:8080/", "http://0.0.0.0:9/",
                "http://127.0.0.1:8080/api/v1", "http://localhost:8080/", "http://224.0.0.1/",
            ]
            for (index, url) in refused.enumerated() {
                let before = try await AuditHead.read(platform)
                let reply = try await http.request(
                    .post, "/api/v1/hub/services", token: healthAdmin,
                    json: ["subsystemID": Self.subsystem, "serviceCode": "s\(index)", "upstreamURL": url])
                #expect(reply.status == 400, "\(url): \(reply.status) \(reply.body)")
                #expect(try await AuditHead.read(platform) == before, "\(url) changed data")
            }
            // A provider on the province's network is normal for a hub: registered, disabled.
            let created = try await http.request(
                .post, "/api/v1/hub/services", token: healthAdmin,
                json: ["subsystemID": Self.subsystem, "serviceCode": "records", "upstreamURL": "http://127.0.0.1:9/records"])
            #expect(created.status == 201, "\(created.body)")
            let path = "/api/v1/hub/services/VN:GOV:000.00.07.H38:YTE:records"
            // Only the platform's administrator enables it, or moves an enabled one.
            let enabling = try await http.request(.patch, path, token: healthAdmin, json: ["enabled": true])
            #expect(enabling.status == 403)
            #expect(try await platform.hubRegistry.service("VN/GOV/000.00.07.H38/YTE/records").enabled == false)
            #expect(try await http.request(.patch, path, token: healthAdmin, json: ["upstreamURL": "http://127.0.0.1:10/records"]).status == 200)
            let admin = try await http.token("admin")
            #expect(try await http.request(.patch, path, token: admin, json: ["enabled": true]).status == 200)
            let moving = try await http.request(.patch, path, token: healthAdmin, json: ["upstreamURL": "http://127.0.0.1:11/elsewhere"])
            #expect(moving.status == 403)
            #expect(try await platform.hubRegistry.service("VN/GOV/000.00.07.H38/YTE/records").upstreamURL == "http://127.0.0.1:10/records")
            #expect(try await http.request(.patch, path, token: healthAdmin, json: ["timeoutMilliseconds": 5000]).status == 200)
            let linkLocal = try await http.request(.patch, path, token: admin, json: ["upstreamURL": "http://169.254.169.254/"])
            #expect(linkLocal.status == 400)
        }
    }

    @Test func aDescriptionIsFetchedWithoutRedirectsAndFailsInOneSetOfWords() async throws {
        let router = Router()
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"openapi":"3.0.3","paths":{"/records/{id}":{"get":{}}}}"#)))
        }
        // A redirect to a good description: followed, it would succeed.
        router.get("moved") { _, _ in Response(status: .found, headers: [.location: "/openapi.json"]) }
        router.get("broken") { _, _ in Response(status: .internalServerError) }
        router.get("not-openapi") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        try await TestServer.with(router) { port in try await Self.describe(port) }
    }

    /// Points a service's OpenAPI address at the stand-in provider on `port`'s routes, bad ones and then a good one.
    static func describe(_ port: Int) async throws {
        try await TestPlatform.withDemo { platform, http in
            try await Self.register(platform)
            let healthAdmin = try await http.token("yte.quantri")
            _ = try await http.request(
                .post, "/api/v1/hub/services", token: healthAdmin,
                json: ["subsystemID": Self.subsystem, "serviceCode": "records", "upstreamURL": "http://127.0.0.1:\(port)"])
            let path = "/api/v1/hub/services/VN:GOV:000.00.07.H38:YTE:records/openapi-url"
            var details: Set<String> = []
            for url in [
                "http://127.0.0.1:\(port)/moved", "http://127.0.0.1:\(port)/broken", "http://127.0.0.1:\(port)/not-openapi",
                "http://127.0.0.1:1/openapi.json",
                "http://169.254.169.254/openapi.json", "http://127.0.0.1:8080/openapi.json",
            ] {
                let started = ContinuousClock.now
                let reply = try await http.request(.post, path, token: healthAdmin, json: ["url": url], headers: [.acceptLanguage: "en"])
                #expect(reply.status == 400, "\(url): \(reply.body)")
                if url.hasSuffix("/moved") {
                    // The redirect is not followed: nothing waits on the address it names.
                    #expect(ContinuousClock.now - started < .seconds(5), "\(url) was followed")
                }
                details.insert((reply["detail"] as? String ?? "") + ((reply["errors"] as? [String: String])?.description ?? ""))
            }
            // The same words whatever lay behind: the answer maps nothing.
            #expect(details.count == 1, "\(details)")
            let fetched = try await http.request(.post, path, token: healthAdmin, json: ["url": "http://127.0.0.1:\(port)/openapi.json"])
            #expect(fetched.status == 200, "\(fetched.body)")
        }
    }

    @Test func aCertificateIsRegisteredToOnePartyOnly() async throws {
        try await TestPlatform.withDemo { platform, http in
            try await Self.register(platform)
            let system = ProvinceCore.Actor(system: "system:test")
            let ict = try #require(try await platform.agencies.find(code: "000.00.02.H38"))
            _ = try await platform.hubRegistry.createMember(
                instance: "VN", memberClass: "GOV", memberCode: "000.00.02.H38", name: "Sở TTTT", agencyID: ict.id, by: system)
            _ = try await platform.hubRegistry.createSubsystem(
                memberID: "VN/GOV/000.00.02.H38", code: "DATA", name: "Kho dữ liệu", rateLimitPerSecond: nil, by: system)
            let fingerprint = String(repeating: "ab", count: 32)
            let healthAdmin = try await http.token("yte.quantri")
            let first = try await http.request(
                .post, "/api/v1/hub/subsystems/VN:GOV:000.00.07.H38:YTE/certificates", token: healthAdmin,
                json: ["name": "máy chủ", "fingerprint": fingerprint])
            #expect(first.status == 201, "\(first.body)")
            // Another agency registering the same fingerprint would take over, or break, the first one's calls.
            let ictAdmin = try await http.token("tttt.quantri")
            let before = try await AuditHead.read(platform)
            let second = try await http.request(
                .post, "/api/v1/hub/subsystems/VN:GOV:000.00.02.H38:DATA/certificates", token: ictAdmin,
                json: ["name": "máy chủ khác", "fingerprint": fingerprint.uppercased()])
            #expect(second.status == 409, "\(second.body)")
            #expect(try await AuditHead.read(platform) == before)
            let admin = try await http.token("admin")
            let peer = try await http.request(
                .post, "/api/v1/hub/peers", token: admin,
                json: ["id": "PEER1", "name": "Nền tảng khác", "url": "https://127.0.0.1:9443", "fingerprint": fingerprint])
            #expect(peer.status == 409)
            let snapshot = try await RegistrySnapshot.load(from: platform.database)
            #expect(snapshot.credentials[fingerprint] == Self.subsystem)
        }
    }
}
