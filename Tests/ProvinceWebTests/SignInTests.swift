import Directory
import Foundation
import HTTPTypes
import Testing

@testable import ProvinceWeb

/// Signing in on the API: tokens, lockout, disabled accounts, citizens, API keys.
@Suite struct SignInTests {
    @Test func tokenOpensAndClosesASession() async throws {
        try await TestPlatform.withDemo { _, http in
            let token = try await http.token("yte.canbo")
            let me = try await http.request(.get, "/api/v1/me", token: token)
            #expect(me.status == 200)
            #expect(me["username"] as? String == "yte.canbo")
            #expect(try await http.request(.delete, "/api/v1/auth/token", token: token).status == 204)
            let after = try await http.request(.get, "/api/v1/me", token: token)
            #expect(after.status == 401)
            #expect(after.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await http.request(.get, "/api/v1/me", token: "made-up-token-that-is-long-enough").status == 401)
            #expect(try await http.request(.get, "/api/v1/me", headers: [.authorization: "Basic YTpi"]).status == 401)
        }
    }

    @Test func repeatedFailuresLockTheAccount() async throws {
        try await TestPlatform.withDemo { _, http in
            for attempt in 1..<SignInGuardTests.threshold {
                let reply = try await http.request(.post, "/api/v1/auth/token", json: ["username": "tttt.canbo", "password": "wrong-\(attempt)"])
                #expect(reply.status == 401)
            }
            let locking = try await http.request(
                .post, "/api/v1/auth/token", json: ["username": "tttt.canbo", "password": "wrong-last"], headers: [.acceptLanguage: "en"])
            #expect(locking.status == 423)
            #expect(locking.headers[.retryAfter] == "900")
            #expect((locking["detail"] as? String)?.contains("Try again in 15 minutes") == true)
            // Even the right password is refused while the lock holds.
            let right = try await http.request(.post, "/api/v1/auth/token", json: ["username": "tttt.canbo", "password": DemoProvince.password])
            #expect(right.status == 423)
            #expect((right["detail"] as? String)?.contains("phút") == true)
            // An administrator's reset lifts it.
            let admin = try await http.token("tttt.quantri")
            let officer = try await http.request(.get, "/api/v1/accounts?q=tttt.canbo", token: admin)
            let id = try #require(officer.items.first?["id"] as? String)
            #expect(
                try await http.request(.post, "/api/v1/accounts/\(id)/password", token: admin, json: ["password": "MatKhauMoi2026"]).status == 204)
            _ = try await http.token("tttt.canbo", password: "MatKhauMoi2026")
        }
    }

    @Test func unknownUserAndWrongPasswordLookTheSame() async throws {
        try await TestPlatform.withDemo { _, http in
            let unknown = try await http.request(.post, "/api/v1/auth/token", json: ["username": "nobody", "password": "whatever123"])
            let wrong = try await http.request(.post, "/api/v1/auth/token", json: ["username": "admin", "password": "whatever123"])
            #expect(unknown.status == 401 && wrong.status == 401)
            #expect(unknown["detail"] as? String == wrong["detail"] as? String)
        }
    }

    @Test func disabledAccountIsToldSoAndItsSessionsEnd() async throws {
        try await TestPlatform.withDemo { platform, http in
            let officerToken = try await http.token("yte.canbo")
            let admin = try await http.token("yte.quantri")
            let officer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            #expect(try await http.request(.post, "/api/v1/accounts/\(officer.id)/disable", token: admin).status == 200)
            #expect(try await http.request(.get, "/api/v1/me", token: officerToken).status == 401)
            let reply = try await http.request(.post, "/api/v1/auth/token", json: ["username": "yte.canbo", "password": DemoProvince.password])
            #expect(reply.status == 403)
            #expect(reply["type"] as? String == "urn:openprovince:problem:account-disabled")
            // Administrators cannot lock themselves out.
            let adminAccount = try #require(try await platform.accounts.find(username: "yte.quantri"))
            #expect(try await http.request(.post, "/api/v1/accounts/\(adminAccount.id)/disable", token: admin).status == 409)
        }
    }

    @Test func citizensRegisterWithAValidCCCD() async throws {
        try await TestPlatform.withDemo { _, http in
            let invalid: [[String: Any]] = [
                ["citizenID": "12345", "fullName": "A B", "password": "HopLe@123456"],
                ["citizenID": "999090001234", "fullName": "A B", "password": "HopLe@123456"],  // no such province code
                ["citizenID": "068390001234", "fullName": "A B", "password": "HopLe@123456"],  // born in 2190
                ["citizenID": "068090009999", "fullName": "A B", "password": "short1"],
                ["citizenID": "068090009999", "fullName": "A B", "password": "OpenProvince@2026"],
            ]
            for body in invalid {
                let reply = try await http.request(.post, "/api/v1/citizens", json: body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply["errors"] != nil)
            }
            let created = try await http.request(
                .post, "/api/v1/citizens", json: ["citizenID": "068201001111", "fullName": "Trần Bé", "password": "HopLe@123456"])
            #expect(created.status == 201)
            #expect(created["kind"] as? String == "citizen")
            let again = try await http.request(
                .post, "/api/v1/citizens", json: ["citizenID": "068201001111", "fullName": "Trần Bé", "password": "HopLe@123456"])
            #expect(again.status == 409)
            let token = try await http.token("068201001111", password: "HopLe@123456")
            #expect(try await http.request(.get, "/api/v1/accounts", token: token).status == 403)
        }
    }

    @Test func apiKeysAreShownOnceAndRevocable() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("admin")
            let system = try #require(try await platform.accounts.find(username: "motcua.he-thong"))
            let issued = try await http.request(.post, "/api/v1/accounts/\(system.id)/api-keys", token: admin, json: ["name": "một cửa"])
            #expect(issued.status == 201)
            let secret = try #require(issued["secret"] as? String)
            let keyID = try #require((issued["key"] as? [String: Any])?["id"] as? String)
            let me = try await http.request(.get, "/api/v1/me", token: secret)
            #expect(me["username"] as? String == "motcua.he-thong")
            let listed = try await http.request(.get, "/api/v1/accounts/\(system.id)/api-keys", token: admin)
            #expect(!listed.body.contains(secret))
            let stored = try await platform.database.read { db in try await db.raw("SELECT key_hash FROM api_keys").all() }
            #expect(try stored.allSatisfy { try $0.decode(column: "key_hash", as: String.self) != secret })
            #expect(try await http.request(.get, "/api/v1/me", token: secret + "x").status == 401)
            #expect(try await http.request(.delete, "/api/v1/api-keys/\(keyID)", token: admin).status == 204)
            #expect(try await http.request(.get, "/api/v1/me", token: secret).status == 401)
            // Officials do not get keys.
            let official = try #require(try await platform.accounts.find(username: "yte.canbo"))
            #expect(try await http.request(.post, "/api/v1/accounts/\(official.id)/api-keys", token: admin, json: ["name": "x"]).status == 409)
        }
    }

    @Test func accountInputIsValidated() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("yte.quantri")
            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            let bad: [[String: Any]] = [
                ["username": "A B", "fullName": "X Y", "agencyID": health.id, "roles": ["officer"], "password": "HopLe@123456"],
                ["username": "ok.name", "fullName": "X Y", "agencyID": health.id, "roles": ["chief"], "password": "HopLe@123456"],
                ["username": "ok.name", "fullName": "X Y", "agencyID": health.id, "roles": [], "password": "HopLe@123456"],
                ["username": "ok.name", "fullName": "X Y", "agencyID": health.id, "roles": ["officer"], "password": "ok.name12345"],
                [
                    "username": "ok.name", "fullName": "X Y", "agencyID": health.id, "roles": ["officer"], "password": "HopLe@123456",
                    "email": "not-an-email",
                ],
            ]
            let before = try await AuditHead.read(platform)
            for body in bad {
                #expect(try await http.request(.post, "/api/v1/accounts", token: admin, json: body).status == 400, "\(body)")
            }
            #expect(try await AuditHead.read(platform) == before)
            let duplicate = try await http.request(
                .post, "/api/v1/accounts", token: admin,
                json: ["username": "yte.canbo", "fullName": "X Y", "agencyID": health.id, "roles": ["officer"], "password": "HopLe@123456"])
            #expect(duplicate.status == 409)
        }
    }
}
