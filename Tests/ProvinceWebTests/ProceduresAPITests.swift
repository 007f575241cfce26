import Audit
import Foundation
import Testing

@testable import ProvinceWeb

/// The procedure catalogue through the API: imported from CSV or JSON, searched without diacritics, written only
/// by those who may, every change audited, bad input refused whole.
@Suite struct ProceduresAPITests {
    static let csv = """
        code,name,field,level,agency_code,online_level,deadline_days,fee_vnd,documents
        1.009994,Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ,Hoạt động xây dựng,district,000.00.02.H38,partial,15,75000,"Đơn đề nghị cấp giấy phép xây dựng | Bản vẽ thiết kế | ?Bản sao giấy tờ về quyền sử dụng đất"
        2.000986,Cấp giấy phép hành nghề khám bệnh, chữa bệnh,Khám bệnh, chữa bệnh,province,000.00.07.H38,full,20,0,Đơn đề nghị
        1.001193,"Đăng ký khai sinh",Hộ tịch,commune,,full,1,0,Tờ khai đăng ký khai sinh

        """

    @Test func importedFromCSVAndFoundWithoutDiacritics() async throws {
        try await TestPlatform.withDemo { _, http in
            let admin = try await http.token("admin")
            let demo = try await Self.codes(http, "")
            let importedCodes: Set<String> = ["1.009994", "2.000986", "1.001193"]
            #expect(demo.isDisjoint(with: importedCodes))
            // The second row's name holds an unquoted comma: it is refused whole, nothing saved.
            let refused = try await http.request(
                .post, "/api/v1/procedures/import", token: admin, rawBody: Self.csv, headers: [.contentType: "text/csv"])
            #expect(refused.status == 400)
            #expect(try await Self.codes(http, "") == demo)
            let fixed = Self.csv.replacingOccurrences(
                of: "Cấp giấy phép hành nghề khám bệnh, chữa bệnh,Khám bệnh, chữa bệnh",
                with: "\"Cấp giấy phép hành nghề khám bệnh, chữa bệnh\",\"Khám bệnh, chữa bệnh\"")
            let imported = try await http.request(
                .post, "/api/v1/procedures/import", token: admin, rawBody: fixed, headers: [.contentType: "text/csv"])
            #expect(imported.status == 200)
            #expect(imported["saved"] as? Int == 3)
            for query in ["cap giay phep xay dung", "CẤP GIẤY PHÉP XÂY DỰNG", "xay dung giay phep", "1.009994"] {
                let found = try await http.request(
                    .get, "/api/v1/procedures?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                // The demo's building permit for detached houses matches the words too; not the code.
                let expected = query == "1.009994" ? ["1.009994"] : ["1.008899", "1.009994"]
                #expect(found.items.map { $0["code"] as? String } == expected, "\(query)")
            }
            let building = try await http.request(.get, "/api/v1/procedures/1.009994")
            let documents = building["documents"] as? [[String: Any]] ?? []
            #expect(documents.count == 3 && documents[2]["required"] as? Bool == false)
            #expect(building["feeVND"] as? Int == 75000 && building["deadlineDays"] as? Int == 15)
            let fullyOnline = try await Self.codes(http, "online=full")
            #expect(fullyOnline.intersection(importedCodes) == ["2.000986", "1.001193"])
            let commune = try await Self.codes(http, "level=commune")
            #expect(commune.intersection(importedCodes) == ["1.001193"])
            // Pages of two, each procedure once.
            var paged: [String] = []
            var cursor: String? = ""
            while let next = cursor {
                let page = try await http.request(.get, "/api/v1/procedures?limit=2" + (next.isEmpty ? "" : "&cursor=\(next)"))
                #expect(page.items.count <= 2)
                paged += page.items.compactMap { $0["code"] as? String }
                cursor = page["nextCursor"] as? String
            }
            #expect(paged.count == demo.count + 3 && Set(paged) == demo.union(importedCodes))
        }
    }

    /// The codes of the procedures `query` lists.
    static func codes(_ http: TestHTTP, _ query: String) async throws -> Set<String> {
        Set(try await http.request(.get, "/api/v1/procedures?limit=200&" + query).items.compactMap { $0["code"] as? String })
    }

    static var licence: [String: Any] {
        [
            "code": "2.000986", "name": "Cấp giấy phép hành nghề", "field": "Khám bệnh, chữa bệnh", "level": "province",
            "agencyCode": "000.00.07.H38",
            "onlineLevel": "full", "deadlineDays": 20, "feeVND": 0, "documents": [["name": "Đơn đề nghị", "required": true]],
            "formFields": [["key": "ho_ten", "label": "Họ và tên", "kind": "text", "required": true]],
        ]
    }

    @Test func writtenOnlyByThoseWhoMayAndAudited() async throws {
        try await TestPlatform.withDemo { platform, http in
            #expect(try await http.request(.post, "/api/v1/procedures", json: Self.licence).status == 401)
            let officer = try await http.token("yte.canbo")
            #expect(try await http.request(.post, "/api/v1/procedures", token: officer, json: Self.licence).status == 403)
            let otherAgency = try await http.token("tttt.quantri")
            #expect(try await http.request(.post, "/api/v1/procedures", token: otherAgency, json: Self.licence).status == 403)
            // The health department's administrator writes the procedures it resolves.
            let health = try await http.token("yte.quantri")
            let created = try await http.request(.post, "/api/v1/procedures", token: health, json: Self.licence)
            #expect(created.status == 201)
            var changed = Self.licence
            changed["deadlineDays"] = 15
            let updated = try await http.request(.post, "/api/v1/procedures", token: health, json: changed)
            #expect(updated.status == 200)
            #expect(updated["deadlineDays"] as? Int == 15 && updated["id"] as? String == created["id"] as? String)
            let entries = try await AuditLog.entries(
                matching: .init(targetType: "procedure", targetID: try #require(created["id"] as? String)), in: platform.database)
            #expect(entries.map(\.action).sorted() == ["procedure.create", "procedure.update"])
        }
    }

    @Test func badInputChangesNothing() async throws {
        try await TestPlatform.withDemo { _, http in
            let admin = try await http.token("admin")
            let demo = try await Self.codes(http, "")
            var cases: [[String: Any]] = []
            for (key, value) in [("level", "hamlet"), ("onlineLevel", "half"), ("deadlineDays", -1), ("code", "1 009"), ("agencyCode", "no.such")]
                as [(String, Any)]
            {
                var input = Self.licence
                input[key] = value
                cases.append(input)
            }
            var badField = Self.licence
            badField["formFields"] = [["key": "Họ tên", "label": "x", "kind": "select", "required": true]]
            cases.append(badField)
            for input in cases {
                let reply = try await http.request(.post, "/api/v1/procedures", token: admin, json: input)
                #expect(reply.status == 400, "\(input)")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
            // An import with one bad procedure and a code twice saves none of them.
            var second = Self.licence
            second["code"] = "1.000001"
            second["level"] = "hamlet"
            let reply = try await http.request(.post, "/api/v1/procedures/import", token: admin, json: [Self.licence, second, Self.licence])
            #expect(reply.status == 400)
            #expect(reply.body.contains("Procedure 2") || reply.body.contains("Thủ tục thứ 2"))
            let missingColumns = try await http.request(
                .post, "/api/v1/procedures/import", token: admin, rawBody: "code,name\n1.1,x\n", headers: [.contentType: "text/csv"])
            #expect(missingColumns.status == 400)
            #expect(try await Self.codes(http, "") == demo)
            #expect(try await http.request(.get, "/api/v1/procedures?level=hamlet").status == 400)
            #expect(try await http.request(.get, "/api/v1/procedures/9.999").status == 404)
        }
    }
}
