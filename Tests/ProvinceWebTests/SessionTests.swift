import Directory
import Foundation
import HTTPTypes
import ProvinceStore
import Testing

@testable import ProvinceWeb

/// Sessions end when unused as well as at their end, and a signed-in person sees and ends their other sessions.
@Suite struct SessionTests {
    /// Makes every session of `username` look last used `ago` seconds back.
    static func age(_ username: String, by ago: TimeInterval, _ platform: Platform) async throws {
        let account = try #require(try await platform.accounts.find(username: username))
        try await platform.database.write { db in
            try await db.raw(
                "UPDATE sessions SET last_seen_at = \(bind: Timestamp.string(Date().addingTimeInterval(-ago))) WHERE account_id = \(bind: account.id)"
            ).run()
        }
    }

    @Test func anUnusedSessionEnds() async throws {
        try await TestPlatform.withDemo { platform, http in
            let token = try await http.token("yte.canbo")
            try await Self.age("yte.canbo", by: 10 * 60, platform)
            #expect(try await http.request(.get, "/api/v1/me", token: token).status == 200)
            // Its use was kept: ten minutes of silence are forgotten.
            let seen = try await platform.database.read { db in
                try await db.raw("SELECT last_seen_at FROM sessions").all().map { try $0.decode(column: "last_seen_at", as: String.self) }
            }
            #expect(seen.allSatisfy { (Timestamp.date($0).map { Date().timeIntervalSince($0) } ?? 999) < 60 })
            try await Self.age("yte.canbo", by: SessionStore.apiIdle + 60, platform)
            #expect(try await http.request(.get, "/api/v1/me", token: token).status == 401)

            // A browser's session after 31 minutes.
            let account = try #require(try await platform.accounts.find(username: "tttt.quantri"))
            let (cookie, _) = try await platform.sessions.open(for: account, kind: .web, address: nil)
            let page = try await http.request(.get, "/admin/accounts", headers: [.cookie: "op_session=\(cookie)"])
            #expect(page.status == 200)
            try await Self.age("tttt.quantri", by: 31 * 60, platform)
            let after = try await http.request(.get, "/admin/accounts", headers: [.cookie: "op_session=\(cookie)"])
            #expect(after.status != 200)
            #expect(!after.body.contains("tttt.quantri"))
        }
    }

    @Test func aPersonSeesAndEndsTheirOtherSessions() async throws {
        try await TestPlatform.withDemo { platform, http in
            let here = try await http.token("yte.canbo")
            let there = try await http.token("yte.canbo")
            let other = try await http.token("yte.quantri")
            let listed = try await http.request(.get, "/api/v1/me/sessions", token: here)
            #expect(listed.status == 200)
            #expect(listed.items.count == 2)
            #expect(listed.items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(!listed.body.contains(here) && !listed.body.contains(there))
            let otherID = try #require(listed.items.first { $0["current"] as? Bool == false }?["id"] as? String)

            // Nobody ends another person's session.
            let theirs = try await http.request(.get, "/api/v1/me/sessions", token: other)
            let theirID = try #require(theirs.items.first?["id"] as? String)
            let refused = try await http.request(.delete, "/api/v1/me/sessions/\(theirID)", token: here)
            #expect(refused.status == 404)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(try await http.request(.get, "/api/v1/me", token: other).status == 200)
            #expect(try await http.request(.delete, "/api/v1/me/sessions/not-an-id", token: here).status == 404)

            #expect(try await http.request(.delete, "/api/v1/me/sessions/\(otherID)", token: here).status == 204)
            #expect(try await http.request(.get, "/api/v1/me", token: there).status == 401)
            #expect(try await http.request(.get, "/api/v1/me", token: here).status == 200)
            #expect(try await http.request(.get, "/api/v1/me/sessions", token: here).items.count == 1)
            #expect(try await http.request(.get, "/api/v1/me/sessions").status == 401)
        }
    }

    @Test func theAccountPageListsSessionsAndEndsThemWithTheFormsToken() async throws {
        try await TestPlatform.withDemo { platform, http in
            let account = try #require(try await platform.accounts.find(username: "yte.canbo"))
            let (cookie, session) = try await platform.sessions.open(for: account, kind: .web, address: nil)
            let api = try await http.token("yte.canbo")
            let headers: HTTPFields = [.cookie: "op_session=\(cookie)", .contentType: "application/x-www-form-urlencoded"]
            let page = try await http.request(.get, "/admin/accounts/\(account.id)", headers: headers)
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"sessions\""))
            let listed = try await http.request(.get, "/api/v1/me/sessions", token: api)
            let apiID = try #require(listed.items.first { $0["current"] as? Bool == true }?["id"] as? String)
            #expect(page.body.contains("/sessions/\(apiID)/end"))
            let forged = try await http.request(.post, "/sessions/\(apiID)/end", rawBody: "_csrf=wrong", headers: headers)
            #expect(forged.status == 403)
            #expect(try await http.request(.get, "/api/v1/me", token: api).status == 200)
            let ended = try await http.request(.post, "/sessions/\(apiID)/end", rawBody: "_csrf=\(session.csrfToken)", headers: headers)
            #expect(ended.status == 303)
            #expect(try await http.request(.get, "/api/v1/me", token: api).status == 401)
        }
    }
}
