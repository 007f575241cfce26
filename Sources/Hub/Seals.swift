import Crypto
import Foundation
import Logging
import ProvinceCore
import ProvinceStore
import SQLKit
import Synchronization

/// A signed seal over a run of message records.
public struct Seal: Sendable, Codable, Equatable {
    public var seq: Int
    public var firstRecord: Int
    public var lastRecord: Int
    public var merkleRoot: String
    public var keyID: String
    public var signature: String
    public var sealedAt: String

    /// What the signature covers.
    public var signedText: String { "openprovince-messagelog-seal\n\(seq)\n\(firstRecord)\n\(lastRecord)\n\(merkleRoot)\n\(sealedAt)" }
}

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

/// Seals the records not yet sealed: one seal over each run of up to `maxRecords` records.
public struct Sealer: Sendable {
    let database: ProvinceDatabase
    let key: SealingKey
    let maxRecords: Int
    /// The hashes this process imported last, if it imports any.
    let recent: RecentHashes?
    /// Where each seal is also written, outside the database.
    let archive: SealArchive?

    public init(
        database: ProvinceDatabase, key: SealingKey, maxRecords: Int = 10_000, recent: RecentHashes? = nil, archive: SealArchive? = nil
    ) {
        self.database = database
        self.key = key
        self.maxRecords = maxRecords
        self.recent = recent
        self.archive = archive
    }

    /// Writes to the archive the seals this key made that it lacks (one sealed just before a crash, between its commit
    /// and its line). Run when sealing starts.
    public func repairArchive() async throws {
        guard let archive else { return }
        let archived = Set(archive.read(Seal.self).map(\.seal.seq))
        let database = self.database
        let seals = try await database.read { db in try await db.raw("SELECT * FROM hub_seals ORDER BY seq").all().map(MessageLog.seal(from:)) }
        for seal in seals where !archived.contains(seal.seq) && seal.keyID == key.keyID {
            guard let signature = Data(base64Encoded: seal.signature),
                key.privateKey.publicKey.isValidSignature(signature, for: Data(seal.signedText.utf8))
            else { continue }
            try archive.append(seal, publicKey: key.publicKeyBase64)
        }
    }

    /// Seals what is unsealed; returns the seals made.
    @discardableResult
    public func sealPending() async throws -> [Seal] {
        var made: [Seal] = []
        while let seal = try await sealNext() { made.append(seal) }
        return made
    }

    func sealNext() async throws -> Seal? {
        let database = self.database
        let key = self.key
        // The records are read and hashed outside the write: the log's writer is not held while thousands of rows
        // are read. Records never change once written, so only the last seal has to be checked again when writing.
        let last = try await database.read { db in
            try await db.raw("SELECT seq, last_record FROM hub_seals ORDER BY seq DESC LIMIT 1").first()
        }
        let sealSeq = (try last?.int("seq") ?? 0) + 1
        let first = (try last?.int("last_record") ?? 0) + 1
        var hashes = recent?.hashes(from: first, limit: maxRecords) ?? []
        if hashes.isEmpty {
            hashes = try await database.read { [maxRecords] db in
                try await db.raw("SELECT seq, hash FROM hub_messages WHERE seq >= \(bind: first) ORDER BY seq LIMIT \(bind: maxRecords)").all()
                    .map { try $0.string("hash") }
            }
        }
        guard !hashes.isEmpty else { return nil }
        let leaves = hashes.map { MerkleTree.leaf(Data(hexString: $0) ?? Data()) }
        var seal = Seal(
            seq: sealSeq, firstRecord: first, lastRecord: first + hashes.count - 1,
            merkleRoot: MerkleTree.hex(MerkleTree.root(leaves[...])), keyID: key.keyID, signature: "", sealedAt: Timestamp.now())
        seal.signature = try key.sign(seal.signedText)
        let made = seal
        let stored = try await database.write { db -> Seal? in
            // The message log's head row serializes sealers of several processes.
            _ = try await db.raw("SELECT seq FROM hub_message_head WHERE id = 1\(database.lockForUpdate)").first()
            let current = try await db.raw("SELECT seq FROM hub_seals ORDER BY seq DESC LIMIT 1").first()
            // Another sealer got there first: this seal is dropped, the next round starts after theirs.
            guard (try current?.int("seq") ?? 0) == made.seq - 1 else { return nil }
            try await db.raw(
                "INSERT INTO hub_seal_keys (key_id, public_key, created_at) SELECT \(bind: key.keyID), \(bind: key.publicKeyBase64), \(bind: Timestamp.now()) WHERE NOT EXISTS (SELECT 1 FROM hub_seal_keys WHERE key_id = \(bind: key.keyID))"
            ).run()
            try await db.raw(
                """
                INSERT INTO hub_seals (seq, first_record, last_record, merkle_root, key_id, signature, sealed_at)
                VALUES (\(bind: made.seq), \(bind: made.firstRecord), \(bind: made.lastRecord), \(bind: made.merkleRoot),
                    \(bind: made.keyID), \(bind: made.signature), \(bind: made.sealedAt))
                """
            ).run()
            return made
        }
        if let stored { try archive?.append(stored, publicKey: key.publicKeyBase64) }
        return stored
    }
}

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
