import Foundation
import Synchronization

/// Token buckets per consumer: up to `perSecond` calls a second, with bursts of as many.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }

    private let buckets = Mutex([String: Bucket]())

    public init() {}

    public func allow(_ consumer: String, perSecond: Int, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        buckets.withLock { buckets in
            let capacity = Double(perSecond)
            var bucket = buckets[consumer] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(now &- bucket.updated) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[consumer] = bucket
            return allowed
        }
    }
}
