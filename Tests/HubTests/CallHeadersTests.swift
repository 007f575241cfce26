import NIOCore
import Testing

@testable import Hub

/// The headers the gateway reads from a call, found in one pass: which line counts when a header comes twice.
@Suite struct CallHeadersTests {
    static func headers(_ lines: String...) throws -> CallHeaders {
        let head = try RequestHead.parse(ByteBuffer(string: "GET /r1/VN HTTP/1.1\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"))
        return head.bytes.withUnsafeReadableBytes { CallHeaders($0, head.lines) }
    }

    @Test func theClientIsTheFirstLineAndItsLinesAreCounted() throws {
        let headers = try Self.headers("x-road-client: VN/GOV/A/B", "X-ROAD-CLIENT: VN/GOV/C/D")
        #expect(headers.client == "VN/GOV/A/B")
        #expect(headers.clientLines == 2)
        #expect(try Self.headers("Host: a").client == nil)
    }

    @Test func theMessageIDIsTheLastLineAndAnEmptyOneIsNone() throws {
        #expect(try Self.headers("X-Road-Id: first", "X-Road-Id: last").messageID == "last")
        #expect(try Self.headers("X-Road-Id: first", "X-Road-Id:").messageID == nil)
    }

    @Test func theCredentialIsTheKeyElseAHubKeyInTheFirstAuthorization() throws {
        #expect(try Self.headers("Authorization: Bearer hub_b", "X-Road-Client-Key: hub_k").credential == "hub_k")
        #expect(try Self.headers("Authorization: Bearer hub_b").credential == "hub_b")
        #expect(try Self.headers("Authorization: Bearer provider-jwt", "Authorization: Bearer hub_b").credential == nil)
        #expect(try Self.headers("Authorization: Basic aHViXw==").credential == nil)
    }

    @Test func theLoggedHeadersAreTheFirstLinesCutAt1024Characters() throws {
        let long = String(repeating: "x", count: 2000)
        let headers = try Self.headers(
            "X-Road-UserId: EE1", "X-Road-UserId: EE2", "X-Road-Issue: \(long)", "X-Road-Represented-Party: VN/GOV/X", "Expect: 100-continue")
        #expect(headers.userID == "EE1")
        #expect(headers.issue == String(long.prefix(1024)))
        #expect(headers.representedParty == "VN/GOV/X")
        #expect(headers.expectsContinue)
        #expect(try !Self.headers("Host: a").expectsContinue)
    }
}
