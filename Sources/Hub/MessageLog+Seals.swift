import Crypto
import Foundation
import Logging
import ProvinceCore
import ProvinceStore
import SQLKit
import Synchronization

/// A record with what proves it was sealed: its seal, its audit path to the seal's Merkle root, the public key.
/// `scripts/verify-proof.py` checks one outside the hub.
public struct InclusionProof: Sendable, Codable {
    public var record: MessageRecord
    public var seal: Seal
    public var leafIndex: Int
    public var path: [MerkleTree.Step]
    public var publicKey: String
}

extension MessageLog {
    /// Checks every seal: contiguous runs, each Merkle root recomputed from the records, each signature.
    /// Returns the number of the first bad seal and why, or nil.
    /// With `archive` and the platform's `key`, signatures are checked only against keys outside the database (this
    /// platform's, and those archived with their seals), every seal archived must be in the database unchanged, and every
    /// seal this key made (but the newest) must be in the archive: seals deleted, made again under a key put in the
    /// database, or an archive cut short are caught. Without them, the keys stored in the database are used.
    public static func verifySeals(
        _ database: ProvinceDatabase, archive: SealArchive? = nil, key local: SealingKey? = nil
    ) async throws -> (sealsChecked: Int, firstBadSeal: Int?, problem: String?) {
        let seals = try await database.read { db in try await db.raw("SELECT * FROM hub_seals ORDER BY seq").all().map(seal(from:)) }
        var keys: [String: String] = [:]
        if let archive, let local {
            keys = archive.trustedKeys(besides: local).mapValues { $0.rawRepresentation.base64EncodedString() }
        } else {
            keys = try await database.read { db in
                try await db.raw("SELECT key_id, public_key FROM hub_seal_keys").all().reduce(into: [String: String]()) {
                    $0[try $1.string("key_id")] = try $1.string("public_key")
                }
            }
        }
        var expectedFirst = 1
        for (index, seal) in seals.enumerated() {
            if seal.seq != index + 1 || seal.firstRecord != expectedFirst {
                return (index, seal.seq, "seal \(seal.seq) does not continue the previous seal")
            }
            let leaves = try await leaves(seal.firstRecord...seal.lastRecord, in: database)
            if leaves.count != seal.lastRecord - seal.firstRecord + 1 || MerkleTree.hex(MerkleTree.root(leaves[...])) != seal.merkleRoot {
                return (index, seal.seq, "the records of seal \(seal.seq) no longer match its Merkle root")
            }
            guard let keyText = keys[seal.keyID], let raw = Data(base64Encoded: keyText),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                let signature = Data(base64Encoded: seal.signature),
                key.isValidSignature(signature, for: Data(seal.signedText.utf8))
            else {
                return (index, seal.seq, "the signature of seal \(seal.seq) is not valid")
            }
            expectedFirst = seal.lastRecord + 1
        }
        let archived = archive?.read(Seal.self) ?? []
        if let local, archive != nil {
            let archivedSeqs = Set(archived.map(\.seal.seq))
            if let missing = seals.dropLast().first(where: { $0.keyID == local.keyID && !archivedSeqs.contains($0.seq) }) {
                return (seals.count, missing.seq, "seal \(missing.seq) is not in the archive outside the database: the archive was cut or replaced")
            }
        }
        for line in archived {
            guard let stored = seals.first(where: { $0.seq == line.seal.seq }) else {
                return (seals.count, line.seal.seq, "seal \(line.seal.seq) is in the archive but not in the database: it was deleted")
            }
            guard stored == line.seal else {
                return (seals.count, line.seal.seq, "seal \(line.seal.seq) differs from the archive's copy: it was replaced")
            }
        }
        return (seals.count, nil, nil)
    }

    /// The chain, then the seals: what the API and the command line report.
    public static func verifyAll(_ database: ProvinceDatabase, archive: SealArchive?, key: SealingKey?) async throws -> Verification {
        var verification = try await verify(database)
        let chainIntact = verification.isIntact
        let seals = try await verifySeals(database, archive: archive, key: key)
        verification.sealsChecked = seals.sealsChecked
        verification.firstBadSeal = seals.firstBadSeal
        if chainIntact, seals.firstBadSeal != nil { verification.problem = seals.problem }
        return verification
    }

    static func leaves(_ range: ClosedRange<Int>, in database: ProvinceDatabase) async throws -> [Data] {
        try await database.read { db in
            try await db.raw(
                "SELECT hash FROM hub_messages WHERE seq >= \(bind: range.lowerBound) AND seq <= \(bind: range.upperBound) ORDER BY seq"
            ).all().map { MerkleTree.leaf(Data(hexString: try $0.string("hash")) ?? Data()) }
        }
    }

    /// The inclusion proof of a record, by sequence number or X-Road-Id; nil when the record is not sealed yet.
    public static func proof(of reference: String, in database: ProvinceDatabase) async throws -> InclusionProof? {
        let row = try await database.read { db in
            if let seq = Int(reference) {
                return try await db.raw("SELECT * FROM hub_messages WHERE seq = \(bind: seq)").first()
            }
            return try await db.raw("SELECT * FROM hub_messages WHERE message_id = \(bind: reference) ORDER BY seq LIMIT 1").first()
        }
        guard let row else { return nil }
        let record = try record(from: row)
        let sealRow = try await database.read { db in
            try await db.raw(
                "SELECT * FROM hub_seals WHERE first_record <= \(bind: record.seq) AND last_record >= \(bind: record.seq)"
            ).first()
        }
        guard let sealRow else { return nil }
        let seal = try seal(from: sealRow)
        let publicKey = try await database.read { db in
            try await db.raw("SELECT public_key FROM hub_seal_keys WHERE key_id = \(bind: seal.keyID)").first()?.string("public_key")
        }
        let leaves = try await leaves(seal.firstRecord...seal.lastRecord, in: database)
        let index = record.seq - seal.firstRecord
        return InclusionProof(
            record: record, seal: seal, leafIndex: index, path: MerkleTree.proof(index, leaves[...]), publicKey: publicKey ?? "")
    }

    static func seal(from row: any SQLRow) throws -> Seal {
        Seal(
            seq: try row.int("seq"), firstRecord: try row.int("first_record"), lastRecord: try row.int("last_record"),
            merkleRoot: try row.string("merkle_root"), keyID: try row.string("key_id"), signature: try row.string("signature"),
            sealedAt: try row.string("sealed_at"))
    }
}
