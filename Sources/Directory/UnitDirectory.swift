import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// What an import of a unit list did.
public struct UnitImportReport: Sendable, Codable, Equatable {
    public var edition: String
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var successionsAdded = 0
}

/// A unit with the units around it in time and in the tree.
public struct UnitDetail: Sendable, Codable {
    public var unit: AdministrativeUnit
    public var parent: AdministrativeUnit?
    public var childCount: Int
    public var predecessors: [AdministrativeUnit]
    public var successors: [AdministrativeUnit]
}

/// Administrative units: the tree of any depth, editions before and after the 2025 reform, succession links.
public struct UnitDirectory: Sendable {
    let database: ProvinceDatabase

    public init(database: ProvinceDatabase) { self.database = database }

    /// The edition and validity a unit list carries: the tree with districts ends on 30 June 2025, the
    /// two-level tree starts on 1 July 2025.
    public struct Edition: Sendable {
        public var name: String
        public var validFrom: String?
        public var validTo: String?

        public static let beforeReform = Edition(name: "2008", validFrom: nil, validTo: "2025-06-30")
        public static let afterReform = Edition(name: "2025", validFrom: "2025-07-01", validTo: nil)
    }

    /// Reads the nested JSON of the `vietnam-provinces` package into units, guessing the edition from its shape.
    public static func parse(nestedDivisions data: Data, edition: Edition? = nil) throws -> (Edition, [AdministrativeUnit]) {
        guard let provinces = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw AppError(.validation, vi: "Tệp không phải danh sách đơn vị hành chính.", en: "The file is not a list of administrative units.")
        }
        let hasDistricts = provinces.contains { $0["districts"] != nil }
        let edition = edition ?? (hasDistricts ? .beforeReform : .afterReform)
        var units: [AdministrativeUnit] = []
        var seen: Set<String> = []
        /// `digits`: official codes have 2 digits for a province, 3 for a district, 5 for a commune; the package
        /// stores them as numbers, without their leading zeros.
        func walk(_ node: [String: Any], level: Int, digits: Int, parentID: String?) throws {
            guard let rawCode = node["code"].map({ "\($0)" }), let number = Int(rawCode), number >= 0,
                let name = node["name"] as? String, !name.isEmpty
            else {
                throw AppError(.validation, vi: "Một đơn vị thiếu mã số hoặc tên.", en: "A unit has no numeric code or no name.")
            }
            let code = String(repeating: "0", count: max(0, digits - String(number).count)) + String(number)
            guard seen.insert(code).inserted else {
                throw AppError(.validation, vi: "Mã \(code) xuất hiện hai lần trong tệp.", en: "The code \(code) appears twice in the file.")
            }
            let id = AdministrativeUnit.id(edition: edition.name, code: code)
            units.append(
                AdministrativeUnit(
                    id: id, code: code, name: name, type: Self.type(named: name) ?? (node["division_type"] as? String) ?? "",
                    level: level, parentID: parentID, edition: edition.name,
                    validFrom: edition.validFrom, validTo: edition.validTo))
            for (key, childDigits) in [("districts", 3), ("wards", 5)] {
                for child in (node[key] as? [[String: Any]]) ?? [] {
                    try walk(child, level: level + 1, digits: childDigits, parentID: id)
                }
            }
        }
        for province in provinces { try walk(province, level: 1, digits: 2, parentID: nil) }
        return (edition, units)
    }

    /// The unit's type as its name states it ("Phường 7" is a ward): the 0.6.0 lists call every commune-level
    /// unit `xã` and every district-level one `huyện`.
    static func type(named name: String) -> String? {
        let lowered = name.lowercased()
        return ["thành phố", "thị xã", "thị trấn", "huyện", "quận", "phường", "xã", "tỉnh", "đặc khu"]
            .first { lowered.hasPrefix($0 + " ") }
    }

    /// Stores `units`: new ones are added, changed ones updated, each change audited; the same list imported
    /// twice changes nothing the second time.
    public func importUnits(_ units: [AdministrativeUnit], edition: String, by actor: Actor) async throws -> UnitImportReport {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        let database = self.database
        var report = UnitImportReport(edition: edition)
        for chunk in stride(from: 0, to: units.count, by: 500).map({ Array(units[$0..<min($0 + 500, units.count)]) }) {
            let partial = try await database.write { db in
                var partial = UnitImportReport(edition: edition)
                let ids = chunk.map(\.id)
                let existing = try await db.select().column("*").from("units").where("id", .in, ids).all()
                    .reduce(into: [String: AdministrativeUnit]()) { map, row in
                        if let unit = try? Self.unit(from: row) { map[unit.id] = unit }
                    }
                let now = Timestamp.now()
                for unit in chunk {
                    if let old = existing[unit.id] {
                        if old == unit {
                            partial.unchanged += 1
                            continue
                        }
                        try await db.raw(
                            """
                            UPDATE units SET code = \(bind: unit.code), name = \(bind: unit.name), type = \(bind: unit.type),
                                level = \(bind: unit.level), parent_id = \(bind: unit.parentID), edition = \(bind: unit.edition),
                                valid_from = \(bind: unit.validFrom), valid_to = \(bind: unit.validTo),
                                    search_key = \(bind: SearchKey.fold(unit.name)), updated_at = \(bind: now)
                            WHERE id = \(bind: unit.id)
                            """
                        ).run()
                        try await AuditLog.append(
                            AuditChange(
                                action: "unit.update", targetType: "unit", targetID: unit.id, before: old, after: unit,
                                summary: old.name == unit.name ? "updated \(unit.name)" : "renamed \(old.name) → \(unit.name)"),
                            by: actor, in: db, database: database)
                        partial.updated += 1
                    } else {
                        try await db.raw(
                            """
                            INSERT INTO units (id, code, name, type, level, parent_id, edition, valid_from, valid_to, search_key, updated_at)
                            VALUES (\(bind: unit.id), \(bind: unit.code), \(bind: unit.name), \(bind: unit.type), \(bind: unit.level),
                                \(bind: unit.parentID), \(bind: unit.edition), \(bind: unit.validFrom), \(bind: unit.validTo),
                                    \(bind: SearchKey.fold(unit.name)), \(bind: now))
                            """
                        ).run()
                        partial.added += 1
                    }
                }
                if partial.added > 0 {
                    try await AuditLog.append(
                        AuditChange(
                            action: "unit.import", targetType: "unit_edition", targetID: edition,
                            before: Optional<String>.none, after: chunk.map(\.id),
                            summary: "imported \(partial.added) units of edition \(edition)"),
                        by: actor, in: db, database: database)
                }
                return partial
            }
            report.added += partial.added
            report.updated += partial.updated
            report.unchanged += partial.unchanged
        }
        return report
    }

    /// Adds succession links (predecessor → successor); links already there are left alone.
    public func importSuccessions(_ links: [(predecessor: String, successor: String)], by actor: Actor) async throws -> Int {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        let database = self.database
        let pairs = links.map { [$0.predecessor, $0.successor] }
        return try await database.write { db in
            let existing = Set(
                try await db.raw("SELECT predecessor_id, successor_id FROM unit_successions").all().map {
                    [try $0.string("predecessor_id"), try $0.string("successor_id")]
                })
            var added = 0
            for pair in pairs where !existing.contains(pair) {
                try await db.raw("INSERT INTO unit_successions (predecessor_id, successor_id) VALUES (\(bind: pair[0]), \(bind: pair[1]))").run()
                added += 1
            }
            if added > 0 {
                try await AuditLog.append(
                    AuditChange(
                        action: "unit.successions", targetType: "unit_successions", targetID: "*",
                        before: Optional<String>.none, after: pairs, summary: "added \(added) succession links"),
                    by: actor, in: db, database: database)
            }
            return added
        }
    }

    /// A page of units, ordered by identifier.
    public func list(parentID: String?, topLevelOnly: Bool, edition: String?, search: String?, after: String?, limit: Int) async throws
        -> [AdministrativeUnit]
    {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM units WHERE 1 = 1"
            if let parentID { sql += " AND parent_id = \(bind: parentID)" } else if topLevelOnly { sql += " AND parent_id IS NULL" }
            if let edition { sql += " AND edition = \(bind: edition)" }
            if let search, !search.isEmpty { sql += " AND search_key LIKE \(bind: SearchKey.containsPattern(search)) ESCAPE '\\'" }
            if let after { sql += " AND id > \(bind: after)" }
            sql += " ORDER BY id LIMIT \(bind: limit)"
            return try await db.raw(sql).all().map(Self.unit(from:))
        }
    }

    /// The children of a unit, by name.
    public func children(of id: String) async throws -> [AdministrativeUnit] {
        try await database.read { db in
            try await db.raw("SELECT * FROM units WHERE parent_id = \(bind: id) ORDER BY name").all().map(Self.unit(from:))
        }
    }

    public func detail(_ id: String) async throws -> UnitDetail {
        try await database.read { db in
            guard let row = try await db.raw("SELECT * FROM units WHERE id = \(bind: id)").first() else {
                throw AppError.notFound("đơn vị hành chính / administrative unit")
            }
            let unit = try Self.unit(from: row)
            let parent = try await unit.parentID.asyncFlatMap { parentID in
                try await db.raw("SELECT * FROM units WHERE id = \(bind: parentID)").first().map(Self.unit(from:))
            }
            let childCount = try await db.raw("SELECT COUNT(*) AS n FROM units WHERE parent_id = \(bind: id)").first()?.int("n") ?? 0
            let predecessors = try await db.raw(
                """
                SELECT u.* FROM units u JOIN unit_successions s ON s.predecessor_id = u.id
                WHERE s.successor_id = \(bind: id) ORDER BY u.name
                """
            ).all().map(Self.unit(from:))
            let successors = try await db.raw(
                """
                SELECT u.* FROM units u JOIN unit_successions s ON s.successor_id = u.id
                WHERE s.predecessor_id = \(bind: id) ORDER BY u.name
                """
            ).all().map(Self.unit(from:))
            return UnitDetail(unit: unit, parent: parent, childCount: childCount, predecessors: predecessors, successors: successors)
        }
    }

    public func exists(_ id: String) async throws -> Bool {
        try await database.read { db in try await db.raw("SELECT id FROM units WHERE id = \(bind: id)").first() != nil }
    }

    static func unit(from row: any SQLRow) throws -> AdministrativeUnit {
        AdministrativeUnit(
            id: try row.string("id"), code: try row.string("code"), name: try row.string("name"),
            type: try row.string("type"), level: try row.int("level"), parentID: try row.optionalString("parent_id"),
            edition: try row.string("edition"), validFrom: try row.optionalString("valid_from"),
            validTo: try row.optionalString("valid_to"))
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
