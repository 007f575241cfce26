import Foundation
import ProvinceCore
import WorkingDays

/// A commune's community digital-technology team (Tổ công nghệ số cộng đồng, Decision 1907/QĐ-BTTTT) and the teams
/// of its villages and residential groups (thôn, tổ dân phố), as the commune reports them.
struct CommunityTeam: Codable, Sendable, Equatable {
    /// The commune: an administrative unit of the directory (`2008:24781`).
    var unitID: String
    var communeName: String
    /// The district or province above the commune, for grouping.
    var parentID: String
    var parentName: String
    /// The commune team's members.
    var members: Int
    /// The village teams and their members, all villages together.
    var villageTeams: Int
    var villageMembers: Int
    /// Who leads the commune team, if said.
    var leader: String
    /// When the figures were last recorded (UTC, ISO 8601).
    var updatedAt: String
}

/// The figures a commune reports for its teams.
struct CommunityTeamInput: Codable, Sendable, Equatable {
    var members: Int
    var villageTeams: Int
    var villageMembers: Int
    var leader: String?

    /// The largest count taken for any figure: a commune's teams are tens of people, a village's a handful.
    static let largest = 100_000

    /// Every problem at once, by field.
    func validate() throws {
        var validator = Validator()
        validator.check(
            (1...Self.largest).contains(members), "members", vi: "Tổ cấp xã có từ 1 đến 100.000 thành viên.",
            en: "A commune team has from 1 to 100,000 members.")
        validator.check(
            (0...Self.largest).contains(villageTeams), "villageTeams", vi: "Số tổ thôn, tổ dân phố từ 0 đến 100.000.",
            en: "Village teams are from 0 to 100,000.")
        validator.check(
            (0...Self.largest).contains(villageMembers), "villageMembers", vi: "Số thành viên tổ thôn từ 0 đến 100.000.",
            en: "Village members are from 0 to 100,000.")
        validator.check(
            villageMembers >= villageTeams, "villageMembers", vi: "Mỗi tổ thôn, tổ dân phố có ít nhất một thành viên.",
            en: "Every village team has at least one member.")
        validator.check(
            villageTeams > 0 || villageMembers == 0, "villageMembers", vi: "Không có tổ thôn thì không có thành viên tổ thôn.",
            en: "Without village teams there are no village members.")
        validator.check(
            (leader ?? "").count <= 200, "leader", vi: "Tên tổ trưởng tối đa 200 ký tự.", en: "The leader's name is at most 200 characters.")
        try validator.finish()
    }
}

/// A training the commune's teams held (tập huấn kỹ năng số).
struct CommunityTraining: Codable, Sendable, Equatable {
    var id: String
    var unitID: String
    /// The day it was held, `YYYY-MM-DD`.
    var heldOn: String
    var topic: String
    var participants: Int
    var recordedAt: String
}

/// A training as recorded.
struct CommunityTrainingInput: Codable, Sendable, Equatable {
    var heldOn: String
    var topic: String
    var participants: Int

    func validate() throws {
        var validator = Validator()
        let day = CivilDate(heldOn)
        validator.check(
            day.map { (1900...2999).contains($0.year) } == true, "heldOn", vi: "Ngày tập huấn có dạng YYYY-MM-DD.",
            en: "The day is YYYY-MM-DD.")
        let topic = topic.trimmingCharacters(in: .whitespacesAndNewlines)
        validator.check(
            !topic.isEmpty && topic.count <= 300, "topic", vi: "Nội dung tập huấn từ 1 đến 300 ký tự.",
            en: "The topic is from 1 to 300 characters.")
        validator.check(
            (1...CommunityTeamInput.largest).contains(participants), "participants", vi: "Số người tham gia từ 1 đến 100.000.",
            en: "Participants are from 1 to 100,000.")
        try validator.finish()
    }
}

/// The figures of one area (a district, or the whole province): how many of its communes have a team, and the teams'
/// members, village teams and their members.
struct CommunityTeamFigures: Codable, Sendable, Equatable {
    var unitID: String
    var name: String
    var communes: Int
    var communesWithTeam: Int
    var members: Int
    var villageTeams: Int
    var villageMembers: Int
    var trainings: Int
    var trainingParticipants: Int
}

/// The registry's report: the province's figures and each district's.
struct CommunityTeamsReport: Codable, Sendable, Equatable {
    var province: CommunityTeamFigures
    var districts: [CommunityTeamFigures]

    /// Sums `teams` and `trainings` over the province's districts; `communes` are the communes of each district, teams
    /// or not (coverage is over them all).
    static func make(
        province: (id: String, name: String), districts: [(id: String, name: String, communes: Int)], teams: [CommunityTeam],
        trainings: [CommunityTraining]
    ) -> CommunityTeamsReport {
        let teamsByParent = Dictionary(grouping: teams, by: \.parentID)
        let parentOfUnit = Dictionary(teams.map { ($0.unitID, $0.parentID) }) { first, _ in first }
        let trainingsByParent = Dictionary(grouping: trainings) { parentOfUnit[$0.unitID] ?? "" }
        let lines = districts.map { district in
            let teams = teamsByParent[district.id] ?? []
            let trainings = trainingsByParent[district.id] ?? []
            return CommunityTeamFigures(
                unitID: district.id, name: district.name, communes: district.communes, communesWithTeam: teams.count,
                members: teams.reduce(0) { $0 + $1.members }, villageTeams: teams.reduce(0) { $0 + $1.villageTeams },
                villageMembers: teams.reduce(0) { $0 + $1.villageMembers }, trainings: trainings.count,
                trainingParticipants: trainings.reduce(0) { $0 + $1.participants })
        }
        let total = CommunityTeamFigures(
            unitID: province.id, name: province.name, communes: lines.reduce(0) { $0 + $1.communes },
            communesWithTeam: lines.reduce(0) { $0 + $1.communesWithTeam }, members: lines.reduce(0) { $0 + $1.members },
            villageTeams: lines.reduce(0) { $0 + $1.villageTeams }, villageMembers: lines.reduce(0) { $0 + $1.villageMembers },
            trainings: lines.reduce(0) { $0 + $1.trainings }, trainingParticipants: lines.reduce(0) { $0 + $1.trainingParticipants })
        return CommunityTeamsReport(province: total, districts: lines)
    }
}

/// Who may keep the registry.
enum CommunityTeamRules {
    /// Recording a commune's teams or its trainings: a platform administrator, or an officer or agency administrator
    /// of the commune's own People's Committee (an agency whose unit, `agencyUnitID`, is the commune `communeID`).
    /// Departments of the province are above every commune but keep none: they read the registry like everyone.
    static func canKeep(communeID: String, agencyUnitID: String?, _ actor: Actor) -> Bool {
        if Access.canAdministerPlatform(actor) { return true }
        guard let account = actor.account, Access.isOfficial(actor), account.has(.officer) || account.has(.agencyAdmin),
            let agencyUnitID
        else { return false }
        return agencyUnitID == communeID
    }
}
