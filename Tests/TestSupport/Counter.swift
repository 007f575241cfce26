import Synchronization

/// A count shared by a test and the servers or tasks it starts.
public final class Counter: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// Counts one.
    public func add() { count.withLock { $0 += 1 } }

    /// Counts one and returns the count: a number no other caller is given.
    public func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }

    /// The count so far.
    public var value: Int { count.withLock { $0 } }
}
