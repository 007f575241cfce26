import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import ProvinceCore
import Testing

@testable import Hub

/// Calls on one kept connection to the gateway, as a consumer's system sends them: each is routed and authorized
/// as if it came alone, whatever the calls before it on the connection were.
@Suite struct KeptConnectionTests {
    /// What came back for one call.
    struct Reply {
        var status: Int
        var error: String?
        var body: String
    }

    /// A consumer's connection to the gateway; requests written in one go are answered in order.
    final class Connection {
        var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

        init(_ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, _ outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) {
            self.inbound = inbound.makeAsyncIterator()
            self.outbound = outbound
        }

        /// Opens a connection for `body`'s calls and closes it after.
        static func with(port: Int, _ body: (Connection) async throws -> Void) async throws {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
            try await channel.executeThenClose { inbound, outbound in try await body(Connection(inbound, outbound)) }
        }

        /// Sends every call before reading any answer (HTTP/1.1 pipelining), then reads one answer per call.
        func send(_ calls: [(path: String, key: String?)], client: String = GatewayTests.consumer) async throws -> [Reply] {
            for call in calls {
                var headers = HTTPHeaders([("Host", "gateway"), ("X-Road-Client", client)])
                if let key = call.key { headers.add(name: "X-Road-Client-Key", value: key) }
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: call.path, headers: headers)))
                try await outbound.write(.end(nil))
            }
            var replies: [Reply] = []
            var current: Reply?
            while replies.count < calls.count, let part = try await inbound.next() {
                switch part {
                case .head(let head):
                    current = Reply(status: Int(head.status.code), error: head.headers.first(name: "X-Road-Error"), body: "")
                case .body(let buffer):
                    current?.body += String(buffer: buffer)
                case .end:
                    if let current { replies.append(current) }
                    current = nil
                }
            }
            return replies
        }
    }

    @Test func everyCallOnAKeptConnectionIsRoutedAndAuthorizedAgain() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
            let right = try await fixture.registry.grant(consumerID: GatewayTests.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()
            let path = GatewayTests.path
            let key = fixture.consumerKey
            try await Connection.with(port: fixture.gatewayPort) { connection in
                let repeated = try await connection.send([("\(path)/echo/1", key)]) + (try await connection.send([("\(path)/echo/1", key)]))
                #expect(repeated.map(\.status) == [200, 200])
                #expect(repeated.allSatisfy { $0.body.contains(#""uri":"\/echo\/1""#) })

                // The same path with another subsystem's key, with none, and other paths: each judged on its own.
                let changed = try await connection.send([("\(path)/echo/1", fixture.otherKey)])
                #expect(changed.map(\.status) == [400])
                #expect(changed.first?.error == "Client.WrongClient")
                let keyless = try await connection.send([("\(path)/echo/1", nil)])
                #expect(keyless.map(\.status) == [400])
                let mixed = try await connection.send([
                    ("\(path)/echo/a?x=1", key), ("/r1/VN/GOV/000.00.02.H38/DATA/nothing", key), ("\(path)/echo/b", key),
                    ("\(path)/echo/a?x=2", key),
                ])
                #expect(mixed.map(\.status) == [200, 500, 200, 200], "pipelined calls answered in order")
                #expect(mixed.count == 4 && mixed[0].body.contains(#""uri":"\/echo\/a?x=1""#))
                #expect(mixed.count == 4 && mixed[2].body.contains(#""uri":"\/echo\/b""#))
                #expect(mixed.count == 4 && mixed[3].body.contains(#""uri":"\/echo\/a?x=2""#), "the query is the call's own")

                // A right revoked while the connection stays open: its next call is refused.
                try await fixture.registry.revoke(rightID: right.id, by: actor)
                try await fixture.gateway.reloadRegistry()
                let revoked = try await connection.send([("\(path)/echo/1", key)])
                #expect(revoked.map(\.status) == [500])
                #expect(revoked.first?.error == "Server.ServerProxy.AccessDenied")
            }
        }
    }
}
