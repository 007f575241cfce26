import Foundation
import ProvinceCore
import WorkingDays

/// A workflow as data (after DIGIT's workflow service): states, the actions that move a case between them and who
/// may take each, time limits in working days, and what happens when one passes. Dossiers of public services,
/// citizens' reports and official documents each follow one; a definition is checked before it is saved.
public struct ProcessDefinition: Sendable, Codable, Equatable {
    /// `ho-so.cap-phep-xay-dung`: letters, digits, `.`, `-`, `_`.
    public var code: String
    public var name: String
    public var states: [State]
    public var actions: [Action]
    /// Working days the whole process may take (the procedure's legal deadline), if it has one.
    public var timeLimitDays: Int?

    public struct State: Sendable, Codable, Equatable {
        public var code: String
        public var name: String
        public var isStart: Bool
        public var isTerminal: Bool
        /// The applicant may change the case while it is here (a dossier returned for more documents).
        public var isUpdatable: Bool
        /// The legal clock stops while a case is here: days spent here do not count against the process's limit.
        public var stopsClock: Bool
        /// Working days a case may stay here.
        public var timeLimitDays: Int?
        /// The action the system takes when a case has stayed past `timeLimitDays` (it must leave this state, and the
        /// `system` role must be allowed it without documents or a reason).
        public var onOverdue: String?
        /// Which agency holds a case while it is here, for a process crossing levels: the one that received it
        /// (`receiving`, the commune's one-stop desk) or the one that resolves it (`resolving`); nil keeps the holder.
        public var handledBy: Desk?

        public init(
            code: String, name: String, isStart: Bool = false, isTerminal: Bool = false, isUpdatable: Bool = false, stopsClock: Bool = false,
            timeLimitDays: Int? = nil, onOverdue: String? = nil, handledBy: Desk? = nil
        ) {
            self.code = code
            self.name = name
            self.isStart = isStart
            self.isTerminal = isTerminal
            self.isUpdatable = isUpdatable
            self.stopsClock = stopsClock
            self.timeLimitDays = timeLimitDays
            self.onOverdue = onOverdue
            self.handledBy = handledBy
        }
    }

    /// Who holds a case in a process that crosses agencies.
    public enum Desk: String, Sendable, Codable, CaseIterable {
        /// The agency where the case came in, which also hands back the result.
        case receiving
        /// The agency that decides it.
        case resolving
    }

    public struct Action: Sendable, Codable, Equatable {
        public var code: String
        public var name: String
        public var from: String
        public var to: String
        /// Who may take it: role names (`officer`, `leader`, …, `citizen`, `system` for escalation).
        public var roles: [String]
        /// Kinds of document that must come with it (`ket-qua`, `bien-ban`, …).
        public var requiredDocuments: [String]
        /// Whether whoever takes it must say why (a refusal, a request for more documents).
        public var requiresReason: Bool

        public init(
            code: String, name: String, from: String, to: String, roles: [String], requiredDocuments: [String] = [], requiresReason: Bool = false
        ) {
            self.code = code
            self.name = name
            self.from = from
            self.to = to
            self.roles = roles
            self.requiredDocuments = requiredDocuments
            self.requiresReason = requiresReason
        }
    }

    public init(code: String, name: String, states: [State], actions: [Action], timeLimitDays: Int? = nil) {
        self.code = code
        self.name = name
        self.states = states
        self.actions = actions
        self.timeLimitDays = timeLimitDays
    }

    public var startState: State? { states.first { $0.isStart } }

    public func state(_ code: String) -> State? { states.first { $0.code == code } }

    /// The actions that leave `state`.
    public func actions(from state: String) -> [Action] { actions.filter { $0.from == state } }
}

/// What is wrong with a definition, each problem in words an operator can act on, in Vietnamese and English.
public struct ProcessDefinitionProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [LocalizedText]
    public var description: String { problems.map(\.en).joined(separator: "; ") }

    /// The problems in one language, one after the other.
    public func text(_ language: Language) -> String { problems.map { $0.text(language) }.joined(separator: "; ") }
}

extension ProcessDefinition {
    /// Checks the definition: codes well formed and unique, one start state, every action between known states with at
    /// least one role `knownRoles` holds, terminal states with no way out, every state reachable from the start and
    /// able to reach an end, time limits not negative, an overdue action that leaves its state. Throws every problem
    /// found at once.
    public func validate(knownRoles: Set<String>) throws {
        var problems: [LocalizedText] = []
        func problem(_ vi: String, _ en: String) { problems.append(LocalizedText(vi: vi, en: en)) }
        func checkCode(_ code: String, _ vi: String, _ en: String) {
            let allowed = code.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0)
            }
            if code.isEmpty || code.count > 64 || !allowed {
                problem(
                    "mã \(vi) \"\(code)\" phải gồm 1 đến 64 chữ cái, chữ số, '.', '-' hoặc '_'",
                    "\(en) \"\(code)\": a code is 1 to 64 letters, digits, '.', '-' or '_'")
            }
        }
        checkCode(code, "quy trình", "process")
        if name.trimmingCharacters(in: .whitespaces).isEmpty { problem("quy trình chưa có tên", "the process has no name") }
        if let limit = timeLimitDays, limit < 0 { problem("thời hạn của quy trình là số âm", "the process's time limit is negative") }
        var seen = Set<String>()
        for state in states {
            checkCode(state.code, "bước", "state")
            if !seen.insert(state.code).inserted { problem("bước \(state.code) được khai báo hai lần", "state \(state.code) is defined twice") }
            if let limit = state.timeLimitDays, limit < 0 {
                problem("bước \(state.code) có thời hạn âm", "state \(state.code) has a negative time limit")
            }
            if state.isStart && state.isTerminal {
                problem("bước \(state.code) vừa là bước đầu vừa là bước kết thúc", "state \(state.code) is both the start and an end")
            }
        }
        let starts = states.filter(\.isStart)
        if starts.count != 1 {
            problem(
                "quy trình phải có đúng một bước đầu (đang có \(starts.count))",
                "a process has exactly one start state (this one has \(starts.count))")
        }
        if !states.contains(where: \.isTerminal) { problem("không bước nào kết thúc quy trình", "no state ends the process") }
        var actionKeys = Set<String>()
        for action in actions {
            checkCode(action.code, "thao tác", "action")
            if !actionKeys.insert(action.from + "\u{0}" + action.code).inserted {
                problem(
                    "thao tác \(action.code) được khai báo hai lần từ bước \(action.from)",
                    "action \(action.code) is defined twice from state \(action.from)")
            }
            if state(action.from) == nil {
                problem("thao tác \(action.code) đi từ bước không có: \(action.from)", "action \(action.code) leaves an unknown state \(action.from)")
            }
            if state(action.to) == nil {
                problem("thao tác \(action.code) dẫn tới bước không có: \(action.to)", "action \(action.code) leads to an unknown state \(action.to)")
            }
            if state(action.from)?.isTerminal == true {
                problem(
                    "thao tác \(action.code) đi ra từ \(action.from), là bước kết thúc",
                    "action \(action.code) leaves \(action.from), which ends the process")
            }
            if action.roles.isEmpty { problem("thao tác \(action.code) không có vai trò nào được làm", "no role may take action \(action.code)") }
            for role in action.roles where !knownRoles.contains(role) {
                problem("thao tác \(action.code) nêu vai trò không có: \(role)", "action \(action.code) names an unknown role \(role)")
            }
        }
        for state in states {
            guard let overdue = state.onOverdue else { continue }
            if state.timeLimitDays == nil {
                problem(
                    "bước \(state.code) có xử lý khi quá hạn nhưng không có thời hạn",
                    "state \(state.code) acts when overdue but has no time limit")
            }
            if let action = actions(from: state.code).first(where: { $0.code == overdue }) {
                if !action.roles.contains("system") || !action.requiredDocuments.isEmpty || action.requiresReason {
                    problem(
                        "bước \(state.code) khi quá hạn dùng \(overdue), mà hệ thống không tự làm được (cần vai trò system, không kèm giấy tờ, không cần lý do)",
                        "state \(state.code) acts when overdue with \(overdue), which the system cannot take (role system, no documents, no reason)")
                }
            } else {
                problem(
                    "bước \(state.code) khi quá hạn dùng \(overdue), không phải thao tác đi ra từ bước này",
                    "state \(state.code) acts when overdue with \(overdue), which is not an action leaving it")
            }
        }
        if let start = starts.first, starts.count == 1 {
            let reachable = reach(from: [start.code], forward: true)
            for state in states where !reachable.contains(state.code) {
                problem("không thể đến bước \(state.code) từ bước đầu", "state \(state.code) cannot be reached from the start")
            }
        }
        let ending = reach(from: states.filter(\.isTerminal).map(\.code), forward: false)
        for state in states where !ending.contains(state.code) {
            problem("từ bước \(state.code) không có đường tới bước kết thúc", "no way leads from state \(state.code) to an end")
        }
        if !problems.isEmpty { throw ProcessDefinitionProblems(problems: problems) }
    }

    /// The states reachable from `codes` along the actions (or against them, when not `forward`).
    private func reach(from codes: [String], forward: Bool) -> Set<String> {
        var reached = Set(codes)
        var queue = codes
        while let code = queue.popLast() {
            for action in actions where (forward ? action.from : action.to) == code {
                let next = forward ? action.to : action.from
                if reached.insert(next).inserted { queue.append(next) }
            }
        }
        return reached
    }
}

/// Why an action cannot be taken on a case.
public enum TransitionRefusal: Error, Sendable, Equatable {
    /// No such action leaves the case's state.
    case noSuchAction(action: String, state: String)
    /// None of the actor's roles may take it.
    case roleNotAllowed(action: String, allowed: [String])
    /// Documents of these kinds must come with it.
    case missingDocuments([String])
    /// It needs a reason.
    case reasonRequired
}

extension ProcessDefinition {
    /// The action `code` taken on a case in `state` by one holding `roles`, with documents of `documentKinds` and
    /// `reason`: the action, or why it is refused.
    public func transition(
        _ code: String, from state: String, roles: Set<String>, documentKinds: Set<String> = [], reason: String? = nil
    ) throws(TransitionRefusal) -> Action {
        guard let action = actions.first(where: { $0.from == state && $0.code == code }) else {
            throw .noSuchAction(action: code, state: state)
        }
        guard !roles.isDisjoint(with: action.roles) else { throw .roleNotAllowed(action: code, allowed: action.roles) }
        let missing = action.requiredDocuments.filter { !documentKinds.contains($0) }
        guard missing.isEmpty else { throw .missingDocuments(missing) }
        if action.requiresReason && (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .reasonRequired }
        return action
    }
}

/// When a case is due: the process's limit in working days from the day it started, with the working days spent in
/// states that stop the clock added back.
public enum ProcessClock {
    /// A stretch of time the clock stood still: from the day the case entered a clock-stopping state to the day it
    /// left (nil: it is still there, counted to `today`).
    public struct Pause: Sendable, Equatable {
        public var from: CivilDate
        public var to: CivilDate?

        public init(from: CivilDate, to: CivilDate?) {
            self.from = from
            self.to = to
        }
    }

    /// The due day of a case started on `started` with `limitDays` working days, given its pauses so far.
    public static func due(started: CivilDate, limitDays: Int, pauses: [Pause], today: CivilDate, calendar: WorkingCalendar) -> CivilDate {
        let paused = pauses.reduce(0) { total, pause in
            total + calendar.workingDays(after: pause.from, through: pause.to ?? today)
        }
        return calendar.dueDate(receivedOn: started, workingDays: limitDays + paused)
    }
}
