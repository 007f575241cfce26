import Hummingbird
import ProvinceCore

extension CommunityTeam: ResponseEncodable {}
extension CommunityTraining: ResponseEncodable {}
extension CommunityTeamsReport: ResponseEncodable {}

/// The registry through the API: figures and teams are public, as the province publishes them; recording is for
/// those who keep a commune's teams (``CommunityTeamRules``).
struct CommunityTeamsController {
    let registry: CommunityTeamsRegistry

    struct Teams: ResponseEncodable {
        var items: [CommunityTeam]
    }

    struct Trainings: ResponseEncodable {
        var items: [CommunityTraining]
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("community-teams", use: teams)
        group.get("community-teams/report", use: report)
        group.get("community-teams/{unit}", use: team)
        group.put("community-teams/{unit}", use: record)
        group.get("community-teams/{unit}/trainings", use: trainings)
        group.post("community-teams/{unit}/trainings", use: recordTraining)
    }

    @Sendable func report(_ request: Request, context: AppContext) async throws -> CommunityTeamsReport {
        let province = try await province(request)
        guard let report = try await registry.store.report(province: province) else {
            throw AppError(.notFound, vi: "Không có tỉnh \(province).", en: "No such province: \(province).")
        }
        return report
    }

    @Sendable func teams(_ request: Request, context: AppContext) async throws -> Teams {
        let province = try await province(request)
        guard try await registry.store.report(province: province) != nil else {
            throw AppError(.notFound, vi: "Không có tỉnh \(province).", en: "No such province: \(province).")
        }
        return Teams(items: try await registry.store.teams(province: province))
    }

    @Sendable func team(_ request: Request, context: AppContext) async throws -> CommunityTeam {
        let unit = try context.parameters.require("unit")
        guard let team = try await registry.store.team(unit) else {
            throw AppError.notFound("tổ công nghệ số của \(unit) / community team of \(unit)")
        }
        return team
    }

    /// Records a commune's figures: 201 the first time, 200 after.
    @Sendable func record(_ request: Request, context: AppContext) async throws -> EditedResponse<CommunityTeam> {
        let actor = try context.actor()
        let unit = try context.parameters.require("unit")
        try await registry.authorize(unit, by: actor)
        let input = try await request.decodeJSON(CommunityTeamInput.self, context: context)
        let (team, created) = try await registry.record(input, for: unit, by: actor)
        return EditedResponse(status: created ? .created : .ok, response: team)
    }

    @Sendable func trainings(_ request: Request, context: AppContext) async throws -> Trainings {
        let unit = try context.parameters.require("unit")
        _ = try await registry.communeAreas(unit)
        return Trainings(items: try await registry.store.trainings(unit))
    }

    @Sendable func recordTraining(_ request: Request, context: AppContext) async throws -> EditedResponse<CommunityTraining> {
        let actor = try context.actor()
        let unit = try context.parameters.require("unit")
        try await registry.authorize(unit, by: actor)
        let input = try await request.decodeJSON(CommunityTrainingInput.self, context: context)
        let training = try await registry.recordTraining(input, for: unit, by: actor)
        return EditedResponse(status: .created, response: training)
    }

    /// The province asked for (`?province=`), or the one with the most teams recorded.
    private func province(_ request: Request) async throws -> String {
        if let asked = request.uri.queryParameters["province"] { return String(asked) }
        guard let first = try await registry.store.provinces().first else {
            throw AppError(.notFound, vi: "Chưa có tổ công nghệ số nào được ghi nhận.", en: "No community team is recorded yet.")
        }
        return first.id
    }
}
