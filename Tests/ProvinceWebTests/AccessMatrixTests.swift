import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import ProvinceWeb

/// Walks every API route with every kind of caller and checks each answer: what is denied is denied (401 for
/// nobody, 403 for the wrong role or the wrong agency) and changes nothing; what is allowed works.
@Suite struct AccessMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, citizen, viewer, officer, leader, healthAdmin, otherAdmin, platformAdmin, system
    }

    /// The demo accounts behind each caller: the data under test belongs to the Department of Health (Sở Y tế).
    static let usernames: [Caller: String] = [
        .citizen: "068090001234", .viewer: "tnmt.xem", .officer: "yte.canbo", .leader: "ubnd.lanhdao",
        .healthAdmin: "yte.quantri", .otherAdmin: "tttt.quantri", .platformAdmin: "admin",
    ]

    /// The API routes this matrix calls, as the router names them (checked against the cases below, and read by
    /// `RouteMatrixTests`, which fails on a route neither matrix calls).
    static let routes: Set<String> = [
        "GET /api/v1/units", "GET /api/v1/units/{id}", "GET /api/v1/agencies", "GET /api/v1/agencies/{id}", "POST /api/v1/agencies",
        "PATCH /api/v1/agencies/{id}", "GET /api/v1/me", "GET /api/v1/accounts", "GET /api/v1/accounts/{id}", "POST /api/v1/accounts",
        "POST /api/v1/accounts/{id}/disable", "POST /api/v1/accounts/{id}/enable", "POST /api/v1/accounts/{id}/password",
        "GET /api/v1/accounts/{id}/api-keys", "POST /api/v1/accounts/{id}/api-keys", "GET /api/v1/audit", "GET /api/v1/audit/verify",
        "GET /api/v1/hub/members", "POST /api/v1/hub/members", "GET /api/v1/hub/messages", "GET /api/v1/hub/messages/verify",
        "GET /api/v1/hub/messages/{seq}/bodies", "GET /api/v1/hub/monitoring", "GET /api/v1/hub/national-systems",
        "GET /api/v1/hub/peers", "POST /api/v1/hub/peers", "GET /api/v1/hub/groups", "POST /api/v1/hub/groups", "GET /api/v1/hub/identity",
        "PUT /api/v1/hub/national-systems/{code}",
    ]

    /// Whether a path called (its query aside) is an instance of a route (`/api/v1/units/{id}`).
    static func matches(_ route: String, method: String, path: String) -> Bool {
        let parts = route.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0] == method else { return false }
        let template = parts[1].split(separator: "/")
        let actual = (path.split(separator: "?").first ?? "").split(separator: "/")
        return template.count == actual.count && zip(template, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    struct Case {
        var method: HTTPRequest.Method
        var path: String
        var body: (@Sendable () -> [String: Any])?
        var allowed: [Caller: Int]
        /// Status for callers not in `allowed` (signed in); anonymous callers get 401 unless listed.
        var denied = 403
        /// Callers whose refused attempt is still recorded: a wrong current password is a guess, audited as one.
        var auditedWhenRefused: Set<Caller> = []
    }

    @Test func everyRouteForEveryRole() async throws {
        try await TestPlatform.withDemo { platform, http in
            var tokens: [Caller: String] = [:]
            for (caller, username) in Self.usernames { tokens[caller] = try await http.token(username) }
            let system = try #require(try await platform.accounts.find(username: "motcua.he-thong"))
            let admin = try #require(tokens[.platformAdmin])
            let key = try await http.request(.post, "/api/v1/accounts/\(system.id)/api-keys", token: admin, json: ["name": "matrix"])
            tokens[.system] = key.json["secret"] as? String

            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            let healthOfficer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            let counter = Counter()
            let newAccount: @Sendable () -> [String: Any] = {
                [
                    "username": "new.\(counter.next())", "fullName": "Cán bộ Mới", "agencyID": health.id, "roles": ["officer"],
                    "password": "Moi@12345678",
                ]
            }
            let everyone = Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, 200) })
            let cases: [Case] = [
                Case(method: .get, path: "/api/v1/units", allowed: everyone),
                Case(method: .get, path: "/api/v1/units/2025:68", allowed: everyone),
                Case(method: .get, path: "/api/v1/agencies", allowed: everyone),
                Case(method: .get, path: "/api/v1/agencies/\(health.id)", allowed: everyone),
                Case(
                    method: .post, path: "/api/v1/agencies",
                    body: { ["code": "000.00.\(String(format: "%02d", 20 + counter.next() % 70)).H38", "name": "Sở Mới", "kind": "department"] },
                    allowed: [.platformAdmin: 201]),
                Case(
                    method: .patch, path: "/api/v1/agencies/\(health.id)", body: { ["name": "Sở Y tế tỉnh Lâm Đồng"] },
                    allowed: [.healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/me", allowed: everyone.filter { $0.key != .anonymous }),
                Case(method: .get, path: "/api/v1/accounts", allowed: [.healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/accounts?agency=\(health.id)", allowed: [.healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/accounts/\(healthOfficer.id)", allowed: [.officer: 200, .healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .post, path: "/api/v1/accounts", body: newAccount, allowed: [.healthAdmin: 201, .platformAdmin: 201]),
                Case(
                    method: .post, path: "/api/v1/accounts",
                    body: {
                        [
                            "username": "boss.\(counter.next())", "fullName": "Quản trị", "agencyID": health.id, "roles": ["platform_admin"],
                            "password": "Moi@12345678",
                        ]
                    },
                    allowed: [.platformAdmin: 201]),
                Case(method: .post, path: "/api/v1/accounts/\(healthOfficer.id)/disable", allowed: [.healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .post, path: "/api/v1/accounts/\(healthOfficer.id)/enable", allowed: [.healthAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .post, path: "/api/v1/accounts/\(healthOfficer.id)/password", body: { ["password": "DatLai@2026x"] },
                    allowed: [.healthAdmin: 204, .platformAdmin: 204], auditedWhenRefused: [.officer]),
                Case(method: .get, path: "/api/v1/accounts/\(system.id)/api-keys", allowed: [.platformAdmin: 200]),
                Case(
                    method: .post, path: "/api/v1/accounts/\(system.id)/api-keys", body: { ["name": "k\(counter.next())"] },
                    allowed: [.platformAdmin: 201]),
                Case(method: .get, path: "/api/v1/audit", allowed: [.leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/audit?agency=\(health.id)", allowed: [.healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/audit/verify", allowed: [.platformAdmin: 200]),
                Case(
                    method: .get, path: "/api/v1/hub/members",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .post, path: "/api/v1/hub/members",
                    body: { ["instance": "VN", "memberClass": "GOV", "memberCode": "M\(counter.next())", "name": "Thành viên"] },
                    allowed: [.platformAdmin: 201]),
                Case(method: .get, path: "/api/v1/hub/messages", allowed: [.platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/hub/messages/verify", allowed: [.platformAdmin: 200]),
                Case(method: .get, path: "/api/v1/hub/messages/1/bodies", allowed: [.platformAdmin: 404]),
                Case(
                    method: .get, path: "/api/v1/hub/monitoring",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .get, path: "/api/v1/hub/national-systems",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .get, path: "/api/v1/hub/peers",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .post, path: "/api/v1/hub/peers",
                    body: {
                        [
                            "id": "PEER\(counter.next())", "name": "Nền tảng khác", "url": "https://127.0.0.1:9443",
                            "fingerprint": String(repeating: "a", count: 64),
                        ]
                    },
                    allowed: [.platformAdmin: 201]),
                Case(
                    method: .get, path: "/api/v1/hub/groups",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .post, path: "/api/v1/hub/groups", body: { ["code": "G\(counter.next())", "name": "Nhóm hệ thống"] },
                    allowed: [.platformAdmin: 201]),
                Case(
                    method: .get, path: "/api/v1/hub/identity",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .put, path: "/api/v1/hub/national-systems/population", body: { ["serviceID": NSNull()] }, allowed: [.platformAdmin: 200]),
            ]

            // The routes named above are the ones the cases call, no more and no fewer.
            for testCase in cases {
                #expect(
                    Self.routes.contains { Self.matches($0, method: testCase.method.rawValue, path: testCase.path) },
                    "\(testCase.method) \(testCase.path) is not among the matrix's routes")
            }
            for route in Self.routes {
                #expect(
                    cases.contains { Self.matches(route, method: $0.method.rawValue, path: $0.path) }, "\(route) is named but never called")
            }
            var checked = 0
            for testCase in cases {
                // Denials first: each must leave the audit trail, and so the data, as it was.
                let denied = Caller.allCases.filter { testCase.allowed[$0] == nil }
                for caller in denied {
                    let before = try await AuditHead.read(platform)
                    let reply = try await http.request(testCase.method, testCase.path, token: tokens[caller], json: testCase.body?())
                    let expected = caller == .anonymous ? 401 : testCase.denied
                    #expect(reply.status == expected, "\(testCase.method) \(testCase.path) as \(caller): \(reply.status) \(reply.body)")
                    #expect(reply.headers[.contentType] == "application/problem+json", "\(testCase.path) as \(caller)")
                    let audited = try await AuditHead.read(platform) != before
                    #expect(
                        audited == testCase.auditedWhenRefused.contains(caller),
                        "a denied \(testCase.method) \(testCase.path) as \(caller): audited \(audited)")
                    checked += 1
                }
                for (caller, status) in testCase.allowed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let reply = try await http.request(testCase.method, testCase.path, token: tokens[caller], json: testCase.body?())
                    #expect(reply.status == status, "\(testCase.method) \(testCase.path) as \(caller): \(reply.status) \(reply.body)")
                    checked += 1
                }
                if testCase.method == .post, testCase.path.contains(healthOfficer.id) {
                    // Disabling an account or resetting its password ends its sessions: the officer signs in again.
                    if testCase.path.hasSuffix("/disable") {
                        _ = try await http.request(.post, "/api/v1/accounts/\(healthOfficer.id)/enable", token: admin)
                    }
                    let password = testCase.path.hasSuffix("/password") ? "DatLai@2026x" : DemoProvince.password
                    tokens[.officer] = try await http.token("yte.canbo", password: password)
                }
            }
            #expect(checked == cases.count * Caller.allCases.count)

            // Scope: an agency administrator's lists hold only their own agency.
            let scoped = try await http.request(.get, "/api/v1/accounts?limit=200", token: tokens[.healthAdmin])
            #expect(!scoped.items.isEmpty)
            #expect(scoped.items.allSatisfy { $0["agencyID"] as? String == health.id })
            let trail = try await http.request(.get, "/api/v1/audit?limit=200", token: tokens[.healthAdmin])
            #expect(trail.items.allSatisfy { $0["agencyID"] as? String == health.id })
        }
    }
}

/// The newest audit entry: unchanged when nothing was changed.
enum AuditHead {
    static func read(_ platform: Platform) async throws -> String {
        try await platform.database.read { db in
            try await db.raw("SELECT seq, hash FROM audit_head").first().map {
                "\(try $0.decode(column: "seq", as: Int.self)):\(try $0.decode(column: "hash", as: String.self))"
            } ?? ""
        }
    }
}
