import Foundation
import ProvinceStore
import Synchronization

/// Call durations counted in fixed buckets (Prometheus's way): quantiles are read from the counts, so memory does
/// not grow with traffic.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets, in seconds; one more bucket counts what lies beyond the last.
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    public private(set) var counts = [Int](repeating: 0, count: bounds.count + 1)
    public private(set) var sum: Double = 0

    public init() {}

    public var count: Int { counts.reduce(0, +) }

    public mutating func observe(_ seconds: Double) {
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        counts[bucket] += 1
        sum += seconds
    }

    /// The `q` quantile (0…1) in seconds, interpolated within its bucket; nil before the first observation.
    public func quantile(_ q: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            if Double(seen + bucketCount) >= rank {
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = index < Self.bounds.count ? Self.bounds[index] : Self.bounds[Self.bounds.count - 1]
                let within = max(0, min(1, (rank - Double(seen)) / Double(bucketCount)))
                return lower + (upper - lower) * within
            }
            seen += bucketCount
        }
        return Self.bounds.last
    }
}

/// One consumer's calls of one service, as counted by this gateway process since it started.
public struct TrafficReport: Sendable, Codable, Equatable {
    public var service: String
    public var consumer: String
    public var calls: Int
    /// Error kind (the gateway's `X-Road-Error` type, or `Provider.ClientError` / `Provider.ServerError` for a
    /// provider's own 4xx / 5xx) → count.
    public var errors: [String: Int]
    /// Latency quantiles in milliseconds, from receiving the call to handing over the answer.
    public var p50Milliseconds: Double?
    public var p95Milliseconds: Double?
    public var p99Milliseconds: Double?
}

/// What the last probe of a service's provider found.
public struct ProviderHealth: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable { case up, down }
    public var serviceID: String
    public var upstream: String
    public var state: State
    public var checkedAt: String
    /// How long the provider took to answer the probe, when it answered.
    public var responseMilliseconds: Double?
    public var problem: String?
}

/// The gateway's live figures: traffic per service and consumer, and the health of providers. Kept in memory by
/// each process (a province running several processes adds up their `/metrics`, as Prometheus does).
public final class HubMonitor: Sendable {
    private struct Key: Hashable {
        var service: String
        var consumer: String
    }

    private struct Traffic {
        var calls = 0
        var errors: [String: Int] = [:]
        var latency = LatencyHistogram()

        mutating func count(errorKind: String?, seconds: Double) {
            calls += 1
            if let errorKind { errors[errorKind, default: 0] += 1 }
            latency.observe(seconds)
        }
    }

    private let traffic = Mutex<[Key: Traffic]>([:])
    private let health = Mutex<[String: ProviderHealth]>([:])
    public let startedAt = Date()

    public init() {}

    /// Counts one exchange.
    public func record(service: String, consumer: String, errorKind: String?, seconds: Double) {
        let key = Key(service: service, consumer: consumer)
        traffic.withLock { traffic in
            // Changed in place: copying the entry out would copy its arrays on every call.
            traffic[key, default: Traffic()].count(errorKind: errorKind, seconds: seconds)
        }
    }

    /// The kind of error an exchange counts as, if any.
    public static func errorKind(status: Int, gatewayError: String?) -> String? {
        if let gatewayError { return gatewayError }
        if status >= 500 { return "Provider.ServerError" }
        if status >= 400 { return "Provider.ClientError" }
        return nil
    }

    /// Traffic per service and consumer, busiest first.
    public func trafficReport() -> [TrafficReport] {
        let entries = traffic.withLock { $0 }
        return entries.map { key, entry in
            TrafficReport(
                service: key.service, consumer: key.consumer, calls: entry.calls, errors: entry.errors,
                p50Milliseconds: entry.latency.quantile(0.5).map(Self.milliseconds),
                p95Milliseconds: entry.latency.quantile(0.95).map(Self.milliseconds),
                p99Milliseconds: entry.latency.quantile(0.99).map(Self.milliseconds))
        }
        .sorted { ($0.calls, $1.service, $1.consumer) > ($1.calls, $0.service, $0.consumer) }
    }

    static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000 * 100).rounded() / 100 }

    func setHealth(_ results: [ProviderHealth]) {
        health.withLock { health in
            health = Dictionary(results.map { ($0.serviceID, $0) }, uniquingKeysWith: { $1 })
        }
    }

    /// The last probe of each enabled service's provider, by service id.
    public func providerHealth() -> [ProviderHealth] {
        health.withLock { $0.values.sorted { $0.serviceID < $1.serviceID } }
    }

    /// The figures in Prometheus's text format, for `/metrics`.
    public func prometheusText() -> String {
        let entries = traffic.withLock { $0 }
        var lines = [
            "# HELP hub_calls_total Calls through the hub's gateway.", "# TYPE hub_calls_total counter",
        ]
        let sorted = entries.sorted { ($0.key.service, $0.key.consumer) < ($1.key.service, $1.key.consumer) }
        for (key, entry) in sorted {
            lines.append("hub_calls_total{\(Self.labels(key))} \(entry.calls)")
        }
        lines += ["# HELP hub_errors_total Failed calls, by kind.", "# TYPE hub_errors_total counter"]
        for (key, entry) in sorted {
            for (kind, count) in entry.errors.sorted(by: { $0.key < $1.key }) {
                lines.append("hub_errors_total{\(Self.labels(key)),kind=\"\(Self.escape(kind))\"} \(count)")
            }
        }
        lines += ["# HELP hub_call_duration_seconds Time from receiving a call to answering it.", "# TYPE hub_call_duration_seconds histogram"]
        for (key, entry) in sorted {
            var cumulative = 0
            for (index, bound) in LatencyHistogram.bounds.enumerated() {
                cumulative += entry.latency.counts[index]
                lines.append("hub_call_duration_seconds_bucket{\(Self.labels(key)),le=\"\(bound)\"} \(cumulative)")
            }
            lines.append("hub_call_duration_seconds_bucket{\(Self.labels(key)),le=\"+Inf\"} \(entry.latency.count)")
            lines.append("hub_call_duration_seconds_sum{\(Self.labels(key))} \(entry.latency.sum)")
            lines.append("hub_call_duration_seconds_count{\(Self.labels(key))} \(entry.latency.count)")
        }
        lines += ["# HELP hub_provider_up Whether the last probe reached the service's provider.", "# TYPE hub_provider_up gauge"]
        for probe in providerHealth() {
            lines.append("hub_provider_up{service=\"\(Self.escape(probe.serviceID))\"} \(probe.state == .up ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func labels(_ key: Key) -> String {
        "service=\"\(escape(key.service))\",consumer=\"\(escape(key.consumer))\""
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
