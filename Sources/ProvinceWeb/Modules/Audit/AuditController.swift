import Audit
import Foundation
import Hummingbird
import ProvinceCore
import ProvinceStore

extension AuditEntry: ResponseEncodable {}

/// `GET /api/v1/audit`: the trail by actor, target and time, within the caller's scope;
/// `GET /api/v1/audit/verify`: the whole chain checked (platform administrators).
struct AuditController {
    let database: ProvinceDatabase
    let sealer: AuditSealer

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("audit", use: list)
        group.get("audit/verify", use: verify)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> ListPage<AuditEntry> {
        let actor = try context.actor()
        guard let scope = Access.auditScope(actor) else { throw AppError.forbidden }
        let paging = try Paging(request)
        var validator = Validator()
        let from = request.query("from").flatMap(Self.parseTime)
        let to = request.query("to").flatMap(Self.parseTime)
        validator.check(
            request.query("from") == nil || from != nil, "from", vi: "from phải là thời điểm ISO 8601.", en: "from must be an ISO 8601 time.")
        validator.check(request.query("to") == nil || to != nil, "to", vi: "to phải là thời điểm ISO 8601.", en: "to must be an ISO 8601 time.")
        let beforeSeq = paging.after.flatMap { Int($0) }
        validator.check(paging.after == nil || beforeSeq != nil, "cursor", vi: "cursor không hợp lệ.", en: "cursor is not valid.")
        try validator.finish()
        var agencyID = request.query("agency")
        if case .agency(let own) = scope {
            if agencyID != nil && agencyID != own { throw AppError.forbidden }
            agencyID = own
        }
        let query = AuditLog.Query(
            actor: request.query("actor"), targetType: request.query("targetType"), targetID: request.query("target"),
            agencyID: agencyID, from: from, to: to, beforeSeq: beforeSeq, limit: paging.limit + 1)
        let entries = try await AuditLog.entries(matching: query, in: database)
        return paging.page(entries, key: { String($0.seq) })
    }

    @Sendable func verify(_ request: Request, context: AppContext) async throws -> AuditVerification {
        guard Access.canAdministerPlatform(try context.actor()) else { throw AppError.forbidden }
        return try await sealer.verify()
    }

    static func parseTime(_ text: String) -> Date? {
        Timestamp.date(text) ?? (try? Date.ISO8601FormatStyle().year().month().day().parse(text))
    }
}
