import Hummingbird
import ServiceLifecycle

/// A real HTTP server for a test (a provider behind the hub, a stand-in national portal), on a free loopback port.
///
/// It is stopped by a graceful shutdown, as `serve` is: requests under way are answered first. Cancelling the task
/// that runs a Hummingbird server instead can drop a response writer unfinished, which traps in SwiftNIO.
public struct TestServer: Sendable {
    /// The port the server listens on.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts `router` on 127.0.0.1 and returns once it listens.
    public static func start(_ router: Router<BasicRequestContext>) async -> TestServer {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress!.port!) }, logger: TestDatabase.logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestDatabase.logger))
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        return TestServer(port: await iterator.next()!, group: group, task: task)
    }

    /// Runs `body` with a server for `router` started, and stops the server when `body` returns or throws.
    public static func with<T: Sendable>(
        _ router: Router<BasicRequestContext>, _ body: @Sendable (_ port: Int) async throws -> T
    ) async throws -> T {
        let server = await start(router)
        do {
            let result = try await body(server.port)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops taking connections, lets the requests under way finish, and returns once the server has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
