import NIOCore
import NIOHTTP1
import NIOPosix

// Usage: bare-proxy LISTEN_PORT UPSTREAM_PORT [--bytes]
// HTTP/1.1 decoded and encoded by NIOHTTP1 on both sides, one upstream keep-alive connection per client connection
// on the same event loop, every part passed through as it comes. No authentication, no log, no limits.
// With --bytes, no HTTP at all: the bytes each side sends are passed to the other as they come, the floor of what
// SwiftNIO and the kernel cost a proxy.

let arguments = CommandLine.arguments
guard arguments.count >= 3, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    print("usage: bare-proxy LISTEN_PORT UPSTREAM_PORT [--bytes]")
    exit(2)
}
let bytesOnly = arguments.dropFirst(3).contains("--bytes")

/// Passes the bytes one connection reads to its peer; closes the peer when it closes.
final class BytesHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var peer: (any Channel)?
    var queued: [ByteBuffer] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let peer else {
            queued.append(buffer)
            return
        }
        peer.write(buffer, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { peer?.flush() }

    func connected(to peer: any Channel) {
        self.peer = peer
        for buffer in queued { peer.write(buffer, promise: nil) }
        queued = []
        peer.flush()
    }

    func channelInactive(context: ChannelHandlerContext) { peer?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// A client connection's handler that opens its upstream connection and pairs the two.
final class BytesClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let forward = BytesHandler()
    let upstreamPort: Int

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(forward)
    }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel
        let back = BytesHandler()
        let forward = self.forward
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(back) } }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .whenComplete { result in
                switch result {
                case .success(let upstream):
                    back.connected(to: client)
                    forward.connected(to: upstream)
                case .failure:
                    client.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }
}

/// Passes the upstream's response parts to the client connection.
final class UpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let client: any Channel

    init(client: any Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            client.write(HTTPServerResponsePart.head(head), promise: nil)
        case .body(let buffer):
            client.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        case .end(let trailers):
            client.writeAndFlush(HTTPServerResponsePart.end(trailers), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) { client.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// Passes the client's request parts to its upstream connection, queuing them until it is connected.
final class ClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    let upstreamPort: Int
    var upstream: (any Channel)?
    var queued: [HTTPClientRequestPart] = []

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(client: client))
                }
            }
            .connect(host: "127.0.0.1", port: self.upstreamPort)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.upstream = channel
                    for part in self.queued { channel.write(part, promise: nil) }
                    self.queued = []
                    channel.flush()
                case .failure:
                    client.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "host", value: "127.0.0.1:\(upstreamPort)")
            part = .head(head)
        case .body(let buffer):
            part = .body(.byteBuffer(buffer))
        case .end(let trailers):
            part = .end(trailers)
        }
        guard let upstream else {
            queued.append(part)
            return
        }
        if case .end = part {
            upstream.writeAndFlush(part, promise: nil)
        } else {
            upstream.write(part, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            if bytesOnly {
                try channel.pipeline.syncOperations.addHandler(BytesClientHandler(upstreamPort: upstreamPort))
            } else {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                try channel.pipeline.syncOperations.addHandler(ClientHandler(upstreamPort: upstreamPort))
            }
        }
    }
    .bind(host: "127.0.0.1", port: listenPort).wait()
print("bare-proxy on 127.0.0.1:\(listenPort) to 127.0.0.1:\(upstreamPort)\(bytesOnly ? ", bytes only" : "")")
try server.closeFuture.wait()
