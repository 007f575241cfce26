import Crypto
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// A change to record: what was done to which target, with digests of the target before and after.
public struct AuditChange: Sendable {
    public var action: String
    public var targetType: String
    public var targetID: String
    public var agencyID: String?
    public var beforeDigest: String?
    public var afterDigest: String?
    public var summary: String

    /// `before` and `after` are the target's state (nil when it did not exist); only their digests are kept.
    public init<Before: Encodable, After: Encodable>(
        action: String, targetType: String, targetID: String, agencyID: String? = nil,
        before: Before?, after: After?, summary: String
    ) {
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.agencyID = agencyID
        if let before { beforeDigest = AuditLog.digest(before) }
        if let after { afterDigest = AuditLog.digest(after) }
        self.summary = summary
    }
}

/// One entry of the audit trail, as stored.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var seq: Int
    public var at: String
    public var actor: String
    public var address: String?
    public var action: String
    public var targetType: String
    public var targetID: String
    public var agencyID: String?
    public var beforeDigest: String?
    public var afterDigest: String?
    public var summary: String
    public var prevHash: String
    public var hash: String

    /// The entry's canonical form: every field but its own hash, in a fixed order, as a JSON array.
    var canonicalForm: Data {
        let fields: [String?] = [
            String(seq), at, actor, address, action, targetType, targetID, agencyID, beforeDigest, afterDigest,
            summary, prevHash,
        ]
        return try! JSONEncoder().encode(fields)
    }

    /// The SHA-256 of the canonical form, which the next entry carries as its `prevHash`.
    var computedHash: String { AuditLog.hex(SHA256.hash(data: canonicalForm)) }
}

/// The outcome of checking the whole chain, and its seals when they were checked.
public struct AuditVerification: Sendable, Codable, Equatable {
    public var entriesChecked: Int
    /// The sequence number of the first entry found altered, missing or out of place.
    public var firstBadSeq: Int?
    public var problem: String?
    /// Seals checked (see ``AuditSealer``), and entries not sealed yet (protected by the chain alone until the next).
    public var sealsChecked: Int = 0
    public var unsealedEntries: Int = 0
    /// The first seal whose entries, signature or archived copy did not match.
    public var firstBadSeal: Int?
    public var isIntact: Bool { firstBadSeq == nil && problem == nil && firstBadSeal == nil }

    /// The chain's outcome with the seals' added: a chain intact but rewritten whole is caught by its seals.
    public func adding(_ seals: AuditSealCheck) -> AuditVerification {
        var combined = self
        combined.sealsChecked = seals.sealsChecked
        combined.unsealedEntries = seals.unsealedEntries
        combined.firstBadSeal = seals.firstBadSeal
        if isIntact, seals.firstBadSeal != nil {
            combined.firstBadSeq = seals.firstBadEntry
            combined.problem = seals.problem
        }
        return combined
    }
}

/// The hash-chained, append-only audit trail. Entries are appended in the transaction of the change they record.
public enum AuditLog {
    static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256 of a value's JSON form with sorted keys.
    public static func digest<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return hex(SHA256.hash(data: (try? encoder.encode(value)) ?? Data()))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        Hex.string(digest)
    }

    /// Appends `change` to the chain inside the caller's transaction `db`.
    @discardableResult
    public static func append(
        _ change: AuditChange, by actor: Actor, in db: any SQLDatabase, database: ProvinceDatabase, at date: Date = Date()
    ) async throws -> AuditEntry {
        let head = try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1\(database.lockForUpdate)").first()
        let previousSeq = try head?.int("seq") ?? 0
        let previousHash = try head?.string("hash") ?? genesisHash
        var entry = AuditEntry(
            seq: previousSeq + 1, at: Timestamp.string(date), actor: actor.label, address: actor.address,
            action: change.action, targetType: change.targetType, targetID: change.targetID,
            agencyID: change.agencyID, beforeDigest: change.beforeDigest, afterDigest: change.afterDigest,
            summary: change.summary, prevHash: previousHash, hash: "")
        entry.hash = entry.computedHash
        try await db.raw(
            """
            INSERT INTO audit_entries (seq, at, actor, address, action, target_type, target_id, agency_id,
                before_digest, after_digest, summary, prev_hash, hash)
            VALUES (\(bind: entry.seq), \(bind: entry.at), \(bind: entry.actor), \(bind: entry.address),
                \(bind: entry.action), \(bind: entry.targetType), \(bind: entry.targetID), \(bind: entry.agencyID),
                \(bind: entry.beforeDigest), \(bind: entry.afterDigest), \(bind: entry.summary),
                \(bind: entry.prevHash), \(bind: entry.hash))
            """
        ).run()
        if head == nil {
            try await db.raw("INSERT INTO audit_head (id, seq, hash) VALUES (1, \(bind: entry.seq), \(bind: entry.hash))").run()
        } else {
            try await db.raw("UPDATE audit_head SET seq = \(bind: entry.seq), hash = \(bind: entry.hash) WHERE id = 1").run()
        }
        return entry
    }

    static func entry(from row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            seq: try row.int("seq"), at: try row.string("at"), actor: try row.string("actor"),
            address: try row.optionalString("address"), action: try row.string("action"),
            targetType: try row.string("target_type"), targetID: try row.string("target_id"),
            agencyID: try row.optionalString("agency_id"), beforeDigest: try row.optionalString("before_digest"),
            afterDigest: try row.optionalString("after_digest"), summary: try row.string("summary"),
            prevHash: try row.string("prev_hash"), hash: try row.string("hash"))
    }

    /// Checks every entry: sequence without gaps, each hash recomputed, each link to the previous entry, and the
    /// head that records the last entry (so that deleting the newest entries is caught too).
    public static func verify(_ database: ProvinceDatabase) async throws -> AuditVerification {
        var expectedSeq = 1
        var previousHash = genesisHash
        let pageSize = 2000
        while true {
            let from = expectedSeq
            let rows = try await database.read { db in
                try await db.raw(
                    "SELECT * FROM audit_entries WHERE seq >= \(bind: from) ORDER BY seq LIMIT \(bind: pageSize)"
                ).all()
            }
            for row in rows {
                let entry = try entry(from: row)
                if entry.seq != expectedSeq {
                    return AuditVerification(
                        entriesChecked: expectedSeq - 1, firstBadSeq: expectedSeq,
                        problem: "entry \(expectedSeq) is missing: the next entry stored is \(entry.seq)")
                }
                if entry.computedHash != entry.hash {
                    return AuditVerification(
                        entriesChecked: expectedSeq - 1, firstBadSeq: entry.seq,
                        problem: "entry \(entry.seq) was altered: its content no longer matches its hash")
                }
                if entry.prevHash != previousHash {
                    return AuditVerification(
                        entriesChecked: expectedSeq - 1, firstBadSeq: entry.seq,
                        problem: "entry \(entry.seq) does not follow entry \(entry.seq - 1): the chain was reordered or an entry replaced")
                }
                previousHash = entry.hash
                expectedSeq += 1
            }
            if rows.count < pageSize { break }
        }
        let lastSeq = expectedSeq - 1
        let head = try await database.read { db in try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() }
        let headSeq = try head?.int("seq") ?? 0
        let headHash = try head?.string("hash") ?? genesisHash
        if headSeq != lastSeq || headHash != previousHash {
            let bad = min(headSeq, lastSeq) + 1
            return AuditVerification(
                entriesChecked: lastSeq, firstBadSeq: headSeq > lastSeq ? bad : lastSeq,
                problem: headSeq > lastSeq
                    ? "entries \(lastSeq + 1) to \(headSeq) are missing from the end of the trail"
                    : "the chain head does not match entry \(lastSeq)")
        }
        return AuditVerification(entriesChecked: lastSeq, firstBadSeq: nil, problem: nil)
    }

    /// A filter over the trail; every part is optional.
    public struct Query: Sendable {
        public var actor: String?
        public var targetType: String?
        public var targetID: String?
        public var agencyID: String?
        public var from: Date?
        public var to: Date?
        /// Entries with a sequence number below this one (the cursor of the previous page).
        public var beforeSeq: Int?
        public var limit: Int

        public init(
            actor: String? = nil, targetType: String? = nil, targetID: String? = nil, agencyID: String? = nil,
            from: Date? = nil, to: Date? = nil, beforeSeq: Int? = nil, limit: Int = 50
        ) {
            self.actor = actor
            self.targetType = targetType
            self.targetID = targetID
            self.agencyID = agencyID
            self.from = from
            self.to = to
            self.beforeSeq = beforeSeq
            self.limit = limit
        }
    }

    /// The newest entries matching `query`, newest first.
    public static func entries(matching query: Query, in database: ProvinceDatabase) async throws -> [AuditEntry] {
        try await database.read { db in
            var sql = SQLQueryString("SELECT * FROM audit_entries WHERE 1 = 1")
            if let actor = query.actor { sql = sql + " AND actor = \(bind: actor)" }
            if let type = query.targetType { sql = sql + " AND target_type = \(bind: type)" }
            if let id = query.targetID { sql = sql + " AND target_id = \(bind: id)" }
            if let agency = query.agencyID { sql = sql + " AND agency_id = \(bind: agency)" }
            if let from = query.from { sql = sql + " AND at >= \(bind: Timestamp.string(from))" }
            if let to = query.to { sql = sql + " AND at < \(bind: Timestamp.string(to))" }
            if let before = query.beforeSeq { sql = sql + " AND seq < \(bind: before)" }
            sql = sql + " ORDER BY seq DESC LIMIT \(bind: query.limit)"
            return try await db.raw(sql).all().map(entry(from:))
        }
    }
}
