import Foundation
import Hummingbird
import ProvinceCore
import TestSupport
import Testing

@testable import Hub

/// What the gateway reaches and tells: a provider outside the operator's networks is not called whatever its
/// registered address said; a metaservice counts against the consumer's rate; a description is given without the
/// provider's address; the hub's keys are never readable by others, not for an instant.
@Suite struct GatewayReachTests {
    @Test func aProviderOutsideTheOperatorsNetworksIsNotCalled() async throws {
        try await GatewayTests.withFixture(upstreamRule: UpstreamRule(networks: [IPNetwork("10.0.0.0/8")!])) { fixture in
            try await fixture.openEcho()
            let reply = try await GatewayTests.call(fixture, "\(GatewayTests.path)/echo/1", key: fixture.consumerKey)
            #expect(reply.head.status.code == 500)
            #expect(reply.head.headerFields[.init("X-Road-Error")!] == "Server.ServerProxy.NetworkError")
        }
        // The same call where loopback is one of the networks.
        try await GatewayTests.withFixture(upstreamRule: UpstreamRule(networks: [IPNetwork("127.0.0.0/8")!])) { fixture in
            try await fixture.openEcho()
            #expect(try await GatewayTests.call(fixture, "\(GatewayTests.path)/echo/1", key: fixture.consumerKey).head.status.code == 200)
        }
    }

    @Test func theProbeGoesNowhereTheRuleRefuses() async throws {
        let calls = Counter()
        let router = Router()
        router.on("**", method: .head) { _, _ in
            calls.add()
            return Response(status: .found, headers: [.location: "http://169.254.169.254/"])
        }
        try await TestServer.with(router) { port in
            for (networks, expected) in [([IPNetwork("10.0.0.0/8")!], 0), ([IPNetwork("127.0.0.0/8")!], 1)] {
                try await GatewayTests.withFixture(upstreamRule: UpstreamRule(networks: networks)) { fixture in
                    let actor = Actor(system: "test")
                    _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
                    // The address as a forger with the database would put it, past the checks made when it is saved.
                    try await fixture.database.write { db in
                        try await db.raw(
                            "UPDATE hub_services SET upstream_url = \(bind: "http://127.0.0.1:\(port)/probe") WHERE id = \(bind: fixture.echo.id)"
                        ).run()
                    }
                    try await fixture.gateway.reloadRegistry()
                    let before = calls.value
                    await fixture.gateway.probeProviders()
                    #expect(calls.value - before == expected, "\(networks)")
                    let health = fixture.gateway.monitor.providerHealth().first { $0.serviceID == fixture.echo.id }
                    // Reached: the redirect is an answer (the provider is there), not a way elsewhere.
                    #expect(health?.state == (expected == 1 ? .up : .down), "\(String(describing: health))")
                }
            }
        }
    }

    /// A name is resolved once, checked, and called at the address checked: it cannot resolve somewhere else the
    /// second time (DNS rebinding). Over https the certificate must prove the name.
    @Test func aNameIsCalledAtTheAddressTheRuleChecked() async throws {
        let rule = UpstreamRule()
        let target = try #require(await rule.checkedTarget("http://localhost:8080/a/b?c=1"))
        #expect(["http://127.0.0.1:8080/a/b?c=1", "http://[::1]:8080/a/b?c=1"].contains(target.url), "\(target.url)")
        #expect(target.host == "localhost:8080")
        let tls = try #require(await rule.checkedTarget("https://localhost/x"))
        #expect(tls.url == "https://localhost/x" && tls.host == nil)
        #expect(await rule.checkedTarget("http://169.254.169.254/latest") == nil)
        #expect(await UpstreamRule(networks: [IPNetwork("10.0.0.0/8")!]).checkedTarget("http://localhost:8080/") == nil)
    }

    @Test func metaservicesCountAgainstTheRate() async throws {
        try await GatewayTests.withFixture { fixture in
            let limited = "VN/GOV/000.00.07.H38/LIMITED"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        Int(
                            try await GatewayTests.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/listMethods", client: limited, key: fixture.otherKey)
                                .head.status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 429 }.count >= 5, "\(statuses)")
        }
    }

    @Test func aDescriptionIsGivenWithoutTheProvidersAddress() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            let document = #"""
                {"openapi":"3.0.3","info":{"title":"Echo","version":"1"},"servers":[{"url":"http://10.20.30.40:8088/internal/api","description":"Production"},{"url":"https://{host}/x","variables":{"host":{"default":"10.20.30.41"}}},7],"paths":{"/echo/{id}":{"servers":[{"url":"http://10.20.30.42/p"}],"get":{"servers":[{"url":"http://10.20.30.43/o"}]}}}}
                """#
            _ = try await fixture.registry.describe(fixture.echo.id, openAPI: Data(document.utf8), by: Actor(system: "test"))
            try await fixture.gateway.reloadRegistry()
            let reply = try await GatewayTests.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/getOpenAPI?serviceCode=echo", key: fixture.consumerKey)
            #expect(reply.head.status.code == 200)
            let text = reply.body.map { String(buffer: $0) } ?? ""
            #expect(!text.contains("10.20.30.4"), "\(text)")
            let json = GatewayTests.json(reply)
            let servers = (json["servers"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
            #expect(servers == ["/internal/api", "/x"])
            // What is not an address stays (a server's description, as X-Road's security server keeps it).
            #expect((json["servers"] as? [[String: Any]])?.first?["description"] as? String == "Production")
            let item = (json["paths"] as? [String: Any])?["/echo/{id}"] as? [String: Any]
            #expect((item?["servers"] as? [[String: Any]])?.first?["url"] as? String == "/p")
            #expect(((item?["get"] as? [String: Any])?["servers"] as? [[String: Any]])?.first?["url"] as? String == "/o")
        }
    }

    @Test func keysAreNeverReadableByOthers() async throws {
        let directory = TestDatabase.temporaryDirectory()
        let path = directory + "/hub-seal-key"
        let seen = ModeWatch(path: path)
        let watcher = Thread { seen.run() }
        watcher.start()
        for _ in 0..<300 {
            _ = try SealingKey.load(directory: directory)
            try FileManager.default.removeItem(atPath: path)
        }
        seen.stop()
        #expect(seen.modes.allSatisfy { $0 & 0o077 == 0 }, "modes seen: \(seen.modes.map { String($0, radix: 8) })")
        _ = try SealingKey.load(directory: directory)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        _ = try HubIdentity.load(directory: directory)
        let keyMode = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".key") || $0.contains("key") }.map {
            try FileManager.default.attributesOfItem(atPath: directory + "/" + $0)[.posixPermissions] as? Int
        }
        #expect(keyMode.allSatisfy { $0 == 0o600 }, "\(keyMode)")
    }
}

/// Counts calls from the server's tasks.
/// Watches a file's mode from another thread, as another user of the machine could, and keeps every mode seen.
final class ModeWatch: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var seen: Set<Int> = []
    private var stopped = false

    init(path: String) { self.path = path }

    var modes: Set<Int> { lock.withLock { seen } }

    func stop() { lock.withLock { stopped = true } }

    func run() {
        var information = stat()
        while !lock.withLock({ stopped }) {
            if stat(path, &information) == 0 {
                let mode = Int(information.st_mode & 0o777)
                lock.withLock { _ = seen.insert(mode) }
            }
        }
    }
}
