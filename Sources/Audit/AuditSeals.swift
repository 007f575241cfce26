import Crypto
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// A signed seal over a run of audit entries: the Merkle root of their hashes (RFC 6962), signed with the platform's
/// key. The chain alone can be rewritten whole, entries and head together, by whoever can write the database; a seal
/// cannot be made again without the key, which is not in the database (only its public half is, for every process to
/// check the others' seals), and each seal is also written, with that public key, to a file outside the database (the
/// archive): seals deleted, or made again under another key put in the database, differ from the archive's copies.
public struct AuditSeal: Sendable, Codable, Equatable {
    public var seq: Int
    public var firstEntry: Int
    public var lastEntry: Int
    public var merkleRoot: String
    public var keyID: String
    public var signature: String
    public var sealedAt: String

    /// What the signature covers.
    public var signedText: String { "openprovince-audit-seal\n\(seq)\n\(firstEntry)\n\(lastEntry)\n\(merkleRoot)\n\(sealedAt)" }
}

/// What checking the seals found.
public struct AuditSealCheck: Sendable, Codable, Equatable {
    public var sealsChecked: Int
    /// Entries after the last seal: protected by the chain alone until the next seal.
    public var unsealedEntries: Int
    public var firstBadSeal: Int?
    /// The first entry the bad seal covers.
    public var firstBadEntry: Int?
    public var problem: String?
}

/// Seals the audit trail and checks its seals. `archive` is the file each seal is also written to, outside the
/// database; the operator keeps it with the data directory's backups.
public struct AuditSealer: Sendable {
    let database: ProvinceDatabase
    let key: SealingKey
    let archive: SealArchive
    /// The most entries one seal covers.
    static let maxEntries = 10_000

    public init(database: ProvinceDatabase, key: SealingKey, archive: String) {
        self.database = database
        self.key = key
        self.archive = SealArchive(path: archive)
    }

    /// Writes to the archive the seals this platform's key made that it lacks: one sealed just before a crash, between
    /// its commit and its line. Run when sealing starts.
    public func repairArchive() async throws {
        let archived = Set(archive.read(AuditSeal.self).map(\.seal.seq))
        let database = self.database
        let rows = try await database.read { db in try await db.raw("SELECT * FROM audit_seals ORDER BY seq").all() }
        for seal in try rows.map(Self.seal(from:)) where !archived.contains(seal.seq) && seal.keyID == key.keyID {
            // Only a seal this key really signed goes to the archive.
            guard let signature = Data(base64Encoded: seal.signature),
                key.privateKey.publicKey.isValidSignature(signature, for: Data(seal.signedText.utf8))
            else { continue }
            try archive.append(seal, publicKey: key.publicKeyBase64)
        }
    }

    /// Seals every entry not yet sealed; returns the seals made.
    @discardableResult
    public func sealPending() async throws -> [AuditSeal] {
        var made: [AuditSeal] = []
        while let seal = try await sealNext() { made.append(seal) }
        return made
    }

    func sealNext() async throws -> AuditSeal? {
        let key = self.key
        let database = self.database
        let seal = try await database.write { db -> AuditSeal? in
            // The head locked: one sealer at a time, and the entries it seals are the ones committed before it.
            guard let head = try await db.raw("SELECT seq FROM audit_head WHERE id = 1\(database.lockForUpdate)").first() else { return nil }
            let headSeq = try head.int("seq")
            let last = try await db.raw("SELECT seq, last_entry FROM audit_seals ORDER BY seq DESC LIMIT 1").first()
            let firstEntry = (try last?.int("last_entry") ?? 0) + 1
            guard firstEntry <= headSeq else { return nil }
            let lastEntry = min(headSeq, firstEntry + Self.maxEntries - 1)
            let leaves = try await Self.leaves(firstEntry...lastEntry, in: db)
            var seal = AuditSeal(
                seq: (try last?.int("seq") ?? 0) + 1, firstEntry: firstEntry, lastEntry: lastEntry,
                merkleRoot: MerkleTree.hex(MerkleTree.root(leaves[...])), keyID: key.keyID, signature: "", sealedAt: Timestamp.now())
            seal.signature = try key.sign(seal.signedText)
            try await db.raw(
                """
                INSERT INTO audit_seal_keys (key_id, public_key, added_at) VALUES (\(bind: key.keyID), \(bind: key.publicKeyBase64), \(bind: seal.sealedAt))
                ON CONFLICT (key_id) DO NOTHING
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO audit_seals (seq, first_entry, last_entry, merkle_root, key_id, signature, sealed_at)
                VALUES (\(bind: seal.seq), \(bind: seal.firstEntry), \(bind: seal.lastEntry), \(bind: seal.merkleRoot), \(bind: seal.keyID),
                    \(bind: seal.signature), \(bind: seal.sealedAt))
                """
            ).run()
            return seal
        }
        guard let seal else { return nil }
        try archive.append(seal, publicKey: key.publicKeyBase64)
        return seal
    }

    /// A seal as stored.
    static func seal(from row: any SQLRow) throws -> AuditSeal {
        AuditSeal(
            seq: try row.int("seq"), firstEntry: try row.int("first_entry"), lastEntry: try row.int("last_entry"),
            merkleRoot: try row.string("merkle_root"), keyID: try row.string("key_id"), signature: try row.string("signature"),
            sealedAt: try row.string("sealed_at"))
    }

    /// The Merkle leaves of a run of entries, from their stored hashes.
    static func leaves(_ range: ClosedRange<Int>, in db: any SQLDatabase) async throws -> [Data] {
        try await db.raw(
            "SELECT hash FROM audit_entries WHERE seq >= \(bind: range.lowerBound) AND seq <= \(bind: range.upperBound) ORDER BY seq"
        ).all().map { MerkleTree.leaf(Data(hexString: try $0.string("hash")) ?? Data()) }
    }

    /// Checks every seal against the entries it covers and against the archive, with the key held outside the
    /// database: each run contiguous, each root recomputed, each signature checked, every archived seal present and
    /// unchanged. Names the first seal that fails and the entries it covers.
    public func verifySeals() async throws -> AuditSealCheck {
        let keys = archive.trustedKeys(besides: key)
        let rows = try await database.read { db in try await db.raw("SELECT * FROM audit_seals ORDER BY seq").all() }
        let stored = try rows.map(Self.seal(from:))
        let headSeq = try await database.read { db in try await db.raw("SELECT seq FROM audit_head WHERE id = 1").first()?.int("seq") } ?? 0
        func failed(_ seal: Int, _ problem: String, entry: Int) -> AuditSealCheck {
            AuditSealCheck(sealsChecked: seal - 1, unsealedEntries: 0, firstBadSeal: seal, firstBadEntry: entry, problem: problem)
        }
        var expectedFirst = 1
        for (index, seal) in stored.enumerated() {
            let range = "entries \(seal.firstEntry) to \(seal.lastEntry)"
            guard seal.seq == index + 1, seal.firstEntry == expectedFirst, seal.lastEntry >= seal.firstEntry else {
                return failed(index + 1, "seal \(index + 1) is missing or does not follow the seal before it", entry: expectedFirst)
            }
            guard let signature = Data(base64Encoded: seal.signature), let publicKey = keys[seal.keyID],
                publicKey.isValidSignature(signature, for: Data(seal.signedText.utf8))
            else {
                return failed(
                    seal.seq,
                    "seal \(seal.seq) (\(range)) does not carry the signature of a key of this platform (its own or one in the archive): "
                        + "it was forged or altered", entry: seal.firstEntry)
            }
            let database = self.database
            let leaves = try await database.read { db in try await Self.leaves(seal.firstEntry...seal.lastEntry, in: db) }
            guard leaves.count == seal.lastEntry - seal.firstEntry + 1, MerkleTree.hex(MerkleTree.root(leaves[...])) == seal.merkleRoot else {
                return failed(
                    seal.seq, "\(range), sealed at \(seal.sealedAt) by seal \(seal.seq), were altered, deleted or reordered", entry: seal.firstEntry)
            }
            expectedFirst = seal.lastEntry + 1
        }
        // The archive, outside the database: every seal it holds must be there as written, and every seal this platform's
        // key made must be in it (but the newest, which may be between its commit and its line).
        let archived = archive.read(AuditSeal.self)
        let archivedSeqs = Set(archived.map(\.seal.seq))
        if let missing = stored.dropLast().first(where: { $0.keyID == key.keyID && !archivedSeqs.contains($0.seq) }) {
            return failed(
                missing.seq, "seal \(missing.seq) is not in the archive outside the database: the archive was cut or replaced",
                entry: missing.firstEntry)
        }
        for entry in archived {
            guard let found = stored.first(where: { $0.seq == entry.seal.seq }) else {
                return failed(
                    entry.seal.seq,
                    "seal \(entry.seal.seq) (entries \(entry.seal.firstEntry) to \(entry.seal.lastEntry)) is in the archive but not in the database: it was deleted",
                    entry: entry.seal.firstEntry)
            }
            guard found == entry.seal else {
                return failed(
                    entry.seal.seq, "seal \(entry.seal.seq) differs from the archive's copy: it was replaced", entry: entry.seal.firstEntry)
            }
        }
        if headSeq < expectedFirst - 1 {
            return failed(
                stored.count, "entries \(headSeq + 1) to \(expectedFirst - 1) are sealed but no longer in the trail", entry: headSeq + 1)
        }
        return AuditSealCheck(sealsChecked: stored.count, unsealedEntries: headSeq - (expectedFirst - 1), firstBadSeal: nil, problem: nil)
    }

    /// The chain checked, then its seals.
    public func verify() async throws -> AuditVerification {
        try await AuditLog.verify(database).adding(try await verifySeals())
    }
}
