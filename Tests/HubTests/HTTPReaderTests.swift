import NIOCore
import Testing

@testable import Hub

/// A provider's answers as the gateway reads them off the wire, however the bytes are split between reads.
@Suite struct HTTPReaderTests {
    /// What the reader made of `wire` fed `step` bytes at a time: heads as `status`, bodies joined, `end` marks.
    static func read(_ wire: String, step: Int, noBody: Bool = false, closeAtEnd: Bool = false) throws -> [String] {
        var reader = HTTPReader<ResponseHead>()
        reader.expectsNoBody = noBody
        var events: [String] = []
        // A body's bytes joined before they are read as text: a read may end inside a character.
        var body: [UInt8]?
        let emit = { (event: HTTPReader<ResponseHead>.Event) in
            if case .body(let buffer) = event {
                body = (body ?? []) + Array(buffer.readableBytesView)
                return
            }
            if let bytes = body { events.append("body " + String(decoding: bytes, as: UTF8.self)) }
            body = nil
            switch event {
            case .interim(let head): events.append("interim \(head.status)")
            case .head(let head): events.append("head \(head.status)")
            case .body: break
            case .end: events.append("end")
            }
        }
        let bytes = Array(wire.utf8)
        var offset = 0
        while offset < bytes.count {
            let piece = bytes[offset..<min(offset + step, bytes.count)]
            reader.append(ByteBuffer(bytes: piece))
            while let event = try reader.next() { emit(event) }
            offset += step
        }
        if closeAtEnd && reader.closed() { emit(.end) }
        return events
    }

    static func everySplit(_ wire: String, noBody: Bool = false, closeAtEnd: Bool = false) throws -> [String] {
        let whole = try read(wire, step: wire.utf8.count, noBody: noBody, closeAtEnd: closeAtEnd)
        for step in 1..<wire.utf8.count {
            #expect(try read(wire, step: step, noBody: noBody, closeAtEnd: closeAtEnd) == whole, "split every \(step) bytes")
        }
        return whole
    }

    @Test func answersAreFramedAsTheirHeadsSay() throws {
        let lengths = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhelloHTTP/1.1 204 No Content\r\n\r\n"
        #expect(try Self.everySplit(lengths) == ["head 200", "body hello", "end", "head 204", "end"])

        let chunked =
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            + "5;name=value\r\nHồ \r\n8\r\nsơ đã\r\n0\r\nExpires: never\r\n\r\n"
        #expect(try Self.everySplit(chunked) == ["interim 100", "head 200", "body Hồ sơ đã", "end"])

        let toClose = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup to the close"
        #expect(try Self.everySplit(toClose, closeAtEnd: true) == ["head 200", "body up to the close", "end"])

        // An answer to HEAD announces a length it does not send.
        #expect(try Self.everySplit("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", noBody: true) == ["head 200", "end"])
    }

    @Test func headsAreReadAsTheyCame() throws {
        let head = try ResponseHead.parse(
            ByteBuffer(string: "HTTP/1.1 503 Busy Now\r\nConnection: close, X-Hop\r\nX-Road-Error: Server.X\r\nContent-Length: 0\r\n\r\n"))
        #expect(head.status == 503)
        #expect(head.closes)
        #expect(head.lines.contentLength == 0)
        #expect(head.connectionTokens == ["x-hop"])
        let answer = head.answerHead(
            minorVersion: 1, allocator: ByteBufferAllocator(),
            keep: { raw, field in !HopByHop.contains(raw, field.nameStart, field.nameLength, head.connectionTokens) },
            adding: { HTTPWire.writeHeader("X-Road-Id", "1", to: &$0) })
        #expect(String(buffer: answer) == "HTTP/1.1 503 Busy Now\r\nX-Road-Error: Server.X\r\nContent-Length: 0\r\nX-Road-Id: 1\r\n\r\n")
    }

    @Test func malformedAnswersAreRefused() throws {
        for wire in [
            "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
        ] {
            #expect(throws: (any Error).self, "\(wire.debugDescription)") { _ = try Self.read(wire, step: wire.utf8.count) }
        }
        let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: 0123456789\r\n", count: 4000)
        #expect(throws: HTTPReaderFailure.headTooLarge) { _ = try Self.read(endless, step: 1000) }
    }

    @Test func callsAreReadWithTheirFramingAndConnection() throws {
        var reader = HTTPReader<RequestHead>()
        reader.append(
            ByteBuffer(
                string: "POST /r1/VN/a?b=c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Road-Client: VN/GOV/1/A\r\n\r\n"
                    + "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nDELETE /x HTTP/1.1\r\nConnection: close\r\n\r\n"))
        var calls: [String] = []
        while let event = try reader.next() {
            switch event {
            case .head(let head):
                calls.append("\(head.method.rawValue) \(head.uri) 1.\(head.minorVersion) keep-alive \(head.isKeepAlive)")
                if let client = head.first(name: "x-road-client") { calls.append("client " + client) }
            case .body(let buffer): calls.append("body " + String(buffer: buffer))
            case .end: calls.append("end")
            case .interim: calls.append("interim")
            }
        }
        #expect(
            calls == [
                "POST /r1/VN/a?b=c 1.1 keep-alive true", "client VN/GOV/1/A", "body abc", "end", "GET / 1.0 keep-alive true", "end",
                "DELETE /x 1.1 keep-alive false", "end",
            ])
        #expect(!reader.isInMessage)
    }

    @Test func malformedCallsAreRefused() throws {
        for wire in [
            "get / HTTP/1.1\r\n\r\n", "GET  HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.1\r\nX: a\nb\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            var reader = HTTPReader<RequestHead>()
            reader.append(ByteBuffer(string: wire))
            #expect(throws: (any Error).self, "\(wire.debugDescription)") { while try reader.next() != nil {} }
        }
    }
}
