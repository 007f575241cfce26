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
