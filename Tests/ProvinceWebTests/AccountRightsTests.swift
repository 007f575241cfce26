import Directory
import Foundation
import HTTPTypes
import ProvinceCore
import Testing

@testable import ProvinceWeb

/// Acting on accounts: nobody acts on an account that holds a role they could not grant, and the last enabled
/// platform administrator stays. Every role acts on an account of every role, and what each call changed is read
/// back from the database.
@Suite struct AccountRightsTests {
    enum Caller: String, CaseIterable {
        case anonymous, citizen, viewer, officer, leader, agencyAdmin, otherAgencyAdmin, platformAdmin, system
    }

    enum Target: String, CaseIterable {
        case platformAdmin, agencyAdmin, officer, leader, viewer, citizen, system, otherAgencyOfficer
    }

    /// Who may act on whom: a platform administrator on everyone; the Department of Information and Communications'
    /// administrator on its accounts that hold no platform role; the Department of Health's administrator on its own.
    static func mayAct(_ caller: Caller, on target: Target) -> Bool {
        switch caller {
        case .platformAdmin: true
        case .agencyAdmin: [.agencyAdmin, .officer, .leader, .viewer, .system].contains(target)
        case .otherAgencyAdmin: target == .otherAgencyOfficer
        default: false
        }
    }

    @Test func anAgencyAdministratorCannotTakeOverThePlatformAdministrator() async throws {
        try await TestPlatform.withDemo { platform, http in
            let agencyAdmin = try await http.token("tttt.quantri")
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            let reset = try await http.request(
                .post, "/api/v1/accounts/\(admin.id)/password", token: agencyAdmin, json: ["password": "ChiemQuyen@2026"])
            #expect(reset.status == 403, "\(reset.body)")
            #expect(reset.headers[.contentType] == "application/problem+json")
            let signIn = try await http.request(.post, "/api/v1/auth/token", json: ["username": "admin", "password": "ChiemQuyen@2026"])
            #expect(signIn.status == 401)
            _ = try await http.token("admin")
            #expect(try await http.request(.post, "/api/v1/accounts/\(admin.id)/disable", token: agencyAdmin).status == 403)
            #expect(try await platform.accounts.get(admin.id).disabled == false)

            // The same through the page, with the agency administrator's session and its form token.
            let account = try #require(try await platform.accounts.find(username: "tttt.quantri"))
            let (cookie, session) = try await platform.sessions.open(for: account, kind: .web, address: nil)
            let page = try await http.request(
                .post, "/admin/accounts/\(admin.id)/password", rawBody: "_csrf=\(session.csrfToken)&password=ChiemQuyen%402026",
                headers: [.cookie: "op_session=\(cookie)", .contentType: "application/x-www-form-urlencoded"])
            #expect(page.status == 403)
            #expect(try await http.request(.post, "/api/v1/auth/token", json: ["username": "admin", "password": "ChiemQuyen@2026"]).status == 401)
        }
    }

    @Test func everyRoleActsOnAnAccountOfEveryRole() async throws {
        try await TestPlatform.withDemo { platform, http in
            let system = Actor(system: "system:test")
            let ict = try #require(try await platform.agencies.find(code: "000.00.02.H38"))
            func official(_ username: String, _ roles: [Role], kind: String = "official") async throws -> Account {
                try await platform.accounts.create(
                    AccountInput(
                        kind: kind, username: username, fullName: "Tài khoản \(username)", agencyID: ict.id, roles: roles.map(\.rawValue),
                        password: kind == "official" ? DemoProvince.password : nil), by: system)
            }
            let targets: [Target: Account] = [
                .platformAdmin: try await official("admin2", [.platformAdmin]),
                .agencyAdmin: try await official("tttt.quantri2", [.agencyAdmin]),
                .officer: try await official("tttt.canbo2", [.officer]),
                .leader: try await official("tttt.lanhdao2", [.leader]),
                .viewer: try await official("tttt.xem", [.viewer]),
                .system: try await official("tttt.he-thong", [], kind: "system"),
                .citizen: try #require(try await platform.accounts.find(username: "068195004321")),
                .otherAgencyOfficer: try #require(try await platform.accounts.find(username: "yte.canbo")),
            ]
            var tokens: [Caller: String] = [:]
            let usernames: [Caller: String] = [
                .citizen: "068090001234", .viewer: "tnmt.xem", .officer: "tttt.canbo", .leader: "tttt.giamdoc", .agencyAdmin: "tttt.quantri",
                .otherAgencyAdmin: "yte.quantri", .platformAdmin: "admin",
            ]
            for (caller, username) in usernames { tokens[caller] = try await http.token(username) }
            let keyHolder = try #require(try await platform.accounts.find(username: "motcua.he-thong"))
            tokens[.system] = try await platform.accounts.issueKey(for: keyHolder.id, name: "matrix", by: system).secret

            var checked = 0
            for caller in Caller.allCases {
                for (target, account) in targets.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let allowed = Self.mayAct(caller, on: target)
                    let denied = caller == .anonymous ? 401 : 403
                    let label = "\(caller) on \(target)"

                    // Disabling.
                    let auditBefore = try await AuditHead.read(platform)
                    let disable = try await http.request(.post, "/api/v1/accounts/\(account.id)/disable", token: tokens[caller])
                    #expect(disable.status == (allowed ? 200 : denied), "disable, \(label): \(disable.body)")
                    #expect(try await platform.accounts.get(account.id).disabled == allowed, "disable, \(label)")
                    if allowed {
                        #expect(disable["disabled"] as? Bool == true)
                        let enable = try await http.request(.post, "/api/v1/accounts/\(account.id)/enable", token: tokens[caller])
                        #expect(enable.status == 200, "enable, \(label): \(enable.body)")
                        #expect(try await platform.accounts.get(account.id).disabled == false, "enable, \(label)")
                    } else {
                        #expect(disable.headers[.contentType] == "application/problem+json")
                        #expect(try await AuditHead.read(platform) == auditBefore, "a denied disable, \(label), changed data")
                    }

                    // Setting the password.
                    let hashBefore = try await Self.passwordHash(of: account.id, platform)
                    let reset = try await http.request(
                        .post, "/api/v1/accounts/\(account.id)/password", token: tokens[caller], json: ["password": "DatLaiMoi@2026"])
                    let expectedReset = allowed ? (target == .system ? 409 : 204) : denied
                    #expect(reset.status == expectedReset, "password, \(label): \(reset.body)")
                    let changed = try await Self.passwordHash(of: account.id, platform) != hashBefore
                    #expect(changed == (expectedReset == 204), "password, \(label)")

                    // Issuing an API key (system accounts only have them).
                    let keysBefore = try await platform.accounts.keys(of: account.id).count
                    let issue = try await http.request(
                        .post, "/api/v1/accounts/\(account.id)/api-keys", token: tokens[caller], json: ["name": "k"])
                    let expectedIssue = allowed ? (target == .system ? 201 : 409) : denied
                    #expect(issue.status == expectedIssue, "key, \(label): \(issue.body)")
                    #expect(try await platform.accounts.keys(of: account.id).count == keysBefore + (expectedIssue == 201 ? 1 : 0), "key, \(label)")
                    checked += 1
                }
            }
            #expect(checked == Caller.allCases.count * Target.allCases.count)
        }
    }

    @Test func theLastEnabledPlatformAdministratorStays() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            // The command line acts as the platform itself: still refused.
            await #expect(throws: AppError.self) {
                _ = try await platform.accounts.setDisabled(admin.id, true, by: Actor(system: "system:cli"))
            }
            #expect(try await platform.accounts.get(admin.id).disabled == false)

            let token = try await http.token("admin")
            let ict = try #require(try await platform.agencies.find(code: "000.00.02.H38"))
            let created = try await http.request(
                .post, "/api/v1/accounts", token: token,
                json: [
                    "username": "admin2", "fullName": "Quản trị Hai", "agencyID": ict.id, "roles": ["platform_admin"],
                    "password": DemoProvince.password,
                ])
            let secondID = try #require(created["id"] as? String, "\(created.body)")
            let second = try await http.token("admin2")
            #expect(try await http.request(.post, "/api/v1/accounts/\(admin.id)/disable", token: second).status == 200)
            // Now admin2 is the last: nobody, not even the platform, disables it.
            await #expect(throws: AppError.self) {
                _ = try await platform.accounts.setDisabled(secondID, true, by: Actor(system: "system:cli"))
            }
            #expect(try await http.request(.post, "/api/v1/accounts/\(secondID)/disable", token: second).status == 409)
            #expect(try await platform.accounts.get(secondID).disabled == false)
            #expect(try await http.request(.post, "/api/v1/accounts/\(admin.id)/enable", token: second).status == 200)
        }
    }

    /// A stolen session does not make a password: administrators, too, give the current one, and guesses at it are
    /// counted as sign-ins are.
    @Test func everyoneChangesTheirOwnPasswordWithTheCurrentOne() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            let token = try await http.token("admin")
            let path = "/api/v1/accounts/\(admin.id)/password"
            let before = try await Self.passwordHash(of: admin.id, platform)
            // No current password is a wrong one: the first of five guesses.
            #expect(try await http.request(.post, path, token: token, json: ["password": "MatKhauMoi@2026"]).status == 403)
            for attempt in 2...4 {
                let reply = try await http.request(
                    .post, path, token: token, json: ["password": "MatKhauMoi@2026", "currentPassword": "doan-sai-\(attempt)"])
                #expect(reply.status == 403, "\(attempt): \(reply.body)")
            }
            let fifth = try await http.request(.post, path, token: token, json: ["password": "MatKhauMoi@2026", "currentPassword": "doan-sai-5"])
            #expect(fifth.status == 423)
            // Now even the right one waits out the lock, as a sign-in from this address would.
            let locked = try await http.request(
                .post, path, token: token, json: ["password": "MatKhauMoi@2026", "currentPassword": DemoProvince.password])
            #expect(locked.status == 423, "\(locked.body)")
            #expect(try await Self.passwordHash(of: admin.id, platform) == before)
            // The agency administrator changing their own: the current password right, it works.
            let agencyAdmin = try #require(try await platform.accounts.find(username: "yte.quantri"))
            let own = try await http.token("yte.quantri")
            let changed = try await http.request(
                .post, "/api/v1/accounts/\(agencyAdmin.id)/password", token: own,
                json: ["password": "MatKhauMoi@2026", "currentPassword": DemoProvince.password])
            #expect(changed.status == 204, "\(changed.body)")
            _ = try await http.token("yte.quantri", password: "MatKhauMoi@2026")
        }
    }

    static func passwordHash(of id: String, _ platform: Platform) async throws -> String? {
        try await platform.database.read { db in
            try await db.raw("SELECT password_hash FROM accounts WHERE id = \(bind: id)").first()?.decode(column: "password_hash", as: String?.self)
        }
    }
}
