import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ProvinceCore
import ProvinceStore
import Synchronization
import TestSupport
import Testing

@testable import Hub

/// The gateway through its real HTTP interface, with a real upstream server started by the test.
@Suite struct GatewayTests {
    /// A provider's system: echoes what it received, streams bodies back, hangs, fails on demand.
    static func startUpstream() async -> TestServer {
        let router = Router()
        router.on("echo/**", method: .get, use: echo)
        router.on("echo/**", method: .post, use: echo)
        router.post("upload") { request, _ -> String in
            var hash = SHA256()
            var count = 0
            for try await buffer in request.body {
                count += buffer.readableBytes
                buffer.withUnsafeReadableBytes { hash.update(bufferPointer: $0) }
            }
            return "\(count) " + hash.finalize().map { String(format: "%02x", $0) }.joined()
        }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: #"{"openapi":"3.0.3","info":{"title":"Echo","version":"1"},"paths":{"/echo/{id}":{"get":{}},"/upload":{"post":{}}}}"#)
                ))
        }
        router.get("download") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: largeBody))
        }
        router.get("stream") { _, _ in
            // No length given: Hummingbird sends it in chunks.
            Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: ResponseBody { writer in
                    for part in streamedParts { try await writer.write(ByteBuffer(string: part)) }
                    try await writer.finish(nil)
                })
        }
        router.get("hang") { request, _ -> String in
            // Longer than any timeout a test gives the provider; short enough for the server's graceful stop to wait out.
            try await Task.sleep(for: .seconds(6))
            if let mark = request.uri.queryParameters["mark"] { hangsAnswered.withLock { _ = $0.insert(String(mark)) } }
            return "late"
        }
        router.get("fail") { _, _ in
            Response(
                status: .internalServerError, headers: [.contentType: "text/plain", HTTPField.Name("X-Provider-Error")!: "yes"],
                body: .init(byteBuffer: ByteBuffer(string: "provider broke")))
        }
        return await TestServer.start(router)
    }

    /// The marks of the `/hang` calls the provider has answered (after its six seconds).
    static let hangsAnswered = Mutex<Set<String>>([])

    /// What `/stream` sends, one chunk each.
    static let streamedParts = ["Hồ sơ ", "đang ", "được xử lý."]

    /// 50 MiB, no two mebibytes alike.
    static let largeBody: ByteBuffer = {
        var block = ByteBuffer()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<(1 << 17) { block.writeInteger(generator.next() as UInt64) }
        var body = ByteBuffer()
        for index in 0..<50 {
            body.writeImmutableBuffer(block)
            body.writeInteger(UInt64(index))
        }
        return body
    }()

    static func sha256(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
    }

    @Sendable static func echo(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName, default: ""] += (headers[field.name.canonicalName] == nil ? "" : ",") + field.value
        }
        let object: [String: Any] = [
            "method": request.method.rawValue, "uri": request.uri.description, "headers": headers, "body": String(buffer: body),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json", HTTPField.Name("X-Upstream")!: "echo", .cacheControl: "max-age=5"],
            body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    /// The registry for the tests: Sở TTTT provides `echo`; Sở Y tế's system calls it.
    struct Fixture {
        var database: ProvinceDatabase
        var registry: HubRegistry
        var gateway: HubGateway
        var gatewayPort: Int
        var upstreamPort: Int
        var consumerKey: String
        var otherKey: String
        var echo: HubService

        /// Enables `echo` and grants the consumer all of it.
        func openEcho() async throws {
            let actor = Actor(system: "test")
            _ = try await registry.updateService(echo.id, ServiceInput(enabled: true), by: actor)
            _ = try await registry.grant(consumerID: GatewayTests.consumer, serviceID: echo.id, endpoint: nil, by: actor)
            try await gateway.reloadRegistry()
        }
    }

    static let consumer = "VN/GOV/000.00.07.H38/YTE"
    static let provider = "VN/GOV/000.00.02.H38/DATA"

    static func withFixture(upstreamRule: UpstreamRule = UpstreamRule(), _ body: @Sendable (Fixture) async throws -> Void) async throws {
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        let upstream = await startUpstream()
        let upstreamPort = upstream.port
        do {
            try await Migrations.run(on: database, schemas: hubSchemas)
            let registry = HubRegistry(database: database)
            let actor = Actor(system: "test")
            _ = try await registry.createMember(
                instance: "VN", memberClass: "GOV", memberCode: "000.00.02.H38", name: "Sở Thông tin và Truyền thông", agencyID: nil, by: actor)
            _ = try await registry.createMember(
                instance: "VN", memberClass: "GOV", memberCode: "000.00.07.H38", name: "Sở Y tế", agencyID: nil, by: actor)
            _ = try await registry.createSubsystem(
                memberID: "VN/GOV/000.00.02.H38", code: "DATA", name: "Kho dữ liệu", rateLimitPerSecond: nil, by: actor)
            _ = try await registry.createSubsystem(
                memberID: "VN/GOV/000.00.07.H38", code: "YTE", name: "Hệ thống y tế", rateLimitPerSecond: nil, by: actor)
            _ = try await registry.createSubsystem(
                memberID: "VN/GOV/000.00.07.H38", code: "LIMITED", name: "Hệ thống bị giới hạn", rateLimitPerSecond: 2, by: actor)
            let echo = try await registry.createService(
                subsystemID: provider,
                ServiceInput(serviceCode: "echo", upstreamURL: "http://127.0.0.1:\(upstreamPort)", timeoutMilliseconds: 10_000),
                by: actor)
            let consumerKey = try await registry.issueKey(subsystemID: consumer, name: "test", by: actor).secret
            let otherKey = try await registry.issueKey(subsystemID: "VN/GOV/000.00.07.H38/LIMITED", name: "test", by: actor).secret
            let journal = MessageJournal(directory: directory + "/hub-journal", database: database, logger: TestDatabase.logger)
            let gateway = try HubGateway(
                host: "127.0.0.1", port: 0, database: database, maxBodyBytes: 60 << 20, upstreamRule: upstreamRule,
                // A probe waits long enough for a provider on a machine loaded by the whole suite.
                probeTimeout: .seconds(30), journal: journal,
                logger: TestDatabase.logger)
            let port = try await gateway.start()
            try await body(
                Fixture(
                    database: database, registry: registry, gateway: gateway, gatewayPort: port, upstreamPort: upstreamPort,
                    consumerKey: consumerKey, otherKey: otherKey, echo: echo))
            gateway.stop()
        } catch {
            await upstream.stop()
            await database.close()
            await cleanup()
            throw error
        }
        await upstream.stop()
        await database.close()
        await cleanup()
    }

    static func call(
        _ fixture: Fixture, _ path: String, method: HTTPRequest.Method = .get, client: String = consumer, key: String?,
        headers extra: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> TestClient.Response {
        var fields = extra
        fields[HTTPField.Name("X-Road-Client")!] = client
        if let key { fields[HTTPField.Name("X-Road-Client-Key")!] = key }
        let headers = fields
        return try await TestClient.withClient(host: "127.0.0.1", port: fixture.gatewayPort, configuration: .init(timeout: .seconds(120))) { http in
            try await http.execute(TestClient.Request(path, method: method, headers: headers, body: body))
        }
    }

    /// The body as a JSON object; one that is not is recorded as a failure of the test.
    static func json(_ response: TestClient.Response) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body ?? ByteBuffer()))) as? [String: Any] else {
            Issue.record(
                "the answer (\(response.head.status.code)) is not a JSON object: \(String(buffer: response.body ?? ByteBuffer()).prefix(300))")
            return [:]
        }
        return object
    }

    static let path = "/r1/VN/GOV/000.00.02.H38/DATA/echo"

    @Test func callsAreAuthorizedForwardedAndLogged() async throws {
        try await Self.withFixture { fixture in
            let actor = Actor(system: "test")
            // Disabled until enabled; then denied until granted.
            var reply = try await Self.call(fixture, "\(Self.path)/echo/a", key: fixture.consumerKey)
            #expect(reply.head.status.code == 500)
            #expect(reply.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.ServiceDisabled")
            // A message id the gateway gives is X-Road's form, `{instance}-{UUID}`: here a time-ordered (version 7) UUID,
            // lowercase, its first 48 bits the time.
            let given = try #require(reply.head.headerFields[HTTPField.Name("X-Road-Id")!])
            #expect(given.hasPrefix("VN-"))
            let uuid = String(given.dropFirst(3))
            #expect(UUID(uuidString: uuid) != nil && uuid == uuid.lowercased() && Array(uuid)[14] == "7")
            let millisecondsHex = uuid.replacingOccurrences(of: "-", with: "").prefix(12)
            let stamped = Double(UInt64(millisecondsHex, radix: 16) ?? 0) / 1000
            #expect(abs(stamped - Date().timeIntervalSince1970) < 60)
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
            try await fixture.gateway.reloadRegistry()
            reply = try await Self.call(fixture, "\(Self.path)/echo/a", key: fixture.consumerKey)
            #expect(reply.head.status.code == 500)
            #expect(reply.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.AccessDenied")
            #expect(reply.head.headerFields[.contentType] == "application/json;charset=utf-8")
            let denial = Self.json(reply)
            #expect(denial["type"] as? String == "Server.ServerProxy.AccessDenied")
            #expect((denial["message"] as? String)?.hasPrefix("Request is not allowed: SERVICE:VN/GOV/000.00.02.H38/DATA/echo") == true)
            #expect(UUID(uuidString: denial["detail"] as? String ?? "") != nil)
            _ = try await fixture.registry.grant(consumerID: Self.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()

            let messageID = UUID().uuidString
            reply = try await Self.call(
                fixture, "\(Self.path)/echo/a/b?x=1&y=%C3%A2", method: .post, key: fixture.consumerKey,
                headers: [
                    HTTPField.Name("X-Custom")!: "kept", .authorization: "Bearer provider-jwt", .connection: "keep-alive, X-Secret-Hop",
                    HTTPField.Name("X-Secret-Hop")!: "drop me", HTTPField.Name("Keep-Alive")!: "timeout=5",
                    HTTPField.Name("Proxy-Authorization")!: "Basic eDp5", HTTPField.Name("X-Road-Id")!: messageID,
                    .contentType: "text/plain; charset=utf-8",
                ],
                body: ByteBuffer(string: "xin chào"))
            #expect(reply.head.status.code == 200)
            let seen = Self.json(reply)
            let headers = Dictionary((seen["headers"] as? [String: String] ?? [:]).map { ($0.key.lowercased(), $0.value) }) { $1 }
            #expect(seen["uri"] as? String == "/echo/a/b?x=1&y=%C3%A2")
            #expect(seen["method"] as? String == "POST")
            #expect(seen["body"] as? String == "xin chào")
            #expect(headers["x-custom"] == "kept")
            #expect(headers["authorization"] == "Bearer provider-jwt")
            #expect(headers["content-type"] == "text/plain; charset=utf-8")
            #expect(headers["x-road-client"] == Self.consumer)
            for absent in ["x-road-client-key", "x-secret-hop", "keep-alive", "proxy-authorization"] {
                #expect(headers[absent] == nil, "\(absent) reached the provider")
            }
            #expect(reply.head.headerFields[HTTPField.Name("X-Road-Id")!] == messageID)
            #expect(reply.head.headerFields[HTTPField.Name("X-Upstream")!] == "echo")
            #expect(reply.head.headerFields[.cacheControl] == "max-age=5")
            #expect(reply.head.headerFields[HTTPField.Name("X-Road-Request-Hash")!]?.count == 88)
            #expect(reply.head.headerFields[HTTPField.Name("X-Road-Error")!] == nil)

            // Provider errors pass through untouched.
            let failed = try await Self.call(fixture, "\(Self.path)/fail", key: fixture.consumerKey)
            #expect(failed.head.status.code == 500)
            #expect(failed.body.map { String(buffer: $0) } == "provider broke")
            #expect(failed.head.headerFields[HTTPField.Name("X-Road-Error")!] == nil)
            #expect(failed.head.headerFields[HTTPField.Name("X-Provider-Error")!] == "yes")

            // Every exchange with an identified consumer is in the chained log.
            try await fixture.gateway.journal.importPending()
            let records = try await MessageLog.records(limit: 100, in: fixture.database)
            #expect(records.map(\.status) == [500, 200, 500, 500])
            let posted = try #require(records.first { $0.status == 200 })
            #expect(posted.messageID == messageID)
            #expect(posted.consumer == Self.consumer)
            #expect(posted.service == fixture.echo.id)
            #expect(posted.requestBytes == "xin chào".utf8.count)
            #expect(posted.requestSHA256 == SHA256.hash(data: Data("xin chào".utf8)).map { String(format: "%02x", $0) }.joined())
            #expect(posted.responseBytes == reply.body?.readableBytes)
            #expect(try await MessageLog.verify(fixture.database).isIntact)
            try await fixture.database.write { db in try await db.raw("UPDATE hub_messages SET status = 201 WHERE seq = 2").run() }
            #expect(try await MessageLog.verify(fixture.database).firstBadSeq == 2)

            // A header named by a second Connection header is dropped too.
            var twoConnections = HTTPFields()
            twoConnections.append(HTTPField(name: .connection, value: "keep-alive"))
            twoConnections.append(HTTPField(name: .connection, value: "X-Secret-Hop"))
            twoConnections[HTTPField.Name("X-Secret-Hop")!] = "drop me"
            reply = try await Self.call(fixture, "\(Self.path)/echo/c", key: fixture.consumerKey, headers: twoConnections)
            #expect(reply.head.status.code == 200)
            let echoed = (Self.json(reply)["headers"] as? [String: String] ?? [:]).keys.map { $0.lowercased() }
            #expect(!echoed.contains("x-secret-hop"))
        }
    }

    @Test func badCallsGetClearErrors() async throws {
        try await Self.withFixture { fixture in
            try await fixture.openEcho()
            let cases: [(String, String, String?, Int, String)] = [
                ("/r1/VN/GOV", Self.consumer, fixture.consumerKey, 400, "Client.BadRequest"),
                ("/r2/VN/GOV/000.00.02.H38/DATA/echo", Self.consumer, fixture.consumerKey, 400, "Client.BadRequest"),
                (Self.path, "VN/GOV", fixture.consumerKey, 400, "Client.BadRequest"),
                (Self.path, Self.consumer, nil, 400, "Client.Unauthorized"),
                (Self.path, Self.consumer, "hub_wrong_key", 400, "Client.Unauthorized"),
                (Self.path, Self.consumer, fixture.otherKey, 400, "Client.WrongClient"),
                ("/r1/VN/GOV/000.00.02.H38/DATA/nothing", Self.consumer, fixture.consumerKey, 500, "Server.ServerProxy.UnknownService"),
                ("/r1/VN/GOV/000.00.02.H38/DATA/ec%ho", Self.consumer, fixture.consumerKey, 400, "Client.BadRequest"),
            ]
            for (path, client, key, status, type) in cases {
                let reply = try await Self.call(fixture, path, client: client, key: key)
                #expect(Int(reply.head.status.code) == status, "\(path) \(client)")
                #expect(reply.head.headerFields[HTTPField.Name("X-Road-Error")!] == type, "\(path)")
                #expect(Self.json(reply)["type"] as? String == type)
            }
            let tooLarge = try await Self.call(
                fixture, "\(Self.path)/echo/x", method: .post, key: fixture.consumerKey, headers: [.contentLength: String(61 << 20)])
            #expect(tooLarge.head.status.code == 413)
        }
    }

    @Test func providersThatFailHangOrAreDownGetGatewayErrors() async throws {
        try await Self.withFixture { fixture in
            let actor = Actor(system: "test")
            let down = try await fixture.registry.createService(
                subsystemID: Self.provider, ServiceInput(serviceCode: "down", upstreamURL: "http://127.0.0.1:1", timeoutMilliseconds: 500), by: actor)
            // Half a second to answer: `/hang` never does. (The other tests give the echo ten: the suites run side by side
            // on two cores, and a provider answering a second late is not what they test.)
            for service in [fixture.echo, down] {
                _ = try await fixture.registry.updateService(service.id, ServiceInput(timeoutMilliseconds: 500, enabled: true), by: actor)
                _ = try await fixture.registry.grant(consumerID: Self.consumer, serviceID: service.id, endpoint: nil, by: actor)
            }
            try await fixture.gateway.reloadRegistry()
            let unreachable = try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/down/x", key: fixture.consumerKey)
            #expect(unreachable.head.status.code == 500)
            #expect(unreachable.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.NetworkError")
            let mark = UUID().uuidString
            let hanging = try await Self.call(fixture, "\(Self.path)/hang?mark=\(mark)", key: fixture.consumerKey)
            #expect(hanging.head.status.code == 500)
            #expect(hanging.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.IOError")
            // The gateway answered on its own timeout, before the provider did: no clock is read to tell.
            #expect(!Self.hangsAnswered.withLock { $0.contains(mark) })
            // The gateway stays healthy afterwards. The echo gets its ten seconds back first: on two loaded cores an answer
            // can take longer than half a second, and that is not what this checks.
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(timeoutMilliseconds: 10_000), by: actor)
            try await fixture.gateway.reloadRegistry()
            let after = try await Self.call(fixture, "\(Self.path)/echo/ok", key: fixture.consumerKey)
            #expect(after.head.status.code == 200)
        }
    }

    @Test func rightsCanBeLimitedToEndpointsAndRates() async throws {
        try await Self.withFixture { fixture in
            let actor = Actor(system: "test")
            let limited = "VN/GOV/000.00.07.H38/LIMITED"
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
            _ = try await fixture.registry.grant(
                consumerID: limited, serviceID: fixture.echo.id, endpoint: HubEndpoint(method: "GET", path: "/echo/{id}"), by: actor)
            try await fixture.gateway.reloadRegistry()
            #expect(try await Self.call(fixture, "\(Self.path)/echo/7", client: limited, key: fixture.otherKey).head.status.code == 200)
            #expect(
                try await Self.call(fixture, "\(Self.path)/echo/7", method: .post, client: limited, key: fixture.otherKey).head.headerFields[
                    HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.AccessDenied")
            let deeper = try await Self.call(fixture, "\(Self.path)/echo/7/8", client: limited, key: fixture.otherKey)
            #expect(deeper.head.status.code == 500)
            #expect(deeper.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.AccessDenied")
            // Two calls a second: of eight sent at once, no more get through than the rate allows over the time they
            // took to arrive (two at once, two more each second; on a loaded machine the eight take a while), and those
            // refused get 429 and Retry-After.
            let started = ContinuousClock.now
            let replies = try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Self.call(fixture, "\(Self.path)/echo/7", client: limited, key: fixture.otherKey) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let refused = replies.filter { $0.head.status.code == 429 }
            #expect(replies.count - refused.count <= 2 + Int((seconds * 2).rounded(.up)), "\(refused.count) refused in \(seconds) s")
            #expect(replies.allSatisfy { [200, 429].contains($0.head.status.code) })
            if seconds < 2 { #expect(!refused.isEmpty) }
            #expect(refused.allSatisfy { $0.head.headerFields[.retryAfter] == "1" })
        }
    }

    @Test func metaservicesDescribeTheRegistry() async throws {
        try await Self.withFixture { fixture in
            let actor = Actor(system: "test")
            let hidden = try await fixture.registry.createService(
                subsystemID: Self.provider, ServiceInput(serviceCode: "hidden", upstreamURL: "http://127.0.0.1:1"), by: actor)
            let other = try await fixture.registry.createService(
                subsystemID: Self.provider, ServiceInput(serviceCode: "other", upstreamURL: "http://127.0.0.1:1"), by: actor)
            for service in [fixture.echo, other] { _ = try await fixture.registry.updateService(service.id, ServiceInput(enabled: true), by: actor) }
            _ = try await fixture.registry.grant(consumerID: Self.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            _ = try await fixture.registry.describe(
                fixture.echo.id, openAPI: Data(#"{"openapi":"3.0.0","paths":{"/echo/{x}":{"get":{}}}}"#.utf8), by: actor)
            try await fixture.gateway.reloadRegistry()
            _ = hidden

            let clients = Self.json(
                try await Self.call(fixture, "/listClients?xRoadInstance=VN", key: fixture.consumerKey, headers: [.accept: "application/json"]))
            let ids = (clients["member"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? [String: String] }
            #expect(ids.filter { $0["object_type"] == "SUBSYSTEM" }.compactMap { $0["subsystem_code"] }.sorted() == ["DATA", "LIMITED", "YTE"])
            #expect(ids.filter { $0["object_type"] == "MEMBER" }.count == 2)

            let methods = Self.json(try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/listMethods", key: fixture.consumerKey))
            #expect((methods["service"] as? [[String: Any]] ?? []).compactMap { $0["service_code"] as? String } == ["echo", "other"])
            let allowed = Self.json(try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/allowedMethods", key: fixture.consumerKey))
            #expect((allowed["service"] as? [[String: Any]] ?? []).compactMap { $0["service_code"] as? String } == ["echo"])

            let document = try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/getOpenAPI?serviceCode=echo", key: fixture.consumerKey)
            #expect(document.head.status.code == 200)
            #expect(Self.json(document)["openapi"] as? String == "3.0.0")
            let missing = try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/DATA/getOpenAPI?serviceCode=other", key: fixture.consumerKey)
            #expect(missing.head.status.code == 500)
            #expect(Self.json(missing)["message"] as? String == "Invalid service type: REST")
            let nobody = try await Self.call(fixture, "/r1/VN/GOV/000.00.02.H38/NONE/listMethods", key: fixture.consumerKey)
            #expect(nobody.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ClientProxy.UnknownMember")
            #expect(
                try await Self.call(fixture, "/listClients", key: nil).head.headerFields[HTTPField.Name("X-Road-Error")!] == "Client.Unauthorized")
            // Metaservice calls are exchanges too: they are logged.
            try await fixture.gateway.journal.importPending()
            let logged = try await MessageLog.records(limit: 20, in: fixture.database).map(\.service)
            #expect(logged.contains("VN/GOV/000.00.02.H38/DATA/allowedMethods"))
        }
    }

    @Test func largeBodiesStreamBothWays() async throws {
        try await Self.withFixture { fixture in
            let actor = Actor(system: "test")
            // Hashing 50 MiB on a loaded machine may take the provider longer than the fixture's short timeout.
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(timeoutMilliseconds: 30_000, enabled: true), by: actor)
            _ = try await fixture.registry.grant(consumerID: Self.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()
            let body = Self.largeBody
            let started = ContinuousClock.now
            let upload = try await Self.call(fixture, "\(Self.path)/upload", method: .post, key: fixture.consumerKey, body: body)
            #expect(upload.head.status.code == 200)
            #expect(upload.body.map { String(buffer: $0) } == "\(body.readableBytes) \(Self.sha256(body))")
            let download = try await Self.call(fixture, "\(Self.path)/download", key: fixture.consumerKey)
            #expect(download.head.status.code == 200)
            #expect(download.body?.readableBytes == body.readableBytes)
            #expect(download.body.map(Self.sha256) == Self.sha256(body))
            print("50 MiB up and 50 MiB down through the gateway: \(ContinuousClock.now - started)")
            try await fixture.gateway.journal.importPending()
            let records = try await MessageLog.records(limit: 2, in: fixture.database)
            #expect(records.map(\.requestBytes) == [0, body.readableBytes])
            #expect(records[0].responseBytes == body.readableBytes)
            #expect(records[0].responseSHA256 == Self.sha256(body) && records[1].requestSHA256 == Self.sha256(body))
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self = Data(buffer.readableBytesView) }
}

@Suite struct RateLimiterTests {
    @Test func bucketsRefillAtTheirRate() {
        let limiter = RateLimiter()
        let second: UInt64 = 1_000_000_000
        #expect(limiter.allow("a", perSecond: 2, now: 10 * second))
        #expect(limiter.allow("a", perSecond: 2, now: 10 * second))
        #expect(!limiter.allow("a", perSecond: 2, now: 10 * second))
        #expect(limiter.allow("b", perSecond: 2, now: 10 * second), "buckets are per consumer")
        #expect(!limiter.allow("a", perSecond: 2, now: 10 * second + second / 4))
        #expect(limiter.allow("a", perSecond: 2, now: 10 * second + second / 2))
    }
}

@Suite struct MonitoringTests {
    @Test func trafficErrorsLatencyAndProviderHealthAreCounted() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            // Long enough for a connection to the provider on a machine busy with every suite at once (500 ms was not,
            // in CI); the hanging call waits it out.
            let timeout = 3000
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(timeoutMilliseconds: timeout, enabled: true), by: actor)
            _ = try await fixture.registry.grant(consumerID: GatewayTests.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            // A second service whose provider is not listening.
            let closed = try await fixture.registry.createService(
                subsystemID: GatewayTests.provider, ServiceInput(serviceCode: "gone", upstreamURL: "http://127.0.0.1:1", timeoutMilliseconds: 500),
                by: actor)
            _ = try await fixture.registry.updateService(closed.id, ServiceInput(enabled: true), by: actor)
            try await fixture.gateway.reloadRegistry()
            for _ in 0..<5 {
                let reply = try await GatewayTests.call(fixture, "\(GatewayTests.path)/echo/ok", key: fixture.consumerKey)
                #expect(reply.head.status.code == 200)
            }
            #expect(try await GatewayTests.call(fixture, "\(GatewayTests.path)/fail", key: fixture.consumerKey).head.status.code == 500)
            #expect(
                try await GatewayTests.call(fixture, "\(GatewayTests.path)/hang", key: fixture.consumerKey).head.headerFields[
                    HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.IOError")
            let denial = try await GatewayTests.call(
                fixture, "\(GatewayTests.path)/echo/x", client: "VN/GOV/000.00.07.H38/LIMITED", key: fixture.otherKey)
            #expect(denial.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.AccessDenied")

            let traffic = fixture.gateway.monitor.trafficReport()
            let echo = try #require(traffic.first { $0.service == fixture.echo.id && $0.consumer == GatewayTests.consumer })
            #expect(echo.calls == 7)
            #expect(echo.errors == ["Provider.ServerError": 1, "Server.ServerProxy.IOError": 1])
            let p50 = try #require(echo.p50Milliseconds)
            let p99 = try #require(echo.p99Milliseconds)
            #expect(p50 > 0 && p50 < Double(timeout))
            // The hanging call waited out the timeout: the slowest 1 % lies beyond it.
            #expect(p99 >= Double(timeout))
            let denied = try #require(traffic.first { $0.consumer == "VN/GOV/000.00.07.H38/LIMITED" })
            #expect(denied.errors == ["Server.ServerProxy.AccessDenied": 1])

            await fixture.gateway.probeProviders()
            let health = Dictionary(uniqueKeysWithValues: fixture.gateway.monitor.providerHealth().map { ($0.serviceID, $0) })
            #expect(health[fixture.echo.id]?.state == .up)
            #expect(health[fixture.echo.id]?.responseMilliseconds != nil)
            #expect(health[closed.id]?.state == .down)
            #expect(health[closed.id]?.problem != nil)

            let metrics = fixture.gateway.monitor.prometheusText()
            #expect(metrics.contains("hub_calls_total{service=\"\(fixture.echo.id)\",consumer=\"\(GatewayTests.consumer)\"} 7"))
            #expect(metrics.contains("kind=\"Server.ServerProxy.IOError\"} 1"))
            #expect(metrics.contains("hub_call_duration_seconds_count{service=\"\(fixture.echo.id)\",consumer=\"\(GatewayTests.consumer)\"} 7"))
            #expect(metrics.contains("hub_provider_up{service=\"\(closed.id)\"} 0"))

            // The national board: a system mapped to an enabled service whose provider answers is connected.
            _ = try await fixture.registry.mapNationalSystem("population", serviceID: fixture.echo.id, by: Actor(system: "test"))
            _ = try await fixture.registry.mapNationalSystem("land", serviceID: closed.id, by: Actor(system: "test"))
            let board = NationalBoard(
                systems: try await fixture.registry.nationalSystems(), services: try await fixture.registry.services(),
                health: fixture.gateway.monitor.providerHealth())
            #expect(board.total == 17)
            #expect(board.connected == 1)
            #expect(board.systems.first { $0.system.code == "land" }?.state == .down)
            #expect(board.systems.first { $0.system.code == "tax" }?.state == .unmapped)
        }
    }

    @Test func quantilesComeFromTheBuckets() {
        var histogram = LatencyHistogram()
        for _ in 0..<90 { histogram.observe(0.002) }
        for _ in 0..<10 { histogram.observe(0.2) }
        #expect(histogram.count == 100)
        let p50 = histogram.quantile(0.5)!
        #expect(p50 > 0.001 && p50 <= 0.0025)
        let p95 = histogram.quantile(0.95)!
        #expect(p95 > 0.1 && p95 <= 0.25)
        #expect(LatencyHistogram().quantile(0.5) == nil)
    }
}

@Suite struct BodyLoggingTests {
    @Test func bodiesAreKeptForTheirRetentionAndTheChainOutlivesThem() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            _ = try await fixture.registry.updateService(
                fixture.echo.id, ServiceInput(timeoutMilliseconds: 30_000, enabled: true, logBodies: true, bodyRetentionDays: 7), by: actor)
            _ = try await fixture.registry.grant(consumerID: GatewayTests.consumer, serviceID: fixture.echo.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()
            let sent = "{\"hồ sơ\": 42}"
            let reply = try await GatewayTests.call(
                fixture, "\(GatewayTests.path)/echo/body", method: .post, key: fixture.consumerKey, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: sent))
            #expect(reply.head.status.code == 200)
            try await fixture.gateway.journal.importPending()
            let record = try #require(try await MessageLog.records(limit: 1, in: fixture.database).first)
            let bodies = try #require(try await MessageLog.bodies(seq: record.seq, in: fixture.database))
            #expect(String(decoding: bodies.request, as: UTF8.self) == sent)
            #expect(bodies.response == Data(buffer: reply.body ?? ByteBuffer()))
            #expect(!bodies.requestTruncated && !bodies.responseTruncated)
            #expect(Hex.string(SHA256.hash(data: bodies.request)) == record.requestSHA256)
            #expect(Hex.string(SHA256.hash(data: bodies.response)) == record.responseSHA256)

            // A 50 MiB answer: its first mebibyte is kept, its digest covers the whole of it.
            let large = try await GatewayTests.call(fixture, "\(GatewayTests.path)/download", key: fixture.consumerKey)
            #expect(large.body?.readableBytes == GatewayTests.largeBody.readableBytes)
            try await fixture.gateway.journal.importPending()
            let largeRecord = try #require(try await MessageLog.records(limit: 1, in: fixture.database).first)
            let largeBodies = try #require(try await MessageLog.bodies(seq: largeRecord.seq, in: fixture.database))
            #expect(largeBodies.responseTruncated)
            #expect(largeBodies.response.count == MessageBodies.limit)
            #expect(largeRecord.responseSHA256 == GatewayTests.sha256(GatewayTests.largeBody))

            // Within the retention nothing goes; after it the bodies go, the records and the chain stay.
            #expect(try await MessageLog.removeExpiredBodies(now: Date().addingTimeInterval(6 * 86400), in: fixture.database) == 0)
            #expect(try await MessageLog.removeExpiredBodies(now: Date().addingTimeInterval(8 * 86400), in: fixture.database) == 2)
            #expect(try await MessageLog.bodies(seq: record.seq, in: fixture.database) == nil)
            #expect(try await MessageLog.verify(fixture.database).isIntact)
        }
    }
}

@Suite struct GroupRightsTests {
    @Test func aRightGrantedToAGroupLetsItsMembersCall() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            _ = try await fixture.registry.updateService(fixture.echo.id, ServiceInput(enabled: true), by: actor)
            _ = try await fixture.registry.createGroup(code: "so-nganh", name: "Các sở, ngành", by: actor)
            _ = try await fixture.registry.grant(consumerID: "group:so-nganh", serviceID: fixture.echo.id, endpoint: nil, by: actor)
            try await fixture.gateway.reloadRegistry()
            let call = {
                let reply = try await GatewayTests.call(fixture, "\(GatewayTests.path)/echo/g", key: fixture.consumerKey)
                return reply.head.headerFields[HTTPField.Name("X-Road-Error")!] ?? String(reply.head.status.code)
            }
            #expect(try await call() == "Server.ServerProxy.AccessDenied")
            _ = try await fixture.registry.setMembership(group: "so-nganh", subsystemID: GatewayTests.consumer, member: true, by: actor)
            try await fixture.gateway.reloadRegistry()
            #expect(try await call() == "200")
            // allowedMethods counts the group's rights too.
            let allowed = try await GatewayTests.call(fixture, "/r1/\(GatewayTests.provider)/allowedMethods", key: fixture.consumerKey)
            #expect(String(buffer: allowed.body ?? ByteBuffer()).contains("\"service_code\":\"echo\""))
            // Another subsystem, not in the group, stays out; leaving the group ends the right.
            let other = try await GatewayTests.call(
                fixture, "\(GatewayTests.path)/echo/g", client: "VN/GOV/000.00.07.H38/LIMITED", key: fixture.otherKey)
            #expect(other.head.headerFields[HTTPField.Name("X-Road-Error")!] == "Server.ServerProxy.AccessDenied")
            _ = try await fixture.registry.setMembership(group: "so-nganh", subsystemID: GatewayTests.consumer, member: false, by: actor)
            try await fixture.gateway.reloadRegistry()
            #expect(try await call() == "Server.ServerProxy.AccessDenied")
            #expect(try await fixture.registry.group("so-nganh").members.isEmpty)
        }
    }
}

@Suite struct OpenAPIFetchTests {
    @Test func aDescriptionIsFetchedFromTheProvidersURL() async throws {
        try await GatewayTests.withFixture { fixture in
            let actor = Actor(system: "test")
            let endpoints = try await fixture.registry.describe(
                fixture.echo.id, fetchingFrom: "http://127.0.0.1:\(fixture.upstreamPort)/openapi.json", by: actor)
            #expect(endpoints == [HubEndpoint(method: "GET", path: "/echo/{id}"), HubEndpoint(method: "POST", path: "/upload")])
            #expect(try await fixture.registry.endpoints(of: fixture.echo.id).count == 2)
            // A provider that does not answer 200, or is not there, or a URL that is not one: a readable refusal.
            for url in ["http://127.0.0.1:\(fixture.upstreamPort)/fail", "http://127.0.0.1:1/openapi.json", "ftp://example/openapi.json"] {
                await #expect(throws: AppError.self) { try await fixture.registry.describe(fixture.echo.id, fetchingFrom: url, by: actor) }
            }
            #expect(try await fixture.registry.endpoints(of: fixture.echo.id).count == 2)
        }
    }
}
