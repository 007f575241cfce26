import Foundation
import NIOCore

/// The head of a provider's answer as it came: its status, and its header lines kept as bytes with where each name
/// and value lie, so that the gateway copies the lines it passes on without making a string of any.
struct ResponseHead {
    /// One header line: offsets into `bytes`.
    struct Field {
        var nameStart: Int
        var nameLength: Int
        var valueStart: Int
        var valueLength: Int
    }

    var status: Int
    /// The head's bytes, from the status line to the blank line.
    var bytes: ByteBuffer
    /// Where the status code starts in `bytes` (the status line is copied from there on).
    var statusStart: Int
    var statusLineEnd: Int
    var fields: [Field]
    /// The body's length when `Content-Length` gives it.
    var contentLength: Int?
    var chunked: Bool
    /// Whether the provider said it closes the connection after this answer.
    var closes: Bool

}

extension ResponseHead {
    /// The header names the `Connection` header lists besides `keep-alive` and `close`, lowercased (usually none).
    var connectionTokens: [String] {
        bytes.withUnsafeReadableBytes { raw in
            var tokens: [String] = []
            for field in fields where HeaderName.equals(raw, field.nameStart, field.nameLength, "connection") {
                let value = String(
                    decoding: UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueStart + field.valueLength]), as: UTF8.self)
                for token in value.split(separator: ",") {
                    let name = HeaderName.lowercased(token.trimmingCharacters(in: .whitespaces))
                    if name != "keep-alive" && name != "close" && !name.isEmpty { tokens.append(name) }
                }
            }
            return tokens
        }
    }

    /// The consumer's answer head: this status line in the consumer's HTTP version, the header lines `keep` accepts
    /// copied as they came, then those `adding` writes.
    func answerHead(
        minorVersion: Int, allocator: ByteBufferAllocator, keep: (UnsafeRawBufferPointer, Field) -> Bool, adding: (inout ByteBuffer) -> Void
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: bytes.readableBytes + 384)
        out.writeStaticString(minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        bytes.withUnsafeReadableBytes { raw in
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[statusStart..<statusLineEnd]))
            for field in fields where keep(raw, field) {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[field.nameStart..<field.nameStart + field.nameLength]))
                out.writeStaticString(": ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueStart + field.valueLength]))
                out.writeStaticString("\r\n")
            }
        }
        adding(&out)
        out.writeStaticString("\r\n")
        return out
    }
}

/// The headers that never cross the gateway: hop-by-hop ones, and those a `Connection` header names.
enum HopByHop {
    static func contains(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ connectionTokens: [String]) -> Bool {
        // By length first: most names are compared with none of the hop-by-hop ones.
        let hopByHop =
            switch length {
            case 2: HeaderName.equals(raw, start, length, "te")
            case 7: HeaderName.equals(raw, start, length, "trailer") || HeaderName.equals(raw, start, length, "upgrade")
            case 10: HeaderName.equals(raw, start, length, "connection") || HeaderName.equals(raw, start, length, "keep-alive")
            case 16: HeaderName.equals(raw, start, length, "proxy-connection")
            case 17: HeaderName.equals(raw, start, length, "transfer-encoding")
            case 18: HeaderName.equals(raw, start, length, "proxy-authenticate")
            case 19: HeaderName.equals(raw, start, length, "proxy-authorization")
            default: false
            }
        return hopByHop || connectionTokens.contains { HeaderName.equals(raw, start, length, $0) }
    }
}

/// Header names compared as bytes, ignoring ASCII case.
enum HeaderName {
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    static func lowercased(_ name: String) -> String { String(decoding: name.utf8.map(lower), as: UTF8.self) }

    /// Whether `length` bytes of `raw` at `start` are the lowercase ASCII `name`, ignoring case.
    static func equals(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ name: String) -> Bool {
        guard length == name.utf8.count else { return false }
        var index = start
        for expected in name.utf8 {
            guard lower(raw[index]) == expected else { return false }
            index += 1
        }
        return true
    }

    /// Whether the name at `start` begins with the lowercase `prefix`, ignoring case.
    static func hasPrefix(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ prefix: String) -> Bool {
        length >= prefix.utf8.count && equals(raw, start, prefix.utf8.count, prefix)
    }
}

/// Reads a provider's answers from the bytes of its connection: heads, bodies by `Content-Length`, in chunks or up to
/// the close, informational answers skipped. One answer at a time, as the gateway sends one call at a time.
struct ResponseReader {
    /// What reading produced.
    enum Event {
        case head(ResponseHead)
        case body(ByteBuffer)
        case end
    }

    enum Failure: Error {
        case malformedHead
        case headTooLarge
        case malformedChunk
    }

    private enum State {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        /// The answer's last bytes are read: its end is what comes next.
        case end
    }

    static let maxHeadBytes = 64 << 10
    private static let empty = ByteBuffer()
    private var state = State.head
    private var received = ByteBuffer()
    /// How far the blank line that ends a head has been searched for.
    private var searched = 0
    /// Set for an answer to `HEAD`: it has no body, whatever its head says.
    var expectsNoBody = false

    /// Whether an answer is in the middle of being read.
    /// Takes bytes read from the connection; `next()` then gives what they complete.
    mutating func append(_ buffer: ByteBuffer) {
        if received.readableBytes == 0 {
            received = buffer
        } else {
            received.writeImmutableBuffer(buffer)
        }
    }

    /// The next thing the bytes so far complete; nil when more are needed. Events are returned rather than passed to
    /// a callback so that whoever takes them may close the connection (and reach the reader again) meanwhile.
    mutating func next() throws -> Event? {
        while true {
            if let event = try step() { return event }
            if case .end = state { continue }
            // Not kept when read through: the event loop reuses its read buffer when nothing else holds it.
            if received.readableBytes == 0 { received = Self.empty }
            return nil
        }
    }

    /// The connection closed: whether an answer delimited by the close ends here.
    mutating func closed() -> Bool {
        guard case .untilClose = state else { return false }
        state = .head
        return true
    }

    /// Reads one thing; nil when more bytes are needed, or when only the state changed (then `.end` is next).
    private mutating func step() throws -> Event? {
        switch state {
        case .head:
            while let head = try takeHead() {
                if head.status >= 100 && head.status < 200 && head.status != 101 { continue }
                if expectsNoBody || head.status == 204 || head.status == 304 || head.contentLength == 0 {
                    state = .end
                } else if head.chunked {
                    state = .chunkSize
                } else if let length = head.contentLength {
                    state = .length(remaining: length)
                } else {
                    state = .untilClose
                }
                return .head(head)
            }
            return nil
        case .end:
            state = .head
            expectsNoBody = false
            return .end
        case .length(let remaining):
            return takeBody(remaining, then: .end, rest: State.length)
        case .chunkSize:
            guard let line = takeLine() else {
                if received.readableBytes > 1024 { throw Failure.malformedChunk }
                return nil
            }
            guard let size = Self.chunkSize(line) else { throw Failure.malformedChunk }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return try step()
        case .chunkData(let remaining):
            return takeBody(remaining, then: .chunkDataEnd, rest: State.chunkData)
        case .chunkDataEnd:
            guard received.readableBytes >= 2 else { return nil }
            guard received.readInteger(as: UInt16.self) == 0x0D0A else { throw Failure.malformedChunk }
            state = .chunkSize
            return try step()
        case .trailers:
            while let line = takeLine() {
                if line.readableBytes == 0 {
                    state = .end
                    return nil
                }
            }
            if received.readableBytes > Self.maxHeadBytes { throw Failure.malformedChunk }
            return nil
        case .untilClose:
            guard received.readableBytes > 0 else { return nil }
            return .body(received.readSlice(length: received.readableBytes)!)
        }
    }

    /// Up to `remaining` bytes of a body; the state becomes `then` once they have all come, else `rest` of what is left.
    private mutating func takeBody(_ remaining: Int, then: State, rest: (Int) -> State) -> Event? {
        guard received.readableBytes > 0 else { return nil }
        let count = min(remaining, received.readableBytes)
        state = count == remaining ? then : rest(remaining - count)
        return .body(received.readSlice(length: count)!)
    }

    /// A line ended by CRLF, without it; nil until one is whole.
    private mutating func takeLine() -> ByteBuffer? {
        let end = received.withUnsafeReadableBytes { raw -> Int? in
            guard raw.count >= 2 else { return nil }
            for index in 0..<raw.count - 1 where raw[index] == 13 && raw[index + 1] == 10 { return index }
            return nil
        }
        guard let end else { return nil }
        let line = received.readSlice(length: end)!
        received.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// A chunk's size from its line (hexadecimal, before any extension).
    static func chunkSize(_ line: ByteBuffer) -> Int? {
        line.withUnsafeReadableBytes { raw -> Int? in
            var size = 0
            var digits = 0
            for byte in raw {
                let value: Int
                switch byte {
                case 48...57: value = Int(byte) - 48
                case 65...70: value = Int(byte) - 55
                case 97...102: value = Int(byte) - 87
                case 59, 32, 9: return digits > 0 ? size : nil  // `;` opens an extension
                default: return nil
                }
                digits += 1
                guard digits <= 15 else { return nil }
                size = size << 4 | value
            }
            return digits > 0 ? size : nil
        }
    }

    /// A whole head, parsed; nil until the blank line that ends it has come.
    private mutating func takeHead() throws -> ResponseHead? {
        let start = max(0, searched - 3)
        let end = received.withUnsafeReadableBytes { raw -> Int? in
            guard raw.count >= 4 else { return nil }
            var index = start
            while index + 3 < raw.count {
                if raw[index + 3] != 10 {
                    index += 1
                    continue
                }
                if raw[index] == 13 && raw[index + 1] == 10 && raw[index + 2] == 13 { return index + 4 }
                index += 1
            }
            return nil
        }
        guard let end else {
            searched = received.readableBytes
            guard searched <= Self.maxHeadBytes else { throw Failure.headTooLarge }
            return nil
        }
        searched = 0
        let bytes = received.readSlice(length: end)!
        return try Self.parseHead(bytes)
    }

    /// The status line and header lines of a head that ends with its blank line.
    static func parseHead(_ bytes: ByteBuffer) throws -> ResponseHead {
        try bytes.withUnsafeReadableBytes { raw throws -> ResponseHead in
            // HTTP/1.x SSS[ reason]CRLF
            guard raw.count >= 16, raw[0] == 72, raw[1] == 84, raw[2] == 84, raw[3] == 80, raw[4] == 47, raw[5] == 49, raw[6] == 46,
                raw[8] == 32
            else { throw Failure.malformedHead }
            var status = 0
            for index in 9..<12 {
                guard raw[index] >= 48 && raw[index] <= 57 else { throw Failure.malformedHead }
                status = status * 10 + Int(raw[index] - 48)
            }
            var index = 12
            while index < raw.count && raw[index] != 13 { index += 1 }
            guard index + 1 < raw.count, raw[index + 1] == 10 else { throw Failure.malformedHead }
            let statusLineEnd = index + 2
            index = statusLineEnd
            var fields: [ResponseHead.Field] = []
            fields.reserveCapacity(12)
            var contentLength: Int?
            var chunked = false
            var closes = raw[7] == 48  // HTTP/1.0 closes unless it says otherwise
            while index + 1 < raw.count && !(raw[index] == 13 && raw[index + 1] == 10) {
                let nameStart = index
                while index < raw.count && raw[index] != 58 && raw[index] != 13 {
                    guard raw[index] != 32 && raw[index] != 9 else { throw Failure.malformedHead }
                    index += 1
                }
                guard index < raw.count, raw[index] == 58, index > nameStart else { throw Failure.malformedHead }
                let nameLength = index - nameStart
                index += 1
                while index < raw.count && (raw[index] == 32 || raw[index] == 9) { index += 1 }
                let valueStart = index
                while index < raw.count && raw[index] != 13 { index += 1 }
                guard index + 1 < raw.count, raw[index + 1] == 10 else { throw Failure.malformedHead }
                var valueEnd = index
                while valueEnd > valueStart && (raw[valueEnd - 1] == 32 || raw[valueEnd - 1] == 9) { valueEnd -= 1 }
                index += 2
                let field = ResponseHead.Field(
                    nameStart: nameStart, nameLength: nameLength, valueStart: valueStart, valueLength: valueEnd - valueStart)
                fields.append(field)
                switch nameLength {
                case 14 where HeaderName.equals(raw, nameStart, nameLength, "content-length"):
                    guard let length = Self.decimal(raw, valueStart, valueEnd), contentLength == nil || contentLength == length else {
                        throw Failure.malformedHead
                    }
                    contentLength = length
                case 17 where HeaderName.equals(raw, nameStart, nameLength, "transfer-encoding"):
                    // Chunked when it is the last coding named; any other coding runs to the close.
                    chunked = Self.endsWithChunked(raw, valueStart, valueEnd)
                    if !chunked { closes = true }
                case 10 where HeaderName.equals(raw, nameStart, nameLength, "connection"):
                    if Self.containsToken(raw, valueStart, valueEnd, "close") { closes = true }
                    if Self.containsToken(raw, valueStart, valueEnd, "keep-alive") { closes = false }
                default:
                    break
                }
            }
            if chunked { contentLength = nil }
            return ResponseHead(
                status: status, bytes: bytes, statusStart: 9, statusLineEnd: statusLineEnd, fields: fields, contentLength: contentLength,
                chunked: chunked, closes: closes)
        }
    }

    private static func decimal(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        guard end > start, end - start <= 18 else { return nil }
        var value = 0
        for index in start..<end {
            guard raw[index] >= 48 && raw[index] <= 57 else { return nil }
            value = value * 10 + Int(raw[index] - 48)
        }
        return value
    }

    private static func endsWithChunked(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        end - start >= 7 && HeaderName.equals(raw, end - 7, 7, "chunked") && (end - start == 7 || [32, 44, 9].contains(raw[end - 8]))
    }

    /// Whether the comma-separated value holds `token` (lowercase), ignoring case.
    static func containsToken(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ token: String) -> Bool {
        var index = start
        while index < end {
            while index < end && (raw[index] == 32 || raw[index] == 9 || raw[index] == 44) { index += 1 }
            let tokenStart = index
            while index < end && raw[index] != 44 { index += 1 }
            var tokenEnd = index
            while tokenEnd > tokenStart && (raw[tokenEnd - 1] == 32 || raw[tokenEnd - 1] == 9) { tokenEnd -= 1 }
            if HeaderName.equals(raw, tokenStart, tokenEnd - tokenStart, token) { return true }
        }
        return false
    }
}
