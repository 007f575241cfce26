import Crypto
import Foundation
import ProvinceCore
import Testing

@testable import Audit
@testable import ProvinceWeb

/// Whoever can write the database can rewrite the chain whole, entries and head together, and the chain alone then
/// verifies. The seals, signed with a key that is not in the database and copied to an archive outside it, catch
/// that and name the seal whose entries changed; each check is read through the API and must answer 200 with its
/// content.
@Suite struct AuditSealTests {
    /// Rewrites every entry from `from` on as a forger with database access would: content changed, each hash and link
    /// recomputed, the head moved to the new last hash. The chain verifies afterwards.
    static func rechain(from: Int, _ platform: Platform, change: @escaping @Sendable (inout AuditEntry) -> Void) async throws {
        let entries = try await AuditLog.entries(matching: .init(limit: 100_000), in: platform.database).sorted { $0.seq < $1.seq }
        try await platform.database.write { db in
            var previous = entries.first { $0.seq == from - 1 }?.hash ?? AuditLog.genesisHash
            for var entry in entries where entry.seq >= from {
                if entry.seq == from { change(&entry) }
                entry.prevHash = previous
                entry.hash = entry.computedHash
                try await db.raw(
                    """
                    UPDATE audit_entries SET actor = \(bind: entry.actor), summary = \(bind: entry.summary), prev_hash = \(bind: entry.prevHash),
                        hash = \(bind: entry.hash) WHERE seq = \(bind: entry.seq)
                    """
                ).run()
                previous = entry.hash
            }
            try await db.raw("UPDATE audit_head SET hash = \(bind: previous) WHERE id = 1").run()
        }
    }

    /// `/api/v1/audit/verify` as the platform administrator: it must answer 200 with a verification.
    static func verify(_ http: TestHTTP) async throws -> [String: Any] {
        let reply = try await http.request(.get, "/api/v1/audit/verify", token: try await http.token("admin"))
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        #expect(json["entriesChecked"] is Int)
        return json
    }

    @Test func aChainRewrittenWholeWithItsHeadIsCaughtByItsSeal() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await AuditTrailTests.makeChanges(platform, http)
            let seals = try await platform.auditSealer.sealPending()
            #expect(seals.count == 1 && seals[0].lastEntry >= count)
            let intact = try await Self.verify(http)
            #expect(intact["firstBadSeq"] == nil && intact["firstBadSeal"] == nil)
            #expect(intact["sealsChecked"] as? Int == 1)

            let target = count - 4
            try await Self.rechain(from: target, platform) { $0.actor = "citizen:nobody" }
            // The chain alone is fooled...
            #expect(try await AuditLog.verify(platform.database).isIntact)
            // ...its seal is not.
            let caught = try await Self.verify(http)
            #expect(caught["firstBadSeal"] as? Int == 1)
            #expect(caught["firstBadSeq"] as? Int == 1)
            #expect((caught["problem"] as? String)?.contains("entries 1 to \(seals[0].lastEntry)") == true, "\(caught)")
        }
    }

    @Test func entriesDeletedReorderedOrAlteredUnderASealAreNamed() async throws {
        for tamper in ["delete", "reorder", "alter"] {
            try await TestPlatform.withDemo { platform, http in
                let count = try await AuditTrailTests.makeChanges(platform, http)
                try await platform.auditSealer.sealPending()
                // More entries, under a second seal.
                _ = try await AuditTrailTests.makeChanges(platform, http)
                let second = try #require(try await platform.auditSealer.sealPending().first)
                let target = second.firstEntry + 1
                try await platform.database.write { db in
                    switch tamper {
                    case "delete":
                        try await db.raw("DELETE FROM audit_entries WHERE seq = \(bind: target)").run()
                    case "reorder":
                        try await db.raw("UPDATE audit_entries SET seq = -1 WHERE seq = \(bind: target)").run()
                        try await db.raw("UPDATE audit_entries SET seq = \(bind: target) WHERE seq = \(bind: target + 1)").run()
                        try await db.raw("UPDATE audit_entries SET seq = \(bind: target + 1) WHERE seq = -1").run()
                    default:
                        try await db.raw("UPDATE audit_entries SET summary = 'nothing happened' WHERE seq = \(bind: target)").run()
                    }
                }
                let result = try await Self.verify(http)
                #expect(result["firstBadSeq"] as? Int != nil, "\(tamper): \(result)")
                #expect((result["firstBadSeq"] as? Int ?? 0) > count, "\(tamper): the first seal's entries are untouched")
            }
        }
    }

    @Test func sealsDeletedOrMadeAgainUnderAnotherKeyAreCaughtByTheArchive() async throws {
        try await TestPlatform.withDemo { platform, http in
            _ = try await AuditTrailTests.makeChanges(platform, http)
            let seal = try #require(try await platform.auditSealer.sealPending().first)
            let target = seal.lastEntry - 2
            // The forger rewrites the entries and makes the seal again with a key of their own, put in the database.
            try await Self.rechain(from: target, platform) { $0.summary = "nothing happened" }
            let forger = Curve25519.Signing.PrivateKey()
            let forgerKeyID = Hex.string(SHA256.hash(data: forger.publicKey.rawRepresentation))
            let leaves = try await platform.database.read { db in try await AuditSealer.leaves(seal.firstEntry...seal.lastEntry, in: db) }
            var forged = seal
            forged.merkleRoot = MerkleTree.hex(MerkleTree.root(leaves[...]))
            forged.keyID = forgerKeyID
            forged.signature = try forger.signature(for: Data(forged.signedText.utf8)).base64EncodedString()
            let resealed = forged
            let forgerPublicKey = forger.publicKey.rawRepresentation.base64EncodedString()
            try await platform.database.write { db in
                try await db.raw(
                    "INSERT INTO audit_seal_keys (key_id, public_key, added_at) VALUES (\(bind: forgerKeyID), \(bind: forgerPublicKey), 'now')"
                ).run()
                try await db.raw(
                    "UPDATE audit_seals SET merkle_root = \(bind: resealed.merkleRoot), key_id = \(bind: resealed.keyID), signature = \(bind: resealed.signature) WHERE seq = 1"
                ).run()
            }
            let replaced = try await Self.verify(http)
            #expect(replaced["firstBadSeal"] as? Int == 1)
            #expect((replaced["problem"] as? String)?.contains("archive") == true, "\(replaced)")

            // Deleting the seals outright leaves the archive's copy to say so.
            try await platform.database.write { db in
                try await db.raw(
                    "UPDATE audit_seals SET key_id = \(bind: seal.keyID), signature = \(bind: seal.signature), merkle_root = \(bind: seal.merkleRoot)"
                ).run()
            }
            try await platform.database.write { db in try await db.raw("DELETE FROM audit_seals").run() }
            let deleted = try await Self.verify(http)
            #expect(deleted["firstBadSeal"] as? Int == 1)
            #expect((deleted["problem"] as? String)?.contains("deleted") == true, "\(deleted)")
        }
    }

    @Test func anArchiveCutShortIsCaughtAndRepairedFromGenuineSeals() async throws {
        try await TestPlatform.withDemo { platform, http in
            _ = try await AuditTrailTests.makeChanges(platform, http)
            try await platform.auditSealer.sealPending()
            _ = try await AuditTrailTests.makeChanges(platform, http)
            try await platform.auditSealer.sealPending()
            let archive = platform.configuration.dataDirectory + "/audit-seals.jsonl"
            try FileManager.default.removeItem(atPath: archive)
            let cut = try await Self.verify(http)
            #expect(cut["firstBadSeal"] as? Int == 1, "\(cut)")
            #expect((cut["problem"] as? String)?.contains("not in the archive") == true, "\(cut)")
            // The sealer, starting, writes back the seals its key really made.
            try await platform.auditSealer.repairArchive()
            let repaired = try await Self.verify(http)
            #expect(repaired["firstBadSeal"] == nil && repaired["sealsChecked"] as? Int == 2, "\(repaired)")
        }
    }
}
