import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// The catalogue of administrative procedures: public to read and search (diacritics and case ignored); written by
/// platform administrators, and by an agency's administrators for the procedures their agency resolves. Every
/// change audited.
public struct ProcedureCatalogue: Sendable {
    let database: ProvinceDatabase

    public init(database: ProvinceDatabase) {
        self.database = database
    }

    /// Filters of a listing; `search` matches every word of it in the code, name or field, with or without diacritics.
    public struct Filter: Sendable {
        public var search: String?
        public var level: ResolvingLevel?
        public var onlineLevel: OnlineLevel?
        public var agencyID: String?
        public var field: String?

        public init(
            search: String? = nil, level: ResolvingLevel? = nil, onlineLevel: OnlineLevel? = nil, agencyID: String? = nil, field: String? = nil
        ) {
            self.search = search
            self.level = level
            self.onlineLevel = onlineLevel
            self.agencyID = agencyID
            self.field = field
        }
    }

    /// A page of procedures ordered by code, after `afterCode`.
    public func list(_ filter: Filter, afterCode: String?, limit: Int) async throws -> [Procedure] {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM procedures WHERE 1 = 1"
            for word in SearchKey.fold(filter.search ?? "").split(separator: " ").prefix(12) {
                sql += " AND search_key LIKE \(bind: SearchKey.containsPattern(String(word))) ESCAPE '\\'"
            }
            if let level = filter.level { sql += " AND level = \(bind: level.rawValue)" }
            if let online = filter.onlineLevel { sql += " AND online_level = \(bind: online.rawValue)" }
            if let agencyID = filter.agencyID { sql += " AND agency_id = \(bind: agencyID)" }
            if let field = filter.field { sql += " AND field = \(bind: field)" }
            if let afterCode { sql += " AND code > \(bind: afterCode)" }
            sql += " ORDER BY code LIMIT \(bind: limit)"
            return try await db.raw(sql).all().map(Self.procedure(from:))
        }
    }

    /// A procedure by its id or its national code.
    public func get(_ reference: String) async throws -> Procedure {
        let found = try await database.lookup { db in
            try await db.raw("SELECT * FROM procedures WHERE id = \(bind: reference) OR code = \(bind: reference)").first().map(Self.procedure(from:))
        }
        guard let found else { throw AppError(.notFound, vi: "Không tìm thấy thủ tục \(reference).", en: "No such procedure: \(reference).") }
        return found
    }

    /// How many procedures the catalogue holds at each online level.
    public func countByOnlineLevel() async throws -> [OnlineLevel: Int] {
        try await database.read { db in
            var counts: [OnlineLevel: Int] = [:]
            for row in try await db.raw("SELECT online_level, COUNT(*) AS n FROM procedures GROUP BY online_level").all() {
                if let level = OnlineLevel(rawValue: try row.string("online_level")) { counts[level] = try row.int("n") }
            }
            return counts
        }
    }

    /// Creates the procedure with the input's code, or changes the one that has it.
    @discardableResult
    public func save(_ input: ProcedureInput, by actor: Actor) async throws -> Procedure {
        try await save([input], by: actor).first!
    }

    /// Saves many procedures at once (an import): all of them, or none when any is invalid; the problems name each
    /// procedure by its place in the list (from 1).
    public func save(_ inputs: [ProcedureInput], by actor: Actor) async throws -> [Procedure] {
        guard !inputs.isEmpty else {
            throw AppError(.validation, vi: "Không có thủ tục nào để lưu.", en: "There are no procedures to save.")
        }
        guard inputs.count <= 10_000 else {
            throw AppError(.validation, vi: "Mỗi lần nhập tối đa 10.000 thủ tục.", en: "At most 10,000 procedures an import.")
        }
        var problems: [LocalizedText] = []
        var codes = Set<String>()
        for (index, input) in inputs.enumerated() {
            let prefix =
                inputs.count > 1 ? LocalizedText(vi: "Thủ tục thứ \(index + 1): ", en: "Procedure \(index + 1): ") : LocalizedText(vi: "", en: "")
            for problem in input.problems() { problems.append(.init(vi: prefix.vi + problem.vi, en: prefix.en + problem.en)) }
            if !codes.insert(input.code).inserted {
                problems.append(.init(vi: prefix.vi + "mã \(input.code) bị lặp.", en: prefix.en + "the code \(input.code) appears twice."))
            }
        }
        if let first = problems.first {
            throw AppError(
                .validation,
                problems.count == 1
                    ? first : LocalizedText(vi: problems.map(\.vi).joined(separator: " "), en: problems.map(\.en).joined(separator: " ")))
        }
        let database = self.database
        return try await database.write { db in
            var agencies: [String: String] = [:]
            for code in Set(inputs.flatMap { [$0.agencyCode, $0.receivingAgencyCode].compactMap { $0 } }) {
                guard let row = try await db.raw("SELECT id FROM agencies WHERE code = \(bind: code)").first() else {
                    throw AppError(.validation, vi: "Không có cơ quan mã \(code).", en: "No agency has the code \(code).")
                }
                agencies[code] = try row.decode(column: "id", as: String.self)
            }
            var saved: [Procedure] = []
            for input in inputs {
                let agencyID = input.agencyCode.flatMap { agencies[$0] }
                let before = try await db.raw("SELECT * FROM procedures WHERE code = \(bind: input.code)\(database.lockForUpdate)").first().map(
                    Self.procedure(from:))
                // Writing a procedure is for the platform's administrators, and for the administrators of the agency that
                // resolves it (before and after the change).
                guard Access.canManageAccounts(of: agencyID, actor), before.map({ Access.canManageAccounts(of: $0.agencyID, actor) }) ?? true else {
                    throw AppError.forbidden
                }
                let now = Date()
                let procedure = Procedure(
                    id: before?.id ?? UUID().uuidString.lowercased(), code: input.code,
                    name: input.name.trimmingCharacters(in: .whitespacesAndNewlines),
                    field: input.field.trimmingCharacters(in: .whitespacesAndNewlines), level: ResolvingLevel(rawValue: input.level)!,
                    agencyID: agencyID, receivingAgencyID: input.receivingAgencyCode.flatMap { agencies[$0] },
                    onlineLevel: OnlineLevel(rawValue: input.onlineLevel)!, deadlineDays: input.deadlineDays, feeVND: input.feeVND,
                    documents: input.documents, formFields: input.formFields, processCode: input.processCode, createdAt: before?.createdAt ?? now,
                    updatedAt: now)
                let documents = String(decoding: try JSONEncoder().encode(procedure.documents), as: UTF8.self)
                let fields = String(decoding: try JSONEncoder().encode(procedure.formFields), as: UTF8.self)
                let searchKey = SearchKey.fold(procedure.code + " " + procedure.name + " " + procedure.field)
                if before == nil {
                    try await db.raw(
                        """
                        INSERT INTO procedures (id, code, name, field, level, agency_id, receiving_agency_id, online_level, deadline_days, fee_vnd, documents, form_fields,
                            process_code, search_key, created_at, updated_at)
                        VALUES (\(bind: procedure.id), \(bind: procedure.code), \(bind: procedure.name), \(bind: procedure.field),
                            \(bind: procedure.level.rawValue), \(bind: agencyID), \(bind: procedure.receivingAgencyID),
                            \(bind: procedure.onlineLevel.rawValue), \(bind: procedure.deadlineDays),
                            \(bind: procedure.feeVND), \(bind: documents), \(bind: fields), \(bind: procedure.processCode), \(bind: searchKey),
                            \(bind: Timestamp.string(now)), \(bind: Timestamp.string(now)))
                        """
                    ).run()
                } else {
                    try await db.raw(
                        """
                        UPDATE procedures SET name = \(bind: procedure.name), field = \(bind: procedure.field), level = \(bind: procedure.level.rawValue),
                            agency_id = \(bind: agencyID), receiving_agency_id = \(bind: procedure.receivingAgencyID),
                            online_level = \(bind: procedure.onlineLevel.rawValue), deadline_days = \(bind: procedure.deadlineDays),
                            fee_vnd = \(bind: procedure.feeVND), documents = \(bind: documents), form_fields = \(bind: fields),
                            process_code = \(bind: procedure.processCode), search_key = \(bind: searchKey), updated_at = \(bind: Timestamp.string(now))
                        WHERE id = \(bind: procedure.id)
                        """
                    ).run()
                }
                try await AuditLog.append(
                    AuditChange(
                        action: before == nil ? "procedure.create" : "procedure.update", targetType: "procedure", targetID: procedure.id,
                        agencyID: agencyID, before: before, after: procedure, summary: "\(procedure.code) \(procedure.name)"),
                    by: actor, in: db, database: database)
                saved.append(procedure)
            }
            return saved
        }
    }

    static func procedure(from row: any SQLRow) throws -> Procedure {
        let level = try row.string("level")
        let online = try row.string("online_level")
        guard let resolvingLevel = ResolvingLevel(rawValue: level), let onlineLevel = OnlineLevel(rawValue: online) else {
            throw StoreError.corrupt("procedure level \(level) / \(online)")
        }
        return Procedure(
            id: try row.string("id"), code: try row.string("code"), name: try row.string("name"), field: try row.string("field"),
            level: resolvingLevel, agencyID: try row.optionalString("agency_id"),
            receivingAgencyID: try row.optionalString("receiving_agency_id"), onlineLevel: onlineLevel,
            deadlineDays: try row.int("deadline_days"), feeVND: try row.int("fee_vnd"),
            documents: try JSONDecoder().decode([RequiredDocument].self, from: Data(try row.string("documents").utf8)),
            formFields: try JSONDecoder().decode([FormField].self, from: Data(try row.string("form_fields").utf8)),
            processCode: try row.optionalString("process_code"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
