import Directory
import ProvinceCore

/// The registry's decisions over its store: what may be recorded, by whom, for which unit.
struct CommunityTeamsRegistry: Sendable {
    let store: any CommunityTeamStore
    let units: UnitDirectory
    let agencies: AgencyDirectory

    /// Records a commune's figures: 404 when the unit is no commune, 403 for whoever may not keep it, 400 for figures
    /// that do not hold together.
    func record(_ input: CommunityTeamInput, for unitID: String, by actor: Actor) async throws -> (team: CommunityTeam, created: Bool) {
        try await authorize(unitID, by: actor)
        try input.validate()
        return try await store.save(input, for: unitID, by: actor)
    }

    /// Records a training the commune's teams held, on the same terms.
    func recordTraining(_ input: CommunityTrainingInput, for unitID: String, by actor: Actor) async throws -> CommunityTraining {
        try await authorize(unitID, by: actor)
        try input.validate()
        guard try await store.team(unitID) != nil else {
            throw AppError(
                .conflict, vi: "Xã này chưa có tổ công nghệ số cộng đồng: ghi nhận tổ trước.",
                en: "This commune has no community team recorded yet: record the team first.")
        }
        return try await store.addTraining(input, for: unitID, by: actor)
    }

    /// Whether `actor` may keep `unitID`'s teams (for the pages, which show the forms only then).
    func mayKeep(_ unitID: String, _ actor: Actor?) async throws -> Bool {
        guard let actor else { return false }
        let commune = try await communeAreas(unitID)[0]
        return CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: try await agencyUnit(actor), actor)
    }

    /// The commune and the areas above it, the commune first; 404 when `unitID` is no commune (a unit with none
    /// under it and one above it).
    func communeAreas(_ unitID: String) async throws -> [String] {
        let detail = try await units.detail(unitID)
        guard detail.childCount == 0, let parent = detail.parent else {
            throw AppError(.notFound, vi: "\(unitID) không phải là một xã, phường.", en: "\(unitID) is not a commune.")
        }
        return [unitID, parent.id] + (parent.parentID.map { [$0] } ?? [])
    }

    /// 404 when `unitID` is no commune, 403 when `actor` may not keep it: checked before a request's body is read.
    func authorize(_ unitID: String, by actor: Actor) async throws {
        guard try await mayKeep(unitID, actor) else { throw AppError.forbidden }
    }

    private func agencyUnit(_ actor: Actor) async throws -> String? {
        guard let agencyID = actor.account?.agencyID else { return nil }
        return try await agencies.get(agencyID).unitID
    }
}
