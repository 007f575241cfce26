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

    /// The transaction of ``commit(_:_:_:)``.
    private func insert(
        _ records: [JournalFields], _ bodies: [MessageBodies?], _ slices: [Slice], after known: MessageLog.Head?
    ) async throws -> (MessageLog.Head, Chained) {
        try await database.batchWrite { batch in
            for slice in slices {
                let stored =
                    try batch.first(
                        "SELECT imported_bytes FROM hub_journal_imports WHERE file = \(bind: slice.file)\(batch.lockForUpdate)"
                    )?.int("imported_bytes") ?? 0
                guard stored == slice.from else { throw JournalImportMoved() }
            }
            var chain: Chained = (0, [])
            let head = try MessageLog.insert(records, bodies: bodies, after: known, with: batch) { chain = ($0, $1) }
            for slice in slices {
                try batch.run(
                    """
                    INSERT INTO hub_journal_imports (file, imported_bytes) VALUES (\(bind: slice.file), \(bind: slice.to))
                    ON CONFLICT (file) DO UPDATE SET imported_bytes = excluded.imported_bytes
                    """)
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
