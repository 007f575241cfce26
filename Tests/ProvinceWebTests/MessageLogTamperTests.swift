import Crypto
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit
import Testing

@testable import Hub
@testable import ProvinceWeb

/// The message log is evidence: records altered, deleted, reordered, or re-chained with their head as a forger with
/// the database would, and seals deleted or made again under a key put in the database, are all caught by
/// `/api/v1/hub/messages/verify`, which must answer 200 with what it found.
@Suite struct MessageLogTamperTests {
    static func record(_ index: Int) -> MessageRecord {
        MessageRecord(
            messageID: UUID().uuidString.lowercased(), consumer: "VN/GOV/000.00.07.H38/YTE", service: "VN/GOV/000.00.02.H38/DATA/echo",
            method: "GET", path: "/r1/VN/GOV/000.00.02.H38/DATA/echo/\(index)", status: 200, error: nil, requestBytes: 0, responseBytes: index,
            requestSHA256: String(repeating: "0", count: 64), responseSHA256: String(repeating: "1", count: 64), receivedAt: Timestamp.now(),
            forwardedAt: Timestamp.now(), answeredAt: Timestamp.now())
    }

    /// A platform with 12 records, sealed in runs of 5 (seals 1–5, 6–10, 11–12), archived outside the database.
    static func withSealedLog(_ body: @Sendable (Platform, TestHTTP) async throws -> Void) async throws {
        try await TestPlatform.withDemo { platform, http in
            for index in 1...12 { try await MessageLog.append([Self.record(index)], in: platform.database) }
            let key = try SealingKey.load(directory: platform.configuration.dataDirectory)
            let sealer = Sealer(database: platform.database, key: key, maxRecords: 5, archive: platform.hubSealArchive)
            #expect(try await sealer.sealPending().count == 3)
            let intact = try await Self.verify(http)
            #expect(intact["firstBadSeq"] == nil && intact["firstBadSeal"] == nil, "\(intact)")
            #expect(intact["recordsChecked"] as? Int == 12 && intact["sealsChecked"] as? Int == 3)
            try await body(platform, http)
        }
    }

    static func verify(_ http: TestHTTP) async throws -> [String: Any] {
        let reply = try await http.request(.get, "/api/v1/hub/messages/verify", token: try await http.token("admin"))
        #expect(reply.status == 200, "\(reply.body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        #expect(json["recordsChecked"] is Int)
        return json
    }

    static func execute(_ sql: String, _ platform: Platform) async throws {
        try await platform.database.write { db in try await db.raw(SQLQueryString(sql)).run() }
    }

    @Test func alteredDeletedAndReorderedRecordsAreNamed() async throws {
        for (tamper, sql, bad) in [
            ("alter", "UPDATE hub_messages SET status = 500 WHERE seq = 7", 7),
            ("delete", "DELETE FROM hub_messages WHERE seq = 8", 8),
            ("delete the newest", "DELETE FROM hub_messages WHERE seq = 12", 12),
            (
                "reorder",
                "UPDATE hub_messages SET seq = -1 WHERE seq = 4; UPDATE hub_messages SET seq = 4 WHERE seq = 5; UPDATE hub_messages SET seq = 5 WHERE seq = -1",
                4
            ),
        ] {
            try await Self.withSealedLog { platform, http in
                for statement in sql.split(separator: ";") { try await Self.execute(String(statement), platform) }
                let result = try await Self.verify(http)
                #expect(result["firstBadSeq"] as? Int == bad, "\(tamper): \(result)")
                #expect((result["problem"] as? String)?.isEmpty == false, "\(tamper)")
            }
        }
    }

    @Test func aLogReChainedWithItsHeadIsCaughtByItsSeal() async throws {
        try await Self.withSealedLog { platform, http in
            // The forger changes record 7 and recomputes every hash from there on, and the head.
            let records = try await MessageLog.records(limit: 100, in: platform.database).sorted { $0.seq < $1.seq }
            var previous = try #require(records.first { $0.seq == 6 }?.hash)
            for var record in records where record.seq >= 7 {
                if record.seq == 7 { record.status = 500 }
                record.prevHash = previous
                record.hash = record.computedHash
                try await Self.execute(
                    "UPDATE hub_messages SET status = \(record.status), prev_hash = '\(record.prevHash)', hash = '\(record.hash)' WHERE seq = \(record.seq)",
                    platform)
                previous = record.hash
            }
            try await Self.execute("UPDATE hub_message_head SET hash = '\(previous)' WHERE id = 1", platform)
            #expect(try await MessageLog.verify(platform.database).isIntact, "the chain alone is fooled")
            let caught = try await Self.verify(http)
            #expect(caught["firstBadSeal"] as? Int == 2, "\(caught)")
        }
    }

    @Test func sealsMadeAgainUnderAnotherKeyOrDeletedAreCaughtByTheArchive() async throws {
        try await Self.withSealedLog { platform, http in
            let forger = Curve25519.Signing.PrivateKey()
            let keyID = Hex.string(SHA256.hash(data: forger.publicKey.rawRepresentation))
            let stored = try await platform.database.read { db in try await db.raw("SELECT * FROM hub_seals WHERE seq = 2").first() }
            var seal = try MessageLog.seal(from: try #require(stored))
            seal.keyID = keyID
            seal.signature = try forger.signature(for: Data(seal.signedText.utf8)).base64EncodedString()
            try await Self.execute(
                "INSERT INTO hub_seal_keys (key_id, public_key, created_at) VALUES ('\(keyID)', '\(forger.publicKey.rawRepresentation.base64EncodedString())', 'now')",
                platform)
            try await Self.execute("UPDATE hub_seals SET key_id = '\(keyID)', signature = '\(seal.signature)' WHERE seq = 2", platform)
            let replaced = try await Self.verify(http)
            #expect(replaced["firstBadSeal"] as? Int == 2, "\(replaced)")
            #expect((replaced["problem"] as? String)?.contains("seal 2") == true)

            try await Self.execute("DELETE FROM hub_seals WHERE seq >= 2", platform)
            let deleted = try await Self.verify(http)
            #expect(deleted["firstBadSeal"] as? Int == 2, "\(deleted)")
            #expect((deleted["problem"] as? String)?.contains("deleted") == true)
        }
    }
}
