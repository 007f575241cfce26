import Foundation
import HTTPTypes
import ProvinceCore
import Testing

@testable import ProvinceWeb

/// The registry through the API and its pages, on the demo province.
@Suite struct CommunityTeamsAPITests {
    static let commune = "2008:24781"
    static var figures: [String: Any] { ["members": 21, "villageTeams": 11, "villageMembers": 70, "leader": "Ka Thị Nhung"] }

    /// The API routes of the module, each called by `roleMatrix` (read by `RouteMatrixTests`' coverage check).
    static let routes: Set<String> = [
        "GET /api/v1/community-teams", "GET /api/v1/community-teams/report", "GET /api/v1/community-teams/{unit}",
        "PUT /api/v1/community-teams/{unit}", "GET /api/v1/community-teams/{unit}/trainings",
        "POST /api/v1/community-teams/{unit}/trainings",
    ]

    @Test func theDemoHasTheReportedFigures() async throws {
        try await TestPlatform.withDemo { _, http in
            let report = try await http.request(.get, "/api/v1/community-teams/report")
            #expect(report.status == 200, "\(report.body)")
            let province = try #require(report["province"] as? [String: Any])
            #expect(province["unitID"] as? String == "2008:68")
            #expect(province["communes"] as? Int == 141)
            #expect(province["communesWithTeam"] as? Int == 141)
            #expect(province["members"] as? Int == 2_538)
            #expect(province["villageTeams"] as? Int == 1_367)
            #expect(province["villageMembers"] as? Int == 9_088)
            #expect((report["districts"] as? [[String: Any]])?.count == 10)
            let teams = try await http.request(.get, "/api/v1/community-teams?province=2008:68")
            #expect(teams.items.count == 141)
            // The province after the reform has none recorded: every commune counted, none with a team.
            let after = try await http.request(.get, "/api/v1/community-teams/report?province=2025:68")
            #expect((after["province"] as? [String: Any])?["communesWithTeam"] as? Int == 0)
            #expect((after["province"] as? [String: Any])?["communes"] as? Int == 124)
            #expect(try await http.request(.get, "/api/v1/community-teams/report?province=nowhere").status == 404)
        }
    }

    @Test func whoMayRecordAndWhatIsRefused() async throws {
        try await TestPlatform.withDemo { platform, http in
            let path = "/api/v1/community-teams/\(Self.commune)"
            let before = try await AuditHead.read(platform)
            #expect(try await http.request(.put, path, json: Self.figures).status == 401)
            for username in ["yte.canbo", "tttt.quantri", "068090001234", "ubnd.lanhdao"] {
                let reply = try await http.request(.put, path, token: try await http.token(username), json: Self.figures)
                #expect(reply.status == 403, "\(username): \(reply.body)")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
            #expect(try await AuditHead.read(platform) == before)
            let admin = try await http.token("admin")
            // A district, a province and an unknown unit are no communes.
            for unit in ["2008:672", "2008:68", "2008:99999"] {
                #expect(try await http.request(.put, "/api/v1/community-teams/\(unit)", token: admin, json: Self.figures).status == 404)
            }
            let invalid = try await http.request(
                .put, path, token: admin, json: ["members": 5, "villageTeams": 4, "villageMembers": 2], headers: [.acceptLanguage: "en"])
            #expect(invalid.status == 400)
            #expect((invalid["errors"] as? [String: String])?.keys.sorted() == ["villageMembers"])
            #expect(try await http.request(.put, path, token: admin, rawBody: #"{"members": "many"}"#).status == 400)
            #expect(try await http.request(.put, path, token: admin, rawBody: #"{"members": 1e400}"#).status == 400)
            #expect(try await AuditHead.read(platform) == before)

            let saved = try await http.request(.put, path, token: admin, json: Self.figures)
            #expect(saved.status == 200, "\(saved.body)")
            #expect(saved["members"] as? Int == 21)
            #expect(saved["leader"] as? String == "Ka Thị Nhung")
            #expect(try await AuditHead.read(platform) != before)
            let report = try await http.request(.get, "/api/v1/community-teams/report")
            #expect((report["province"] as? [String: Any])?["members"] as? Int == 2_538 - 18 + 21)

            // Trainings: only for a commune with a team; the latest first.
            let trainings = "\(path)/trainings"
            #expect(
                try await http.request(.post, trainings, token: admin, json: ["heldOn": "2024-02-30", "topic": "VNeID", "participants": 3]).status
                    == 400)
            for (day, topic) in [("2024-10-02", "Cài đặt VNeID"), ("2024-11-19", "Thanh toán không dùng tiền mặt")] {
                let made = try await http.request(.post, trainings, token: admin, json: ["heldOn": day, "topic": topic, "participants": 30])
                #expect(made.status == 201, "\(made.body)")
            }
            #expect(try await http.request(.get, trainings).items.map { $0["heldOn"] as? String } == ["2024-11-19", "2024-10-02"])
            #expect(
                try await http.request(
                    .post, trainings, token: try await http.token("yte.canbo"), json: ["heldOn": "2024-11-19", "topic": "x", "participants": 3]
                ).status == 403)
            // After the reform the communes have no team yet: a training waits for one.
            let ward = try await http.request(
                .post, "/api/v1/community-teams/2025:24781/trainings", token: admin, json: ["heldOn": "2025-08-01", "topic": "x", "participants": 3])
            #expect(ward.status == 409, "\(ward.body)")
        }
    }

    /// An officer of a commune's own People's Committee keeps its teams; one of another commune, or of a department of
    /// the province above every commune, does not, and a refused request is refused before its body is read.
    @Test func theCommunesOwnOfficersKeepItsTeams() async throws {
        try await TestPlatform.withDemo { platform, http in
            // The demo's ward (Xuân Hương, in the 2025 edition) has its People's Committee and an officer.
            let ward = "2025:24781"
            let before = try await AuditHead.read(platform)
            for username in ["yte.canbo", "tttt.quantri", "tttt.canbo"] {
                let token = try await http.token(username)
                let reply = try await http.request(.put, "/api/v1/community-teams/\(ward)", token: token, json: Self.figures)
                #expect(reply.status == 403, "\(username): \(reply.body)")
                // Refused before the body is read: a bad body is not the answer.
                let bad = try await http.request(.put, "/api/v1/community-teams/\(ward)", token: token, rawBody: "{")
                #expect(bad.status == 403, "\(username): \(bad.body)")
                let training = try await http.request(.post, "/api/v1/community-teams/\(ward)/trainings", token: token, rawBody: "{")
                #expect(training.status == 403, "\(username): \(training.body)")
            }
            #expect(try await AuditHead.read(platform) == before)
            let officer = try await http.token("xuanhuong.motcua")
            let own = try await http.request(.put, "/api/v1/community-teams/\(ward)", token: officer, json: Self.figures)
            #expect(own.status == 201, "\(own.body)")
            let other = try await http.request(.put, "/api/v1/community-teams/2025:24778", token: officer, json: Self.figures)
            #expect(other.status == 403, "\(other.body)")
            #expect(try await http.request(.get, "/api/v1/community-teams/\(ward)")["communeName"] as? String != nil)
            _ = platform
        }
    }

    @Test func thePagesShowTheFiguresAndTakeTheFormsOfThoseWhoKeepThem() async throws {
        try await TestPlatform.withDemo { platform, http in
            let page = try await http.request(.get, "/community-teams")
            #expect(page.status == 200)
            #expect(page.body.contains(#"<dd id="coverage">141/141</dd>"#))
            #expect(page.body.contains(#"<dd id="members">2538</dd>"#))
            #expect(page.body.contains(#"<dd id="village-teams">1367</dd>"#))
            #expect(page.body.contains(#"<dd id="village-members">9088</dd>"#))
            #expect(page.body.contains("<svg"))
            #expect(page.body.contains(#"href="/community-teams""#))
            let english = try await http.request(.get, "/community-teams", headers: [.cookie: "lang=en"])
            #expect(english.body.contains("Community digital-technology teams"))
            // Anyone reads a commune's page; the forms are for those who keep it.
            let anonymous = try await http.request(.get, "/community-teams/\(Self.commune)")
            #expect(anonymous.status == 200)
            #expect(!anonymous.body.contains("team-form"))
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            let (cookie, session) = try await platform.sessions.open(for: admin, kind: .web, address: nil)
            let headers: HTTPFields = [.cookie: "op_session=\(cookie)", .contentType: "application/x-www-form-urlencoded"]
            let form = try await http.request(.get, "/community-teams/\(Self.commune)", headers: headers)
            #expect(form.body.contains(#"id="team-form""#))
            let refused = try await http.request(
                .post, "/community-teams/\(Self.commune)", rawBody: "_csrf=\(session.csrfToken)&members=3&villageTeams=2&villageMembers=1",
                headers: headers)
            #expect(refused.status == 400)
            #expect(refused.body.contains(#"id="failure""#))
            #expect(refused.body.contains(#"value="1""#))
            let saved = try await http.request(
                .post, "/community-teams/\(Self.commune)",
                rawBody: "_csrf=\(session.csrfToken)&members=19&villageTeams=2&villageMembers=9&leader=K%27Br%C6%A1i",
                headers: headers)
            #expect(saved.status == 303)
            let after = try await http.request(.get, "/community-teams/\(Self.commune)?saved=1", headers: headers)
            #expect(after.body.contains(#"<dd id="members">19</dd>"#))
            #expect(after.body.contains("K&#39;Brơi") || after.body.contains("K&#x27;Brơi") || after.body.contains("K'Brơi"))
            #expect(try await http.request(.get, "/community-teams/2008:672").status == 404)
        }
    }
}
