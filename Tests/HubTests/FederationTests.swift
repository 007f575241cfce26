import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOSSL
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

@testable import Hub

/// Two hubs on loopback, each with its own database and TLS identity: a consumer on hub A calls a provider whose
/// member is registered on hub B; A forwards over mutual TLS, B checks the right and calls the provider.
@Suite struct FederationTests {
    struct Hub {
        var database: ProvinceDatabase
        var registry: HubRegistry
        var gateway: HubGateway
        var identity: HubIdentity
        var port: Int
        var tlsPort: Int
        var cleanup: @Sendable () async -> Void
    }

    static func startHub() async throws -> Hub {
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        try await Migrations.run(on: database, schemas: hubSchemas)
        let identity = try HubIdentity.load(directory: directory)
        let gateway = try HubGateway(
            host: "127.0.0.1", port: 0, database: database, identity: identity, tlsPort: 0,
            journal: MessageJournal(directory: directory + "/hub-journal", database: database, logger: TestDatabase.logger),
            logger: TestDatabase.logger)
        let port = try await gateway.start()
        return Hub(
            database: database, registry: HubRegistry(database: database), gateway: gateway, identity: identity, port: port,
            tlsPort: try #require(gateway.tlsPort), cleanup: cleanup)
    }

    static let consumerMember = "VN/GOV/000.00.07.H38"
    static let providerMember = "VN/GOV/000.00.02.H38"
    static let consumer = "VN/GOV/000.00.07.H38/YTE"
    static let path = "/r1/VN/GOV/000.00.02.H38/DATA/echo/echo/federated?q=1"

    @Test func aConsumerOnOneHubCallsAProviderOnAnother() async throws {
        let upstream = await GatewayTests.startUpstream()
        let upstreamPort = upstream.port
        let a = try await Self.startHub()
        let b = try await Self.startHub()
        let actor = Actor(system: "test")

        // Hub A: the consumer is its own; the provider's member lives on B.
        _ = try await a.registry.createPeer(
            id: "LGSP-B", name: "Hub B", url: "https://127.0.0.1:\(b.tlsPort)", fingerprint: b.identity.fingerprint, by: actor)
        _ = try await a.registry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.07.H38", name: "Sở Y tế", agencyID: nil, by: actor)
        _ = try await a.registry.createSubsystem(
            memberID: Self.consumerMember, code: "YTE", name: "Hệ thống y tế", rateLimitPerSecond: nil, by: actor)
        _ = try await a.registry.createSubsystem(
            memberID: Self.consumerMember, code: "OTHER", name: "Hệ thống khác", rateLimitPerSecond: nil, by: actor)
        _ = try await a.registry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.02.H38", name: "Sở TTTT (hub B)", agencyID: nil, peerID: "LGSP-B", by: actor)
        let key = try await a.registry.issueKey(subsystemID: Self.consumer, name: "test", by: actor).secret
        let otherKey = try await a.registry.issueKey(subsystemID: Self.consumerMember + "/OTHER", name: "test", by: actor).secret

        // Hub B: the provider is its own; the consumer's member lives on A and is granted the service.
        _ = try await b.registry.createPeer(
            id: "LGSP-A", name: "Hub A", url: "https://127.0.0.1:\(a.tlsPort)", fingerprint: a.identity.fingerprint, by: actor)
        _ = try await b.registry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.02.H38", name: "Sở TTTT", agencyID: nil, by: actor)
        _ = try await b.registry.createSubsystem(memberID: Self.providerMember, code: "DATA", name: "Kho dữ liệu", rateLimitPerSecond: nil, by: actor)
        _ = try await b.registry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.07.H38", name: "Sở Y tế (hub A)", agencyID: nil, peerID: "LGSP-A", by: actor)
        _ = try await b.registry.createSubsystem(
            memberID: Self.consumerMember, code: "YTE", name: "Hệ thống y tế", rateLimitPerSecond: nil, by: actor)
        let echo = try await b.registry.createService(
            subsystemID: Self.providerMember + "/DATA", ServiceInput(serviceCode: "echo", upstreamURL: "http://127.0.0.1:\(upstreamPort)"), by: actor)
        _ = try await b.registry.updateService(echo.id, ServiceInput(enabled: true), by: actor)
        _ = try await b.registry.grant(consumerID: Self.consumer, serviceID: echo.id, endpoint: nil, by: actor)
        try await a.gateway.reloadRegistry()
        try await b.gateway.reloadRegistry()

        let messageID = UUID().uuidString.lowercased()
        let reply = try await TestClient.withClient(host: "127.0.0.1", port: a.port) { http in
            try await http.execute(
                TestClient.Request(
                    Self.path, method: .post,
                    headers: [
                        HTTPField.Name("X-Road-Client")!: Self.consumer, HTTPField.Name("X-Road-Client-Key")!: key,
                        HTTPField.Name("X-Road-Id")!: messageID, .contentType: "text/plain",
                    ],
                    body: ByteBuffer(string: "qua hai nền tảng")))
        }
        #expect(reply.head.status.code == 200)
        let seen = GatewayTests.json(reply)
        #expect(seen["uri"] as? String == "/echo/federated?q=1")
        #expect(seen["body"] as? String == "qua hai nền tảng")
        let headers = Dictionary((seen["headers"] as? [String: String] ?? [:]).map { ($0.key.lowercased(), $0.value) }) { $1 }
        #expect(headers["x-road-client"] == Self.consumer)
        #expect(headers["x-road-client-key"] == nil)
        #expect(reply.head.headerFields[HTTPField.Name("X-Road-Id")!] == messageID)

        // Both hubs logged their side of the one exchange.
        for hub in [a, b] {
            try await hub.gateway.journal.importPending()
            let records = try await MessageLog.records(limit: 10, in: hub.database)
            let record = try #require(records.first { $0.messageID == messageID })
            #expect(record.consumer == Self.consumer)
            #expect(record.service == echo.id)
            #expect(record.status == 200)
            #expect(record.requestBytes == "qua hai nền tảng".utf8.count)
            #expect(try await MessageLog.verify(hub.database).isIntact)
        }

        // B decides the right: a subsystem of A that B does not know is refused, and A passes B's answer on.
        let refused = try await TestClient.withClient(host: "127.0.0.1", port: a.port) { http in
            try await http.execute(
                TestClient.Request(
                    Self.path, method: .get,
                    headers: [HTTPField.Name("X-Road-Client")!: Self.consumerMember + "/OTHER", HTTPField.Name("X-Road-Client-Key")!: otherKey]))
        }
        #expect(refused.head.status.code == 400)
        #expect(refused.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Client.WrongClient")

        // A peer whose certificate is not the pinned one is not called.
        _ = try await a.registry.createPeer(
            id: "LGSP-X", name: "Impostor", url: "https://127.0.0.1:\(b.tlsPort)", fingerprint: String(repeating: "ab", count: 32), by: actor)
        _ = try await a.registry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "999", name: "Thành viên", agencyID: nil, peerID: "LGSP-X", by: actor)
        try await a.gateway.reloadRegistry()
        let impostor = try await TestClient.withClient(host: "127.0.0.1", port: a.port) { http in
            try await http.execute(
                TestClient.Request(
                    "/r1/VN/GOV/999/DATA/echo/echo", method: .get,
                    headers: [HTTPField.Name("X-Road-Client")!: Self.consumer, HTTPField.Name("X-Road-Client-Key")!: key]))
        }
        #expect(impostor.head.status.code == 500)
        #expect(impostor.head.headerFields[HTTPField.Name("X-Road-Error")!]?.hasPrefix("Server.ServerProxy.") == true)

        // A consumer that presents its own registered certificate on B's mutual-TLS port is let in; an unknown one is not.
        let own = try HubIdentity.load(directory: TestDatabase.temporaryDirectory(), commonName: "Hệ thống y tế")
        _ = try await b.registry.addCertificate(subsystemID: Self.consumer, name: "y tế", fingerprint: own.fingerprint, by: actor)
        try await b.gateway.reloadRegistry()
        let stranger = try HubIdentity.load(directory: TestDatabase.temporaryDirectory(), commonName: "Stranger")
        for (identity, status) in [(own, 200), (stranger, 400)] {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(identity.certificatePEM.utf8), format: .pem))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
            let direct = try await TestClient.withClient(
                host: "127.0.0.1", port: b.tlsPort, configuration: .init(tlsConfiguration: tls, serverName: "localhost")
            ) { http in
                try await http.execute(
                    TestClient.Request(Self.path, method: .get, headers: [HTTPField.Name("X-Road-Client")!: Self.consumer]))
            }
            #expect(direct.head.status.code == status)
        }

        for hub in [a, b] {
            hub.gateway.stop()
            await hub.database.close()
            await hub.cleanup()
        }
        await upstream.stop()
    }
}
