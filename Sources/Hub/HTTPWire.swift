import NIOCore
import NIOHTTP1

/// HTTP/1.1 heads and chunk framing written straight into bytes: the gateway knows each message's framing itself, so
/// its answers (and its calls to providers) go to the socket without passing through NIOHTTP1's encoders.
enum HTTPWire {
    /// How a message's body is delimited on the wire.
    enum Framing {
        /// No body at all (a `HEAD` answer, 1xx, 204, 304), or one whose `Content-Length` the head gives: the bytes
        /// go as they are.
        case asGiven
        /// `Transfer-Encoding: chunked`: each part becomes a chunk, the end a last chunk.
        case chunked
    }

    /// `HTTP/1.x CODE REASON`, the headers, and the blank line.
    static func responseHead(_ head: HTTPResponseHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeStaticString(head.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(head.status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        writeHeaders(head.headers, to: &buffer)
        return buffer
    }

    /// Each header as `name: value`, then the blank line that ends a head.
    static func writeHeaders(_ headers: HTTPHeaders, to buffer: inout ByteBuffer) {
        for (name, value) in headers { writeHeader(name, value, to: &buffer) }
        buffer.writeStaticString("\r\n")
    }

    /// One header line.
    static func writeHeader(_ name: String, _ value: String, to buffer: inout ByteBuffer) {
        var (name, value) = (name, value)
        name.withUTF8 { name in value.withUTF8 { writeLine(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer($0), to: &buffer) } }
    }

    /// `name: value` and CRLF, in one write to the buffer: a head has a dozen lines, and each write checks the buffer.
    static func writeLine(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        let count = name.count + value.count + 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { out in
            UnsafeMutableRawBufferPointer(rebasing: out[0..<name.count]).copyMemory(from: name)
            out[name.count] = UInt8(ascii: ":")
            out[name.count + 1] = UInt8(ascii: " ")
            UnsafeMutableRawBufferPointer(rebasing: out[(name.count + 2)..<(name.count + 2 + value.count)]).copyMemory(from: value)
            out[count - 2] = 13
            out[count - 1] = 10
            return count
        }
    }

    /// The line that opens a chunk of `size` bytes.
    static func chunkHeader(size: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 18)
        buffer.writeString(String(size, radix: 16))
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// Writes a part of a body with `write`, as a chunk when `framing` says so (the promise goes with its last bytes).
    static func writeBody(
        _ buffer: ByteBuffer, framing: Framing, allocator: ByteBufferAllocator, promise: EventLoopPromise<Void>?,
        write: (ByteBuffer, EventLoopPromise<Void>?) -> Void
    ) {
        guard case .chunked = framing else {
            write(buffer, promise)
            return
        }
        guard buffer.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        write(chunkHeader(size: buffer.readableBytes, allocator: allocator), nil)
        write(buffer, nil)
        write(crlf, promise)
    }

    static let crlf = ByteBuffer(staticString: "\r\n")
    static let continueHead = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")
    static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")
}
