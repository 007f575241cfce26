import Crypto
import Foundation
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

@testable import Hub

@Suite struct SealTests {
    static func record(_ index: Int) -> MessageRecord {
        MessageRecord(
            messageID: UUID().uuidString, consumer: "VN/GOV/000.00.07.H38/YTE", service: "VN/GOV/000.00.02.H38/DATA/echo", method: "GET",
            path: "/r1/VN/GOV/000.00.02.H38/DATA/echo/\(index)", status: 200, error: nil, requestBytes: 0, responseBytes: index,
            requestSHA256: String(repeating: "0", count: 64), responseSHA256: String(repeating: "1", count: 64),
            receivedAt: Timestamp.now(), forwardedAt: Timestamp.now(), answeredAt: Timestamp.now())
    }

    @Test func merkleProofsFoldToTheRoot() {
        for count in 1...40 {
            let leaves = (0..<count).map { MerkleTree.leaf(Data(SHA256.hash(data: Data([UInt8($0)])))) }
            let root = MerkleTree.root(leaves[...])
            for index in 0..<count {
                #expect(MerkleTree.root(leaf: leaves[index], path: MerkleTree.proof(index, leaves[...])) == root, "\(index) of \(count)")
            }
        }
        #expect(Data(hexString: "0aFf") == Data([10, 255]))
        #expect(Data(hexString: "0g") == nil && Data(hexString: "abc") == nil)
        // RFC 6962's shape for three leaves: ((a b) c).
        let abc = (0..<3).map { MerkleTree.leaf(Data([UInt8($0)])) }
        #expect(MerkleTree.root(abc[...]) == MerkleTree.node(MerkleTree.node(abc[0], abc[1]), abc[2]))
    }

    /// RFC 6962's definition as written: the left subtree holds the largest power of two below the count.
    static func definedRoot(_ leaves: ArraySlice<Data>) -> Data {
        guard leaves.count > 1 else { return leaves.first! }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        return MerkleTree.node(definedRoot(leaves.prefix(split)), definedRoot(leaves.dropFirst(split)))
    }

    @Test func theRootIsRFC6962s() {
        let leaves = (0..<300).map { MerkleTree.leaf(Data(SHA256.hash(data: Data([UInt8($0 % 256), UInt8($0 / 256)])))) }
        for count in 1...300 {
            #expect(MerkleTree.root(leaves[..<count]) == Self.definedRoot(leaves[..<count]), "\(count) leaves")
        }
    }

    @Test func sealsAreSignedCheckedAndProveInclusion() async throws {
        try await TestDatabase.withMigrated(hubSchemas) { database, directory in
            for index in 1...7 { try await MessageLog.append([Self.record(index)], in: database) }
            let key = try SealingKey.load(directory: directory)
            #expect(try SealingKey.load(directory: directory).keyID == key.keyID, "the key is kept in the data directory")
            let sealer = Sealer(database: database, key: key, maxRecords: 4)
            let seals = try await sealer.sealPending()
            #expect(seals.map { [$0.firstRecord, $0.lastRecord] } == [[1, 4], [5, 7]])
            #expect(try await sealer.sealPending().isEmpty)
            #expect(try await MessageLog.verifySeals(database).firstBadSeal == nil)

            let proof = try #require(try await MessageLog.proof(of: "6", in: database))
            #expect(proof.seal.seq == 2)
            let leaf = MerkleTree.leaf(Data(hexString: proof.record.hash)!)
            #expect(MerkleTree.hex(MerkleTree.root(leaf: leaf, path: proof.path)) == proof.seal.merkleRoot)
            let byID = try #require(try await MessageLog.proof(of: proof.record.messageID, in: database))
            #expect(byID.record.seq == 6)

            // A forged signature is named.
            try await database.write { db in
                try await db.raw("UPDATE hub_seals SET signature = \(bind: Data(repeating: 1, count: 64).base64EncodedString()) WHERE seq = 2").run()
            }
            let broken = try await MessageLog.verifySeals(database)
            #expect(broken.firstBadSeal == 2)
            #expect(broken.problem?.contains("signature") == true)
        }
    }
}

@Suite struct TimestampTests {
    @Test func handFormattedTimestampsMatchFoundation() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
        var generator = SystemRandomNumberGenerator()
        let fixed: [TimeInterval] = [0, 951_782_400.5, 1_782_864_000.999, 4_102_444_800, -86_400.25, 1_709_164_800.001]
        for seconds in fixed + (0..<500).map({ _ in Double(Int64.random(in: 0...4_102_444_800_000, using: &generator)) / 1000 }) {
            let date = Date(timeIntervalSince1970: seconds)
            let mine = Timestamp.string(date)
            // Same shape as Foundation's; the millisecond may differ where the double sits on a boundary.
            #expect(mine.prefix(20) == date.formatted(style).prefix(20) || abs(seconds.truncatingRemainder(dividingBy: 1)) > 0.998, "\(seconds)")
            #expect(mine.count == 24 && mine.hasSuffix("Z"))
            #expect(abs(Timestamp.date(mine)!.timeIntervalSince1970 - seconds) < 0.0015, "\(seconds)")
        }
    }
}

@Suite struct CanonicalFormTests {
    /// The hand-written canonical form is byte for byte what Foundation's JSONEncoder writes, awkward characters too.
    @Test func matchesJSONEncoder() throws {
        var record = SealTests.record(1)
        for path in ["/r1/a/b?x=1&y=%C3%A2", "quote \" back\\slash", "tab\tnew\nline\r", "control \u{01}\u{1f} end", "Lâm Đồng /"] {
            record.path = path
            record.error = path.count % 2 == 0 ? nil : "Server.ServerProxy.ServiceFailed"
            let fields: [String?] = [
                String(record.seq), record.messageID, record.consumer, record.service, record.method, record.path, String(record.status),
                record.error, String(record.requestBytes), String(record.responseBytes), record.requestSHA256, record.responseSHA256,
                record.receivedAt, record.forwardedAt, record.answeredAt, record.prevHash,
            ]
            #expect(record.canonicalForm == (try JSONEncoder().encode(fields)), "\(path)")
        }
    }
}
