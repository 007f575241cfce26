import Foundation
import HTTPTypes
import Hub
import ProvinceCore
import TestSupport
import Testing

@testable import ProvinceWeb

/// The rest of the API, route by route, for every kind of caller: one-stop shop, calendar, workflows, fees, the
/// index, sessions, and the hub's registry. What is refused is refused with its status and changes nothing; what is
/// allowed answers its status, and a write that succeeded is in the audit trail. A last check reads the router's
/// routes and fails on any API route that neither this matrix nor `AccessMatrixTests` calls.
@Suite struct RouteMatrixTests {
    typealias Caller = AccessMatrixTests.Caller

    struct Case {
        var method: HTTPRequest.Method
        /// The route as the router names it (`/api/v1/dossiers/{reference}`), for the coverage check.
        var route: String
        /// The path called; made anew for each call, so that a call can use a record of its own.
        var path: @Sendable () async throws -> String
        var body: (@Sendable () -> Any)? = nil
        var allowed: [Caller: Int]
        /// Status for signed-in callers not in `allowed`; anonymous callers get 401 unless listed.
        var denied = 403
        /// Callers refused with another status than `denied` (officials who may see a dossier but not rate it: 403,
        /// where others are told there is no such dossier).
        var deniedAs: [Caller: Int] = [:]
        /// Whether a 2xx answer to this call must have added to the audit trail.
        var audited: Bool
    }

    @Test func everyRemainingRouteForEveryRole() async throws {
        try await TestPlatform.withDemo { platform, http in
            var tokens: [Caller: String] = [:]
            for (caller, username) in AccessMatrixTests.usernames { tokens[caller] = try await http.token(username) }
            let systemAccount = try #require(try await platform.accounts.find(username: "motcua.he-thong"))
            tokens[.system] = try await platform.accounts.issueKey(for: systemAccount.id, name: "matrix", by: Actor(system: "test")).secret
            let cases = try await Self.cases(platform, http, tokens: tokens)
            var checked = 0
            for testCase in cases {
                for caller in Caller.allCases.filter({ testCase.allowed[$0] == nil }) {
                    let path = try await testCase.path()
                    let before = try await AuditHead.read(platform)
                    let reply = try await Self.send(testCase, path: path, token: tokens[caller], http: http)
                    let expected = caller == .anonymous ? 401 : testCase.deniedAs[caller] ?? testCase.denied
                    #expect(reply.status == expected, "\(testCase.method) \(path) as \(caller): \(reply.status) \(reply.body.prefix(300))")
                    #expect(reply.headers[.contentType] == "application/problem+json", "\(testCase.method) \(path) as \(caller)")
                    #expect(try await AuditHead.read(platform) == before, "a refused \(testCase.method) \(path) as \(caller) changed data")
                    checked += 1
                }
                for (caller, status) in testCase.allowed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let path = try await testCase.path()
                    let before = try await AuditHead.read(platform)
                    let reply = try await Self.send(testCase, path: path, token: tokens[caller], http: http)
                    #expect(reply.status == status, "\(testCase.method) \(path) as \(caller): \(reply.status) \(reply.body.prefix(300))")
                    let changed = try await AuditHead.read(platform) != before
                    let shouldChange = testCase.audited && (200..<300).contains(status)
                    #expect(changed == shouldChange, "\(testCase.method) \(path) as \(caller): audited \(changed)")
                    checked += 1
                }
            }
            #expect(checked == cases.count * Caller.allCases.count)

            // Every API route is called by one of the matrices.
            let served = Set(
                try await buildRouter(platform).routes.map { route in
                    "\(route.method.rawValue) /"
                        + route.path.description.split(separator: "/")
                        .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                }.filter { $0.contains(" /api/") })
            // Each module's own suite calls its routes for every kind of caller it tells apart.
            let called = Set(cases.map { "\($0.method.rawValue) \($0.route)" }).union(AccessMatrixTests.routes)
                .union(CommunityTeamsAPITests.routes)
            #expect(served.subtracting(called).isEmpty, "routes no matrix calls: \(served.subtracting(called).sorted())")
        }
    }

    static func send(_ testCase: Case, path: String, token: String?, http: TestHTTP) async throws -> TestHTTP.Reply {
        if let body = testCase.body?() { return try await http.request(testCase.method, path, token: token, json: body) }
        return try await http.request(testCase.method, path, token: token)
    }

    static func cases(_ platform: Platform, _ http: TestHTTP, tokens: [Caller: String]) async throws -> [Case] {
        let system = Actor(system: "system:test")
        let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
        let ict = try #require(try await platform.agencies.find(code: "000.00.02.H38"))
        let counter = Counter()
        let everyone = Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, 200) })
        let signedIn = everyone.filter { $0.key != .anonymous }
        let officials: [Caller: Int] = [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]

        /// JSON kept as text, so that the calls' closures can carry it; made into objects again for each call.
        func frozen(_ object: Any) throws -> @Sendable () -> Any {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            return { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? [:] }
        }
        // A dossier of the citizen's, held by the Department of Health.
        let submissionObject: [String: Any] = [
            "procedure": "1.002425", "form": ["so_giay_phep": "000123/LĐ-GPHN", "ly_do": "Bị mất"],
            "files": [DossiersAPITests.file("Đơn đề nghị cấp lại")],
        ]
        let submitted = try await http.request(.post, "/api/v1/dossiers", token: tokens[.citizen], json: submissionObject)
        let submission = try frozen(submissionObject)
        let dossier = try #require(submitted["code"] as? String, "\(submitted.body)")
        let tracking = try #require(submitted["trackingCode"] as? String)
        let procedureObject = try await http.request(.get, "/api/v1/procedures/1.002425").json
        let processCode = procedureObject["processCode"] as? String ?? ""
        let newProcedure: @Sendable () -> Any = {
            [
                "code": String(format: "9.%06d", counter.next()), "name": "Thủ tục thử", "field": "Y tế", "level": "province",
                "agencyCode": "000.00.07.H38", "onlineLevel": "partial", "deadlineDays": 10, "feeVND": 0,
                "documents": [["name": "Đơn", "required": true]], "formFields": [], "processCode": processCode,
            ]
        }
        let process = try frozen(try await http.request(.get, "/api/v1/processes/\(processCode)", token: tokens[.platformAdmin]).json)

        // The hub's registry: the Department of Health's consumer, the Department of Information and Communications'
        // service, a group.
        _ = try await platform.hubRegistry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.07.H38", name: "Sở Y tế", agencyID: health.id, by: system)
        _ = try await platform.hubRegistry.createSubsystem(
            memberID: "VN/GOV/000.00.07.H38", code: "YTE", name: "Hệ thống y tế", rateLimitPerSecond: nil, by: system)
        _ = try await platform.hubRegistry.createMember(
            instance: "VN", memberClass: "GOV", memberCode: "000.00.02.H38", name: "Sở TTTT", agencyID: ict.id, by: system)
        _ = try await platform.hubRegistry.createSubsystem(
            memberID: "VN/GOV/000.00.02.H38", code: "DATA", name: "Kho dữ liệu", rateLimitPerSecond: nil, by: system)
        let service = try await platform.hubRegistry.createService(
            subsystemID: "VN/GOV/000.00.02.H38/DATA", ServiceInput(serviceCode: "echo", upstreamURL: "http://127.0.0.1:9"), by: system)
        _ = try await platform.hubRegistry.createGroup(code: "G1", name: "Nhóm", by: system)
        let servicePath = "/api/v1/hub/services/" + service.id.replacingOccurrences(of: "/", with: ":")
        let grant: @Sendable () async throws -> String = {
            let right = try await platform.hubRegistry.grant(
                consumerID: "VN/GOV/000.00.07.H38/YTE", serviceID: service.id,
                endpoint: HubEndpoint(method: "GET", path: "/r\(counter.next())"), by: system)
            return "/api/v1/hub/rights/\(right.id)"
        }
        let openAPI = try frozen(["openapi": "3.0.3", "info": ["title": "Echo", "version": "1"], "paths": ["/echo/{id}": ["get": [:]]]])
        let fixed: (String) -> @Sendable () async throws -> String = { path in { path } }

        return [
            // Calendar and the working-day clock: public to read, the platform's to adjust.
            Case(method: .get, route: "/api/v1/calendar/{year}", path: fixed("/api/v1/calendar/2026"), allowed: everyone, audited: false),
            Case(
                method: .get, route: "/api/v1/calendar/due-date", path: fixed("/api/v1/calendar/due-date?received=2026-02-13&days=5"),
                allowed: everyone, audited: false),
            Case(
                method: .put, route: "/api/v1/calendar/adjustments/{date}", path: fixed("/api/v1/calendar/adjustments/2026-05-04"),
                body: { ["kind": "day-off", "name": "Nghỉ bù"] }, allowed: [.platformAdmin: 200], audited: true),
            Case(
                method: .delete, route: "/api/v1/calendar/adjustments/{date}", path: fixed("/api/v1/calendar/adjustments/2026-05-04"),
                allowed: [.platformAdmin: 204], audited: true),
            // The catalogue: public to read; the resolving agency's administrators and the platform's write it.
            Case(method: .get, route: "/api/v1/procedures", path: fixed("/api/v1/procedures"), allowed: everyone, audited: false),
            Case(
                method: .get, route: "/api/v1/procedures/{reference}", path: fixed("/api/v1/procedures/1.002425"), allowed: everyone, audited: false),
            Case(
                method: .post, route: "/api/v1/procedures", path: fixed("/api/v1/procedures"), body: newProcedure,
                allowed: [.healthAdmin: 201, .platformAdmin: 201], audited: true),
            Case(
                method: .post, route: "/api/v1/procedures/import", path: fixed("/api/v1/procedures/import"), body: { [newProcedure()] },
                allowed: [.healthAdmin: 200, .platformAdmin: 200], audited: true),
            // Workflows: read by anyone signed in, written by the platform.
            Case(method: .get, route: "/api/v1/processes", path: fixed("/api/v1/processes"), allowed: signedIn, audited: false),
            Case(
                method: .get, route: "/api/v1/processes/{code}", path: fixed("/api/v1/processes/\(processCode)"),
                allowed: signedIn, audited: false),
            Case(
                method: .put, route: "/api/v1/processes/{code}", path: fixed("/api/v1/processes/\(processCode)"),
                body: process, allowed: [.platformAdmin: 200], audited: true),
            // Dossiers: the applicant and the officials of the agencies that receive, resolve or hold them; anyone else
            // is told there is no such dossier.
            Case(
                method: .post, route: "/api/v1/dossiers", path: fixed("/api/v1/dossiers"), body: submission,
                allowed: [.citizen: 201, .officer: 400], audited: true),
            Case(method: .get, route: "/api/v1/dossiers/inbox", path: fixed("/api/v1/dossiers/inbox"), allowed: officials, audited: false),
            Case(method: .get, route: "/api/v1/dossiers/mine", path: fixed("/api/v1/dossiers/mine"), allowed: [.citizen: 200], audited: false),
            Case(
                method: .get, route: "/api/v1/dossiers/{reference}", path: fixed("/api/v1/dossiers/\(dossier)"),
                allowed: [.citizen: 200, .officer: 200, .healthAdmin: 200, .platformAdmin: 200], denied: 404, audited: false),
            Case(
                method: .get, route: "/api/v1/dossiers/{reference}/payment", path: fixed("/api/v1/dossiers/\(dossier)/payment"),
                allowed: [.citizen: 200, .officer: 200, .healthAdmin: 200, .platformAdmin: 200], denied: 404, audited: false),
            Case(
                method: .post, route: "/api/v1/dossiers/{reference}/actions", path: fixed("/api/v1/dossiers/\(dossier)/actions"),
                body: { ["action": "thu-ly"] }, allowed: [.officer: 200], audited: true),
            Case(
                method: .post, route: "/api/v1/dossiers/{reference}/payment", path: fixed("/api/v1/dossiers/\(dossier)/payment"),
                body: { ["amount": 360_000, "method": "cash", "reference": "BL-\(counter.next())"] }, allowed: [.officer: 201], denied: 404,
                deniedAs: [.citizen: 403, .healthAdmin: 403, .platformAdmin: 403], audited: true),
            Case(
                method: .post, route: "/api/v1/dossiers/{reference}/rating", path: fixed("/api/v1/dossiers/\(dossier)/rating"),
                body: { ["score": 5] }, allowed: [.citizen: 409], denied: 404,
                deniedAs: [.officer: 403, .healthAdmin: 403, .platformAdmin: 403], audited: true),
            Case(method: .get, route: "/api/v1/track/{code}", path: fixed("/api/v1/track/\(tracking)"), allowed: everyone, audited: false),
            Case(method: .get, route: "/api/v1/service-quality", path: fixed("/api/v1/service-quality"), allowed: everyone, audited: false),
            Case(
                method: .get, route: "/api/v1/service-quality/export", path: fixed("/api/v1/service-quality/export"), allowed: everyone,
                audited: false),
            // Fees: an agency's collecting account is its administrators' (and the platform's).
            Case(
                method: .put, route: "/api/v1/agencies/{id}/payment-account", path: fixed("/api/v1/agencies/\(health.id)/payment-account"),
                body: { ["bankBIN": "970415", "account": "113366668888", "accountName": "SO Y TE LAM DONG"] },
                allowed: [.healthAdmin: 200, .platformAdmin: 200], audited: true),
            // The payment service's notifications carry a signature, not a session: without one, nobody is heard.
            Case(
                method: .post, route: "/api/v1/payments/notifications", path: fixed("/api/v1/payments/notifications"),
                body: { ["transactionID": "FT1", "dossierCode": dossier, "amount": 1] }, allowed: [:], denied: 401, audited: false),
            // Signing in, registering, sessions.
            Case(
                method: .post, route: "/api/v1/auth/token", path: fixed("/api/v1/auth/token"),
                body: { ["username": "tnmt.xem", "password": DemoProvince.password] }, allowed: everyone.mapValues { _ in 201 }, audited: false),
            Case(
                method: .post, route: "/api/v1/citizens", path: fixed("/api/v1/citizens"),
                body: { ["citizenID": String(format: "0682010%05d", counter.next()), "fullName": "Công Dân", "password": "HopLe@123456"] },
                allowed: everyone.mapValues { _ in 201 }, audited: true),
            Case(method: .get, route: "/api/v1/me/sessions", path: fixed("/api/v1/me/sessions"), allowed: signedIn, audited: false),
            Case(
                method: .delete, route: "/api/v1/me/sessions/{id}", path: fixed("/api/v1/me/sessions/0123456789abcdef"),
                allowed: signedIn.mapValues { _ in 404 }, audited: false),
            // The hub's registry: officials read it; a service's owner agency and the platform change it; groups and
            // the log are the platform's.
            Case(method: .get, route: "/api/v1/hub/subsystems", path: fixed("/api/v1/hub/subsystems"), allowed: officials, audited: false),
            Case(method: .get, route: "/api/v1/hub/services", path: fixed("/api/v1/hub/services"), allowed: officials, audited: false),
            Case(method: .get, route: "/api/v1/hub/services/{id}", path: fixed(servicePath), allowed: officials, audited: false),
            Case(method: .get, route: "/api/v1/hub/services/{id}/rights", path: fixed(servicePath + "/rights"), allowed: officials, audited: false),
            Case(
                method: .post, route: "/api/v1/hub/subsystems", path: fixed("/api/v1/hub/subsystems"),
                body: { ["memberID": "VN/GOV/000.00.07.H38", "subsystemCode": "S\(counter.next())", "name": "Hệ thống"] },
                allowed: [.healthAdmin: 201, .platformAdmin: 201], audited: true),
            Case(
                method: .post, route: "/api/v1/hub/services", path: fixed("/api/v1/hub/services"),
                body: { ["subsystemID": "VN/GOV/000.00.02.H38/DATA", "serviceCode": "s\(counter.next())", "upstreamURL": "http://127.0.0.1:9"] },
                allowed: [.otherAdmin: 201, .platformAdmin: 201], audited: true),
            Case(
                method: .patch, route: "/api/v1/hub/services/{id}", path: fixed(servicePath),
                body: { ["timeoutMilliseconds": 5000 + counter.next()] },
                allowed: [.otherAdmin: 200, .platformAdmin: 200], audited: true),
            Case(
                method: .put, route: "/api/v1/hub/services/{id}/openapi", path: fixed(servicePath + "/openapi"), body: openAPI,
                allowed: [.otherAdmin: 200, .platformAdmin: 200], audited: true),
            Case(
                method: .post, route: "/api/v1/hub/services/{id}/openapi-url", path: fixed(servicePath + "/openapi-url"),
                body: { ["url": "http://127.0.0.1:9/openapi.json"] }, allowed: [.otherAdmin: 400, .platformAdmin: 400], audited: true),
            Case(
                method: .post, route: "/api/v1/hub/rights", path: fixed("/api/v1/hub/rights"),
                body: { ["consumerID": "VN/GOV/000.00.07.H38/YTE", "serviceID": service.id, "method": "GET", "path": "/p\(counter.next())"] },
                allowed: [.otherAdmin: 201, .platformAdmin: 201], audited: true),
            Case(method: .delete, route: "/api/v1/hub/rights/{id}", path: grant, allowed: [.otherAdmin: 204, .platformAdmin: 204], audited: true),
            Case(
                method: .post, route: "/api/v1/hub/subsystems/{id}/keys", path: fixed("/api/v1/hub/subsystems/VN:GOV:000.00.07.H38:YTE/keys"),
                body: { ["name": "k\(counter.next())"] }, allowed: [.healthAdmin: 201, .platformAdmin: 201], audited: true),
            Case(
                method: .post, route: "/api/v1/hub/subsystems/{id}/certificates",
                path: fixed("/api/v1/hub/subsystems/VN:GOV:000.00.07.H38:YTE/certificates"),
                body: { ["name": "c", "fingerprint": String(format: "%064x", counter.next())] }, allowed: [.healthAdmin: 201, .platformAdmin: 201],
                audited: true),
            Case(
                method: .put, route: "/api/v1/hub/groups/{code}/members/{id}", path: fixed("/api/v1/hub/groups/G1/members/VN:GOV:000.00.07.H38:YTE"),
                allowed: [.platformAdmin: 200], audited: true),
            Case(
                method: .delete, route: "/api/v1/hub/groups/{code}/members/{id}",
                path: fixed("/api/v1/hub/groups/G1/members/VN:GOV:000.00.07.H38:YTE"), allowed: [.platformAdmin: 200], audited: true),
            Case(
                method: .get, route: "/api/v1/hub/messages/export", path: fixed("/api/v1/hub/messages/export"), allowed: [.platformAdmin: 200],
                audited: false),
            // A system account's key is revoked by who manages it: here, only the platform.
            Case(
                method: .delete, route: "/api/v1/api-keys/{id}",
                path: {
                    let (key, _) = try await platform.accounts.issueKey(
                        for: try #require(try await platform.accounts.find(username: "motcua.he-thong")).id, name: "r", by: system)
                    return "/api/v1/api-keys/\(key.id)"
                }, allowed: [.platformAdmin: 204], audited: true),
            // Last: it ends the caller's session. An API key has none to end.
            Case(
                method: .delete, route: "/api/v1/auth/token", path: fixed("/api/v1/auth/token"),
                allowed: signedIn.mapValues { _ in 204 }.merging([.system: 400]) { $1 }, audited: false),
        ]
    }
}
