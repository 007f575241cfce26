import Audit
import Foundation
import Testing

@testable import ProvinceWeb

/// Workflow definitions through the API: checked when saved, saved only by platform administrators, audited.
@Suite struct ProcessesAPITests {
    static func state(_ code: String, start: Bool = false, end: Bool = false) -> [String: Any] {
        ["code": code, "name": code, "isStart": start, "isTerminal": end, "isUpdatable": false, "stopsClock": false]
    }

    static func action(_ code: String, _ from: String, _ to: String, roles: [String]) -> [String: Any] {
        ["code": code, "name": code, "from": from, "to": to, "roles": roles, "requiredDocuments": [String](), "requiresReason": false]
    }

    static var process: [String: Any] {
        [
            "code": "ho-so.thu-nghiem", "name": "Hồ sơ một cấp", "timeLimitDays": 5,
            "states": [state("tiep-nhan", start: true), state("xu-ly"), state("da-tra", end: true)],
            "actions": [action("chuyen", "tiep-nhan", "xu-ly", roles: ["officer"]), action("tra", "xu-ly", "da-tra", roles: ["officer", "leader"])],
        ]
    }

    @Test func checkedSavedAndAudited() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("admin")
            let officer = try await http.token("tttt.canbo")
            #expect(try await http.request(.put, "/api/v1/processes/ho-so.thu-nghiem", token: officer, json: Self.process).status == 403)
            #expect(try await http.request(.put, "/api/v1/processes/ho-so.thu-nghiem", token: admin, json: Self.process).status == 201)
            #expect(try await http.request(.put, "/api/v1/processes/ho-so.thu-nghiem", token: admin, json: Self.process).status == 200)
            let listed = try await http.request(.get, "/api/v1/processes", token: officer)
            #expect(listed.items.map { $0["code"] as? String } == ["ho-so.lien-thong", "ho-so.mot-cap", "ho-so.thu-nghiem"])
            #expect(try await http.request(.get, "/api/v1/processes/ho-so.thu-nghiem").status == 401)
            let entries = try await AuditLog.entries(matching: .init(targetType: "process", targetID: "ho-so.thu-nghiem"), in: platform.database)
            #expect(entries.map(\.action).sorted() == ["process.create", "process.update"])
        }
    }

    @Test func aFlawedDefinitionIsRefusedWithEveryProblem() async throws {
        try await TestPlatform.withDemo { _, http in
            let admin = try await http.token("admin")
            var flawed = Self.process
            flawed["states"] = (flawed["states"] as! [[String: Any]]) + [Self.state("quen")]
            flawed["actions"] = (flawed["actions"] as! [[String: Any]]) + [Self.action("ky", "xu-ly", "da-tra", roles: [])]
            let reply = try await http.request(.put, "/api/v1/processes/ho-so.thu-nghiem", token: admin, json: flawed)
            #expect(reply.status == 400)
            #expect(reply.body.contains("không thể đến bước quen từ bước đầu") && reply.body.contains("thao tác ky không có vai trò nào được làm"))
            let english = try await http.request(
                .put, "/api/v1/processes/ho-so.thu-nghiem", token: admin, json: flawed, headers: [.acceptLanguage: "en"])
            #expect(english.body.contains("state quen cannot be reached from the start") && english.body.contains("no role may take action ky"))
            #expect(try await http.request(.put, "/api/v1/processes/khac", token: admin, json: Self.process).status == 400)
            #expect(
                try await http.request(.put, "/api/v1/processes/ho-so.thu-nghiem", token: admin, json: ["code": "ho-so.thu-nghiem"]).status == 400)
            #expect(try await http.request(.get, "/api/v1/processes/ho-so.thu-nghiem", token: admin).status == 404)
        }
    }
}
