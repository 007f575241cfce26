import NIOCore
import NIOHTTP1

/// What is wrong with bytes that were to be HTTP/1.1.
enum HTTPReaderFailure: Error {
    case malformedHead
    case headTooLarge
    case malformedChunk
    /// A request whose body has no framing the gateway can follow (a transfer coding other than chunked, or both
    /// `Content-Length` and `Transfer-Encoding`: a way to smuggle one request inside another).
    case unframedBody
}

/// A head's header lines as they came: where each name and value lie in the head's bytes, so that the gateway copies
/// the lines it passes on without making a string of any, and what they say of the body and the connection.
struct HeaderLines {
    /// One header line: offsets into the head's bytes.
    struct Field {
        var nameStart: Int
        var nameLength: Int
        var valueStart: Int
        var valueLength: Int
    }

    var fields: [Field] = []
    /// The body's length when `Content-Length` gives it.
    var contentLength: Int?
    /// Whether `Transfer-Encoding` is there, and whether it names `chunked` last.
    var transferEncoding = false
    var chunked = false
    /// What `Connection` says.
    var close = false
    var keepAlive = false

    /// Which bytes a token may have (RFC 9110 `tchar`): letters, digits and ``!#$%&'*+-.^_`|~``.
    static let isTokenByte: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }

    /// The lines from `start` to the blank line that ends the head (which `raw` ends with).
    init(_ raw: UnsafeRawBufferPointer, from start: Int) throws {
        var index = start
        fields.reserveCapacity(12)
        while index + 1 < raw.count && !(raw[index] == 13 && raw[index + 1] == 10) {
            let nameStart = index
            while index < raw.count && raw[index] != 58 && raw[index] != 13 {
                // A name is a token (RFC 9110 §5.1): no separators such as `(`, `"` or `/`, which some servers split on.
                guard Self.isTokenByte[Int(raw[index])] else { throw HTTPReaderFailure.malformedHead }
                index += 1
            }
            guard index < raw.count, raw[index] == 58, index > nameStart else { throw HTTPReaderFailure.malformedHead }
            let nameLength = index - nameStart
            index += 1
            while index < raw.count && (raw[index] == 32 || raw[index] == 9) { index += 1 }
            let valueStart = index
            while index < raw.count && raw[index] != 13 {
                guard raw[index] != 10 && raw[index] != 0 else { throw HTTPReaderFailure.malformedHead }
                index += 1
            }
            guard index + 1 < raw.count, raw[index + 1] == 10 else { throw HTTPReaderFailure.malformedHead }
            var valueEnd = index
            while valueEnd > valueStart && (raw[valueEnd - 1] == 32 || raw[valueEnd - 1] == 9) { valueEnd -= 1 }
            index += 2
            fields.append(Field(nameStart: nameStart, nameLength: nameLength, valueStart: valueStart, valueLength: valueEnd - valueStart))
            switch nameLength {
            case 14 where HeaderName.equals(raw, nameStart, nameLength, "content-length"):
                guard let length = Self.decimal(raw, valueStart, valueEnd), contentLength == nil || contentLength == length else {
                    throw HTTPReaderFailure.malformedHead
                }
                contentLength = length
            case 17 where HeaderName.equals(raw, nameStart, nameLength, "transfer-encoding"):
                transferEncoding = true
                chunked = Self.endsWithChunked(raw, valueStart, valueEnd)
            case 10 where HeaderName.equals(raw, nameStart, nameLength, "connection"):
                if Self.containsToken(raw, valueStart, valueEnd, "close") { close = true }
                if Self.containsToken(raw, valueStart, valueEnd, "keep-alive") { keepAlive = true }
            default:
                break
            }
        }
    }

    /// The value of `field` as a string.
    static func value(_ raw: UnsafeRawBufferPointer, _ field: Field) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueStart + field.valueLength]), as: UTF8.self)
    }

    /// The first value of the header `name` (lowercase).
    func first(_ raw: UnsafeRawBufferPointer, name: String) -> String? {
        for field in fields where HeaderName.equals(raw, field.nameStart, field.nameLength, name) { return Self.value(raw, field) }
        return nil
    }

    /// The header names the `Connection` header lists besides `keep-alive` and `close`, lowercased (usually none).
    func connectionTokens(_ raw: UnsafeRawBufferPointer) -> [String] {
        var tokens: [String] = []
        for field in fields where HeaderName.equals(raw, field.nameStart, field.nameLength, "connection") {
            Self.forEachToken(raw, field.valueStart, field.valueStart + field.valueLength) { start, end in
                guard !HeaderName.equals(raw, start, end - start, "keep-alive") && !HeaderName.equals(raw, start, end - start, "close") else {
                    return false
                }
                tokens.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]).lazy.map(HeaderName.lower), as: UTF8.self))
                return false
            }
        }
        return tokens
    }

    /// Writes the lines `keep` accepts as they came.
    func write(_ raw: UnsafeRawBufferPointer, to out: inout ByteBuffer, keep: (Field) -> Bool) {
        for field in fields where keep(field) { Self.write(raw, field, to: &out) }
    }

    /// Writes one line as it came.
    static func write(_ raw: UnsafeRawBufferPointer, _ field: Field, to out: inout ByteBuffer) {
        HTTPWire.writeLine(
            UnsafeRawBufferPointer(rebasing: raw[field.nameStart..<field.nameStart + field.nameLength]),
            UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueStart + field.valueLength]), to: &out)
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
        forEachToken(raw, start, end) { HeaderName.equals(raw, $0, $1 - $0, token) }
    }

    /// Calls `body` with where each token of a comma-separated value starts and ends, until it returns true.
    @discardableResult
    static func forEachToken(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (Int, Int) -> Bool) -> Bool {
        var index = start
        while index < end {
            while index < end && (raw[index] == 32 || raw[index] == 9 || raw[index] == 44) { index += 1 }
            let tokenStart = index
            while index < end && raw[index] != 44 { index += 1 }
            var tokenEnd = index
            while tokenEnd > tokenStart && (raw[tokenEnd - 1] == 32 || raw[tokenEnd - 1] == 9) { tokenEnd -= 1 }
            if tokenEnd > tokenStart && body(tokenStart, tokenEnd) { return true }
        }
        return false
    }
}

/// How a message's body is delimited, as its head says.
enum BodyFraming {
    case none
    case length(Int)
    case chunked
    case untilClose
}

/// A head the reader parses: a request's or an answer's.
protocol ReadableHead {
    /// The head whose bytes run from its first line to its blank line.
    static func parse(_ bytes: ByteBuffer) throws -> Self
    /// How its body is delimited; nil for an interim head (an informational answer), which has none and is followed
    /// by the final one.
    func framing(noBody: Bool) throws -> BodyFraming?
}

/// The head of a provider's answer as it came.
struct ResponseHead: ReadableHead {
    var status: Int
    /// The head's bytes, from the status line to the blank line.
    var bytes: ByteBuffer
    /// Where the status line ends in `bytes` (it is copied from the status code on, at 9).
    var statusLineEnd: Int
    var lines: HeaderLines
    /// Whether the provider closes the connection after this answer.
    var closes: Bool

    static func parse(_ bytes: ByteBuffer) throws -> ResponseHead {
        try bytes.withUnsafeReadableBytes { raw throws -> ResponseHead in
            // HTTP/1.x SSS[ reason]CRLF
            guard raw.count >= 16, raw[0] == 72, raw[1] == 84, raw[2] == 84, raw[3] == 80, raw[4] == 47, raw[5] == 49, raw[6] == 46,
                raw[8] == 32
            else { throw HTTPReaderFailure.malformedHead }
            var status = 0
            for index in 9..<12 {
                guard raw[index] >= 48 && raw[index] <= 57 else { throw HTTPReaderFailure.malformedHead }
                status = status * 10 + Int(raw[index] - 48)
            }
            var index = 12
            while index < raw.count && raw[index] != 13 { index += 1 }
            guard index + 1 < raw.count, raw[index + 1] == 10 else { throw HTTPReaderFailure.malformedHead }
            let lines = try HeaderLines(raw, from: index + 2)
            // HTTP/1.0 closes unless it says otherwise; a body running to the close ends the connection too.
            let closes = lines.close || (raw[7] == 48 && !lines.keepAlive) || (lines.transferEncoding && !lines.chunked)
            return ResponseHead(status: status, bytes: bytes, statusLineEnd: index + 2, lines: lines, closes: closes)
        }
    }

    func framing(noBody: Bool) -> BodyFraming? {
        if status >= 100 && status < 200 && status != 101 { return nil }
        if noBody || status == 204 || status == 304 { return BodyFraming.none }
        if lines.transferEncoding { return lines.chunked ? .chunked : .untilClose }
        return lines.contentLength.map { $0 == 0 ? BodyFraming.none : .length($0) } ?? .untilClose
    }

    /// The consumer's answer head: this status line in the consumer's HTTP version, the header lines `keep` accepts
    /// copied as they came, then those `adding` writes.
    func answerHead(
        minorVersion: Int, allocator: ByteBufferAllocator, keep: (UnsafeRawBufferPointer, HeaderLines.Field) -> Bool,
        adding: (inout ByteBuffer) -> Void
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: bytes.readableBytes + 384)
        out.writeStaticString(minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        bytes.withUnsafeReadableBytes { raw in
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[9..<statusLineEnd]))
            lines.write(raw, to: &out) { keep(raw, $0) }
        }
        adding(&out)
        out.writeStaticString("\r\n")
        return out
    }

    /// See ``HeaderLines/connectionTokens(_:)``.
    var connectionTokens: [String] { bytes.withUnsafeReadableBytes { lines.connectionTokens($0) } }
}

/// The head of a consumer's call as it came.
struct RequestHead: ReadableHead {
    var method: HTTPMethod
    var uri: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    /// The head's bytes, from the request line to the blank line.
    var bytes: ByteBuffer
    var lines: HeaderLines

    /// Whether the connection stays open after this call, as its version and `Connection` header say.
    var isKeepAlive: Bool { minorVersion == 0 ? lines.keepAlive && !lines.close : !lines.close }
    var version: HTTPVersion { HTTPVersion(major: 1, minor: minorVersion) }

    static func parse(_ bytes: ByteBuffer) throws -> RequestHead {
        try bytes.withUnsafeReadableBytes { raw throws -> RequestHead in
            // METHOD SP request-target SP HTTP/1.x CRLF
            var index = 0
            while index < raw.count && raw[index] >= 65 && raw[index] <= 90 { index += 1 }
            let methodEnd = index
            guard methodEnd > 0, methodEnd <= 16, index < raw.count, raw[index] == 32 else { throw HTTPReaderFailure.malformedHead }
            index += 1
            let uriStart = index
            while index < raw.count && raw[index] > 32 && raw[index] < 127 { index += 1 }
            let uriEnd = index
            guard uriEnd > uriStart, index + 11 <= raw.count, raw[index] == 32, raw[index + 1] == 72, raw[index + 2] == 84,
                raw[index + 3] == 84, raw[index + 4] == 80, raw[index + 5] == 47, raw[index + 6] == 49, raw[index + 7] == 46,
                raw[index + 8] == 48 || raw[index + 8] == 49, raw[index + 9] == 13, raw[index + 10] == 10
            else { throw HTTPReaderFailure.malformedHead }
            let minorVersion = Int(raw[index + 8] - 48)
            let lines = try HeaderLines(raw, from: index + 11)
            return RequestHead(
                method: HTTPMethod(rawValue: String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<methodEnd]), as: UTF8.self)),
                uri: String(decoding: UnsafeRawBufferPointer(rebasing: raw[uriStart..<uriEnd]), as: UTF8.self), minorVersion: minorVersion,
                bytes: bytes, lines: lines)
        }
    }

    func framing(noBody: Bool) throws -> BodyFraming? {
        if lines.transferEncoding {
            guard lines.chunked, lines.contentLength == nil, minorVersion == 1 else { throw HTTPReaderFailure.unframedBody }
            return .chunked
        }
        return lines.contentLength.map { $0 == 0 ? BodyFraming.none : .length($0) } ?? BodyFraming.none
    }

    /// The first value of the header `name` (lowercase).
    func first(name: String) -> String? { bytes.withUnsafeReadableBytes { lines.first($0, name: name) } }
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

    /// Whether the name is an `X-Road-…` one written with underscores (`X_Road_Client`): CGI, WSGI and PHP servers, and
    /// nginx when told to, read it as the hyphenated header, so it must not reach a provider.
    private static let xRoadPrefix = Array("x-road-".utf8)

    static func isUnderscoredXRoad(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Bool {
        guard length >= 7, lower(raw[start]) == UInt8(ascii: "x") else { return false }
        let prefix = xRoadPrefix
        var underscored = false
        for offset in 0..<prefix.count {
            let byte = lower(raw[start + offset])
            if byte == UInt8(ascii: "_") && prefix[offset] == UInt8(ascii: "-") {
                underscored = true
            } else if byte != prefix[offset] {
                return false
            }
        }
        return underscored || raw[(start + prefix.count)..<(start + length)].contains(UInt8(ascii: "_"))
    }
}

/// What a reader holds once it has read all it was given.
private let emptyBuffer = ByteBuffer()

/// Reads HTTP/1.1 messages from the bytes of a connection: heads, then bodies by `Content-Length`, in chunks or up to
/// the close. One message at a time: the next is read only once the one before has ended.
struct HTTPReader<Head: ReadableHead> {
    /// What reading produced.
    enum Event {
        /// An informational answer (`100 Continue`), before the final one.
        case interim(Head)
        case head(Head)
        case body(ByteBuffer)
        case end
    }

    private enum State {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        /// The message's last bytes are read: its end is what comes next.
        case end
    }

    static var maxHeadBytes: Int { 64 << 10 }
    private var state = State.head
    private var received = ByteBuffer()
    /// How far the blank line that ends a head has been searched for.
    private var searched = 0
    /// Set for an answer to `HEAD`: it has no body, whatever its head says.
    var expectsNoBody = false

    /// Whether a message has begun and not ended.
    var isInMessage: Bool {
        if case .head = state { return received.readableBytes > 0 }
        return true
    }

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
            if received.readableBytes == 0 { received = emptyBuffer }
            return nil
        }
    }

    /// The connection closed: whether a message delimited by the close ends here.
    mutating func closed() -> Bool {
        guard case .untilClose = state else { return false }
        state = .head
        return true
    }

    /// Reads one thing; nil when more bytes are needed, or when only the state changed (then `.end` is next).
    private mutating func step() throws -> Event? {
        switch state {
        case .head:
            if let head = try takeHead() {
                guard let framing = try head.framing(noBody: expectsNoBody) else { return .interim(head) }
                switch framing {
                case .none: state = .end
                case .length(let length): state = .length(remaining: length)
                case .chunked: state = .chunkSize
                case .untilClose: state = .untilClose
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
                if received.readableBytes > 1024 { throw HTTPReaderFailure.malformedChunk }
                return nil
            }
            guard let size = Self.chunkSize(line) else { throw HTTPReaderFailure.malformedChunk }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return try step()
        case .chunkData(let remaining):
            return takeBody(remaining, then: .chunkDataEnd, rest: State.chunkData)
        case .chunkDataEnd:
            guard received.readableBytes >= 2 else { return nil }
            guard received.readInteger(as: UInt16.self) == 0x0D0A else { throw HTTPReaderFailure.malformedChunk }
            state = .chunkSize
            return try step()
        case .trailers:
            while let line = takeLine() {
                if line.readableBytes == 0 {
                    state = .end
                    return nil
                }
            }
            if received.readableBytes > Self.maxHeadBytes { throw HTTPReaderFailure.malformedChunk }
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
    private mutating func takeHead() throws -> Head? {
        let start = max(0, searched - 3)
        let end = received.withUnsafeReadableBytes { raw -> Int? in
            var index = start
            while index + 3 < raw.count {
                if raw[index + 3] == 10 && raw[index] == 13 && raw[index + 1] == 10 && raw[index + 2] == 13 { return index + 4 }
                index += 1
            }
            return nil
        }
        guard let end else {
            searched = received.readableBytes
            guard searched <= Self.maxHeadBytes else { throw HTTPReaderFailure.headTooLarge }
            return nil
        }
        searched = 0
        return try Head.parse(received.readSlice(length: end)!)
    }
}
