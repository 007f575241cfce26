import Audit
import Logging
import ServiceLifecycle

/// Seals the audit trail every few seconds while `serve` runs, so that at most a few seconds of entries rest on the
/// chain alone.
public struct AuditSealing: Service {
    let sealer: AuditSealer
    let interval: Duration
    let logger: Logger

    public init(sealer: AuditSealer, interval: Duration = .seconds(2), logger: Logger) {
        self.sealer = sealer
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await sealer.repairArchive()
        } catch {
            logger.error("repairing the audit seal archive: \(error)")
        }
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sealer.sealPending()
                } catch {
                    logger.error("sealing the audit trail: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
        // What was appended until the end is sealed before the process stops.
        _ = try? await sealer.sealPending()
    }
}
