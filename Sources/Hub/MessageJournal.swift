import Foundation
import Logging
import NIOCore
import NIOPosix
import ProvinceStore
import SQLKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The gateway's first write of the evidence: each event loop appends the records of the exchanges it finished to a
/// file of its own, in one `write` per loop iteration, and releases their answers once the write returned (the
/// kernel holds the bytes: a `kill -9` of the process does not lose them). An importer then chains and inserts the
/// records into `hub_messages` in large transactions, and at start imports what a stopped process left behind.
public final class MessageJournal: Sendable {
    /// Where the journal files are: `<start>-<pid>-<loop>-<n>.journal`, one line a record.
    public let directory: String
    let database: ProvinceDatabase
    let logger: Logger
    private let files: [ObjectIdentifier: JournalFile]
    private let importer: JournalImporter
    /// The hashes of the records this journal imported last, for the sealer.
    public let recentHashes = RecentHashes()
    /// Raised by a loop's write, taken by the importer: an idle hub does not scan its directory.
    private let written = JournalSignal()

    public init(directory: String, database: ProvinceDatabase, logger: Logger) {
        self.directory = directory
        self.database = database
        self.logger = logger
        importer = JournalImporter(directory: directory, database: database, recentHashes: recentHashes, logger: logger)
        let prefix = "\(Int64(Date().timeIntervalSince1970 * 1000))-\(getpid())"
        var files: [ObjectIdentifier: JournalFile] = [:]
        for (index, loop) in MultiThreadedEventLoopGroup.singleton.makeIterator().enumerated() {
            files[ObjectIdentifier(loop)] = JournalFile(
                eventLoop: loop, directory: directory, prefix: "\(prefix)-\(index)", written: written, logger: logger)
        }
        self.files = files
    }

    /// The file of `eventLoop`, one of the singleton group's loops, which the gateway runs on.
    func file(for eventLoop: any EventLoop) -> JournalFile {
        files[ObjectIdentifier(eventLoop)]!
    }

    /// Imports every complete record the journal files hold that is not yet in the database, and removes the files
    /// no process writes any more once they are imported. Returns how many records were imported.
    @discardableResult
    public func importPending() async throws -> Int {
        written.take()
        return try await importer.importAll()
    }

    /// Bytes the journal files hold that are not yet in the database, as of the last import: it grows while the
    /// database cannot be written (the gateway goes on answering; the records wait in the journal).
    public var backlogBytes: Int {
        get async { await importer.backlogBytes }
    }

    /// The backlog in Prometheus's text format, for `/metrics`.
    public func prometheusText() async -> String {
        "# HELP hub_journal_backlog_bytes Journaled exchanges not yet in the message log's database.\n"
            + "# TYPE hub_journal_backlog_bytes gauge\nhub_journal_backlog_bytes \(await backlogBytes)\n"
    }

    /// Imports what the loops write, every `interval`, until the task is cancelled; after a failure (the database
    /// unreachable), every second, with one log line per outage.
    public func run(interval: Duration = .milliseconds(100)) async {
        var failing = false
        while !Task.isCancelled {
            if written.isRaised || failing {
                do {
                    try await importPending()
                    if failing { logger.notice("importing the message journal works again") }
                    failing = false
                } catch {
                    if !failing { logger.error("importing the message journal failed (retried every second): \(error)") }
                    failing = true
                }
            }
            try? await Task.sleep(for: failing ? .seconds(1) : interval)
        }
    }
}

/// Tells the importer that a loop wrote.
final class JournalSignal: Sendable {
    private let flag = Atomic<Bool>(true)

    func raise() { flag.store(true, ordering: .releasing) }
    func take() { flag.store(false, ordering: .releasing) }
    var isRaised: Bool { flag.load(ordering: .acquiring) }
}

/// One event loop's journal file; confined to that loop.
final class JournalFile: @unchecked Sendable {
    let eventLoop: any EventLoop
    let directory: String
    let prefix: String
    let logger: Logger
    let written: JournalSignal
    private var descriptor: CInt = -1
    private var number = 0
    private var size = 0
    private var buffer: [UInt8] = []
    private var waiting: [(Bool) -> Void] = []
    private var flushScheduled = false
    /// A file this large is closed and a new one begun: the importer then removes the old one.
    static let rotateBytes = 64 << 20

    init(eventLoop: any EventLoop, directory: String, prefix: String, written: JournalSignal, logger: Logger) {
        self.written = written
        self.eventLoop = eventLoop
        self.directory = directory
        self.prefix = prefix
        self.logger = logger
    }

    /// Queues a record; `then(true)` runs on this loop once its line is written, `then(false)` if it could not be.
    func append(_ record: MessageRecord, bodies: MessageBodies?, then: @escaping (Bool) -> Void) {
        eventLoop.preconditionInEventLoop()
        JournalLine.encode(record, bodies, into: &buffer)
        waiting.append(then)
        guard !flushScheduled else { return }
        flushScheduled = true
        // Runs after this iteration's reads: the records of every exchange they finished go in one write.
        eventLoop.execute { self.flush() }
    }

    private func flush() {
        flushScheduled = false
        let complete = write(buffer)
        buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        // Swapped rather than copied: callbacks may queue records for the next write.
        var callbacks: [(Bool) -> Void] = []
        swap(&callbacks, &waiting)
        written.raise()
        for callback in callbacks { callback(complete) }
        if waiting.isEmpty {
            callbacks.removeAll(keepingCapacity: true)
            swap(&callbacks, &waiting)
        }
    }

    private func write(_ bytes: [UInt8]) -> Bool {
        if descriptor < 0 || size >= Self.rotateBytes {
            guard open() else { return false }
        }
        let complete = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        guard complete else {
            // A line may be cut: the next records go to a new file, and the importer skips the cut line.
            logger.error("writing the message journal \(path(number)) failed: errno \(errno)")
            Glibc.close(descriptor)
            descriptor = -1
            return false
        }
        size += bytes.count
        return true
    }

    private func path(_ number: Int) -> String { "\(directory)/\(prefix)-\(number).journal" }

    /// Begins the next file, locked while this process writes it: the importer removes only unlocked files.
    private func open() -> Bool {
        if descriptor >= 0 { Glibc.close(descriptor) }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        number += 1
        size = 0
        descriptor = Glibc.open(path(number), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            logger.error("opening the message journal \(path(number)) failed: errno \(errno)")
            return false
        }
        _ = flock(descriptor, LOCK_EX)
        return true
    }
}

/// Moves journal lines into the database; one import at a time per process.
actor JournalImporter {
    let directory: String
    let database: ProvinceDatabase
    let logger: Logger
    /// The end of the chain as this importer last committed it (nil: read the stored head).
    private var head: MessageLog.Head?
    /// The most a transaction imports.
    static let chunkBytes = 4 << 20

    /// The part of one file an import takes.
    struct Slice {
        var file: String
        var from: Int
        var to: Int
    }

    let recentHashes: RecentHashes

    init(directory: String, database: ProvinceDatabase, recentHashes: RecentHashes, logger: Logger) {
        self.directory = directory
        self.database = database
        self.recentHashes = recentHashes
        self.logger = logger
    }

    /// Imports what the files hold now, in passes: each pass takes the complete lines of every file (up to a share of
    /// `chunkBytes` each), puts the records of all loops in the order they were answered, and commits them in one
    /// transaction. A file no process writes any more is removed once all of it is in.
    func importAll() async throws -> Int {
        // Measured after failures too: the backlog is what grows while the database is out of reach.
        defer { backlogBytes = measureBacklog() }
        return try await importPasses()
    }

    private func importPasses() async throws -> Int {
        var imported = 0
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".journal") }.sorted()
            if names.isEmpty { return imported }
            let positions = try await importedBytes()
            let share = max(Self.chunkBytes / names.count, 1 << 16)
            var slices: [Slice] = []
            var lines: [JournalFields] = []
            var finishedFiles: [String] = []
            var importedWhole: [String] = []
            var more = false
            for name in names {
                let path = "\(directory)/\(name)"
                let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { continue }
                // A writer holds its file locked: one that can be locked here is written no more.
                let finished = flock(descriptor, LOCK_EX | LOCK_NB) == 0
                let position = positions[name] ?? 0
                var limit = share
                var chunk = Self.read(descriptor, at: position, upTo: limit)
                // A line longer than the share (bodies of up to 1 MiB each, in base64) is read whole.
                while chunk.count == limit, !chunk.contains(UInt8(ascii: "\n")) {
                    limit *= 2
                    chunk = Self.read(descriptor, at: position, upTo: limit)
                }
                Glibc.close(descriptor)
                guard let lastNewline = chunk.lastIndex(of: UInt8(ascii: "\n")) else {
                    if finished {
                        if !chunk.isEmpty {
                            logger.warning("message journal \(name) ends in a cut line of \(chunk.count) bytes (never answered): skipped")
                        }
                        finishedFiles.append(name)
                    }
                    continue
                }
                more = more || chunk.count == limit
                for line in chunk[..<lastNewline].split(separator: UInt8(ascii: "\n")) {
                    guard let decoded = JournalFields(line) else {
                        logger.error("message journal \(name) has a line that is not a record after byte \(position): skipped")
                        continue
                    }
                    lines.append(decoded)
                }
                slices.append(Slice(file: name, from: position, to: position + lastNewline + 1))
                if finished && chunk.count < limit {
                    if lastNewline + 1 < chunk.count {
                        logger.warning(
                            "message journal \(name) ends in a cut line of \(chunk.count - lastNewline - 1) bytes (never answered): skipped")
                    }
                    importedWhole.append(name)
                }
            }
            for name in finishedFiles { try await remove(name) }
            if slices.isEmpty { return imported }
            // Each file is in answer order already; the loops' records are merged by the time they were answered.
            // Positions are sorted, then the lines taken in that order.
            let order = lines.indices.sorted { first, second in
                let (a, b) = (lines[first].answeredAt, lines[second].answeredAt)
                return a == b ? first < second : a.lexicographicallyPrecedes(b)
            }
            // Bodies are decoded only where a line has them (services that log bodies).
            let bodies = order.map { lines[$0].isNull(14) ? nil : lines[$0].bodies }
            guard try await commit(order.map { lines[$0] }, bodies, slices) else { continue }
            for slice in slices { knownPositions[slice.file] = slice.to }
            for name in importedWhole { try await remove(name) }
            imported += lines.count
            if !more { return imported }
        }
    }

    /// Inserts records and advances the files' imported bytes in one transaction. Another process that imported or
    /// appended meanwhile makes it collide: the head is read again, and the next pass goes on from the stored bytes
    /// (false is returned).
    private func commit(_ records: [JournalFields], _ bodies: [MessageBodies?], _ slices: [Slice]) async throws -> Bool {
        for attempt in 0..<2 {
            let known = attempt == 0 ? head : nil
            do {
                let (head, chain) = try await insert(records, bodies, slices, after: known)
                self.head = head
                recentHashes.append(firstSeq: chain.firstSeq, chain.hashes)
                return true
            } catch is JournalImportMoved {
                head = nil
                return false
            } catch  where attempt == 0 {
                head = nil
            }
        }
        return false
    }

    private typealias Chained = (firstSeq: Int, hashes: [String])

    /// The transaction of ``commit(_:_:_:)``: on SQLite through its bulk connection, on PostgreSQL through SQLKit.
    private func insert(
        _ records: [JournalFields], _ bodies: [MessageBodies?], _ slices: [Slice], after known: MessageLog.Head?
    ) async throws -> (MessageLog.Head, Chained) {
        let bulk = try await database.bulkWrite { connection in
            let check = try connection.statement("SELECT imported_bytes FROM hub_journal_imports WHERE file = ?")
            for slice in slices {
                check.bind(1, slice.file)
                guard try check.first({ $0.integer(0) }) ?? 0 == slice.from else { throw JournalImportMoved() }
            }
            var chain: Chained = (0, [])
            let head = try MessageLog.insert(records, bodies: bodies, after: known, on: connection) { chain = ($0, $1) }
            let advance = try connection.statement(
                "INSERT INTO hub_journal_imports (file, imported_bytes) VALUES (?, ?) ON CONFLICT (file) DO UPDATE SET imported_bytes = excluded.imported_bytes"
            )
            for slice in slices {
                advance.bind(1, slice.file)
                advance.bind(2, slice.to)
                try advance.execute()
            }
            return (head, chain)
        }
        if let bulk { return bulk }
        let database = self.database
        return try await database.write { db in
            for slice in slices {
                let stored =
                    try await db.raw(
                        "SELECT imported_bytes FROM hub_journal_imports WHERE file = \(bind: slice.file)\(database.lockForUpdate)"
                    ).first()?.int("imported_bytes") ?? 0
                guard stored == slice.from else { throw JournalImportMoved() }
            }
            var chain: Chained = (0, [])
            let head = try await MessageLog.insert(records, bodies: bodies, after: known, in: db, database: database) { chain = ($0, $1) }
            for slice in slices {
                try await db.raw(
                    """
                    INSERT INTO hub_journal_imports (file, imported_bytes) VALUES (\(bind: slice.file), \(bind: slice.to))
                    ON CONFLICT (file) DO UPDATE SET imported_bytes = excluded.imported_bytes
                    """
                ).run()
            }
            return (head, chain)
        }
    }

    /// Removes a file that is written no more and wholly imported, then its row.
    private func remove(_ name: String) async throws {
        try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        try await database.write { db in try await db.raw("DELETE FROM hub_journal_imports WHERE file = \(bind: name)").run() }
    }

    /// What the journal files hold beyond what is imported, as of the last import.
    private(set) var backlogBytes = 0

    /// How far each file is imported, as last read or committed.
    private var knownPositions: [String: Int] = [:]

    private func measureBacklog() -> Int {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".journal") }
        return names.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int) ?? 0
            return total + max(0, size - (knownPositions[name] ?? 0))
        }
    }

    private func importedBytes() async throws -> [String: Int] {
        knownPositions = try await database.read { db in
            var positions: [String: Int] = [:]
            for row in try await db.raw("SELECT file, imported_bytes FROM hub_journal_imports").all() {
                positions[try row.string("file")] = try row.int("imported_bytes")
            }
            return positions
        }
        return knownPositions
    }

    /// Reads up to `limit` bytes from `offset`: no more than the file holds (a buffer as large as the limit, on every
    /// pass and file, cost more to allocate than the few bytes a pass usually finds), and not zeroed first.
    private static func read(_ descriptor: CInt, at offset: Int, upTo limit: Int) -> [UInt8] {
        var status = stat()
        let wanted = fstat(descriptor, &status) == 0 ? min(limit, max(0, Int(status.st_size) - offset)) : limit
        guard wanted > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: wanted) { buffer, count in
            count = 0
            while count < wanted {
                let got = pread(descriptor, buffer.baseAddress! + count, wanted - count, off_t(offset + count))
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                count += got
            }
        }
    }
}

/// Another importer moved the file's imported bytes since they were read.
struct JournalImportMoved: Error {}

/// A record as one journal line: its fields separated by tabs, in PostgreSQL's `COPY` text form (`\N` for none;
/// backslash, tab, newline and carriage return escaped), the kept bodies in base64 after them, then X-Road's request
/// id, request hash, user id, issue and represented party.
enum JournalLine {
    static let fieldCount = 24
    /// The fields of a line written by the release before the log kept X-Road's: still read, so nothing it wrote is lost.
    static let previousFieldCount = 19

    static func encode(_ record: MessageRecord, _ bodies: MessageBodies?, into line: inout [UInt8]) {
        // Field by field, without an array of them: every exchange's record is encoded on its event loop.
        put(record.messageID, into: &line)
        put(record.consumer, into: &line)
        put(record.service, into: &line)
        put(record.method, into: &line)
        put(record.path, into: &line)
        put(record.status, into: &line)
        put(record.error, into: &line)
        put(record.requestBytes, into: &line)
        put(record.responseBytes, into: &line)
        put(record.requestSHA256, into: &line)
        put(record.responseSHA256, into: &line)
        put(record.receivedAt, into: &line)
        put(record.forwardedAt, into: &line)
        put(record.answeredAt, into: &line)
        put(bodies?.request.base64EncodedString(), into: &line)
        put(bodies?.response.base64EncodedString(), into: &line)
        put(bodies.map { $0.requestTruncated ? "1" : "0" }, into: &line)
        put(bodies.map { $0.responseTruncated ? "1" : "0" }, into: &line)
        put(bodies?.expiresAt, into: &line)
        put(record.requestID, into: &line)
        put(record.requestHash, into: &line)
        put(record.userID, into: &line)
        put(record.issue, into: &line)
        put(record.representedParty, into: &line, last: true)
    }

    /// Appends a field and the tab after it (a newline after the last).
    private static func put(_ field: String?, into line: inout [UInt8], last: Bool = false) {
        defer { line.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t")) }
        guard var field else {
            line.append(UInt8(ascii: "\\"))
            line.append(UInt8(ascii: "N"))
            return
        }
        // Most fields need no escape: copied whole, from the string's own bytes.
        let copied = field.withUTF8 { bytes in
            for byte in bytes where byte == UInt8(ascii: "\\") || byte < 0x20 { return false }
            line.append(contentsOf: bytes)
            return true
        }
        if copied { return }
        for byte in field.utf8 {
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
            default:
                line.append(byte)
                continue
            }
            line.append(UInt8(ascii: "\\"))
            line.append(escape)
        }
    }

    /// Appends a number's decimal digits and the tab after it.
    private static func put(_ number: Int, into line: inout [UInt8]) {
        guard number > 0 else {
            put(String(number), into: &line)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = number
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            line.append(contentsOf: buffer[(24 - count)...])
        }
        line.append(UInt8(ascii: "\t"))
    }

    static func decode(_ line: ArraySlice<UInt8>) -> (MessageRecord, MessageBodies?)? {
        JournalFields(line).map { ($0.record, $0.bodies) }
    }

    /// One field's text, unescaped; nil for `\N`.
    static func field(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.elementsEqual([UInt8(ascii: "\\"), UInt8(ascii: "N")]) { return nil }
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "r"): text.append(UInt8(ascii: "\r"))
                default: text.append(byte)
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                text.append(byte)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A journal line split into its fields, without a String made for any: the importer hashes the record from these
/// bytes and makes Strings only for the values SQLite is given.
struct JournalFields {
    let line: ArraySlice<UInt8>
    /// Where each field starts in `line`; the last, one past the line's end.
    private let starts: InlineArray<25, Int32>
    /// How many fields the line has: ``JournalLine/fieldCount``, or ``JournalLine/previousFieldCount`` for an older line.
    let fieldsInLine: Int
    let status: Int
    let requestBytes: Int
    let responseBytes: Int
    /// The fields a record cannot lack: id, consumer, service, method, path, both digests, received and answered.
    private static let requiredFields = [0, 1, 2, 3, 4, 9, 10, 11, 13]

    /// The fields of a record line; nil when it is not one (a cut line, a field missing or malformed).
    init?(_ line: ArraySlice<UInt8>) {
        self.line = line
        var field = 0
        var starts = InlineArray<25, Int32>(repeating: 0)
        starts[0] = Int32(line.startIndex)
        let cut = line.withUnsafeBufferPointer { bytes -> Bool in
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\t") {
                field += 1
                if field == JournalLine.fieldCount { return true }
                starts[field] = Int32(line.startIndex + offset + 1)
            }
            return false
        }
        guard !cut, field == JournalLine.fieldCount - 1 || field == JournalLine.previousFieldCount - 1 else { return nil }
        fieldsInLine = field + 1
        starts[fieldsInLine] = Int32(line.endIndex + 1)
        self.starts = starts
        guard let status = Self.integer(line, starts, 5), let requestBytes = Self.integer(line, starts, 7),
            let responseBytes = Self.integer(line, starts, 8)
        else { return nil }
        self.status = status
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        for required in Self.requiredFields where isNull(required) { return nil }
    }

    private static func integer(_ line: ArraySlice<UInt8>, _ starts: InlineArray<25, Int32>, _ index: Int) -> Int? {
        let bytes = line[Int(starts[index])..<Int(starts[index + 1]) - 1]
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return Int(String(decoding: bytes, as: UTF8.self))
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Field `index` as written: escaped, `\N` for none.
    func bytes(_ index: Int) -> ArraySlice<UInt8> { line[Int(starts[index])..<Int(starts[index + 1]) - 1] }

    func isNull(_ index: Int) -> Bool {
        let field = bytes(index)
        return field.count == 2 && field.first == UInt8(ascii: "\\") && field.last == UInt8(ascii: "N")
    }

    /// Field `index`'s text, unescaped; nil for none.
    func text(_ index: Int) -> String? { JournalLine.field(bytes(index)) }

    /// When the exchange was answered: records are put in this order.
    var answeredAt: ArraySlice<UInt8> { bytes(13) }

    var record: MessageRecord {
        MessageRecord(
            messageID: text(0)!, consumer: text(1)!, service: text(2)!, method: text(3)!, path: text(4)!, status: status, error: text(6),
            requestBytes: requestBytes, responseBytes: responseBytes, requestSHA256: text(9)!, responseSHA256: text(10)!,
            receivedAt: text(11)!, forwardedAt: text(12), answeredAt: text(13)!, requestID: xRoadText(19), requestHash: xRoadText(20),
            userID: xRoadText(21), issue: xRoadText(22), representedParty: xRoadText(23))
    }

    /// One of X-Road's fields (19 to 23); nil in an older line, which has none.
    func xRoadText(_ index: Int) -> String? { fieldsInLine > index ? text(index) : nil }

    /// Whether the record has X-Road's fields in its canonical form: it has a request id.
    var hasXRoadFields: Bool { fieldsInLine > 19 && !isNull(19) }

    var bodies: MessageBodies? {
        guard let request = text(14).flatMap({ Data(base64Encoded: $0) }), let response = text(15).flatMap({ Data(base64Encoded: $0) }),
            let expiresAt = text(18)
        else { return nil }
        return MessageBodies(
            request: request, response: response, requestTruncated: text(16) == "1", responseTruncated: text(17) == "1", expiresAt: expiresAt)
    }
}

extension JournalFields: ChainableRecord {
    func appendCanonicalForm(seq: Int, prevHash: String, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "["))
        CanonicalJSON.append(String(seq), to: &text)
        for index in 0...4 { appendJournalField(index, to: &text) }
        CanonicalJSON.append(String(status), to: &text, comma: true)
        appendJournalField(6, to: &text)
        CanonicalJSON.append(String(requestBytes), to: &text, comma: true)
        CanonicalJSON.append(String(responseBytes), to: &text, comma: true)
        for index in 9...13 { appendJournalField(index, to: &text) }
        CanonicalJSON.append(prevHash, to: &text, comma: true)
        if hasXRoadFields {
            for index in 19...23 { appendJournalField(index, to: &text) }
        }
        text.append(UInt8(ascii: "]"))
    }

    /// A field as the canonical form has it: unescaped from the journal's form, escaped as JSON.
    private func appendJournalField(_ index: Int, to text: inout [UInt8]) {
        let field = bytes(index)
        if isNull(index) {
            CanonicalJSON.append(nil, to: &text, comma: true)
        } else if !field.contains(UInt8(ascii: "\\")) {
            field.withUnsafeBufferPointer { CanonicalJSON.append(bytes: $0, to: &text, comma: true) }
        } else {
            CanonicalJSON.append(JournalLine.field(field), to: &text, comma: true)
        }
    }

    /// Binds the record's values to `statement` (``MessageLog/columns``, in order) and runs it: fields that need no
    /// unescaping are bound from the line's own bytes, not copied.
    func insert(with statement: SQLiteBulkStatement, seq: Int, prevHash: String, hash: String) throws {
        try line.withUnsafeBufferPointer { bytes in
            statement.bind(1, seq)
            for (parameter, index) in zip(Int32(2)...6, 0...4) { bind(index, from: bytes, to: parameter, of: statement) }
            statement.bind(7, status)
            bind(6, from: bytes, to: 8, of: statement)
            statement.bind(9, requestBytes)
            statement.bind(10, responseBytes)
            for (parameter, index) in zip(Int32(11)...15, 9...13) { bind(index, from: bytes, to: parameter, of: statement) }
            statement.bind(16, prevHash)
            statement.bind(17, hash)
            for (parameter, index) in zip(Int32(18)...22, 19...23) {
                if fieldsInLine > index { bind(index, from: bytes, to: parameter, of: statement) } else { statement.bind(parameter, nil) }
            }
            try statement.execute()
        }
    }

    /// Binds field `index`: null, unescaped text, or the line's bytes themselves (`bytes` is the whole line).
    private func bind(_ index: Int, from bytes: UnsafeBufferPointer<UInt8>, to parameter: Int32, of statement: SQLiteBulkStatement) {
        let field = self.bytes(index)
        if isNull(index) {
            statement.bind(parameter, nil)
        } else if field.contains(UInt8(ascii: "\\")) {
            statement.bind(parameter, JournalLine.field(field))
        } else {
            let start = field.startIndex - line.startIndex
            statement.bind(parameter, borrowing: UnsafeBufferPointer(rebasing: bytes[start..<start + field.count]))
        }
    }

    func row(seq: Int, prevHash: String, hash: String) -> [RowValue] {
        [
            .integer(seq), .text(text(0)!), .text(text(1)!), .text(text(2)!), .text(text(3)!), .text(text(4)!), .integer(status),
            RowValue(text(6)), .integer(requestBytes), .integer(responseBytes), .text(text(9)!), .text(text(10)!), .text(text(11)!),
            RowValue(text(12)), .text(text(13)!), .text(prevHash), .text(hash), RowValue(xRoadText(19)), RowValue(xRoadText(20)),
            RowValue(xRoadText(21)), RowValue(xRoadText(22)), RowValue(xRoadText(23)),
        ]
    }
}
