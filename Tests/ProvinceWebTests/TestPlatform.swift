import Foundation
import HTTPTypes
import Hub
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ProvinceStore
import TestSupport
import Testing
import WorkingDays

@testable import ProvinceWeb

/// A platform for one test: a fresh SQLite file, or a fresh PostgreSQL database when
/// `PROVINCE_TEST_DATABASE_URL` names a server (scripts/test runs the suite both ways).
struct TestPlatform {
    static var logger: Logger { TestDatabase.logger }

    /// Runs `body` with the demo province loaded and the platform served over real HTTP.
    /// The key payment notifications are signed with in tests.
    static let paymentSecret = "khoa-thu-nghiem-thanh-toan"
    /// The metrics scraper's token in tests.
    static let metricsToken = "the-metrics-scraper-token-for-tests"

    static func withDemo(_ body: @Sendable (Platform, TestHTTP) async throws -> Void) async throws {
        try await withPlatform(demo: true, body)
    }

    /// `today`: the day in Vietnam the platform takes as today (deadlines count from it).
    /// `bcryptCost`: the cost of password hashes (4, the cheapest, unless a test measures the real work).
    static func withPlatform(
        demo: Bool, today: @escaping @Sendable () -> CivilDate = { CivilDate(Date()) }, bcryptCost: UInt8 = 4,
        trustedProxies: [IPNetwork] = [], _ body: @Sendable (Platform, TestHTTP) async throws -> Void
    ) async throws {
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let configuration = AppConfiguration(
            dataDirectory: directory, database: location, demo: demo, bcryptCost: bcryptCost, paymentSecret: TestPlatform.paymentSecret,
            metricsToken: TestPlatform.metricsToken, trustedProxies: trustedProxies)
        let platform = try await Platform.open(configuration, logger: logger, today: today)
        do {
            if demo { _ = try await DemoProvince.loadIfEmpty(into: platform) }
            let app = try await buildApplication(platform, logger: logger)
            try await app.test(.live) { client in
                try await body(platform, TestHTTP(client: client))
            }
        } catch {
            await platform.database.close()
            await cleanup()
            throw error
        }
        await platform.database.close()
        await cleanup()
    }
}

/// A small JSON client over the test's real HTTP connection.
struct TestHTTP: Sendable {
    let client: any TestClientProtocol

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPFields
        var body: String

        /// The body as a JSON object; a body that is not one is recorded as a failure of the test (an error page read
        /// as "no such field" would let a check pass on an error).
        var json: [String: Any] {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
                Issue.record("the answer (\(status)) is not a JSON object: \(body.prefix(300))")
                return [:]
            }
            return object
        }
        /// A list page's items; an answer that is not a list page is recorded as a failure.
        var items: [[String: Any]] {
            guard let items = json["items"] as? [[String: Any]] else {
                Issue.record("the answer (\(status)) is not a list page: \(body.prefix(300))")
                return []
            }
            return items
        }
        subscript(_ key: String) -> Any? { json[key] }
    }

    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: Any? = nil, rawBody: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
        } else if let rawBody {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ByteBuffer(string: rawBody)
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        }
    }

    /// Signs in through the API and returns the bearer token.
    func token(_ username: String, password: String = DemoProvince.password) async throws -> String {
        let reply = try await request(.post, "/api/v1/auth/token", json: ["username": username, "password": password])
        guard reply.status == 201, let token = reply["token"] as? String else {
            Issue.record("sign-in of \(username) failed: \(reply.status) \(reply.body)")
            throw CocoaError(.userCancelled)
        }
        return token
    }
}
