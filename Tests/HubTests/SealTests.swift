import Crypto
import Foundation
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
        for count in [1, 2, 3, 5, 8, 13] {
            let leaves = (0..<count).map { MerkleTree.leaf(Data(SHA256.hash(data: Data([UInt8($0)])))) }
            let root = MerkleTree.root(leaves[...])
            for index in 0..<count {
                #expect(MerkleTree.root(leaf: leaves[index], path: MerkleTree.proof(index, leaves[...])) == root, "\(index) of \(count)")
            }
        }
        // RFC 6962's shape for three leaves: ((a b) c).
        let abc = (0..<3).map { Data([UInt8($0)]) }
        #expect(MerkleTree.root(abc[...]) == MerkleTree.node(MerkleTree.node(abc[0], abc[1]), abc[2]))
    }

    @Test func sealsAreSignedCheckedAndProveInclusion() async throws {
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        do {
            try await Migrations.run(on: database)
            let writer = MessageLogWriter(database: database, logger: TestDatabase.logger)
            for index in 1...7 { try await writer.append(Self.record(index)) }
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
        } catch {
            await database.close()
            await cleanup()
            throw error
        }
        await database.close()
        await cleanup()
    }
}
