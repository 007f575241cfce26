import Crypto
import Foundation
import Logging
import NIOCore
import ProvinceCore
import ProvinceStore
import SQLKit
import Synchronization

/// One exchange through the gateway, as the message log keeps it: the evidence of who called what, when, and
/// what was sent and answered (by SHA-256).
public struct MessageRecord: Sendable, Codable, Equatable {
    public var seq: Int = 0
    public var messageID: String
    public var consumer: String
    public var service: String
    public var method: String
    public var path: String
    public var status: Int
    /// The gateway's error type (`Server.ServerProxy.ServiceTimeout`, …) when the gateway answered itself.
    public var error: String?
    public var requestBytes: Int
    public var responseBytes: Int
    public var requestSHA256: String
    public var responseSHA256: String
    public var receivedAt: String
    public var forwardedAt: String?
    public var answeredAt: String
    /// `X-Road-Request-Id`, new for every request (nil in records made before the log kept it).
    public var requestID: String? = nil
    /// `X-Road-Request-Hash` as the answer carried it; nil when the gateway answered before forwarding.
    public var requestHash: String? = nil
    /// The client's `X-Road-UserId`, `X-Road-Issue` and `X-Road-Represented-Party`, as sent.
    public var userID: String? = nil
    public var issue: String? = nil
    public var representedParty: String? = nil
    public var prevHash: String = ""
    public var hash: String = ""

    /// Every field but the hash, in a fixed order, as a compact JSON array of strings (and nulls), with "/"
    /// escaped as "\/" (as Foundation's JSONEncoder writes it): what the hash covers. The X-Road fields (request id
    /// to represented party) follow the previous hash in records that have a request id, which every record made
    /// since the log kept them has. scripts/verify-proof.py rebuilds the same text.
    var canonicalForm: Data {
        var text: [UInt8] = []
        appendCanonicalForm(seq: seq, prevHash: prevHash, to: &text)
        return Data(text)
    }

    var computedHash: String { Hex.string(SHA256.hash(data: canonicalForm)) }
}

/// A record the chain can take: its canonical form and its row's values (``MessageLog/columns``, in order), for a
/// given number and previous hash.
protocol ChainableRecord {
    func appendCanonicalForm(seq: Int, prevHash: String, to text: inout [UInt8])
    func bind(seq: Int, prevHash: String, hash: String, to values: inout RowBinder)
}

extension MessageRecord: ChainableRecord {
    func appendCanonicalForm(seq: Int, prevHash: String, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "["))
        CanonicalJSON.append(String(seq), to: &text)
        for field in [messageID, consumer, service, method, path, String(status), error, String(requestBytes), String(responseBytes)] {
            CanonicalJSON.append(field, to: &text, comma: true)
        }
        for field in [requestSHA256, responseSHA256, receivedAt, forwardedAt, answeredAt, prevHash] {
            CanonicalJSON.append(field, to: &text, comma: true)
        }
        if requestID != nil {
            for field in [requestID, requestHash, userID, issue, representedParty] { CanonicalJSON.append(field, to: &text, comma: true) }
        }
        text.append(UInt8(ascii: "]"))
    }

    func bind(seq: Int, prevHash: String, hash: String, to values: inout RowBinder) {
        values.bind(seq)
        for text in [messageID, consumer, service, method, path] { values.bind(text) }
        values.bind(status)
        values.bind(error)
        values.bind(requestBytes)
        values.bind(responseBytes)
        for text in [requestSHA256, responseSHA256, receivedAt, forwardedAt, answeredAt, prevHash, hash] { values.bind(text) }
        for text in [requestID, requestHash, userID, issue, representedParty] { values.bind(text) }
    }
}

/// The JSON the canonical form is written in: strings escaped as Foundation's JSONEncoder escapes them.
enum CanonicalJSON {
    /// A JSON string, or null; after a comma when `comma`.
    static func append(_ field: String?, to text: inout [UInt8], comma: Bool = false) {
        guard var field else {
            if comma { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: "null".utf8)
            return
        }
        field.withUTF8 { append(bytes: $0, to: &text, comma: comma) }
    }

    /// UTF-8 bytes as a JSON string; runs of bytes that need no escape are copied whole.
    static func append(bytes: UnsafeBufferPointer<UInt8>, to text: inout [UInt8], comma: Bool = false) {
        if comma { text.append(UInt8(ascii: ",")) }
        text.append(UInt8(ascii: "\""))
        var runStart = 0
        for (index, byte) in bytes.enumerated() {
            // Most bytes are letters and digits: above every byte that needs an escape but the backslash.
            if byte > UInt8(ascii: "/") && byte != UInt8(ascii: "\\") { continue }
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escape = byte
            case 0x0A: escape = UInt8(ascii: "n")
            case 0x0D: escape = UInt8(ascii: "r")
            case 0x09: escape = UInt8(ascii: "t")
            case 0x08: escape = UInt8(ascii: "b")
            case 0x0C: escape = UInt8(ascii: "f")
            case 0..<0x20: escape = 0
            default: continue
            }
            text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            if escape == 0 {
                text.append(contentsOf: String(format: "\\u%04x", byte).utf8)
            } else {
                text.append(UInt8(ascii: "\\"))
                text.append(escape)
            }
        }
        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        text.append(UInt8(ascii: "\""))
    }
}

/// The bodies of one exchange, for services that log them: each kept up to `MessageBodies.limit` bytes.
public struct MessageBodies: Sendable, Codable, Equatable {
    /// The most of each body the log keeps; the record's SHA-256 always covers the whole body.
    public static let limit = 1 << 20
    public var request: Data
    public var response: Data
    public var requestTruncated: Bool
    public var responseTruncated: Bool
    /// When the bodies are removed (the record stays).
    public var expiresAt: String

    public init(request: Data, response: Data, requestTruncated: Bool, responseTruncated: Bool, expiresAt: String) {
        self.request = request
        self.response = response
        self.requestTruncated = requestTruncated
        self.responseTruncated = responseTruncated
        self.expiresAt = expiresAt
    }
}

/// Reading and checking the message log.
public enum MessageLog {
    static let genesisHash = String(repeating: "0", count: 64)

    /// The end of the chain: the last record's number and hash.
    struct Head: Sendable, Equatable {
        var seq: Int
        var hash: String
    }

    /// Chains and inserts records in one transaction (the gateway's go through its journal).
    public static func append(_ records: [MessageRecord], bodies: [MessageBodies?]? = nil, in database: ProvinceDatabase) async throws {
        let bodies = bodies ?? records.map { _ in nil }
        _ = try await database.batchWrite { batch in try insert(records, bodies: bodies, after: nil, with: batch) }
    }

    /// Chains and inserts a batch after `known` (the head this writer last committed), or after the stored head
    /// when it knows none. Another process that appended meanwhile makes the insert collide on `seq`: the caller
    /// then forgets its head and tries once more. Returns the new head; `chained` is given the records' hashes.
    static func insert<Record: ChainableRecord>(
        _ records: [Record], bodies: [MessageBodies?], after known: Head?, with batch: BatchWriter,
        chained onChained: (_ firstSeq: Int, _ hashes: [String]) -> Void = { _, _ in }
    ) throws -> Head {
        var stored = known
        if records.isEmpty, let known { return known }
        if stored == nil, let row = try batch.first("SELECT seq, hash FROM hub_message_head WHERE id = 1\(batch.lockForUpdate)") {
            stored = Head(seq: try row.int("seq"), hash: try row.string("hash"))
        }
        let firstSeq = (stored?.seq ?? 0) + 1
        let genesis = stored?.hash ?? genesisHash
        let hashes = chain(records, firstSeq: firstSeq, after: genesis) { _, _, _ in }
        guard let last = hashes.last else { return Head(seq: firstSeq - 1, hash: genesis) }
        onChained(firstSeq, hashes)
        try batch.insert(into: "hub_messages", columns: columns, count: records.count) { offset, values in
            records[offset].bind(
                seq: firstSeq + offset, prevHash: offset == 0 ? genesis : hashes[offset - 1], hash: hashes[offset], to: &values)
        }
        let kept = bodies.enumerated().compactMap { offset, bodies in bodies.map { (seq: firstSeq + offset, bodies: $0) } }
        try batch.insert(into: "hub_message_bodies", columns: bodyColumns, count: kept.count) { offset, values in
            let (seq, bodies) = kept[offset]
            values.bind(seq)
            values.bind(bodies.request.base64EncodedString())
            values.bind(bodies.response.base64EncodedString())
            values.bind(bodies.requestTruncated ? 1 : 0)
            values.bind(bodies.responseTruncated ? 1 : 0)
            values.bind(bodies.expiresAt)
        }
        let head = Head(seq: firstSeq + records.count - 1, hash: last)
        try batch.run(
            """
            INSERT INTO hub_message_head (id, seq, hash) VALUES (1, \(bind: head.seq), \(bind: head.hash))
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """)
        return head
    }

    /// A record's columns, in the order of its row's values.
    static let columns = [
        "seq", "message_id", "consumer", "service", "method", "path", "status", "error", "request_bytes", "response_bytes",
        "request_sha256", "response_sha256", "received_at", "forwarded_at", "answered_at", "prev_hash", "hash", "request_id", "request_hash",
        "user_id", "issue", "represented_party",
    ]
    static let bodyColumns = ["seq", "request_body", "response_body", "request_truncated", "response_truncated", "expires_at"]

    /// Chains records after `previous` (the hash of record `firstSeq - 1`): `each` is given each record's offset,
    /// the hash before it and its own; the hashes are returned in order.
    static func chain<Record: ChainableRecord>(
        _ records: [Record], firstSeq: Int, after previous: String, _ each: (_ offset: Int, _ previous: String, _ hash: String) throws -> Void
    ) rethrows -> [String] {
        var previous = previous
        var hashes: [String] = []
        hashes.reserveCapacity(records.count)
        // One buffer for every record's canonical form: the importer hashes thousands a second.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(1024)
        for (offset, record) in records.enumerated() {
            canonical.removeAll(keepingCapacity: true)
            record.appendCanonicalForm(seq: firstSeq + offset, prevHash: previous, to: &canonical)
            let hash = Hex.string(SHA256.hash(data: canonical))
            try each(offset, previous, hash)
            hashes.append(hash)
            previous = hash
        }
        return hashes
    }

    static func record(from row: any SQLRow) throws -> MessageRecord {
        MessageRecord(
            seq: try row.int("seq"), messageID: try row.string("message_id"), consumer: try row.string("consumer"),
            service: try row.string("service"), method: try row.string("method"), path: try row.string("path"),
            status: try row.int("status"), error: try row.optionalString("error"), requestBytes: try row.int("request_bytes"),
            responseBytes: try row.int("response_bytes"), requestSHA256: try row.string("request_sha256"),
            responseSHA256: try row.string("response_sha256"), receivedAt: try row.string("received_at"),
            forwardedAt: try row.optionalString("forwarded_at"), answeredAt: try row.string("answered_at"),
            requestID: try row.optionalString("request_id"), requestHash: try row.optionalString("request_hash"),
            userID: try row.optionalString("user_id"), issue: try row.optionalString("issue"),
            representedParty: try row.optionalString("represented_party"), prevHash: try row.string("prev_hash"), hash: try row.string("hash"))
    }

    /// Records matching the filters: newest first, or oldest first from `afterSeq` on (for exports).
    public static func records(
        consumer: String? = nil, service: String? = nil, from: String? = nil, to: String? = nil, beforeSeq: Int? = nil,
        afterSeq: Int? = nil, limit: Int, in database: ProvinceDatabase
    ) async throws -> [MessageRecord] {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM hub_messages WHERE 1 = 1"
            if let consumer { sql += " AND consumer = \(bind: consumer)" }
            if let service { sql += " AND service = \(bind: service)" }
            if let from { sql += " AND received_at >= \(bind: from)" }
            if let to { sql += " AND received_at < \(bind: to)" }
            if let beforeSeq { sql += " AND seq < \(bind: beforeSeq)" }
            if let afterSeq { sql += " AND seq > \(bind: afterSeq)" }
            sql += afterSeq == nil ? " ORDER BY seq DESC LIMIT \(bind: limit)" : " ORDER BY seq LIMIT \(bind: limit)"
            return try await db.raw(sql).all().map(record(from:))
        }
    }

    /// The kept bodies of record `seq`, nil when its service does not log bodies or they have expired.
    public static func bodies(seq: Int, in database: ProvinceDatabase) async throws -> MessageBodies? {
        let row = try await database.read { db in try await db.raw("SELECT * FROM hub_message_bodies WHERE seq = \(bind: seq)").first() }
        guard let row else { return nil }
        return MessageBodies(
            request: Data(base64Encoded: try row.string("request_body")) ?? Data(),
            response: Data(base64Encoded: try row.string("response_body")) ?? Data(),
            requestTruncated: try row.int("request_truncated") != 0, responseTruncated: try row.int("response_truncated") != 0,
            expiresAt: try row.string("expires_at"))
    }

    /// Removes bodies whose retention has ended; returns how many records lost theirs.
    @discardableResult
    public static func removeExpiredBodies(now: Date = Date(), in database: ProvinceDatabase) async throws -> Int {
        let cutoff = Timestamp.string(now)
        return try await database.write { db in
            let count = try await db.raw("SELECT COUNT(*) AS n FROM hub_message_bodies WHERE expires_at < \(bind: cutoff)").first()?.int("n") ?? 0
            if count > 0 { try await db.raw("DELETE FROM hub_message_bodies WHERE expires_at < \(bind: cutoff)").run() }
            return count
        }
    }

    /// The outcome of checking the log's chain, and its seals when they were checked.
    public struct Verification: Sendable, Codable, Equatable {
        public var recordsChecked: Int
        public var firstBadSeq: Int?
        public var problem: String?
        public var sealsChecked: Int = 0
        /// The first seal whose records, signature or archived copy did not match.
        public var firstBadSeal: Int?
        public var isIntact: Bool { firstBadSeq == nil && firstBadSeal == nil }

        public init(recordsChecked: Int, firstBadSeq: Int?, problem: String?) {
            self.recordsChecked = recordsChecked
            self.firstBadSeq = firstBadSeq
            self.problem = problem
        }
    }

    /// Walks the chain: sequence without gaps, each hash recomputed, each link, and the head.
    public static func verify(_ database: ProvinceDatabase) async throws -> Verification {
        var expected = 1
        var previous = genesisHash
        while true {
            let from = expected
            let rows = try await database.read { db in
                try await db.raw("SELECT * FROM hub_messages WHERE seq >= \(bind: from) ORDER BY seq LIMIT 2000").all()
            }
            for row in rows {
                let record = try record(from: row)
                if record.seq != expected {
                    return Verification(recordsChecked: expected - 1, firstBadSeq: expected, problem: "record \(expected) is missing")
                }
                if record.computedHash != record.hash {
                    return Verification(recordsChecked: expected - 1, firstBadSeq: expected, problem: "record \(expected) was altered")
                }
                if record.prevHash != previous {
                    return Verification(
                        recordsChecked: expected - 1, firstBadSeq: expected, problem: "record \(expected) does not follow record \(expected - 1)")
                }
                previous = record.hash
                expected += 1
            }
            if rows.count < 2000 { break }
        }
        let head = try await database.read { db in try await db.raw("SELECT seq, hash FROM hub_message_head WHERE id = 1").first() }
        let headSeq = try head?.int("seq") ?? 0
        let headHash = try head?.string("hash") ?? genesisHash
        if headSeq != expected - 1 || headHash != previous {
            return Verification(
                recordsChecked: expected - 1, firstBadSeq: min(headSeq, expected - 1) + (headSeq > expected - 1 ? 1 : 0),
                problem: "the log's head does not match its last record")
        }
        return Verification(recordsChecked: expected - 1, firstBadSeq: nil, problem: nil)
    }
}
