import Crypto
import Foundation

/// Merkle trees over records' hashes (the message log's, the audit trail's), as RFC 6962 (Certificate Transparency) defines them:
/// a leaf is SHA-256(0x00 ‖ record hash), a node SHA-256(0x01 ‖ left ‖ right), the split at the largest power of two.
public enum MerkleTree {
    /// One step of an inclusion proof: the sibling's hash and whether it stands on the left.
    public struct Step: Sendable, Codable, Equatable {
        public var hash: String
        public var left: Bool
    }

    public static func leaf(_ recordHash: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [UInt8(0)])
        hasher.update(data: recordHash)
        return Data(hasher.finalize())
    }

    public static func node(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [UInt8(1)])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    public static func split(_ count: Int) -> Int {
        var k = 1
        while k << 1 < count { k <<= 1 }
        return k
    }

    /// The root over leaves already hashed with `leaf` (32 bytes each). Computed level by level in one buffer:
    /// neighbours hashed in pairs from the left and an odd last node carried up as it is, which makes each left
    /// subtree the largest power of two below the count, as RFC 6962 defines the root (a seal covers up to 10,000).
    public static func root(_ leaves: ArraySlice<Data>) -> Data {
        guard !leaves.isEmpty else { return Data(SHA256.hash(data: Data())) }
        var level: [UInt8] = []
        level.reserveCapacity(leaves.count * 32)
        for leaf in leaves { level.append(contentsOf: leaf) }
        var count = leaves.count
        level.withUnsafeMutableBytes { level in
            let nodePrefix: UInt8 = 1
            while count > 1 {
                var next = 0
                for left in stride(from: 0, to: count - 1, by: 2) {
                    var hasher = SHA256()
                    withUnsafeBytes(of: nodePrefix) { hasher.update(bufferPointer: $0) }
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: level[left * 32..<left * 32 + 64]))
                    hasher.finalize().withUnsafeBytes { level.baseAddress!.advanced(by: next * 32).copyMemory(from: $0.baseAddress!, byteCount: 32) }
                    next += 1
                }
                if count % 2 == 1 {
                    level.baseAddress!.advanced(by: next * 32).copyMemory(from: level.baseAddress!.advanced(by: (count - 1) * 32), byteCount: 32)
                    next += 1
                }
                count = next
            }
        }
        return Data(level[0..<32])
    }

    /// The audit path of leaf `index`, from the leaf up.
    public static func proof(_ index: Int, _ leaves: ArraySlice<Data>) -> [Step] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        if index < k {
            return proof(index, leaves.prefix(k)) + [Step(hash: hex(root(leaves.dropFirst(k))), left: false)]
        }
        return proof(index - k, leaves.dropFirst(k)) + [Step(hash: hex(root(leaves.prefix(k))), left: true)]
    }

    /// Folds a leaf up its audit path.
    public static func root(leaf: Data, path: [Step]) -> Data {
        path.reduce(leaf) { current, step in
            let sibling = Data(hexString: step.hash) ?? Data()
            return step.left ? node(sibling, current) : node(current, sibling)
        }
    }

    public static func hex(_ data: Data) -> String { Hex.string(data) }
}
