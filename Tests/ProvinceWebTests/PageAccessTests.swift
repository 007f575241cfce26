import Directory
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import ProvinceWeb

/// The pages' side of the route × role matrix: nobody signed in is sent to the sign-in page, the wrong role or
/// agency gets a 403 page, a form without the session's CSRF token is refused, and none of it changes data.
@Suite struct PageAccessTests {
    typealias Caller = AccessMatrixTests.Caller

    struct Case {
        var method: HTTPRequest.Method
        var path: String
        var form: @Sendable () -> [String: String] = { [:] }
        var allowed: [Caller: Int]
        /// Callers whose refused attempt is still recorded: a wrong current password is a guess, audited as one.
        var auditedWhenRefused: Set<Caller> = []
    }

    @Test func everyPageForEveryRole() async throws {
        try await TestPlatform.withDemo { platform, http in
            var sessions: [Caller: (cookie: String, csrf: String)] = [:]
            for (caller, username) in AccessMatrixTests.usernames {
                let account = try #require(try await platform.accounts.find(username: username))
                let (token, session) = try await platform.sessions.open(for: account, kind: .web, address: nil)
                sessions[caller] = ("op_session=\(token)", session.csrfToken)
            }
            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            let officer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            let everyone = Dictionary(uniqueKeysWithValues: Caller.allCases.filter { $0 != .system }.map { ($0, 200) })
            let counter = Counter()
            let cases: [Case] = [
                Case(method: .get, path: "/", allowed: everyone),
                Case(method: .get, path: "/units", allowed: everyone),
                Case(method: .get, path: "/units/2025:68", allowed: everyone),
                Case(method: .get, path: "/agencies", allowed: everyone),
                Case(method: .get, path: "/agencies/\(health.id)", allowed: everyone),
                Case(method: .get, path: "/admin/accounts", allowed: [.healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/admin/accounts/\(officer.id)", allowed: [.officer: 200, .healthAdmin: 200, .platformAdmin: 200]),
                Case(method: .get, path: "/audit", allowed: [.leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .get, path: "/hub",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .get, path: "/hub/registry",
                    allowed: [.viewer: 200, .officer: 200, .leader: 200, .healthAdmin: 200, .otherAdmin: 200, .platformAdmin: 200]),
                Case(
                    method: .post, path: "/hub/registry/members",
                    form: { ["instance": "VN", "memberClass": "GOV", "memberCode": "M\(counter.next())", "name": "Thành viên mới"] },
                    allowed: [.platformAdmin: 303]),
                Case(method: .post, path: "/hub/national/population", form: { ["serviceID": ""] }, allowed: [.platformAdmin: 303]),
                Case(
                    method: .post, path: "/agencies",
                    form: { ["code": "000.00.\(80 + counter.next()).H38", "name": "Sở Mới", "kind": "department"] },
                    allowed: [.platformAdmin: 303]),
                Case(
                    method: .post, path: "/agencies/\(health.id)", form: { ["name": "Sở Y tế", "kind": "department"] },
                    allowed: [.healthAdmin: 303, .platformAdmin: 303]),
                Case(
                    method: .post, path: "/admin/accounts",
                    form: {
                        [
                            "username": "trang.moi\(counter.next())", "fullName": "Trang Mới", "agencyID": health.id, "roles": "officer",
                            "password": "TrangMoi2026",
                        ]
                    },
                    allowed: [.healthAdmin: 303, .platformAdmin: 303]),
                Case(
                    method: .post, path: "/admin/accounts/\(officer.id)/password", form: { ["password": "DatLai@2026x"] },
                    allowed: [.healthAdmin: 303, .platformAdmin: 303], auditedWhenRefused: [.officer]),
            ]
            for testCase in cases {
                for caller in Caller.allCases where caller != .system {
                    let before = try await AuditHead.read(platform)
                    let reply = try await send(testCase, as: sessions[caller], http: http)
                    if let expected = testCase.allowed[caller] {
                        #expect(reply.status == expected, "\(testCase.method) \(testCase.path) as \(caller): \(reply.status)")
                        continue
                    }
                    if caller == .anonymous {
                        #expect(reply.status == 303 && reply.headers[.location] == "/sign-in", "\(testCase.path) as nobody: \(reply.status)")
                    } else {
                        #expect(reply.status == 403, "\(testCase.method) \(testCase.path) as \(caller): \(reply.status)")
                        #expect(reply.body.contains("Không có quyền"), "\(testCase.path) as \(caller)")
                    }
                    let audited = try await AuditHead.read(platform) != before
                    #expect(
                        audited == testCase.auditedWhenRefused.contains(caller),
                        "a denied \(testCase.method) \(testCase.path) as \(caller): audited \(audited)")
                }
                // The same form without the session's token is refused, whoever sends it.
                if testCase.method == .post, let allowedCaller = testCase.allowed.keys.first, let session = sessions[allowedCaller] {
                    let before = try await AuditHead.read(platform)
                    let forged = try await send(testCase, as: (session.cookie, "forged-token"), http: http)
                    #expect(forged.status == 403 && forged.body.contains("Biểu mẫu đã hết hạn"), "\(testCase.path) without CSRF token")
                    #expect(try await AuditHead.read(platform) == before)
                }
            }
        }
    }

    func send(_ testCase: Case, as session: (cookie: String, csrf: String)?, http: TestHTTP) async throws -> TestHTTP.Reply {
        var headers: HTTPFields = [:]
        if let session { headers[.cookie] = session.cookie }
        guard testCase.method == .post else { return try await http.request(.get, testCase.path, headers: headers) }
        headers[.contentType] = "application/x-www-form-urlencoded"
        var fields = testCase.form()
        fields["_csrf"] = session?.csrf ?? ""
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await http.request(.post, testCase.path, rawBody: body, headers: headers)
    }
}
