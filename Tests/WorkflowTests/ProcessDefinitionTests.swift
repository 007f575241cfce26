import Foundation
import Testing
import Workflow
import WorkingDays

/// Processes as data: a definition is checked when saved, actions are taken only by the roles they name and with
/// what they require, and the legal clock stops where the definition says.
@Suite struct ProcessDefinitionTests {
    static let roles: Set<String> = ["citizen", "officer", "leader", "system"]

    /// A dossier received at a commune, processed by the district, signed by its leader.
    static let dossier = ProcessDefinition(
        code: "ho-so.hai-cap", name: "Hồ sơ liên thông xã – huyện",
        states: [
            .init(code: "tiep-nhan", name: "Tiếp nhận tại xã", isStart: true, timeLimitDays: 1, onOverdue: "chuyen-huyen"),
            .init(code: "xu-ly-huyen", name: "Huyện xử lý", timeLimitDays: 5),
            .init(code: "cho-bo-sung", name: "Chờ bổ sung", isUpdatable: true, stopsClock: true),
            .init(code: "cho-phe-duyet", name: "Chờ lãnh đạo ký", timeLimitDays: 2),
            .init(code: "co-ket-qua", name: "Có kết quả"),
            .init(code: "da-tra", name: "Đã trả kết quả", isTerminal: true),
            .init(code: "tu-choi", name: "Từ chối", isTerminal: true),
        ],
        actions: [
            .init(code: "chuyen-huyen", name: "Chuyển huyện", from: "tiep-nhan", to: "xu-ly-huyen", roles: ["officer", "system"]),
            .init(code: "tu-choi", name: "Từ chối", from: "tiep-nhan", to: "tu-choi", roles: ["officer"], requiresReason: true),
            .init(code: "yeu-cau-bo-sung", name: "Yêu cầu bổ sung", from: "xu-ly-huyen", to: "cho-bo-sung", roles: ["officer"], requiresReason: true),
            .init(code: "nop-bo-sung", name: "Nộp bổ sung", from: "cho-bo-sung", to: "xu-ly-huyen", roles: ["citizen", "officer"]),
            .init(code: "trinh-ky", name: "Trình ký", from: "xu-ly-huyen", to: "cho-phe-duyet", roles: ["officer"]),
            .init(code: "phe-duyet", name: "Phê duyệt", from: "cho-phe-duyet", to: "co-ket-qua", roles: ["leader"], requiredDocuments: ["ket-qua"]),
            .init(code: "tu-choi", name: "Từ chối", from: "cho-phe-duyet", to: "tu-choi", roles: ["leader"], requiresReason: true),
            .init(code: "tra-ket-qua", name: "Trả kết quả", from: "co-ket-qua", to: "da-tra", roles: ["officer"]),
        ],
        timeLimitDays: 10)

    @Test func aSoundDefinitionPassesAndSurvivesJSON() throws {
        try Self.dossier.validate(knownRoles: Self.roles)
        let stored = try JSONEncoder().encode(Self.dossier)
        #expect(try JSONDecoder().decode(ProcessDefinition.self, from: stored) == Self.dossier)
    }

    func problems(_ change: (inout ProcessDefinition) -> Void) -> [String] {
        var definition = Self.dossier
        change(&definition)
        do {
            try definition.validate(knownRoles: Self.roles)
            return []
        } catch let error as ProcessDefinitionProblems {
            return error.problems.map(\.en)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func everyFlawIsNamed() {
        // A state no action leads to, and one from which nothing leads on.
        #expect(problems { $0.states.append(.init(code: "bi-quen", name: "Bị quên")) }.contains("state bi-quen cannot be reached from the start"))
        #expect(
            problems {
                $0.states.append(.init(code: "ket", name: "Kẹt"))
                $0.actions.append(.init(code: "treo", name: "Treo", from: "xu-ly-huyen", to: "ket", roles: ["officer"]))
            } == ["no way leads from state ket to an end"])
        #expect(problems { $0.actions[1].roles = [] } == ["no role may take action tu-choi"])
        #expect(problems { $0.actions[1].roles = ["chu-tich"] } == ["action tu-choi names an unknown role chu-tich"])
        #expect(
            problems { $0.actions[0].roles = ["officer"] }
                == ["state tiep-nhan acts when overdue with chuyen-huyen, which the system cannot take (role system, no documents, no reason)"])
        #expect(
            problems { $0.actions.append(.init(code: "mo-lai", name: "Mở lại", from: "da-tra", to: "xu-ly-huyen", roles: ["officer"])) }
                == ["action mo-lai leaves da-tra, which ends the process"])
        #expect(problems { $0.states[1].isStart = true }.contains("a process has exactly one start state (this one has 2)"))
        #expect(
            problems { $0.states[0].onOverdue = "phe-duyet" } == [
                "state tiep-nhan acts when overdue with phe-duyet, which is not an action leaving it"
            ])
        #expect(problems { $0.states[3].timeLimitDays = -1 } == ["state cho-phe-duyet has a negative time limit"])
        #expect(problems { $0.actions[2].to = "khong-co" }.contains("action yeu-cau-bo-sung leads to an unknown state khong-co"))
        #expect(problems { $0.code = "hồ sơ" }.first?.hasPrefix("process \"hồ sơ\"") == true)
        #expect(problems { $0.actions.append($0.actions[0]) } == ["action chuyen-huyen is defined twice from state tiep-nhan"])
        #expect(
            problems {
                $0.states = $0.states.map {
                    var s = $0; s.isTerminal = false; return s
                }
            }.contains("no state ends the process"))
    }

    @Test func actionsAreTakenOnlyAsDefined() throws {
        let process = Self.dossier
        #expect(throws: TransitionRefusal.roleNotAllowed(action: "phe-duyet", allowed: ["leader"])) {
            try process.transition("phe-duyet", from: "cho-phe-duyet", roles: ["officer"], documentKinds: ["ket-qua"])
        }
        #expect(throws: TransitionRefusal.missingDocuments(["ket-qua"])) {
            try process.transition("phe-duyet", from: "cho-phe-duyet", roles: ["leader"])
        }
        #expect(throws: TransitionRefusal.reasonRequired) {
            try process.transition("tu-choi", from: "cho-phe-duyet", roles: ["leader"], reason: "  ")
        }
        #expect(throws: TransitionRefusal.noSuchAction(action: "phe-duyet", state: "tiep-nhan")) {
            try process.transition("phe-duyet", from: "tiep-nhan", roles: ["leader"])
        }
        #expect(
            try process.transition("phe-duyet", from: "cho-phe-duyet", roles: ["leader", "officer"], documentKinds: ["ket-qua"]).to == "co-ket-qua")
        #expect(try process.transition("chuyen-huyen", from: "tiep-nhan", roles: ["system"]).to == "xu-ly-huyen")
    }

    /// Started Thursday 5 February 2026 with ten working days; waiting for documents from Monday 9 to Thursday 12 stops
    /// the clock for three working days, and Tết (16–20 February) is not counted either.
    @Test func theClockStopsWhileDocumentsAreAwaited() {
        let calendar = WorkingCalendar()
        let started = CivilDate("2026-02-05")!
        let today = CivilDate("2026-02-24")!
        #expect(ProcessClock.due(started: started, limitDays: 10, pauses: [], today: today, calendar: calendar) == CivilDate("2026-02-26"))
        let pause = ProcessClock.Pause(from: CivilDate("2026-02-09")!, to: CivilDate("2026-02-12")!)
        #expect(ProcessClock.due(started: started, limitDays: 10, pauses: [pause], today: today, calendar: calendar) == CivilDate("2026-03-03"))
        // Still waiting on the 24th: six working days (10–13, 23, 24) not counted so far, and the due day moves on.
        let open = ProcessClock.Pause(from: CivilDate("2026-02-09")!, to: nil)
        #expect(ProcessClock.due(started: started, limitDays: 10, pauses: [open], today: today, calendar: calendar) == CivilDate("2026-03-06"))
    }
}
