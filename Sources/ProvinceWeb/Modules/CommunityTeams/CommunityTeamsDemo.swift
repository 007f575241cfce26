import Directory
import ProvinceCore

/// The demo's teams: the figures Lâm Đồng's Department of Information and Communications reported on 19 November 2024
/// (every commune has a team, 2,538 commune-team members, 1,367 village teams with 9,088 members), over the communes
/// of the former Lâm Đồng in the directory's 2008 edition.
///
/// The report gives totals only: they are spread as evenly as whole numbers allow, in the order of the communes'
/// codes, so that each commune's figures are plausible and the province's sums are the reported ones. The report
/// counted 142 communes; the directory's edition lists 141, after three districts merged into Đạ Huoai in late 2024,
/// and 141 × 18 members make the reported 2,538.
enum CommunityTeamsDemo {
    static let province = AdministrativeUnit.id(edition: UnitDirectory.Edition.beforeReform.name, code: "68")
    static let members = 2_538
    static let villageTeams = 1_367
    static let villageMembers = 9_088

    /// Each commune's figures: `communes` in the order the totals are spread over.
    static func spread(over communes: [String]) -> [(unitID: String, input: CommunityTeamInput)] {
        guard !communes.isEmpty else { return [] }
        let count = communes.count
        // The village teams' members: every team has `base` members, the first `extra` teams one more.
        let base = villageMembers / villageTeams
        var extra = villageMembers % villageTeams
        return communes.enumerated().map { index, unitID in
            let teams = villageTeams / count + (index < villageTeams % count ? 1 : 0)
            let more = min(extra, teams)
            extra -= more
            return (
                unitID,
                CommunityTeamInput(
                    members: members / count + (index < members % count ? 1 : 0), villageTeams: teams, villageMembers: teams * base + more,
                    leader: nil)
            )
        }
    }

    /// Records the figures for the communes of the province under its districts.
    static func load(into registry: CommunityTeamsRegistry, by actor: Actor) async throws {
        var communes: [String] = []
        for district in try await registry.units.children(of: province) {
            communes += try await registry.units.children(of: district.id).map(\.id)
        }
        try await registry.store.saveAll(spread(over: communes.sorted()), by: actor)
    }
}
