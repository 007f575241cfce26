import Directory
import Foundation
import ProvinceCore
import Testing

@testable import ProvinceWeb

/// Importing the unit lists of the `vietnam-provinces` package: idempotent, renames audited, succession links.
@Suite struct UnitImportTests {
    @Test func secondImportChangesNothing() async throws {
        try await TestPlatform.withPlatform(demo: false) { platform, http in
            let actor = Actor(system: "test")
            for (name, edition) in [("units-before-2025", UnitDirectory.Edition.beforeReform), ("units-2025", .afterReform)] {
                let data = try Data(contentsOf: try DemoProvince.resource(name))
                let (detected, units) = try UnitDirectory.parse(nestedDivisions: data)
                #expect(detected.name == edition.name)
                let first = try await platform.units.importUnits(units, edition: detected.name, by: actor)
                #expect(first.added == units.count && first.updated == 0)
                let head = try await AuditHead.read(platform)
                let second = try await platform.units.importUnits(units, edition: detected.name, by: actor)
                #expect(second.added == 0 && second.updated == 0 && second.unchanged == units.count)
                #expect(try await AuditHead.read(platform) == head, "a second import wrote to the audit trail")
            }
            // Lâm Đồng before the reform: 10 districts; after it: communes right under the province.
            let old = try await platform.units.detail("2008:68")
            #expect(old.childCount == 10)
            let new = try await platform.units.detail("2025:68")
            #expect(new.childCount == 124)
            #expect(new.unit.validFrom == "2025-07-01")
            #expect(old.unit.validTo == "2025-06-30")
            // The 0.6.0 list calls every commune-level unit "xã": the type is read from the name instead.
            #expect(try await platform.units.detail("2008:24769").unit.type == "phường")
            #expect(try await platform.units.detail("2008:672").unit.type == "thành phố")

            let links = try DemoProvince.successionLinks(from: Data(contentsOf: try DemoProvince.resource("successions")))
            #expect(try await platform.units.importSuccessions(links, by: actor) == links.count)
            #expect(try await platform.units.importSuccessions(links, by: actor) == 0)
            // Đà Lạt's Phường 7 went into a new ward; the new ward lists its predecessors.
            let reply = try await http.request(.get, "/api/v1/units/2008:24769")
            #expect(reply.status == 200)
            let successors = reply.json["successors"] as? [[String: Any]] ?? []
            #expect(!successors.isEmpty)
            let successorID = try #require(successors.first?["id"] as? String)
            let successor = try await http.request(.get, "/api/v1/units/\(successorID)")
            let predecessors = successor.json["predecessors"] as? [[String: Any]] ?? []
            #expect(predecessors.contains { $0["id"] as? String == "2008:24769" })
            // The merged provinces lead to the new Lâm Đồng.
            let merged = try await platform.units.detail("2008:67")
            #expect(merged.successors.map(\.id) == ["2025:68"])
        }
    }

    @Test func renameUpdatesAndIsAudited() async throws {
        try await TestPlatform.withPlatform(demo: false) { platform, http in
            let actor = Actor(system: "test")
            let (edition, units) = try UnitDirectory.parse(nestedDivisions: Data(contentsOf: try DemoProvince.resource("units-2025")))
            _ = try await platform.units.importUnits(units, edition: edition.name, by: actor)
            var renamed = units
            let index = try #require(renamed.firstIndex { $0.id == "2025:24781" })
            renamed[index].name = "Phường Xuân Hương"
            let report = try await platform.units.importUnits(renamed, edition: edition.name, by: actor)
            #expect(report.updated == 1 && report.added == 0)
            #expect(try await platform.units.detail("2025:24781").unit.name == "Phường Xuân Hương")
            let entries = try await platform.database.read { db in
                try await db.raw("SELECT summary FROM audit_entries WHERE target_id = '2025:24781'").all()
            }
            #expect(entries.count == 1)
        }
    }

    @Test func codesKeepTheirOfficialWidth() throws {
        let hanoi = """
            [{"name": "Thành phố Hà Nội", "code": 1, "division_type": "thành phố trung ương", "districts": [
                {"name": "Quận Ba Đình", "code": 1, "division_type": "quận", "wards": [
                    {"name": "Phường Phúc Xá", "code": 1, "division_type": "phường"}]}]}]
            """
        let (edition, units) = try UnitDirectory.parse(nestedDivisions: Data(hanoi.utf8))
        #expect(edition.name == "2008")
        #expect(units.map(\.id) == ["2008:01", "2008:001", "2008:00001"])
        #expect(units.map(\.parentID) == [nil, "2008:01", "2008:001"])
        let twice = """
            [{"name": "Lâm Đồng", "code": 68, "wards": [{"name": "Xã A", "code": 5}, {"name": "Xã B", "code": 5}]}]
            """
        #expect(throws: AppError.self) { try UnitDirectory.parse(nestedDivisions: Data(twice.utf8)) }
    }

    @Test func malformedFileIsRefused() throws {
        #expect(throws: AppError.self) { try UnitDirectory.parse(nestedDivisions: Data("{\"not\": \"a list\"}".utf8)) }
        #expect(throws: AppError.self) { try UnitDirectory.parse(nestedDivisions: Data("[{\"name\": \"no code\"}]".utf8)) }
        #expect(throws: AppError.self) { try UnitDirectory.parse(nestedDivisions: Data("not json".utf8)) }
    }
}
