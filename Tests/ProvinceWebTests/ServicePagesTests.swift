import Foundation
import HTTPTypes
import Testing

@testable import ProvinceWeb

/// The one-stop shop's pages through HTTP: a dossier's page and files only for those who may see them, forms refused
/// without the session's token, multipart bodies read as browsers send them.
@Suite struct ServicePagesTests {
    @Test func aDossiersPageAndFilesOnlyForThoseWhoMaySeeThem() async throws {
        try await TestPlatform.withDemo { platform, http in
            let citizen = try await http.token("068090001234")
            let submission: [String: Any] = [
                "procedure": "1.002425", "form": ["so_giay_phep": "000123/LĐ-GPHN", "ly_do": "Bị mất"],
                "files": [DossiersAPITests.file("Đơn đề nghị cấp lại")],
            ]
            let submitted = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: submission)
            let code = try #require(submitted["code"] as? String, "\(submitted.body)")
            let trackingCode = try #require(submitted["trackingCode"] as? String)
            let fileID = try #require((submitted["files"] as? [[String: Any]])?.first?["id"] as? String)
            var cookies: [String: (cookie: String, csrf: String)] = [:]
            for username in ["068090001234", "068195004321", "yte.canbo", "tnmt.xem", "tttt.canbo"] {
                let account = try #require(try await platform.accounts.find(username: username))
                let (token, session) = try await platform.sessions.open(for: account, kind: .web, address: nil)
                cookies[username] = ("op_session=\(token)", session.csrfToken)
            }
            func get(_ path: String, as username: String?) async throws -> TestHTTP.Reply {
                try await http.request(.get, path, headers: username.map { [.cookie: cookies[$0]!.cookie] } ?? [:])
            }
            for (username, status) in [
                ("068090001234", 200), ("yte.canbo", 200), ("068195004321", 404), ("tnmt.xem", 404), ("tttt.canbo", 404),
            ] {
                #expect(try await get("/dossiers/\(code)", as: username).status == status, "\(username)")
                #expect(try await get("/dossiers/\(code)/files/\(fileID)", as: username).status == status, "\(username)'s download")
            }
            #expect(try await get("/dossiers/\(code)", as: nil).status == 303)
            let download = try await get("/dossiers/\(code)/files/\(fileID)", as: "yte.canbo")
            #expect(download.headers[.contentType] == "application/pdf" && download.body.hasPrefix("%PDF-"))
            // The officer sees the health department's action; the citizen none yet.
            #expect(try await get("/dossiers/\(code)", as: "yte.canbo").body.contains("id=\"action-thu-ly\""))
            #expect(try await get("/dossiers/\(code)", as: "068090001234").body.contains("Bạn không có thao tác nào"))

            func post(_ action: String, as username: String, csrf: String? = nil) async throws -> TestHTTP.Reply {
                let boundary = "----ranh-gioi-\(UUID().uuidString)"
                let session = cookies[username]!
                let body = """
                    --\(boundary)\r
                    Content-Disposition: form-data; name="_csrf"\r
                    \r
                    \(csrf ?? session.csrf)\r
                    --\(boundary)\r
                    Content-Disposition: form-data; name="action"\r
                    \r
                    \(action)\r
                    --\(boundary)\r
                    Content-Disposition: form-data; name="\(action).extra-1"; filename=""\r
                    Content-Type: application/octet-stream\r
                    \r
                    \r
                    --\(boundary)--\r

                    """
                return try await http.request(
                    .post, "/dossiers/\(code)/actions", rawBody: body,
                    headers: [.cookie: session.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"])
            }
            #expect(try await post("thu-ly", as: "yte.canbo", csrf: "forged").status == 403)
            #expect(try await post("thu-ly", as: "068195004321").status == 404)
            let refused = try await post("tra-ket-qua", as: "yte.canbo")
            #expect(refused.status == 409 && refused.body.contains("id=\"failure\""))
            let done = try await post("thu-ly", as: "yte.canbo")
            #expect(done.status == 303 && done.headers[.location] == "/dossiers/\(code)?done=1")
            #expect(try await http.request(.get, "/api/v1/track/\(trackingCode)")["state"] as? String == "xu-ly")
            // A body that is not multipart is refused, not guessed at.
            let plain = try await http.request(
                .post, "/dossiers/\(code)/actions", rawBody: "action=trinh-ky",
                headers: [.cookie: cookies["yte.canbo"]!.cookie, .contentType: "application/x-www-form-urlencoded"])
            #expect(plain.status == 400)
        }
    }

    @Test func anOfficerRecordsADossierFromTheCounterOnce() async throws {
        try await TestPlatform.withDemo { platform, http in
            let account = try #require(try await platform.accounts.find(username: "yte.canbo"))
            let (token, session) = try await platform.sessions.open(for: account, kind: .web, address: nil)
            let boundary = "ranh-gioi-quay"
            func part(_ name: String, _ value: String) -> String {
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            let pdf = "%PDF-1.4\n%%EOF\n"
            let body =
                part("_csrf", session.csrfToken) + part("submissionKey", "quay-1") + part("applicantName", "Trần Văn Bình")
                + part("applicantCitizenID", "068090001234") + part("channel", "counter") + part("so_giay_phep", "000123/LĐ-GPHN")
                + part("ly_do", "Bị hỏng")
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"doc-0\"; filename=\"don.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\(pdf)\r\n"
                + "--\(boundary)--\r\n"
            let headers: HTTPFields = [.cookie: "op_session=\(token)", .contentType: "multipart/form-data; boundary=\(boundary)"]
            let first = try await http.request(.post, "/services/1.002425", rawBody: body, headers: headers)
            #expect(first.status == 303, "\(first.body)")
            let again = try await http.request(.post, "/services/1.002425", rawBody: body, headers: headers)
            #expect(again.headers[.location] == first.headers[.location], "the same form sent twice records one dossier")
            let path = try #require(first.headers[.location]?.split(separator: "?").first.map(String.init))
            let page = try await http.request(.get, path, headers: [.cookie: "op_session=\(token)"])
            #expect(page.body.contains("Trần Văn Bình") && page.body.contains("Tại bộ phận một cửa"))
            let inbox = try await http.request(.get, "/api/v1/dossiers/inbox", token: try await http.token("yte.canbo"))
            #expect(inbox.items.count == 1)
            // Without the applicant's name the form is shown again, with what was typed.
            let nameless = body.replacingOccurrences(of: "Trần Văn Bình", with: "").replacingOccurrences(of: "quay-1", with: "quay-2")
            let refused = try await http.request(.post, "/services/1.002425", rawBody: nameless, headers: headers)
            #expect(refused.status == 400 && refused.body.contains("id=\"failure\"") && refused.body.contains("000123/LĐ-GPHN"))
        }
    }

    @Test func multipartAsBrowsersSendIt() throws {
        let body = Array(
            """
            --XyZ\r
            Content-Disposition: form-data; name="ghi_chu"\r
            \r
            Dòng một\r
            dòng hai\r
            --XyZ\r
            Content-Disposition: form-data; name="doc-0"; filename="b%22an ve\\".pdf"\r
            Content-Type: application/pdf\r
            \r
            %PDF-1.4 --Xy\r
            --XyZ--\r

            """.utf8)
        let parts = try MultipartForm.parse(body, boundary: "XyZ")
        #expect(parts.count == 2)
        #expect(String(decoding: parts[0].data, as: UTF8.self) == "Dòng một\r\ndòng hai")
        #expect(parts[1].name == "doc-0" && parts[1].contentType == "application/pdf")
        #expect(String(decoding: parts[1].data, as: UTF8.self) == "%PDF-1.4 --Xy")
        #expect(MultipartForm.boundary(of: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary(of: "text/plain") == nil)
        #expect(throws: (any Error).self) { try MultipartForm.parse(Array("--XyZ\r\nno end".utf8), boundary: "XyZ") }
    }
}
