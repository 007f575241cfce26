import Audit
import Foundation
import ProvinceStore
import PublicServices
import SQLKit
import TestSupport
import Testing
import WorkingDays

@testable import ProvinceWeb

/// A dossier's life through the HTTP interface: submitted by a citizen with its files, sent back for more documents
/// (the clock stops), approved with its result, returned; every step in its history, audited and in the portal's
/// outbox. Bad input changes nothing.
@Suite struct DossiersAPITests {
    static let pdf = Data("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8).base64EncodedString()
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).base64EncodedString()

    static func file(_ kind: String, _ name: String = "don.pdf", type: String = "application/pdf", content: String = pdf) -> [String: Any] {
        ["kind": kind, "filename": name, "contentType": type, "content": content]
    }

    static func state(_ code: String, start: Bool = false, end: Bool = false, updatable: Bool = false, stops: Bool = false) -> [String: Any] {
        ["code": code, "name": code, "isStart": start, "isTerminal": end, "isUpdatable": updatable, "stopsClock": stops]
    }

    static func action(_ code: String, _ from: String, _ to: String, _ roles: [String], documents: [String] = [], reason: Bool = false) -> [String:
        Any]
    {
        ["code": code, "name": code, "from": from, "to": to, "roles": roles, "requiredDocuments": documents, "requiresReason": reason]
    }

    /// Sets up a procedure of the information department with its workflow and a leader to sign; returns tokens.
    static func setUp(_ http: TestHTTP) async throws -> (admin: String, officer: String, leader: String, citizen: String) {
        let admin = try await http.token("admin")
        let process: [String: Any] = [
            "code": "ho-so.cap-phep", "name": "Cấp phép",
            "states": [
                state("tiep-nhan", start: true), state("xu-ly"), state("cho-bo-sung", updatable: true, stops: true), state("cho-ky"),
                state("co-ket-qua"), state("da-tra", end: true), state("tu-choi", end: true),
            ],
            "actions": [
                action("thu-ly", "tiep-nhan", "xu-ly", ["officer"]),
                action("yeu-cau-bo-sung", "xu-ly", "cho-bo-sung", ["officer"], reason: true),
                action("nop-bo-sung", "cho-bo-sung", "xu-ly", ["citizen", "officer"]),
                action("trinh-ky", "xu-ly", "cho-ky", ["officer"]),
                action("phe-duyet", "cho-ky", "co-ket-qua", ["leader"], documents: ["ket-qua"]),
                action("tu-choi", "cho-ky", "tu-choi", ["leader"], reason: true),
                action("tra-ket-qua", "co-ket-qua", "da-tra", ["officer"]),
            ],
        ]
        #expect(try await http.request(.put, "/api/v1/processes/ho-so.cap-phep", token: admin, json: process).status == 201)
        let procedure: [String: Any] = [
            "code": "1.004227", "name": "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp", "field": "Phát thanh, truyền hình",
            "level": "province", "agencyCode": "000.00.02.H38", "onlineLevel": "full", "deadlineDays": 10, "feeVND": 0,
            "documents": [
                ["name": "Đơn đề nghị", "required": true], ["name": "Đề án", "required": true], ["name": "Ảnh giao diện", "required": false],
            ],
            "formFields": [
                ["key": "ten_trang", "label": "Tên trang", "kind": "text", "required": true],
                ["key": "ngay_hoat_dong", "label": "Ngày dự kiến hoạt động", "kind": "date", "required": false],
            ],
            "processCode": "ho-so.cap-phep",
        ]
        #expect(try await http.request(.post, "/api/v1/procedures", token: admin, json: procedure).status == 201)
        let agencies = try await http.request(.get, "/api/v1/agencies?q=000.00.02.H38")
        let agencyID = try #require(agencies.items.first?["id"] as? String)
        let account: [String: Any] = [
            "kind": "official", "username": "tttt.lanhdao", "fullName": "Phan Văn Đức", "agencyID": agencyID, "roles": ["leader"],
            "password": "Lâm Đồng 2026 cao nguyên!",
        ]
        #expect(try await http.request(.post, "/api/v1/accounts", token: admin, json: account).status == 201)
        return (
            admin, try await http.token("tttt.canbo"), try await http.token("tttt.lanhdao", password: "Lâm Đồng 2026 cao nguyên!"),
            try await http.token("068090001234")
        )
    }

    static var submission: [String: Any] {
        [
            "procedure": "1.004227", "form": ["ten_trang": "Tin tức Lâm Đồng", "ngay_hoat_dong": "2027-01-01"],
            "files": [file("Đơn đề nghị"), file("Đề án", "de-an.pdf")], "submissionKey": "lan-1",
        ]
    }

    @Test func aDossiersWholeLife() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (_, officer, leader, citizen) = try await Self.setUp(http)
            let submitted = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: Self.submission)
            #expect(submitted.status == 201, "\(submitted.body)")
            let code = try #require(submitted["code"] as? String)
            #expect(code.hasPrefix("000.00.02.H38-"))
            let trackingCode = try #require(submitted["trackingCode"] as? String)
            #expect(trackingCode.hasPrefix(code + "-") && trackingCode.count == code.count + 7)
            let today = CivilDate(Date())
            #expect(submitted["dueOn"] as? String == WorkingCalendar().dueDate(receivedOn: today, workingDays: 10).description)
            #expect((submitted["files"] as? [[String: Any]])?.count == 2)
            // What the submission answered is what is stored.
            let stored = try await http.request(.get, "/api/v1/dossiers/\(code)", token: citizen)
            let sorted = { (reply: TestHTTP.Reply) in try JSONSerialization.data(withJSONObject: reply.json, options: [.sortedKeys]) }
            #expect(try sorted(stored) == sorted(submitted), "\(stored.body)\n\(submitted.body)")
            // The same submission again: the same dossier, not a second one.
            let again = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: Self.submission)
            #expect(again["code"] as? String == code)

            func act(_ token: String, _ action: String, reason: String? = nil, files: [[String: Any]] = []) async throws -> TestHTTP.Reply {
                var body: [String: Any] = ["action": action, "files": files]
                if let reason { body["reason"] = reason }
                return try await http.request(.post, "/api/v1/dossiers/\(code)/actions", token: token, json: body)
            }
            #expect(try await act(officer, "thu-ly").status == 200)
            // The officer cannot approve; the leader cannot approve before it is submitted for signature.
            #expect(try await act(officer, "yeu-cau-bo-sung").status == 400)
            let waiting = try await act(officer, "yeu-cau-bo-sung", reason: "Thiếu bản vẽ giao diện")
            #expect(waiting.status == 200 && waiting["pausedSince"] as? String == today.description)
            let tracked = try await http.request(.get, "/api/v1/track/\(trackingCode)")
            #expect(tracked["clockStopped"] as? Bool == true && tracked["state"] as? String == "cho-bo-sung")
            #expect(
                try await act(citizen, "nop-bo-sung", files: [Self.file("Ảnh giao diện", "giao-dien.png", type: "image/png", content: Self.png)])
                    .status == 200)
            #expect(try await act(leader, "phe-duyet").status == 409)
            #expect(try await act(officer, "trinh-ky").status == 200)
            #expect(try await act(officer, "phe-duyet", files: [Self.file("ket-qua", "giay-phep.pdf")]).status == 403)
            #expect(try await act(leader, "phe-duyet").status == 400)
            #expect(try await act(leader, "phe-duyet", files: [Self.file("ket-qua", "giay-phep.pdf")]).status == 200)
            let returned = try await act(officer, "tra-ket-qua")
            #expect(returned["finished"] as? Bool == true)
            #expect(try await act(officer, "tra-ket-qua").status == 409)
            let history = (returned["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(history == ["nop", "thu-ly", "yeu-cau-bo-sung", "nop-bo-sung", "trinh-ky", "phe-duyet", "tra-ket-qua"])
            #expect((returned["files"] as? [[String: Any]])?.contains { $0["kind"] as? String == "ket-qua" } == true)
            // Every step audited and waiting in the outbox for the national portal, in order.
            let audited = try await AuditLog.entries(matching: .init(targetType: "dossier"), in: platform.database)
            #expect(audited.count == 7)
            let outbox = try await platform.database.read { db in
                try await db.raw("SELECT event_seq FROM portal_outbox ORDER BY event_seq").all().map { try $0.int("event_seq") }
            }
            #expect(outbox == Array(1...7))
            // The citizen sees it among theirs; the inbox no longer holds it.
            #expect(try await http.request(.get, "/api/v1/dossiers/mine", token: citizen).items.count == 1)
            #expect(try await http.request(.get, "/api/v1/dossiers/inbox", token: officer).items.isEmpty)
            // Another citizen cannot read it, nor rate it; its applicant rates it once.
            let other = try await http.token("068195004321")
            #expect(try await http.request(.get, "/api/v1/dossiers/\(code)", token: other).status == 404)
            #expect(try await http.request(.post, "/api/v1/dossiers/\(code)/rating", token: other, json: ["score": 5]).status == 404)
            #expect(try await http.request(.post, "/api/v1/dossiers/\(code)/rating", token: citizen, json: ["score": 6]).status == 400)
            #expect(
                try await http.request(.post, "/api/v1/dossiers/\(code)/rating", token: citizen, json: ["score": 5, "comment": "Nhanh"]).status == 201
            )
            #expect(try await http.request(.post, "/api/v1/dossiers/\(code)/rating", token: citizen, json: ["score": 1]).status == 409)
            // The service-quality index counts it: online, on time, digitized, its result a file, its applicant satisfied.
            let index = try await http.request(.get, "/api/v1/service-quality?from=\(today)&to=\(today)")
            let lines = index["lines"] as? [[String: Any]] ?? []
            try #require(lines.count == 2, "\(index.body)")
            #expect(lines[0]["agencyID"] == nil)
            for key in ["received", "online", "finished", "onTime", "digitized", "digitizedResults", "ratings", "satisfied"] {
                #expect(lines.allSatisfy { $0[key] as? Int == 1 }, "\(key)")
            }
            #expect(lines[0]["onTimeRate"] as? Double == 1 && lines[0]["overdue"] as? Int == 0)
            let csv = try await http.request(.get, "/api/v1/service-quality/export?from=\(today)&to=\(today)")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.body.split(separator: "\n").count == 3 && csv.body.contains("Toàn tỉnh,,1,1,1.0000"))
            // Counted again from the dossiers (as after a load straight into the database), the index is the same.
            try await platform.database.write { db in
                try await db.raw("DELETE FROM dossier_daily").run()
                try await db.raw(SQLQueryString(DossierDaily.recount)).run()
            }
            let recounted = try await http.request(.get, "/api/v1/service-quality?from=\(today)&to=\(today)")
            #expect(NSArray(array: recounted["lines"] as? [Any] ?? []).isEqual(to: index["lines"] as? [Any] ?? [1]), "\(recounted.body)")
            #expect(try await http.request(.get, "/api/v1/service-quality?from=2026-13-01").status == 400)
            #expect(try await http.request(.get, "/api/v1/service-quality?from=2026-12-31&to=2026-01-01").status == 400)
        }
    }

    /// A dossier left in a state past its limit is moved along the state's overdue action by the platform.
    @Test func overdueDossiersAreEscalated() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (admin, _, _, citizen) = try await Self.setUp(http)
            var process = try await http.request(.get, "/api/v1/processes/ho-so.cap-phep", token: admin).json
            var states = process["states"] as! [[String: Any]]
            states[0]["timeLimitDays"] = 1
            states[0]["onOverdue"] = "thu-ly"
            process["states"] = states
            // The system must be allowed the action.
            #expect(try await http.request(.put, "/api/v1/processes/ho-so.cap-phep", token: admin, json: process).status == 400)
            var actions = process["actions"] as! [[String: Any]]
            actions[0]["roles"] = ["officer", "system"]
            process["actions"] = actions
            #expect(try await http.request(.put, "/api/v1/processes/ho-so.cap-phep", token: admin, json: process).status == 200)
            let code = try #require(try await http.request(.post, "/api/v1/dossiers", token: citizen, json: Self.submission)["code"] as? String)
            let desk = DossierDesk(database: platform.database, files: DossierFileStore(directory: TestDatabase.temporaryDirectory()))
            let escalator = Escalator(desk: desk, logger: TestDatabase.logger)
            let today = CivilDate(Date())
            #expect(try await escalator.escalateDue(today: today).isEmpty)
            #expect(try await escalator.escalateDue(today: today.adding(days: 10)) == [code])
            let dossier = try await http.request(.get, "/api/v1/dossiers/\(code)", token: citizen)
            #expect(dossier["state"] as? String == "xu-ly")
            #expect((dossier["history"] as? [[String: Any]])?.last?["actor"] as? String == "system:escalation")
            #expect(try await escalator.escalateDue(today: today.adding(days: 10)).isEmpty)
        }
    }

    @Test func badSubmissionsChangeNothing() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (_, _, _, citizen) = try await Self.setUp(http)
            var noForm = Self.submission
            noForm["form"] = ["ngay_hoat_dong": "2027-02-30"]
            var missingDocument = Self.submission
            missingDocument["files"] = [Self.file("Đơn đề nghị")]
            var fake = Self.submission
            fake["files"] = [Self.file("Đơn đề nghị"), Self.file("Đề án", "de-an.pdf", content: Self.png)]
            var notBase64 = Self.submission
            notBase64["files"] = [Self.file("Đơn đề nghị"), Self.file("Đề án", "de-an.pdf", content: "%%%")]
            var tooLarge = Self.submission
            tooLarge["files"] = [
                Self.file("Đơn đề nghị"),
                Self.file("Đề án", "de-an.pdf", content: Data(Array("%PDF-".utf8) + [UInt8](repeating: 32, count: 11 << 20)).base64EncodedString()),
            ]
            var unknownProcedure = Self.submission
            unknownProcedure["procedure"] = "9.999999"
            for (name, body, status) in [
                ("form", noForm, 400), ("document", missingDocument, 400), ("fake PDF", fake, 400), ("base64", notBase64, 400),
                ("too large", tooLarge, 413), ("procedure", unknownProcedure, 404),
            ] as [(String, [String: Any], Int)] {
                let reply = try await http.request(.post, "/api/v1/dossiers", token: citizen, json: body)
                #expect(reply.status == status, "\(name): \(reply.body)")
                #expect(reply.headers[.contentType] == "application/problem+json", "\(name)")
            }
            #expect(try await http.request(.post, "/api/v1/dossiers", json: Self.submission).status == 401)
            let stored = try await platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM dossiers").first()!.int("n")
            }
            #expect(stored == 0)
        }
    }
}
