import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ProvinceStore
import PublicServices
import Synchronization
import TestSupport
import Testing

@testable import ProvinceWeb

/// A stand-in for the national portal on loopback that can refuse, fail, hang and come back; it keeps every change
/// it took by idempotency key, as a portal that takes each change once in effect.
final class StandInPortal: Sendable {
    enum Mode: Sendable { case accepting, failing, hanging, losingAnswers }

    struct State {
        var mode = Mode.failing
        /// Every push that arrived, in arrival order.
        var arrivals: [String] = []
        /// The changes taken, once each: key → payload.
        var taken: [String: String] = [:]
        var order: [String] = []
    }

    let state = Mutex(State())

    func set(_ mode: Mode) { state.withLock { $0.mode = mode } }

    /// Starts it; returns its address and the server (stop it when done).
    func start() async throws -> (url: String, server: TestServer) {
        let router = Router()
        router.post("changes") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? ""
            let mode = self.state.withLock { state -> Mode in
                state.arrivals.append(key)
                if state.mode == .accepting || state.mode == .losingAnswers, state.taken[key] == nil {
                    state.taken[key] = body
                    state.order.append(key)
                }
                return state.mode
            }
            switch mode {
            case .accepting: return Response(status: .ok)
            case .failing: return Response(status: .serviceUnavailable)
            case .losingAnswers: return Response(status: .internalServerError)
            case .hanging:
                try await Task.sleep(for: .seconds(5))
                return Response(status: .ok)
            }
        }
        let server = await TestServer.start(router)
        return ("http://127.0.0.1:\(server.port)/changes", server)
    }
}

@Suite struct PortalSyncTests {
    /// Changes made while the portal is down, failing and hanging reach it once each in effect, in order for each
    /// dossier, once it is back, through a second sender that starts from the database alone (as after a restart).
    @Test func everyChangeArrivesOnceInOrderAcrossOutagesAndARestart() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (_, officer, _, citizen) = try await DossiersAPITests.setUp(http)
            var codes: [String] = []
            for key in ["a", "b"] {
                var submission = DossiersAPITests.submission
                submission["submissionKey"] = key
                codes.append(try #require(try await http.request(.post, "/api/v1/dossiers", token: citizen, json: submission)["code"] as? String))
            }
            for code in codes {
                #expect(try await http.request(.post, "/api/v1/dossiers/\(code)/actions", token: officer, json: ["action": "thu-ly"]).status == 200)
            }
            let portal = StandInPortal()
            let (url, server) = try await portal.start()
            // Nobody listens at first: refused.
            let refused = PortalSync(
                database: platform.database, target: .init(url: "http://127.0.0.1:9/changes", timeout: .milliseconds(500)),
                logger: TestDatabase.logger)
            #expect(try await refused.pushDue() == .init(delivered: 0, failed: true))
            let sync = PortalSync(database: platform.database, target: .init(url: url, timeout: .milliseconds(500)), logger: TestDatabase.logger)
            var later = Date().addingTimeInterval(1000)
            // Failing, then hanging past the timeout: a round stops at its first failure, nothing counts as sent, and a
            // dossier's second change is not tried before its first.
            for mode in [StandInPortal.Mode.failing, .failing, .hanging, .hanging] {
                portal.set(mode)
                later += 1000
                #expect(try await sync.pushDue(now: later) == .init(delivered: 0, failed: true))
            }
            #expect(portal.state.withLock { Set($0.arrivals) } == Set(codes.map { "\($0)/1" }))
            // The portal takes the changes but its answers are lost: they are sent again, and taken once.
            portal.set(.losingAnswers)
            for _ in 0..<2 {
                later += 1000
                #expect(try await sync.pushDue(now: later) == .init(delivered: 0, failed: true))
            }
            // Back: a new sender, as after a restart, delivers everything from the outbox.
            portal.set(.accepting)
            let restarted = PortalSync(database: platform.database, target: .init(url: url), logger: TestDatabase.logger)
            var delivered = 0
            for _ in 0..<5 {
                later += 1000
                delivered += try await restarted.pushDue(now: later).delivered
            }
            #expect(delivered == 4)
            let state = portal.state.withLock { $0 }
            #expect(state.taken.count == 4)
            for code in codes {
                #expect(state.order.filter { $0.hasPrefix(code) } == ["\(code)/1", "\(code)/2"])
                #expect(state.arrivals.filter { $0 == "\(code)/1" }.count >= 2)
            }
            let pending = try await platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM portal_outbox WHERE sent_at IS NULL").first()!.int("n")
            }
            #expect(pending == 0)
            #expect(try await restarted.pushDue(now: later + 1000) == .init(delivered: 0, failed: false))
            await server.stop()
        }
    }
}
