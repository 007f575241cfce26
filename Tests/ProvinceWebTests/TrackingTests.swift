import Foundation
import HTTPTypes
import Testing

@testable import ProvinceWeb

/// Tracking without signing in takes the code the applicant was given, with its secret check part: the dossier's code
/// alone, a wrong check part or the next code of the day find nothing, in the words a code that does not exist gets.
@Suite struct TrackingTests {
    @Test func codesCannotBeWalked() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (_, _, _, citizen) = try await DossiersAPITests.setUp(http)
            let submitted = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: DossiersAPITests.submission)
            let code = try #require(submitted["code"] as? String, "\(submitted.body)")
            let trackingCode = try #require(submitted["trackingCode"] as? String)
            let tracked = try await http.request(.get, "/api/v1/track/\(trackingCode)")
            #expect(tracked.status == 200)
            #expect(tracked["code"] as? String == code)
            #expect(try await http.request(.get, "/api/v1/track/\(trackingCode.lowercased())").status == 200)

            let unknown = try await http.request(.get, "/api/v1/track/000.00.02.H38-000101-0001-ABCDEF", headers: [.acceptLanguage: "en"])
            #expect(unknown.status == 404)
            let number = Int(code.suffix(4))!
            let next = String(code.dropLast(4)) + String(format: "%04d", number + 1)
            for guess in [code, code + "-AAAAAA", code + "-", String(trackingCode.dropLast()), next, next + "-ABCDEF", trackingCode + "X"] {
                let reply = try await http.request(.get, "/api/v1/track/\(guess)", headers: [.acceptLanguage: "en"])
                #expect(reply.status == 404, "\(guess): \(reply.body)")
                #expect(reply.headers[.contentType] == "application/problem+json")
                #expect(reply["detail"] as? String == "No dossier \(guess).", "\(guess)")
                #expect(!reply.body.contains("procedureName"))
            }
            let page = try await http.request(.get, "/track?code=\(code)")
            #expect(page.status == 404)
            #expect(!page.body.contains("id=\"tracked\""))
            let found = try await http.request(.get, "/track?code=\(trackingCode)")
            #expect(found.status == 200 && found.body.contains("id=\"tracked\""))

            // A dossier from before check parts existed has one made from its random id, as the upgrade gave it.
            let id = try #require(submitted["id"] as? String)
            try await platform.database.write { db in try await db.raw("UPDATE dossiers SET track_key = NULL WHERE id = \(bind: id)").run() }
            let upgraded = code + "-" + String(id.dropFirst(24).prefix(6)).uppercased()
            #expect(try await http.request(.get, "/api/v1/track/\(upgraded)").status == 200)
            #expect(try await http.request(.get, "/api/v1/track/\(trackingCode)").status == 404)
        }
    }
}
