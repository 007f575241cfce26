import Foundation
import ProvinceCore
import TestSupport
import Testing

@testable import Hub

/// A call's path and client as the provider receives them: the path in one form, checked against the right in that
/// form and kept inside the service's base path; exactly one `X-Road-Client`, the one the gateway authenticated.
@Suite struct GatewayPathTests {
    /// A GET through the gateway, sent byte for byte as given, with the consumer's key.
    static func get(_ target: String, _ fixture: GatewayTests.Fixture, clients: [String] = [GatewayTests.consumer]) async throws -> RawHTTP.Reply {
        let clientLines = clients.map { "X-Road-Client: \($0)\r\n" }.joined()
        return try await RawHTTP.send(
            "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\(clientLines)X-Road-Client-Key: \(fixture.consumerKey)\r\nConnection: close\r\n\r\n",
            port: fixture.gatewayPort)
    }

    static func seen(_ reply: RawHTTP.Reply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test func aRightToOneEndpointLetsNothingElseThrough() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
            _ = try await fixture.registry.grant(
                consumerID: GatewayTests.consumer, serviceID: fixture.echo.id, endpoint: HubEndpoint(method: "GET", path: "/echo/{id}"), by: actor)
            try await fixture.gateway.reloadRegistry()
            let base = GatewayTests.path
            let allowed = try await Self.get("\(base)/echo/12", fixture)
            #expect(allowed.status == 200)
            #expect(Self.seen(allowed)["uri"] as? String == "/echo/12")
            // `..%3B` is the fuzz run's find: a server that decodes before it cuts off parameters reads it as `..`.
            for escape in [
                "/echo/..%2f..%2fb%2fsecret.txt", "/echo/%2e%2e%2fsecret.txt", "/echo/..%5csecret.txt", "/echo/a%00b", "/echo/%zz", "/echo/..%3b",
                "/echo/12/%2e%2e%3bx", "/echo/..%3Bx",
            ] {
                let reply = try await Self.get(base + escape, fixture)
                #expect(reply.status == 400, "\(escape): \(reply.status) \(reply.body)")
                #expect(reply.header("X-Road-Error") != nil, "\(escape)")
            }
            // Spelled another way, the same endpoint: allowed, and the provider receives the one form.
            let spelled = try await Self.get("\(base)/%65cho/./12", fixture)
            #expect(spelled.status == 200, "\(spelled.body)")
            #expect(Self.seen(spelled)["uri"] as? String == "/echo/12")
            // A raw '#' would cut the path where some providers read it: /echo/12#/x passing as /echo/{id}.
            let fragment = try await Self.get("\(base)/echo/12#/summary", fixture)
            #expect(fragment.status == 400, "\(fragment.body)")
            // Another endpoint reached through dot-segments is denied as itself.
            let other = try await Self.get("\(base)/echo/12/../../upload", fixture)
            #expect(other.status == 500 && other.body.contains("Server.ServerProxy.AccessDenied"), "\(other.body)")
        }
    }

    @Test func nothingLeavesTheServicesBasePath() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            let based = try await fixture.registry.createService(
                subsystemID: GatewayTests.provider,
                ServiceInput(serviceCode: "based", upstreamURL: "http://127.0.0.1:\(fixture.upstreamPort)/echo/base", timeoutMilliseconds: 10_000),
                by: actor)
            _ = try await fixture.registry.updateService(based.id, ServiceInput(enabled: true), by: actor)
            _ = try await fixture.registry.grant(consumerID: GatewayTests.consumer, serviceID: based.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()
            let base = "/r1/VN/GOV/000.00.02.H38/DATA/based"
            for escape in [
                "/../secret.txt", "/%2e%2e/b/secret.txt", "/%2E%2E/b", "/a/../../b/secret.txt", "/.%2e/b", "/..%2fb", "/..;/b", "/a/.;x/..;y/b",
            ] {
                let reply = try await Self.get(base + escape, fixture)
                #expect(reply.status == 400, "\(escape): \(reply.status) \(reply.body)")
                #expect(reply.header("X-Road-Error") != nil)
            }
            let inside = try await Self.get("\(base)/a/./b/../c?x=%2e%2e", fixture)
            #expect(inside.status == 200)
            #expect(Self.seen(inside)["uri"] as? String == "/echo/base/a/c?x=%2e%2e")
        }
    }

    @Test func theProviderHearsOfExactlyTheClientTheGatewayProved() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            let target = "\(GatewayTests.path)/echo/1"
            let twice = try await Self.get(target, fixture, clients: [GatewayTests.consumer, "VN/GOV/000.00.02.H38/DATA"])
            #expect(twice.status == 400, "\(twice.body)")
            #expect(twice.header("X-Road-Error") != nil)
            let once = try await Self.get(target, fixture)
            #expect(once.status == 200)
            let headers = Self.seen(once)["headers"] as? [String: String] ?? [:]
            #expect(headers.filter { $0.key.lowercased() == "x-road-client" }.map(\.value) == [GatewayTests.consumer])
            // Spelled with underscores, which CGI, WSGI and PHP servers read as the same header, it does not get through either.
            let underscored = try await RawHTTP.send(
                "GET \(target) HTTP/1.1\r\nHost: localhost\r\nX-Road-Client: \(GatewayTests.consumer)\r\nX_Road_Client: VN/GOV/000.00.02.H38/DATA\r\n"
                    + "X-Road_Represented_Party: VN/GOV/X\r\nX-Road-Client-Key: \(fixture.consumerKey)\r\nConnection: close\r\n\r\n",
                port: fixture.gatewayPort)
            #expect(underscored.status == 200)
            let forwarded = (Self.seen(underscored)["headers"] as? [String: String] ?? [:]).keys.map { $0.lowercased() }
            #expect(!forwarded.contains { $0.contains("_") }, "\(forwarded)")
            // Dot-segments are no identifier part.
            let dotted = try await Self.get("/r1/VN/GOV/../000.00.02.H38/DATA/echo/echo/1", fixture)
            #expect(dotted.status == 400)
        }
    }

    @Test func aHubKeyMayComeAsABearerTokenAndStaysAtTheHub() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            #expect(fixture.consumerKey.hasPrefix("hub_"))
            func call(_ authorization: String) async throws -> RawHTTP.Reply {
                try await RawHTTP.send(
                    "GET \(GatewayTests.path)/echo/1 HTTP/1.1\r\nHost: localhost\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                        + "Authorization: \(authorization)\r\nConnection: close\r\n\r\n",
                    port: fixture.gatewayPort)
            }
            let bearer = try await call("Bearer \(fixture.consumerKey)")
            #expect(bearer.status == 200, "\(bearer.body)")
            let forwarded = (Self.seen(bearer)["headers"] as? [String: String] ?? [:]).keys.map { $0.lowercased() }
            #expect(!forwarded.contains("authorization"), "\(forwarded)")
            let wrong = try await call("Bearer hub_not-a-key")
            #expect(wrong.status == 400 && wrong.header("X-Road-Error") == "Client.Unauthorized", "\(wrong.status) \(wrong.body)")
            let otherScheme = try await call("Basic \(fixture.consumerKey)")
            #expect(otherScheme.header("X-Road-Error") == "Client.Unauthorized", "\(otherScheme.body)")
        }
    }
}
