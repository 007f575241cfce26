import Audit
import Foundation
import Testing

@testable import ProvinceWeb

/// The working-day calendar through the API: anyone reads a year and counts a due date; a platform administrator
/// adjusts the year as the government announces it, each change audited.
@Suite struct CalendarAPITests {
    @Test func aYearAndADueDateAcrossTet() async throws {
        try await TestPlatform.withDemo { _, http in
            let year = try await http.request(.get, "/api/v1/calendar/2026")
            #expect(year.status == 200)
            let days = (year["daysOff"] as? [[String: Any]] ?? []).compactMap { $0["date"] as? String }
            #expect(days.contains("2026-02-17") && days.contains("2026-04-27") && days.count == 12)
            let due = try await http.request(.get, "/api/v1/calendar/due-date?received=2026-02-13&days=5")
            #expect(due.status == 200)
            #expect(due["due"] as? String == "2026-02-27")
        }
    }

    @Test func anAdministratorAdjustsTheYearAndItIsAudited() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("admin")
            let officer = try await http.token("tttt.canbo")
            // Friday 13 February 2026 given off as well: five working days from Thursday 12 now end on 27 February, not 26.
            let body: [String: Any] = ["kind": "day-off", "name": "Nghỉ thêm trước Tết"]
            #expect(try await http.request(.put, "/api/v1/calendar/adjustments/2026-02-13", json: body).status == 401)
            #expect(try await http.request(.put, "/api/v1/calendar/adjustments/2026-02-13", token: officer, json: body).status == 403)
            let set = try await http.request(.put, "/api/v1/calendar/adjustments/2026-02-13", token: admin, json: body)
            #expect(set.status == 200)
            #expect(set["kind"] as? String == "day-off")
            let due = try await http.request(.get, "/api/v1/calendar/due-date?received=2026-02-12&days=5")
            #expect(due["due"] as? String == "2026-02-27")
            let year = try await http.request(.get, "/api/v1/calendar/2026")
            #expect((year["adjustments"] as? [[String: Any]])?.first?["name"] as? String == "Nghỉ thêm trước Tết")
            #expect(try await http.request(.delete, "/api/v1/calendar/adjustments/2026-02-13", token: admin).status == 204)
            #expect(try await http.request(.delete, "/api/v1/calendar/adjustments/2026-02-13", token: admin).status == 404)
            let again = try await http.request(.get, "/api/v1/calendar/due-date?received=2026-02-12&days=5")
            #expect(again["due"] as? String == "2026-02-26")
            let entries = try await AuditLog.entries(matching: .init(targetType: "calendar-day"), in: platform.database)
            #expect(entries.map(\.action).sorted() == ["calendar.adjust", "calendar.unadjust"])
            #expect(entries.allSatisfy { $0.targetID == "2026-02-13" })
        }
    }

    @Test func badInputIsRefusedClearly() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("admin")
            for path in [
                "/api/v1/calendar/1800", "/api/v1/calendar/abc", "/api/v1/calendar/due-date?received=2026-02-30&days=5",
                "/api/v1/calendar/due-date?received=2026-02-13&days=-1", "/api/v1/calendar/due-date?received=2026-02-13",
            ] {
                let reply = try await http.request(.get, path)
                #expect(reply.status == 400, "\(path)")
                #expect(reply.headers[.contentType] == "application/problem+json", "\(path)")
            }
            let badKind = try await http.request(
                .put, "/api/v1/calendar/adjustments/2026-02-13", token: admin, json: ["kind": "holiday", "name": "x"])
            #expect(badKind.status == 400)
            let noName = try await http.request(
                .put, "/api/v1/calendar/adjustments/2026-02-13", token: admin, json: ["kind": "day-off", "name": " "])
            #expect(noName.status == 400)
            let badDate = try await http.request(
                .put, "/api/v1/calendar/adjustments/13-02-2026", token: admin, json: ["kind": "day-off", "name": "x"])
            #expect(badDate.status == 400)
            #expect(
                try await platform.database.read {
                    try await $0.raw("SELECT COUNT(*) AS n FROM calendar_adjustments").first()!.decode(column: "n", as: Int.self)
                } == 0)
        }
    }
}
