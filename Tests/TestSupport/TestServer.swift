import Hummingbird

/// A real HTTP server for a test (a provider behind the hub, a stand-in national portal), on a free loopback port.
public enum TestServer {
    /// Starts `router` on 127.0.0.1; returns its port and the task that runs it (cancel it to stop the server).
    public static func start(_ router: Router<BasicRequestContext>) async -> (port: Int, task: Task<Void, any Error>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress!.port!) }, logger: TestDatabase.logger)
        let task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        return (await iterator.next()!, task)
    }
}
