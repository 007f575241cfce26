import Synchronization

/// The hashes of the records this process imported last, in order: the sealer takes them from here rather than
/// reading back what was just written.
public final class RecentHashes: Sendable {
    private let state = Mutex<(first: Int, hashes: [String])>((0, []))
    static let capacity = 50_000

    public init() {}

    /// Adds the hashes of records `firstSeq`…; a run that does not follow the held one replaces it.
    func append(firstSeq: Int, _ hashes: [String]) {
        state.withLock { state in
            guard !state.hashes.isEmpty, state.first + state.hashes.count == firstSeq else {
                state = (firstSeq, hashes)
                return
            }
            state.hashes += hashes
            if state.hashes.count > Self.capacity {
                let excess = state.hashes.count - Self.capacity
                state.hashes.removeFirst(excess)
                state.first += excess
            }
        }
    }

    /// Up to `limit` hashes from record `seq` on, when record `seq` is held.
    func hashes(from seq: Int, limit: Int) -> [String]? {
        state.withLock { state in
            guard seq >= state.first, seq < state.first + state.hashes.count else { return nil }
            let start = seq - state.first
            return Array(state.hashes[start..<min(start + limit, state.hashes.count)])
        }
    }
}
