import Foundation
import HTTPTypes
import Testing

@testable import ProvinceWeb

/// Every form the pages take, read from the router itself so that a form added later is covered too: sent with a
/// forged token it is refused with 403 and changes nothing, whoever sends it.
@Suite struct PageFormsTests {
    /// Forms whose body is `multipart/form-data` (they carry files).
    static let multipart: Set<String> = ["/services/{code}", "/dossiers/{code}/actions"]

    @Test func everyFormRefusesAForgedToken() async throws {
        try await TestPlatform.withDemo { platform, http in
            // A dossier to act on, by the citizen who submitted it; the signed-in callers are the platform's administrator
            // (who may do most things) and that citizen (who may act on the dossier).
            let citizenToken = try await http.token("068090001234")
            let submission: [String: Any] = [
                "procedure": "1.002425", "form": ["so_giay_phep": "000123/LĐ-GPHN", "ly_do": "Bị mất"],
                "files": [DossiersAPITests.file("Đơn đề nghị cấp lại")],
            ]
            let submitted = try await http.request(.post, "/api/v1/dossiers", token: citizenToken, json: submission)
            let dossier = try #require(submitted["code"] as? String, "\(submitted.body)")
            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            let officer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            var cookies: [String] = []
            for username in ["admin", "068090001234"] {
                let account = try #require(try await platform.accounts.find(username: username))
                let (token, _) = try await platform.sessions.open(for: account, kind: .web, address: nil)
                cookies.append("op_session=\(token)")
            }
            let sessionID = try #require(try await platform.sessions.sessions(of: officer.id, currentToken: nil).first?.id ?? "0123456789abcdef")
            // Real records where a form names one, so that a form that looked its record up first is still reached.
            let records: [(String, String)] = [
                ("/agencies/{id}", "/agencies/\(health.id)"), ("/admin/accounts/{id}", "/admin/accounts/\(officer.id)"),
                ("/sessions/{id}", "/sessions/\(sessionID)"), ("/services/{code}", "/services/1.002425"),
                ("/dossiers/{code}", "/dossiers/\(dossier)"), ("/hub/national/{code}", "/hub/national/population"),
            ]

            let router = try await buildRouter(platform)
            let forms = router.routes.filter { $0.method == .post && !$0.path.description.hasPrefix("/api/") }
                .map { route in
                    "/"
                        + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                            separator: "/")
                }
            #expect(forms.count >= 28, "\(forms)")
            for template in Set(forms).sorted() {
                var path = template
                for (pattern, record) in records { path = path.replacingOccurrences(of: pattern, with: record) }
                for parameter in ["{id}", "{code}", "{right}", "{unit}"] { path = path.replacingOccurrences(of: parameter, with: "x") }
                for cookie in cookies {
                    let before = try await AuditHead.read(platform)
                    let reply: TestHTTP.Reply
                    if Self.multipart.contains(template) {
                        let boundary = "ranh-gioi"
                        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nforged\r\n--\(boundary)--\r\n"
                        reply = try await http.request(
                            .post, path, rawBody: body, headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"])
                    } else {
                        reply = try await http.request(
                            .post, path, rawBody: "_csrf=forged&name=X&password=Forged%402026x&enabled=on",
                            headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"])
                    }
                    #expect(reply.status == 403, "\(path) with \(cookie.prefix(14)): \(reply.status)")
                    #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
                    #expect(try await AuditHead.read(platform) == before, "a forged \(path) changed data")
                }
            }
        }
    }
}
