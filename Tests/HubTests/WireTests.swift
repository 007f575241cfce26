import Foundation
import NIOCore
import NIOPosix
import ProvinceCore
import TestSupport
import Testing

@testable import Hub

/// What the gateway writes on the wire itself: answers to calls that are not HTTP, and bodies of unknown length
/// passed on in chunks (HTTP/1.1) or up to the close (HTTP/1.0).
@Suite struct WireTests {
    /// Sends `request` as it is on a new connection and returns every byte the gateway sends until it closes.
    /// Gives up after thirty seconds: a gateway that neither answers nor closes fails the test rather than hanging it.
    /// `followUp` is shown what has come so far after each read, until it returns more to send (once).
    static func exchange(port: Int, _ request: String, followUp: @escaping @Sendable (String) -> String? = { _ in nil }) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let received = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: request))
                    var received = ByteBuffer()
                    var followedUp = false
                    for try await buffer in inbound {
                        received.writeImmutableBuffer(buffer)
                        if !followedUp, let more = followUp(String(buffer: received)) {
                            followedUp = true
                            try await outbound.write(ByteBuffer(string: more))
                        }
                    }
                    return String(buffer: received)
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                channel.channel.close(promise: nil)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return try #require(received, "the gateway neither finished answering nor closed the connection within 30 s")
    }

    /// The head and the body of a raw answer.
    static func split(_ answer: String) -> (head: String, body: String) {
        guard let end = answer.range(of: "\r\n\r\n") else { return (answer, "") }
        return (String(answer[..<end.lowerBound]), String(answer[end.upperBound...]))
    }

    /// A chunked body's content; nil when its framing is wrong.
    static func dechunked(_ body: String) -> String? {
        var bytes = Substring(body)
        var content = ""
        while true {
            guard let lineEnd = bytes.range(of: "\r\n"), let size = Int(bytes[..<lineEnd.lowerBound], radix: 16) else { return nil }
            bytes = bytes[lineEnd.upperBound...]
            if size == 0 { return bytes == "\r\n" ? content : nil }
            let data = Array(bytes.utf8)
            guard data.count >= size + 2, data[size] == UInt8(ascii: "\r"), data[size + 1] == UInt8(ascii: "\n") else { return nil }
            content += String(decoding: data[..<size], as: UTF8.self)
            bytes = Substring(String(decoding: data[(size + 2)...], as: UTF8.self))
        }
    }

    @Test func aCallThatIsNotHTTPGetsAnXRoadErrorAndTheConnectionCloses() async throws {
        try await GatewayTests.withFixture { fixture in
            let answer = try await Self.exchange(port: fixture.gatewayPort, "GET /r1/VN HTTP/1.1\r\nHost gateway\r\n\r\n")
            let (head, body) = Self.split(answer)
            #expect(head.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(head.contains("\r\nContent-Type: application/json;charset=utf-8\r\n"))
            #expect(head.contains("\r\nX-Road-Error: Client.BadRequest\r\n"))
            #expect(head.contains("\r\nConnection: close"))
            let problem = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(problem?["type"] as? String == "Client.BadRequest")
            #expect(problem?["message"] as? String == "The request is not well-formed HTTP/1.1.")
        }
    }

    @Test func aBodyOfUnknownLengthIsPassedOnInChunksOrUpToTheClose() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            let call = { (version: String, connection: String) in
                "GET \(GatewayTests.path)/stream \(version)\r\nHost: gateway\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                    + "X-Road-Client-Key: \(fixture.consumerKey)\r\n\(connection)\r\n"
            }
            let expected = GatewayTests.streamedParts.joined()

            // HTTP/1.1: chunks, the connection kept until the caller's second call asks for it to close.
            let twice = try await Self.exchange(port: fixture.gatewayPort, call("HTTP/1.1", "") + call("HTTP/1.1", "Connection: close\r\n"))
            let answers = twice.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
            #expect(answers.count == 2)
            for answer in answers {
                let (head, body) = Self.split("HTTP/1.1 200 OK\r\n" + answer)
                #expect(head.contains("\r\nTransfer-Encoding: chunked"))
                #expect(!head.contains("Content-Length"))
                #expect(head.contains("\r\nX-Road-Id: "))
                #expect(Self.dechunked(body) == expected)
            }
            #expect(answers.last.map { Self.split($0).head.contains("\r\nConnection: close") } == true)

            // HTTP/1.0: the body as it is, ended by the close.
            let (head, body) = Self.split(try await Self.exchange(port: fixture.gatewayPort, call("HTTP/1.0", "Connection: keep-alive\r\n")))
            #expect(head.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(!head.contains("Transfer-Encoding"))
            #expect(head.contains("\r\nConnection: close"))
            #expect(body == expected)

            try await fixture.gateway.journal.importPending()
            let records = try await MessageLog.records(limit: 100, in: fixture.database)
            #expect(records.filter { $0.path.hasSuffix("/stream") }.map(\.responseBytes) == Array(repeating: expected.utf8.count, count: 3))
        }
    }

    @Test func aChunkedCallIsForwardedWholeAndTheNextCallWaitsItsTurn() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            let headers = "Host: gateway\r\nX-Road-Client: \(GatewayTests.consumer)\r\nX-Road-Client-Key: \(fixture.consumerKey)\r\n"
            let content = "Đơn đề nghị cấp phép xây dựng"
            let bytes = Array(content.utf8)
            let chunked =
                "4;part=1\r\n" + String(decoding: bytes[..<4], as: UTF8.self) + "\r\n"
                + String(bytes.count - 4, radix: 16) + "\r\n" + String(decoding: bytes[4...], as: UTF8.self) + "\r\n0\r\nX-Trailer: t\r\n\r\n"
            let answer = try await Self.exchange(
                port: fixture.gatewayPort,
                "POST \(GatewayTests.path)/upload HTTP/1.1\r\n\(headers)Transfer-Encoding: chunked\r\n\r\n\(chunked)"
                    + "GET \(GatewayTests.path)/echo/2 HTTP/1.1\r\n\(headers)Connection: close\r\n\r\n")
            let answers = answer.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst().map { Self.split("HTTP/1.1 200 OK\r\n" + $0) }
            #expect(answers.count == 2)
            let digest = GatewayTests.sha256(ByteBuffer(string: content))
            #expect(answers.first?.body == "\(bytes.count) \(digest)")
            #expect(answers.last?.body.contains(#""uri":"\/echo\/2""#) == true)

            try await fixture.gateway.journal.importPending()
            let records = try await MessageLog.records(limit: 100, in: fixture.database)
            let upload = try #require(records.first { $0.path.hasSuffix("/upload") })
            #expect(upload.requestBytes == bytes.count)
            #expect(upload.requestSHA256 == digest)
        }
    }

    /// Found by the fuzz run: an answer to HEAD that the gateway gives itself has no body; a header name with a
    /// separator in it is not a header.
    @Test func aHeadAnswerHasNoBodyAndAHeaderNameIsAToken() async throws {
        try await GatewayTests.withFixture { fixture in
            let head = try await RawHTTP.send(
                "HEAD /r1/VN/GOV/000.00.02.H38/DATA/nothing HTTP/1.1\r\nHost: gateway\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                    + "X-Road-Client-Key: \(fixture.consumerKey)\r\nConnection: close\r\n\r\n", port: fixture.gatewayPort)
            #expect(head.status == 500 && head.header("X-Road-Error") == "Server.ServerProxy.UnknownService")
            #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
            #expect(head.body.isEmpty, "\(head.body)")
            // A call that is answered 200 without the odd line is refused with it.
            try await fixture.openEcho()
            let call =
                "GET \(GatewayTests.path)/echo/1 HTTP/1.1\r\nHost: gateway\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                + "X-Road-Client-Key: \(fixture.consumerKey)\r\nConnection: close\r\n"
            #expect(try await RawHTTP.send(call + "\r\n", port: fixture.gatewayPort).status == 200)
            for name in ["X(Note)", "X-Road-Client\"", "X/Y", "X{Y}"] {
                let answer = try await RawHTTP.send(call + "\(name): 1\r\n\r\n", port: fixture.gatewayPort)
                // The gateway's own refusal, not a provider's that was sent the line.
                #expect(answer.status == 400 && answer.header("X-Road-Error") == "Client.BadRequest", "\(name)")
            }
        }
    }

    @Test func aCallWithTwoFramingsIsRefused() async throws {
        try await GatewayTests.withFixture { fixture in
            try await fixture.openEcho()
            // A length and chunks both: one request could hide another (request smuggling).
            let answer = try await Self.exchange(
                port: fixture.gatewayPort,
                "POST \(GatewayTests.path)/upload HTTP/1.1\r\nHost: gateway\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /r1/x HTTP/1.1\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(answer.components(separatedBy: "HTTP/1.1 ").count == 2)
        }
    }

    /// Starts a provider whose connections `handler` serves, registered as the enabled service `code` that the
    /// consumer may call.
    static func startProvider(
        as code: String, in fixture: GatewayTests.Fixture, _ handler: @escaping @Sendable () -> some ChannelInboundHandler
    ) async throws -> any Channel {
        let provider = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let actor = Actor(system: "test")
        let service = try await fixture.registry.createService(
            subsystemID: GatewayTests.provider,
            ServiceInput(serviceCode: code, upstreamURL: "http://127.0.0.1:\(provider.localAddress!.port!)"), by: actor)
        _ = try await fixture.registry.updateService(service.id, ServiceInput(enabled: true), by: actor)
        _ = try await fixture.registry.grant(consumerID: GatewayTests.consumer, serviceID: service.id, endpoint: nil, by: actor)
        try await fixture.gateway.reloadRegistry()
        return provider
    }

    /// A provider that answers every call it reads, on a kept connection, with `answer` and then bytes no call asked for.
    final class Overanswering: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        static let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        static let extra = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra"

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.answer + Self.extra)), promise: nil)
        }
    }

    @Test func bytesAProviderSendsBeyondItsAnswerReachNoOne() async throws {
        try await GatewayTests.withFixture { fixture in
            let provider = try await Self.startProvider(as: "extra", in: fixture) { Overanswering() }
            defer { provider.close(promise: nil) }
            let call =
                "GET /r1/VN/GOV/000.00.02.H38/DATA/extra/x HTTP/1.1\r\nHost: gateway\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                + "X-Road-Client-Key: \(fixture.consumerKey)\r\n"
            // Three calls on one connection: each gets the provider's answer, never the bytes after an earlier one.
            let answers = try await Self.exchange(port: fixture.gatewayPort, call + "\r\n" + call + "\r\n" + call + "Connection: close\r\n\r\n")
            let bodies = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { Self.split($0).body }
            #expect(bodies == ["ok", "ok", "ok"])
        }
    }

    /// A provider that asks for the body with `100 Continue` once it has a call's head, and answers with the body.
    final class Continuing: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var received = ""
        var continued = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            guard let headEnd = received.range(of: "\r\n\r\n") else { return }
            if !continued {
                continued = true
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            let body = received[headEnd.upperBound...]
            guard body.utf8.count >= WireTests.continuedBody.utf8.count else { return }
            context.writeAndFlush(
                wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")), promise: nil)
        }
    }

    static let continuedBody = "tờ khai"

    @Test func aCallerWaitingForContinueGetsItFromTheProvider() async throws {
        try await GatewayTests.withFixture { fixture in
            let provider = try await Self.startProvider(as: "continue", in: fixture) { Continuing() }
            defer { provider.close(promise: nil) }
            // The body is sent only once `100 Continue` has come: without it the call would wait out the thirty seconds.
            let answer = try await Self.exchange(
                port: fixture.gatewayPort,
                "POST /r1/VN/GOV/000.00.02.H38/DATA/continue/form HTTP/1.1\r\nHost: gateway\r\n"
                    + "X-Road-Client: \(GatewayTests.consumer)\r\nX-Road-Client-Key: \(fixture.consumerKey)\r\n"
                    + "Expect: 100-continue\r\nContent-Length: \(Self.continuedBody.utf8.count)\r\nConnection: close\r\n\r\n",
                followUp: { $0.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n") ? Self.continuedBody : nil })
            #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
            #expect(Self.split(String(answer.dropFirst("HTTP/1.1 100 Continue\r\n\r\n".count))).body == Self.continuedBody)
        }
    }
}
