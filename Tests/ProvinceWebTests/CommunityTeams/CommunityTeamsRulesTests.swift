import Foundation
import ProvinceCore
import Testing
import WorkingDays

@testable import ProvinceWeb

/// The registry's rules, without HTTP or a database.
@Suite struct CommunityTeamsRulesTests {
    @Test func theReportedTotalsAreSpreadOverTheCommunesWithNothingLost() throws {
        let communes = (0..<141).map { "2008:\(24_000 + $0)" }
        let spread = CommunityTeamsDemo.spread(over: communes)
        #expect(spread.map(\.unitID) == communes)
        #expect(spread.reduce(0) { $0 + $1.input.members } == 2_538)
        #expect(spread.reduce(0) { $0 + $1.input.villageTeams } == 1_367)
        #expect(spread.reduce(0) { $0 + $1.input.villageMembers } == 9_088)
        for (_, input) in spread {
            try input.validate()
            #expect(input.members == 18)
            #expect((9...10).contains(input.villageTeams))
            #expect((6 * input.villageTeams...7 * input.villageTeams).contains(input.villageMembers))
        }
        // Any number of communes keeps the totals.
        for count in [1, 7, 124, 142] {
            let other = CommunityTeamsDemo.spread(over: (0..<count).map(String.init))
            #expect(other.reduce(0) { $0 + $1.input.villageMembers } == 9_088, "\(count)")
            #expect(other.reduce(0) { $0 + $1.input.members } == 2_538, "\(count)")
        }
        #expect(CommunityTeamsDemo.spread(over: []).isEmpty)
    }

    @Test func figuresThatDoNotHoldTogetherAreRefusedFieldByField() {
        func fields(_ input: CommunityTeamInput) -> Set<String> {
            do {
                try input.validate()
                return []
            } catch let error as AppError {
                return Set(error.fieldErrors.keys)
            } catch {
                return ["?"]
            }
        }
        #expect(fields(CommunityTeamInput(members: 18, villageTeams: 9, villageMembers: 60, leader: "Ka Thị Nhung")).isEmpty)
        #expect(fields(CommunityTeamInput(members: 0, villageTeams: 0, villageMembers: 0, leader: nil)) == ["members"])
        #expect(fields(CommunityTeamInput(members: 5, villageTeams: 4, villageMembers: 3, leader: nil)) == ["villageMembers"])
        #expect(fields(CommunityTeamInput(members: 5, villageTeams: 0, villageMembers: 3, leader: nil)) == ["villageMembers"])
        #expect(
            fields(CommunityTeamInput(members: -1, villageTeams: -2, villageMembers: 200_000, leader: String(repeating: "a", count: 201)))
                == ["members", "villageTeams", "villageMembers", "leader"])
        #expect(fields(CommunityTeamInput(members: Int.max, villageTeams: 0, villageMembers: 0, leader: nil)) == ["members"])
    }

    @Test func aTrainingNeedsARealDayATopicAndParticipants() {
        #expect(CivilDate("2024-02-29") != nil)
        for text in ["2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-32", "", "2024-01-01T00:00", "０２０24-01-01", "2024-+1-+5"] {
            #expect(CivilDate(text) == nil, "\(text)")
        }
        #expect((try? CommunityTrainingInput(heldOn: "2024-11-19", topic: " Kỹ năng số ", participants: 30).validate()) != nil)
        #expect((try? CommunityTrainingInput(heldOn: "2024-11-19", topic: "   ", participants: 30).validate()) == nil)
        #expect((try? CommunityTrainingInput(heldOn: "2024-11-19", topic: "VNeID", participants: 0).validate()) == nil)
    }

    @Test func theReportSumsEachDistrictAndCountsCommunesWithoutATeam() {
        func team(_ unit: String, _ parent: String, _ members: Int) -> CommunityTeam {
            CommunityTeam(
                unitID: unit, communeName: unit, parentID: parent, parentName: parent, members: members, villageTeams: 2,
                villageMembers: 10, leader: "", updatedAt: "")
        }
        let training = CommunityTraining(id: "1", unitID: "c1", heldOn: "2024-11-19", topic: "VNeID", participants: 25, recordedAt: "")
        let report = CommunityTeamsReport.make(
            province: ("p", "Tỉnh"), districts: [("d1", "Huyện Một", 3), ("d2", "Huyện Hai", 2)],
            teams: [team("c1", "d1", 10), team("c2", "d1", 8), team("c4", "d2", 7)], trainings: [training])
        #expect(report.districts.map(\.communesWithTeam) == [2, 1])
        #expect(report.districts.map(\.members) == [18, 7])
        #expect(report.province.communes == 5)
        #expect(report.province.communesWithTeam == 3)
        #expect(report.province.villageTeams == 6)
        #expect(report.province.trainings == 1)
        #expect(report.province.trainingParticipants == 25)
    }

    @Test func onlyTheCommunesOwnOfficialsAndPlatformAdministratorsKeepItsTeams() {
        func actor(_ roles: [Role], kind: AccountKind = .official, disabled: Bool = false) -> Actor {
            Actor(
                account: Account(
                    id: "a", kind: kind, username: "u", fullName: "U", agencyID: "g", roles: roles, disabled: disabled, createdAt: Date()),
                address: nil)
        }
        let commune = "2008:24781"
        #expect(CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: nil, Actor(system: "cli")))
        #expect(CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: "2025:68", actor([.platformAdmin])))
        #expect(CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: commune, actor([.officer])))
        #expect(CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: commune, actor([.agencyAdmin])))
        // A department of the district or the province is above the commune, and keeps none of its teams.
        for above in ["2008:672", "2008:68"] {
            #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: above, actor([.officer, .agencyAdmin])))
        }
        #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: "2008:24778", actor([.officer])))
        #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: commune, actor([.viewer, .leader])))
        #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: commune, actor([.officer], disabled: true)))
        #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: commune, actor([.officer], kind: .citizen)))
        #expect(!CommunityTeamRules.canKeep(communeID: commune, agencyUnitID: nil, actor([.officer])))
    }
}
