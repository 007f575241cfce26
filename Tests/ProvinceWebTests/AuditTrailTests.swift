import Foundation
import ProvinceCore
import Testing

@testable import Audit
@testable import ProvinceWeb

/// The audit trail is a hash chain: altering, deleting or reordering an entry in the database is caught by
/// verification, which names the first bad entry.
@Suite struct AuditTrailTests {
    /// Makes a few audited changes through the API, then returns the number of entries.
    static func makeChanges(_ platform: Platform, _ http: TestHTTP) async throws -> Int {
        let admin = try await http.token("admin")
        let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
        for index in 1...3 {
            let reply = try await http.request(.patch, "/api/v1/agencies/\(health.id)", token: admin, json: ["name": "Sở Y tế \(index)"])
            #expect(reply.status == 200)
        }
        let verification = try await AuditLog.verify(platform.database)
        #expect(verification.isIntact)
        return verification.entriesChecked
    }

    @Test func intactChainVerifies() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            #expect(count > 20)
            let admin = try await http.token("admin")
            let reply = try await http.request(.get, "/api/v1/audit/verify", token: admin)
            #expect(reply.status == 200)
            #expect(reply["firstBadSeq"] == nil)
            #expect(reply["entriesChecked"] as? Int == count)
        }
    }

    @Test func alteredEntryIsNamed() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            let target = count - 5
            try await platform.database.write { db in
                try await db.raw("UPDATE audit_entries SET summary = 'nothing happened' WHERE seq = \(bind: target)").run()
            }
            let result = try await AuditLog.verify(platform.database)
            #expect(result.firstBadSeq == target)
            #expect(result.problem?.contains("altered") == true)
        }
    }

    @Test func alteredEntryWithRecomputedHashIsNamed() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            let target = count - 3
            // A forger who also recomputes the entry's own hash still breaks the link from the next entry.
            let entries = try await AuditLog.entries(matching: .init(limit: 1000), in: platform.database)
            var forged = try #require(entries.first { $0.seq == target })
            forged.actor = "citizen:nobody"
            forged.hash = forged.computedHash
            let hash = forged.hash
            try await platform.database.write { db in
                try await db.raw("UPDATE audit_entries SET actor = 'citizen:nobody', hash = \(bind: hash) WHERE seq = \(bind: target)").run()
            }
            let result = try await AuditLog.verify(platform.database)
            #expect(result.firstBadSeq == target + 1)
        }
    }

    @Test func deletedEntryIsNamed() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            let target = count / 2
            try await platform.database.write { db in
                try await db.raw("DELETE FROM audit_entries WHERE seq = \(bind: target)").run()
            }
            let result = try await AuditLog.verify(platform.database)
            #expect(result.firstBadSeq == target)
            #expect(result.problem?.contains("missing") == true)
        }
    }

    @Test func deletedNewestEntryIsNamed() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            try await platform.database.write { db in
                try await db.raw("DELETE FROM audit_entries WHERE seq = \(bind: count)").run()
            }
            let result = try await AuditLog.verify(platform.database)
            #expect(result.firstBadSeq == count)
        }
    }

    @Test func reorderedEntriesAreNamed() async throws {
        try await TestPlatform.withDemo { platform, http in
            let count = try await Self.makeChanges(platform, http)
            let first = count - 4, second = count - 2
            try await platform.database.write { db in
                try await db.raw("UPDATE audit_entries SET seq = -1 WHERE seq = \(bind: first)").run()
                try await db.raw("UPDATE audit_entries SET seq = \(bind: first) WHERE seq = \(bind: second)").run()
                try await db.raw("UPDATE audit_entries SET seq = \(bind: second) WHERE seq = -1").run()
            }
            let result = try await AuditLog.verify(platform.database)
            #expect(result.firstBadSeq == first)
        }
    }

    @Test func queryByActorTargetAndTime() async throws {
        try await TestPlatform.withDemo { platform, http in
            _ = try await Self.makeChanges(platform, http)
            let admin = try await http.token("admin")
            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            let byTarget = try await http.request(.get, "/api/v1/audit?target=\(health.id)&actor=official:admin", token: admin)
            #expect(byTarget.status == 200)
            #expect(byTarget.items.count == 3)
            #expect(byTarget.items.allSatisfy { $0["action"] as? String == "agency.update" })
            let future = try await http.request(.get, "/api/v1/audit?from=2999-01-01", token: admin)
            #expect(future.items.isEmpty)
            let past = try await http.request(.get, "/api/v1/audit?to=2000-01-01T00:00:00Z", token: admin)
            #expect(past.items.isEmpty)
            let bad = try await http.request(.get, "/api/v1/audit?from=yesterday", token: admin)
            #expect(bad.status == 400)
            // Paging walks the whole trail without gaps or repeats.
            var seen: [Int] = []
            var cursor: String?
            repeat {
                let page = try await http.request(.get, "/api/v1/audit?limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                seen += page.items.compactMap { $0["seq"] as? Int }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == Array((1...seen.count).reversed()))
        }
    }
}
