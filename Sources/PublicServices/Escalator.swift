import Foundation
import Logging
import ProvinceCore
import ProvinceStore
import SQLKit
import ServiceLifecycle
import Workflow
import WorkingDays

/// Takes the overdue actions of the workflows: a dossier that has stayed in a state longer than the state's time
/// limit (in working days, counted from the day it entered) is moved along the state's `onOverdue` action, by the
/// platform (`system`), with the step in its history, audited and synced like any other.
public struct Escalator: Service {
    let desk: DossierDesk
    let logger: Logger
    let interval: Duration

    public init(desk: DossierDesk, logger: Logger, interval: Duration = .seconds(60)) {
        self.desk = desk
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await escalateDue(today: desk.today())
                } catch {
                    logger.error("escalating overdue dossiers: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Escalates every dossier overdue in its state on `today`; returns the codes moved.
    @discardableResult
    public func escalateDue(today: CivilDate) async throws -> [String] {
        let processes = try await ProcessStore(database: desk.database).list()
        // Only states that act when overdue matter.
        var limits: [String: [String: (days: Int, action: String)]] = [:]
        for process in processes {
            for state in process.states {
                if let action = state.onOverdue, let days = state.timeLimitDays { limits[process.code, default: [:]][state.code] = (days, action) }
            }
        }
        guard !limits.isEmpty else { return [] }
        // Only the dossiers in a state that has a limit are looked at (the pairs are checked again below).
        let processCodes: [any Encodable & Sendable] = Array(limits.keys)
        let stateCodes: [any Encodable & Sendable] = Array(Set(limits.values.flatMap(\.keys)))
        let candidates = try await desk.database.read { db in
            try await db.raw(
                """
                SELECT d.code, d.process_code, d.state, e.at FROM dossiers d
                JOIN dossier_events e ON e.dossier_id = d.id AND e.seq = (SELECT MAX(seq) FROM dossier_events x WHERE x.dossier_id = d.id)
                WHERE d.finished = 0 AND d.process_code IN (\(binds: processCodes)) AND d.state IN (\(binds: stateCodes))
                """
            ).all().map {
                (code: try $0.string("code"), process: try $0.string("process_code"), state: try $0.string("state"), entered: try $0.date("at"))
            }
        }
        let calendar = try await desk.calendar.calendar()
        let system = Actor(system: "system:escalation")
        var moved: [String] = []
        for candidate in candidates {
            guard let limit = limits[candidate.process]?[candidate.state] else { continue }
            let entered = CivilDate(candidate.entered)
            guard today > calendar.dueDate(receivedOn: entered, workingDays: limit.days) else { continue }
            do {
                _ = try await desk.act(on: candidate.code, action: limit.action, by: system)
                moved.append(candidate.code)
                logger.notice("dossier \(candidate.code) overdue in \(candidate.state): \(limit.action)")
            } catch {
                logger.error("dossier \(candidate.code) overdue in \(candidate.state), \(limit.action) failed: \(error)")
            }
        }
        return moved
    }
}
