import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

@testable import Hub

/// A provider that answers the first call on each connection and drops the connection when a second call comes
/// on it, without a word: as a server whose keep-alive ends just as the gateway reuses the connection.
final class OneCallPerConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var calls = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        calls += 1
        guard calls == 1 else {
            context.close(promise: nil)
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "2")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

@Suite struct KeepAliveTests {
    @Test func aGetOnAPooledConnectionTheProviderDroppedIsSentAgain() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OneCallPerConnection())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        try await Migrations.run(on: database, schemas: hubSchemas)
        let registry = HubRegistry(database: database)
        let actor = Actor(system: "test")
        _ = try await registry.createMember(instance: "VN", memberClass: "GOV", memberCode: "A", name: "Thành viên A", agencyID: nil, by: actor)
        _ = try await registry.createSubsystem(memberID: "VN/GOV/A", code: "P", name: "Cung cấp", rateLimitPerSecond: nil, by: actor)
        _ = try await registry.createSubsystem(memberID: "VN/GOV/A", code: "C", name: "Tiêu thụ", rateLimitPerSecond: nil, by: actor)
        let service = try await registry.createService(
            subsystemID: "VN/GOV/A/P", ServiceInput(serviceCode: "s", upstreamURL: "http://127.0.0.1:\(server.localAddress!.port!)"), by: actor)
        _ = try await registry.updateService(service.id, ServiceInput(enabled: true), by: actor)
        _ = try await registry.grant(consumerID: "VN/GOV/A/C", serviceID: service.id, endpoint: nil, by: actor)
        let key = try await registry.issueKey(subsystemID: "VN/GOV/A/C", name: "k", by: actor).secret
        let gateway = try HubGateway(
            host: "127.0.0.1", port: 0, database: database,
            journal: MessageJournal(directory: directory + "/hub-journal", database: database, logger: TestDatabase.logger),
            logger: TestDatabase.logger)
        let port = try await gateway.start()
        let headers: HTTPFields = [HTTPField.Name("X-Road-Client")!: "VN/GOV/A/C", HTTPField.Name("X-Road-Client-Key")!: key]
        // One client connection, so that every call runs on the same event loop and meets the same pooled connection.
        try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            for _ in 0..<5 {
                let reply = try await http.execute(TestClient.Request("/r1/VN/GOV/A/P/s/x", method: .get, headers: headers))
                #expect(reply.head.status.code == 200)
                #expect(reply.body.map { String(buffer: $0) } == "ok")
            }
            // A call with a body is not sent twice: it fails as the provider failed it.
            let post = try await http.execute(
                TestClient.Request("/r1/VN/GOV/A/P/s/x", method: .post, headers: headers, body: ByteBuffer(string: "một lần")))
            #expect(post.head.status.code == 500)
            #expect(post.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.ServiceFailed")
        }
        gateway.stop()
        try await server.close()
        await database.close()
        await cleanup()
    }
}
