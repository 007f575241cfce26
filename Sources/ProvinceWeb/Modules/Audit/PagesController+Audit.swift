import Audit
import Directory
import Foundation
import Hummingbird
import ProvinceCore
import ProvinceStore

/// The audit trail's page, for those whose scope lets them read it.
extension PagesController {
    func addAuditRoutes(to router: RouterGroup<AppContext>) {
        router.get("audit", use: audit)
    }

    // MARK: Audit

    @Sendable func audit(_ request: Request, context: AppContext) async throws -> Response {
        let actor = try context.actor()
        guard let scope = Access.auditScope(actor) else { throw AppError.forbidden }
        var agencyID: String?
        if case .agency(let own) = scope { agencyID = own }
        let from = request.query("from").flatMap(AuditController.parseTime)
        let to = request.query("to").flatMap(AuditController.parseTime).map { $0.addingTimeInterval(86400) }
        let before = request.query("before").flatMap { Int($0) }
        let entries = try await AuditLog.entries(
            matching: .init(
                actor: request.query("actor"), targetID: request.query("target"), agencyID: agencyID,
                from: from, to: to, beforeSeq: before, limit: 100),
            in: platform.database)
        var nextLink: String?
        if entries.count == 100, let last = entries.last {
            var query = URLEncoded.pairs(request.uri.query ?? "").filter { $0.name != "before" }.map {
                "\($0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }
            query.append("before=\(last.seq)")
            nextLink = "/audit?" + query.joined(separator: "&")
        }
        var verification: AuditPage.Verification?
        if scope == .all {
            let checked = try await platform.auditSealer.verify()
            verification = .init(intact: checked.isIntact, checked: checked.entriesChecked, problem: checked.problem ?? "")
        }
        let model = AuditPage(
            verification: verification,
            entries: entries.map {
                .init(
                    seq: $0.seq, at: Self.localTime($0.at), actor: $0.actor, action: $0.action, target: "\($0.targetType) \($0.targetID)",
                    summary: $0.summary, hash: String($0.hash.prefix(12)))
            },
            actor: request.query("actor") ?? "", target: request.query("target") ?? "", from: request.query("from") ?? "",
            to: request.query("to") ?? "", nextLink: nextLink)
        return pages.page("audit", title: Strings.words(context.language)["audit"], model: model, context: context)
    }
}

/// `/audit`: the trail's entries, newest first, filtered; for a platform administrator, whether the chain holds.
struct AuditPage: Sendable {
    struct Verification: Sendable {
        let intact: Bool
        let checked: Int
        let problem: String
    }

    struct Entry: Sendable {
        let seq: Int
        let at: String
        let actor: String
        let action: String
        let target: String
        let summary: String
        let hash: String
    }

    let verification: Verification?
    let entries: [Entry]
    let actor: String
    let target: String
    let from: String
    let to: String
    let nextLink: String?
}
