import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import ProvinceWeb

/// Conventions every API route follows: problem details, languages, request ids, size limits, paging, the
/// OpenAPI document.
@Suite struct APIConventionTests {
    @Test func errorsAreProblemDetailsInTheCallersLanguage() async throws {
        try await TestPlatform.withDemo { _, http in
            let vietnamese = try await http.request(.get, "/api/v1/agencies/nope")
            #expect(vietnamese.status == 404)
            #expect(vietnamese.headers[.contentType] == "application/problem+json")
            #expect(vietnamese["type"] as? String == "urn:openprovince:problem:not-found")
            #expect(vietnamese["title"] as? String == "Không tìm thấy")
            #expect(vietnamese["status"] as? Int == 404)
            let english = try await http.request(.get, "/api/v1/agencies/nope", headers: [.acceptLanguage: "en-GB,en;q=0.9,vi;q=0.5"])
            #expect(english["title"] as? String == "Not found")
            #expect(english["type"] as? String == vietnamese["type"] as? String)

            let malformed = try await http.request(.post, "/api/v1/auth/token", rawBody: "{not json")
            #expect(malformed.status == 400)
            #expect(malformed.headers[.contentType] == "application/problem+json")
            let wrongType = try await http.request(.post, "/api/v1/auth/token", json: ["username": 5, "password": "x"])
            #expect(wrongType.status == 400)
            let missing = try await http.request(.post, "/api/v1/auth/token", json: ["username": "admin"])
            #expect(missing.status == 400)
            #expect((missing["detail"] as? String)?.contains("password") == true)
            let form = try await http.request(.post, "/api/v1/auth/token", rawBody: "a=b", headers: [.contentType: "text/plain"])
            #expect(form.status == 415)
            let unknownRoute = try await http.request(.get, "/api/v1/nothing-here")
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await TestPlatform.withDemo { _, http in
            let generated = try await http.request(.get, "/api/v1/units")
            #expect((generated.headers[.requestID] ?? "").count >= 32)
            let echoed = try await http.request(.get, "/health", headers: [.requestID: "trace-12345678"])
            #expect(echoed.headers[.requestID] == "trace-12345678")
            let refused = try await http.request(.get, "/health", headers: [.requestID: "bad id with spaces"])
            #expect(refused.headers[.requestID] != "bad id with spaces")
            let problem = try await http.request(.get, "/api/v1/me")
            #expect(problem.status == 401)
            #expect(problem["requestId"] as? String == problem.headers[.requestID])
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        try await TestPlatform.withDemo { _, http in
            let admin = try await http.token("admin")
            let huge = "{\"name\": \"" + String(repeating: "x", count: 2 << 20) + "\"}"
            let reply = try await http.request(.post, "/api/v1/agencies", token: admin, rawBody: huge)
            #expect(reply.status == 413)
            #expect(reply.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func pagingWalksEveryUnitOnce() async throws {
        try await TestPlatform.withDemo { _, http in
            var ids: [String] = []
            var cursor: String?
            repeat {
                let page = try await http.request(.get, "/api/v1/units?parent=2025:68&limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == 200)
                ids += page.items.compactMap { $0["id"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(ids.count == 124)
            #expect(Set(ids).count == ids.count)
            #expect(try await http.request(.get, "/api/v1/units?limit=0").status == 400)
            #expect(try await http.request(.get, "/api/v1/units?limit=abc").status == 400)
            #expect(try await http.request(.get, "/api/v1/units?cursor=%%%").status == 400)
            let search = try await http.request(.get, "/api/v1/units?q=xu%C3%A2n%20h%C6%B0%C6%A1ng")
            #expect(search.items.contains { $0["id"] as? String == "2025:24781" })
            // Search ignores diacritics and case, and "+" in a query string is a space.
            let folded = try await http.request(.get, "/api/v1/units?q=XUAN+huong")
            #expect(folded.items.contains { $0["id"] as? String == "2025:24781" })
            let agencies = try await http.request(.get, "/api/v1/agencies?q=so%20y%20te")
            #expect(agencies.items.map { $0["code"] as? String } == ["000.00.07.H38"])
            let literal = try await http.request(.get, "/api/v1/agencies?q=%25")
            #expect(literal.items.isEmpty)
        }
    }

    /// A public operation given a credential that is not valid answers 401, and says so in the document.
    @Test func publicOperationsDocumentTheirAnswerToABadCredential() async throws {
        try await TestPlatform.withDemo { _, http in
            let document = try await http.request(.get, "/openapi.json")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var publicOperations = 0
            for (path, operations) in paths where path.hasPrefix("/api/") {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any], let security = operation["security"] as? [Any], security.isEmpty else {
                        continue
                    }
                    publicOperations += 1
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    #expect(responses["401"] != nil, "\(method.uppercased()) \(path) does not document 401")
                }
            }
            #expect(publicOperations >= 7)
            let reply = try await http.request(.get, "/api/v1/procedures", token: "a-token-that-is-not-valid-at-all")
            #expect(reply.status == 401)
            #expect(reply.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func healthAndMetrics() async throws {
        try await TestPlatform.withDemo { platform, http in
            let health = try await http.request(.get, "/health")
            #expect(health.status == 200)
            #expect(health["database"] as? String == "ok")
            _ = try await http.request(.get, "/api/v1/units")
            // Who calls which service is the operator's to read: the scraper's token, or a platform administrator.
            let anonymous = try await http.request(.get, "/metrics")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers[.contentType] == "application/problem+json")
            #expect(!anonymous.body.contains("hb_requests"))
            let officer = try await http.request(.get, "/metrics", token: try await http.token("yte.canbo"))
            #expect(officer.status == 401)
            #expect(try await http.request(.get, "/metrics", token: "a-wrong-token-of-some-length").status == 401)
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            let (cookie, _) = try await platform.sessions.open(for: admin, kind: .web, address: nil)
            #expect(try await http.request(.get, "/metrics", headers: [.cookie: "op_session=\(cookie)"]).status == 200)
            let officerAccount = try #require(try await platform.accounts.find(username: "yte.canbo"))
            let (officerCookie, _) = try await platform.sessions.open(for: officerAccount, kind: .web, address: nil)
            #expect(try await http.request(.get, "/metrics", headers: [.cookie: "op_session=\(officerCookie)"]).status == 403)
            let metrics = try await http.request(.get, "/metrics", token: TestPlatform.metricsToken)
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains("hb_requests"))
        }
    }

    /// Every route the API serves is in the OpenAPI document, and every documented operation is served.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        try await TestPlatform.withDemo { platform, http in
            let reply = try await http.request(.get, "/openapi.json")
            #expect(reply.status == 200)
            #expect(reply["openapi"] as? String == "3.1.0")
            let paths = try #require(reply["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let router = try await buildRouter(platform)
            let served = Set(
                router.routes.map { route in
                    let path = route.path.description.split(separator: "/").map { part in
                        part.hasPrefix(":") ? "{\(part.dropFirst())}" : (part.hasPrefix("{") ? String(part) : String(part))
                    }.joined(separator: "/")
                    return "\(route.method.rawValue) /\(path)"
                }.filter { $0.contains(" /api/") || $0.hasSuffix(" /health") || $0.hasSuffix(" /metrics") || $0.hasSuffix(" /openapi.json") })
            #expect(
                documented == served,
                "undocumented: \(served.subtracting(documented).sorted()); not served: \(documented.subtracting(served).sorted())")
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
