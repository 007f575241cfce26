import Audit
import Foundation
import ProvinceStore
import SQLKit
import Synchronization
import Testing
import WorkingDays

@testable import ProvinceWeb

/// A procedure crossing two levels, as the demo defines it: the ward's one-stop desk receives the dossier and hands it
/// to the department, which resolves it and sends the result back to the ward for return. Dated around Tết 2026
/// (Tuesday 17 February), whose days off the deadline skips.
@Suite struct CrossLevelDossierTests {
    /// A day the test moves forward.
    final class Today: Sendable {
        private let day: Mutex<CivilDate>
        init(_ day: CivilDate) { self.day = Mutex(day) }
        var value: CivilDate { day.withLock { $0 } }
        func set(_ text: String) { day.withLock { $0 = CivilDate(text)! } }
    }

    @Test func receivedAtTheWardResolvedByTheDepartmentAcrossTet() async throws {
        let today = Today(CivilDate("2026-02-12")!)
        try await TestPlatform.withPlatform(demo: true, today: { today.value }) { platform, http in
            let citizen = try await http.token("068090001234")
            let ward = try await http.token("xuanhuong.motcua")
            let officer = try await http.token("tttt.canbo")
            let director = try await http.token("tttt.giamdoc")
            let submission: [String: Any] = [
                "procedure": "2.001805",
                "form": ["ten_diem": "Điểm Internet Hoà Bình", "dia_chi": "12 Khu Hoà Bình, Xuân Hương - Đà Lạt", "so_may": "20"],
                "files": [DossiersAPITests.file("Đơn đề nghị"), DossiersAPITests.file("Giấy chứng nhận đăng ký kinh doanh", "gcn.pdf")],
                "submissionKey": "diem-internet",
            ]
            // Thursday 12 February 2026: five working days run Friday 13, then, after Tết's days off (Monday 16 to
            // Friday 20), Monday 23 to Thursday 26. Without Tết it would have been Thursday 19.
            let submitted = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: submission)
            #expect(submitted.status == 201, "\(submitted.body)")
            let code = try #require(submitted["code"] as? String)
            #expect(code.hasPrefix("000.31.01.H38-260212-"), "numbered by the ward that received it")
            #expect(submitted["dueOn"] as? String == "2026-02-26")
            #expect(submitted["holderAgencyID"] as? String == submitted["receivingAgencyID"] as? String)
            #expect(submitted["agencyID"] as? String != submitted["receivingAgencyID"] as? String)

            func act(_ token: String, _ action: String, reason: String? = nil, files: [[String: Any]] = []) async throws -> TestHTTP.Reply {
                var body: [String: Any] = ["action": action, "files": files]
                if let reason { body["reason"] = reason }
                return try await http.request(.post, "/api/v1/dossiers/\(code)/actions", token: token, json: body)
            }
            func inbox(_ token: String) async throws -> [String] {
                try await http.request(.get, "/api/v1/dossiers/inbox", token: token).items.compactMap { $0["code"] as? String }
            }
            // The ward holds it: the department can see it but not act on it yet.
            #expect(try await inbox(ward) == [code])
            #expect(try await inbox(officer).isEmpty)
            #expect(try await http.request(.get, "/api/v1/dossiers/\(code)", token: officer).status == 200)
            #expect(try await act(officer, "yeu-cau-bo-sung", reason: "Thiếu sơ đồ").status == 403)
            // The ward hands it to the department.
            let handed = try await act(ward, "chuyen-xu-ly")
            #expect(handed.status == 200 && handed["holderAgencyID"] as? String == submitted["agencyID"] as? String)
            #expect(try await inbox(ward).isEmpty)
            #expect(try await inbox(officer) == [code])
            #expect(try await act(ward, "trinh-ky").status == 403)
            #expect(try await http.request(.get, "/api/v1/dossiers/\(code)", token: ward).status == 200)

            // Friday 13: documents asked for; the clock stops until Tuesday 24, which lost two working days (23, 24):
            // due two working days later, Monday 2 March.
            today.set("2026-02-13")
            #expect(try await act(officer, "yeu-cau-bo-sung", reason: "Cần ảnh chụp điểm kinh doanh").status == 200)
            today.set("2026-02-24")
            let resubmitted = try await act(
                citizen, "nop-bo-sung",
                files: [DossiersAPITests.file("Ảnh chụp điểm kinh doanh", "anh.png", type: "image/png", content: DossiersAPITests.png)])
            #expect(resubmitted.status == 200)
            #expect(resubmitted["dueOn"] as? String == "2026-03-02" && resubmitted["pausedDays"] as? Int == 2)

            #expect(try await act(officer, "trinh-ky").status == 200)
            let approved = try await act(director, "phe-duyet", files: [DossiersAPITests.file("ket-qua", "giay-chung-nhan.pdf")])
            #expect(approved.status == 200)
            // The result goes back to the ward, which hands it to the applicant.
            #expect(approved["holderAgencyID"] as? String == submitted["receivingAgencyID"] as? String)
            #expect(try await inbox(officer).isEmpty)
            #expect(try await inbox(ward) == [code])
            #expect(try await act(officer, "tra-ket-qua").status == 403)
            today.set("2026-02-27")
            let returned = try await act(ward, "tra-ket-qua")
            #expect(returned["finished"] as? Bool == true)
            let history = (returned["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(history == ["nop", "chuyen-xu-ly", "yeu-cau-bo-sung", "nop-bo-sung", "trinh-ky", "phe-duyet", "tra-ket-qua"])

            // Every step audited and in the portal's outbox, in order.
            let dossierID = try #require(submitted["id"] as? String)
            let audited = try await AuditLog.entries(matching: .init(targetType: "dossier", targetID: dossierID), in: platform.database)
            #expect(audited.map(\.action).sorted() == history.map { $0 == "nop" ? "dossier.submit" : "dossier.\($0)" }.sorted())
            let outbox = try await platform.database.read { db in
                try await db.raw("SELECT event_seq FROM portal_outbox WHERE dossier_id = \(bind: dossierID) ORDER BY event_seq").all().map {
                    try $0.int("event_seq")
                }
            }
            #expect(outbox == Array(1...7))
            // Finished on time, counted for the department that resolves it.
            let index = try await http.request(.get, "/api/v1/service-quality?from=2026-02-01&to=2026-02-28", token: director)
            let lines = index["lines"] as? [[String: Any]] ?? []
            let department = try #require(lines.first { $0["agencyID"] as? String == submitted["agencyID"] as? String }, "\(index.body)")
            #expect(department["received"] as? Int == 1 && department["onTime"] as? Int == 1)
            #expect(department["unitName"] as? String == "Lâm Đồng")
            // By administrative unit: the department serves the province.
            let byUnit = try await http.request(.get, "/api/v1/service-quality?from=2026-02-01&to=2026-02-28&by=unit")
            let units = (byUnit["lines"] as? [[String: Any]] ?? []).dropFirst().map { ($0["unitName"] as? String, $0["received"] as? Int) }
            #expect(units.count == 1 && units.first?.0 == "Lâm Đồng" && units.first?.1 == 1, "\(byUnit.body)")
            #expect(try await http.request(.get, "/api/v1/service-quality?by=hamlet").status == 400)
            let procedures = byUnit["procedures"] as? [String: Any]
            #expect(procedures?["total"] as? Int == 5 && procedures?["fullyOnline"] as? Int == 3)
        }
    }
}
