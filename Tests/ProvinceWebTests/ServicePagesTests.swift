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
            #expect(try await http.request(.get, "/api/v1/track/\(code)")["state"] as? String == "xu-ly")
            // A body that is not multipart is refused, not guessed at.
            let plain = try await http.request(
                .post, "/dossiers/\(code)/actions", rawBody: "action=trinh-ky",
                headers: [.cookie: cookies["yte.canbo"]!.cookie, .contentType: "application/x-www-form-urlencoded"])
            #expect(plain.status == 400)
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
