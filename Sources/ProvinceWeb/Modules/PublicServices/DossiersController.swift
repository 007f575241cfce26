import Foundation
import Hummingbird
import ProvinceCore
import PublicServices
import Workflow
import WorkingDays

/// Dossiers: submitted by citizens (or recorded by officers at the counter), moved through their workflow by those
/// its actions name, followed by their applicants, their agency's officials, and by anyone holding the code.
struct DossiersController {
    let desk: DossierDesk

    /// A dossier with its files: up to 40 MiB of JSON (files of up to 10 MiB each, in base64).
    static let maxBody = 40 << 20

    struct ActionInput: Decodable {
        var action: String
        var reason: String?
        var files: [UploadedFile]?
    }
    struct Dossiers: ResponseEncodable {
        var items: [Dossier]
    }
    struct RatingInput: Decodable {
        var score: Int
        var comment: String?
    }
    struct QualityIndex: ResponseEncodable {
        var from: CivilDate
        var to: CivilDate
        var lines: [ServiceQuality.Line]
        var procedures: ProcedureCounts
    }
    /// The catalogue by online level: how much of it is offered fully online.
    struct ProcedureCounts: Encodable {
        var total: Int
        var fullyOnline: Int
        var partlyOnline: Int
        var fullyOnlineRate: Double?

        init(_ counts: [OnlineLevel: Int]) {
            total = counts.values.reduce(0, +)
            fullyOnline = counts[.full] ?? 0
            partlyOnline = counts[.partial] ?? 0
            fullyOnlineRate = ServiceQuality.share(fullyOnline, of: total)
        }
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.post("dossiers", use: submit)
        group.get("dossiers/inbox", use: inbox)
        group.get("dossiers/mine", use: mine)
        group.get("dossiers/{reference}", use: get)
        group.post("dossiers/{reference}/actions", use: act)
        group.post("dossiers/{reference}/rating", use: rate)
        group.get("track/{code}", use: track)
        group.get("service-quality", use: quality)
        group.get("service-quality/export", use: qualityCSV)
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> EditedResponse<Dossier> {
        let actor = try context.actor()
        let submission = try await request.decodeJSON(DossierSubmission.self, context: context, limit: Self.maxBody)
        return EditedResponse(status: .created, response: try await desk.submit(submission, by: actor))
    }

    @Sendable func get(_ request: Request, context: AppContext) async throws -> Dossier {
        try await desk.get(try context.parameters.require("reference"), by: try context.actor())
    }

    @Sendable func act(_ request: Request, context: AppContext) async throws -> Dossier {
        let actor = try context.actor()
        let input = try await request.decodeJSON(ActionInput.self, context: context, limit: Self.maxBody)
        return try await desk.act(
            on: try context.parameters.require("reference"), action: input.action, reason: input.reason, files: input.files ?? [], by: actor)
    }

    @Sendable func inbox(_ request: Request, context: AppContext) async throws -> Dossiers {
        Dossiers(items: try await desk.inbox(by: try context.actor()))
    }

    @Sendable func mine(_ request: Request, context: AppContext) async throws -> Dossiers {
        Dossiers(items: try await desk.mine(by: try context.actor()))
    }

    @Sendable func rate(_ request: Request, context: AppContext) async throws -> EditedResponse<DossierRating> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(RatingInput.self, context: context)
        let rating = try await desk.rate(try context.parameters.require("reference"), score: input.score, comment: input.comment, by: actor)
        return EditedResponse(status: .created, response: rating)
    }

    /// The service-quality index of the dossiers received in a period (`from`, `to`; by default this year so far).
    @Sendable func quality(_ request: Request, context: AppContext) async throws -> QualityIndex {
        let (from, to) = try Self.period(request, today: desk.today())
        let lines = try await ServiceQuality(database: desk.database).index(from: from, to: to, today: desk.today(), by: try Self.grouping(request))
        let counts = try await ProcedureCatalogue(database: desk.database).countByOnlineLevel()
        return QualityIndex(from: from, to: to, lines: lines, procedures: ProcedureCounts(counts))
    }

    @Sendable func qualityCSV(_ request: Request, context: AppContext) async throws -> Response {
        let (from, to) = try Self.period(request, today: desk.today())
        let lines = try await ServiceQuality(database: desk.database).index(from: from, to: to, today: desk.today(), by: try Self.grouping(request))
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"chat-luong-\(from)-\(to).csv\""],
            body: .init(byteBuffer: ByteBuffer(string: ServiceQuality.csv(lines))))
    }

    /// `by`: agency (the default) or unit.
    static func grouping(_ request: Request) throws -> ServiceQuality.Grouping {
        guard let text = request.query("by") else { return .agency }
        guard let grouping = ServiceQuality.Grouping(rawValue: text) else {
            throw AppError(.validation, vi: "by phải là agency hoặc unit.", en: "by must be agency or unit.")
        }
        return grouping
    }

    static func period(_ request: Request, today: CivilDate) throws -> (CivilDate, CivilDate) {
        func day(_ name: String, _ fallback: CivilDate) throws -> CivilDate {
            guard let text = request.query(name) else { return fallback }
            guard let date = CivilDate(text), WorkingCalendarStore.years.contains(date.year) else {
                throw AppError(.validation, vi: "\(name) phải là một ngày YYYY-MM-DD.", en: "\(name) must be a date, YYYY-MM-DD.")
            }
            return date
        }
        return (try day("from", CivilDate(year: today.year, month: 1, day: 1)!), try day("to", today))
    }

    @Sendable func track(_ request: Request, context: AppContext) async throws -> DossierStatus {
        try await desk.track(try context.parameters.require("code"))
    }
}

extension Dossier: ResponseEncodable {}
extension DossierStatus: ResponseEncodable {}
extension DossierRating: ResponseEncodable {}
