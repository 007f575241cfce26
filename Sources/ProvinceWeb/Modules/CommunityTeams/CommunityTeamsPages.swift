import Foundation
import Hummingbird
import ProvinceCore

/// The registry's pages: a province's figures for anyone, a commune's teams and trainings, and the forms that record
/// them for those who keep the commune.
struct CommunityTeamsPages {
    let registry: CommunityTeamsRegistry
    let pages: PageRenderer
    /// The site's form checks (the session's token).
    let forms: PagesController

    func addRoutes(to router: RouterGroup<AppContext>) {
        router.get("community-teams", use: report)
        router.get("community-teams/{unit}", use: commune)
        router.post("community-teams/{unit}", use: recordTeam)
        router.post("community-teams/{unit}/trainings", use: recordTraining)
    }

    /// One area's line of the figures.
    struct Line: Sendable {
        let unitID: String
        let name: String
        let communes: Int
        let communesWithTeam: Int
        let members: Int
        let villageTeams: Int
        let villageMembers: Int
        let trainings: Int

        init(_ figures: CommunityTeamFigures) {
            unitID = figures.unitID
            name = figures.name
            communes = figures.communes
            communesWithTeam = figures.communesWithTeam
            members = figures.members
            villageTeams = figures.villageTeams
            villageMembers = figures.villageMembers
            trainings = figures.trainings
        }
    }

    struct TeamRow: Sendable {
        let unitID: String
        let commune: String
        let area: String
        let members: Int
        let villageTeams: Int
        let villageMembers: Int
    }

    /// `/community-teams`: the figures of one province, by district, and its communes' teams.
    struct ReportModel: Sendable {
        let provinces: [Choice]
        let recorded: Bool
        let total: [Line]
        let lines: [Line]
        let chart: String?
        let teams: [TeamRow]
        // Stored, not computed: templates see only stored properties.
        let hasProvinces: Bool
        let hasLines: Bool
        let hasTeams: Bool

        init(provinces: [Choice], recorded: Bool, total: [Line], lines: [Line], chart: String?, teams: [TeamRow]) {
            self.provinces = provinces
            self.recorded = recorded
            self.total = total
            self.lines = lines
            self.chart = chart
            self.teams = teams
            hasProvinces = !provinces.isEmpty
            hasLines = !lines.isEmpty
            hasTeams = !teams.isEmpty
        }
    }

    struct TrainingRow: Sendable {
        let heldOn: String
        let topic: String
        let participants: Int
    }

    /// The figures as recorded.
    struct Recorded: Sendable {
        let members: Int
        let villageTeams: Int
        let villageMembers: Int
        /// Nil when nobody was named.
        let leader: String?
        let updatedAt: String
    }

    /// The team's form: the figures recorded, or those just sent and refused.
    struct TeamForm: Sendable {
        let members: String
        let villageTeams: String
        let villageMembers: String
        let leader: String
    }

    /// `/community-teams/{unit}`: a commune's teams, its trainings and, for those who keep it, the forms.
    struct CommuneModel: Sendable {
        let unitID: String
        let commune: String
        let area: String
        let recorded: Recorded?
        let team: TeamForm
        let trainings: [TrainingRow]
        let hasTrainings: Bool
        let mayKeep: Bool
        let saved: Bool
        let refusal: FormRefusal?
        let training: TrainingForm
    }

    struct TrainingForm: Sendable {
        let heldOn: String
        let topic: String
        let participants: String
    }

    @Sendable func report(_ request: Request, context: AppContext) async throws -> Response {
        let words = Strings.words(context.language)
        let provinces = try await registry.store.provinces()
        let asked = request.uri.queryParameters["province"].map(String.init)
        let chosen = asked ?? provinces.first?.id
        var report: CommunityTeamsReport?
        if let chosen {
            report = try await registry.store.report(province: chosen)
            if report == nil { throw AppError(.notFound, vi: "Không có tỉnh \(chosen).", en: "No such province: \(chosen).") }
        }
        var teams: [CommunityTeam] = []
        if let chosen { teams = try await registry.store.teams(province: chosen) }
        let lines = report?.districts.map(Line.init) ?? []
        let model = ReportModel(
            provinces: provinces.map { Choice(value: $0.id, label: $0.name, selected: $0.id == chosen) },
            recorded: report != nil, total: report.map { [Line($0.province)] } ?? [], lines: lines,
            chart: lines.isEmpty ? nil : SVGChart.bars(lines.map { ($0.name, $0.members + $0.villageMembers) }),
            teams: teams.map {
                TeamRow(
                    unitID: $0.unitID, commune: $0.communeName, area: $0.parentName, members: $0.members, villageTeams: $0.villageTeams,
                    villageMembers: $0.villageMembers)
            })
        return pages.page("community-teams", title: words["communityTeams"], model: model, context: context)
    }

    @Sendable func commune(_ request: Request, context: AppContext) async throws -> Response {
        try await communePage(
            try context.parameters.require("unit"), context: context, saved: request.uri.queryParameters["saved"] != nil, failure: nil)
    }

    @Sendable func recordTeam(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try forms.checkSession(form, context: context)
        let unit = try context.parameters.require("unit")
        let input = CommunityTeamInput(
            members: Int(form["members"]) ?? -1, villageTeams: Int(form["villageTeams"]) ?? -1,
            villageMembers: Int(form["villageMembers"]) ?? -1, leader: form["leader"])
        do {
            _ = try await registry.record(input, for: unit, by: try context.actor())
            return PageRenderer.redirect("/community-teams/\(unit)?saved=1")
        } catch let error as AppError where error.kind == .validation {
            return try await communePage(unit, context: context, saved: false, failure: (error, form, false))
        }
    }

    @Sendable func recordTraining(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try forms.checkSession(form, context: context)
        let unit = try context.parameters.require("unit")
        let input = CommunityTrainingInput(heldOn: form["heldOn"], topic: form["topic"], participants: Int(form["participants"]) ?? -1)
        do {
            _ = try await registry.recordTraining(input, for: unit, by: try context.actor())
            return PageRenderer.redirect("/community-teams/\(unit)?saved=1")
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            return try await communePage(unit, context: context, saved: false, failure: (error, form, true))
        }
    }

    /// The commune's page, with the form as sent (the training's, or the team's) and what was wrong with it when
    /// `failure` is given.
    private func communePage(
        _ unit: String, context: AppContext, saved: Bool, failure: (error: AppError, form: Form, training: Bool)?
    ) async throws -> Response {
        let language = context.language
        let areas = try await registry.communeAreas(unit)
        let detail = try await registry.units.detail(areas[0])
        let team = try await registry.store.team(unit)
        let trainings = try await registry.store.trainings(unit)
        let sent = failure?.training == false ? failure?.form : nil
        let sentTraining = failure?.training == true ? failure?.form : nil
        let model = CommuneModel(
            unitID: unit, commune: detail.unit.name, area: detail.parent?.name ?? "",
            recorded: team.map {
                Recorded(
                    members: $0.members, villageTeams: $0.villageTeams, villageMembers: $0.villageMembers,
                    leader: $0.leader.isEmpty ? nil : $0.leader, updatedAt: PagesController.localTime($0.updatedAt))
            },
            team: TeamForm(
                members: sent?["members"] ?? team.map { String($0.members) } ?? "",
                villageTeams: sent?["villageTeams"] ?? team.map { String($0.villageTeams) } ?? "",
                villageMembers: sent?["villageMembers"] ?? team.map { String($0.villageMembers) } ?? "",
                leader: sent?["leader"] ?? team?.leader ?? ""),
            trainings: trainings.map { TrainingRow(heldOn: $0.heldOn, topic: $0.topic, participants: $0.participants) },
            hasTrainings: !trainings.isEmpty, mayKeep: try await registry.mayKeep(unit, context.optionalActor), saved: saved,
            refusal: failure.map { FormRefusal($0.error, language) },
            training: TrainingForm(
                heldOn: sentTraining?["heldOn"] ?? "", topic: sentTraining?["topic"] ?? "", participants: sentTraining?["participants"] ?? ""))
        return pages.page(
            "community-team", title: "\(Strings.words(language)["communityTeam"]) · \(detail.unit.name)", model: model, context: context,
            status: failure.map { HTTPResponse.Status(code: $0.error.kind.status) } ?? .ok)
    }
}
