import Foundation
import NIOPosix
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

@testable import Hub

@Suite struct JournalTests {
    @Test func recentHashesHoldOneRunFromItsFirstRecord() {
        let recent = RecentHashes()
        recent.append(firstSeq: 5, ["a", "b"])
        recent.append(firstSeq: 7, ["c"])
        #expect(recent.hashes(from: 6, limit: 10) == ["b", "c"])
        #expect(recent.hashes(from: 4, limit: 10) == nil && recent.hashes(from: 8, limit: 10) == nil)
        recent.append(firstSeq: 20, ["x"])  // another process wrote 8…19: the run starts again
        #expect(recent.hashes(from: 5, limit: 10) == nil)
        #expect(recent.hashes(from: 20, limit: 10) == ["x"])
    }

    @Test func aLineGivesBackItsRecordAndBodies() throws {
        var record = SealTests.record(1)
        record.path = "/r1/VN/GOV/A/B/s/tab\there\\back\nline\rreturn ?q=ư"
        record.error = "Server.ServerProxy.ServiceTimeout"
        record.forwardedAt = nil
        let bodies = MessageBodies(
            request: Data("{\"a\":\t1}".utf8), response: Data([0, 10, 13, 92, 255]), requestTruncated: true, responseTruncated: false,
            expiresAt: Timestamp.now())
        var line: [UInt8] = []
        JournalLine.encode(record, bodies, into: &line)
        JournalLine.encode(SealTests.record(2), nil, into: &line)
        #expect(line.filter { $0 == UInt8(ascii: "\n") }.count == 2, "one line a record, whatever the fields hold")
        let lines = line.split(separator: UInt8(ascii: "\n"))
        let (decoded, decodedBodies) = try #require(JournalLine.decode(lines[0]))
        #expect(decoded == record)
        #expect(decodedBodies == bodies)
        let (second, noBodies) = try #require(JournalLine.decode(lines[1]))
        #expect(second.path == "/r1/VN/GOV/000.00.02.H38/DATA/echo/2")
        #expect(noBodies == nil)
        #expect(JournalLine.decode(lines[0].prefix(60)) == nil, "a line cut short of its fields is not a record")
    }

    /// What a killed process wrote is imported by the next one, once, and its file removed; a last line the process
    /// did not finish (its answer was never released) is skipped.
    @Test func aStoppedProcessJournalIsImportedOnceAndRemoved() async throws {
        try await TestDatabase.withMigrated(hubSchemas) { database, directory in
            let journalDirectory = directory + "/hub-journal"
            try FileManager.default.createDirectory(atPath: journalDirectory, withIntermediateDirectories: true)
            var bytes: [UInt8] = []
            for index in 1...3 { JournalLine.encode(SealTests.record(index), nil, into: &bytes) }
            var cut: [UInt8] = []
            JournalLine.encode(SealTests.record(4), nil, into: &cut)
            bytes += cut.prefix(40)
            let orphan = journalDirectory + "/1000-1-0-1.journal"
            #expect(FileManager.default.createFile(atPath: orphan, contents: Data(bytes)))

            let journal = MessageJournal(directory: journalDirectory, database: database, logger: TestDatabase.logger)
            #expect(try await journal.importPending() == 3)
            #expect(!FileManager.default.fileExists(atPath: orphan))
            #expect(try await journal.importPending() == 0)
            #expect(await journal.backlogBytes == 0)
            let records = try await MessageLog.records(limit: 10, in: database)
            #expect(records.map(\.seq) == [3, 2, 1])
            #expect(try await MessageLog.verify(database).isIntact)
            // The sealer takes the imported records' hashes from memory; its seal checks out against the stored ones.
            #expect(journal.recentHashes.hashes(from: 1, limit: 10)?.count == 3)
            let sealer = Sealer(database: database, key: try SealingKey.load(directory: directory), recent: journal.recentHashes)
            #expect(try await sealer.sealPending().map(\.lastRecord) == [3])
            #expect(try await MessageLog.verifySeals(database).firstBadSeal == nil)
        }
    }

    /// A file this process still writes is imported as it grows, and kept.
    @Test func aLiveFileIsImportedAsItGrows() async throws {
        try await TestDatabase.withMigrated(hubSchemas) { database, directory in
            let journal = MessageJournal(directory: directory + "/hub-journal", database: database, logger: TestDatabase.logger)
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            for round in 0..<2 {
                let written = try await loop.submit {
                    let file = journal.file(for: loop)
                    let promise = loop.makePromise(of: Bool.self)
                    for index in 1...5 {
                        file.append(SealTests.record(round * 5 + index), bodies: nil) { if index == 5 { promise.succeed($0) } }
                    }
                    return promise.futureResult
                }.flatMap { $0 }.get()
                #expect(written)
                #expect(try await journal.importPending() == 5)
                #expect(await journal.backlogBytes == 0)
                #expect(try FileManager.default.contentsOfDirectory(atPath: journal.directory).count == 1)
            }
            #expect(try await MessageLog.records(limit: 20, in: database).count == 10)
            #expect(try await MessageLog.verify(database).isIntact)
        }
    }

    /// While the database cannot be written, the records wait in the journal and the backlog says how much; a
    /// process that can write it imports them.
    @Test func recordsWaitInTheJournalWhileTheDatabaseIsOutOfReach() async throws {
        let directory = TestDatabase.temporaryDirectory()
        let (location, cleanup) = try await TestDatabase.fresh(in: directory)
        let unreachable = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        try await Migrations.run(on: unreachable, schemas: hubSchemas)
        await unreachable.close()
        let journal = MessageJournal(directory: directory + "/hub-journal", database: unreachable, logger: TestDatabase.logger)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let written = try await loop.submit {
            let promise = loop.makePromise(of: Bool.self)
            for index in 1...3 {
                journal.file(for: loop).append(SealTests.record(index), bodies: nil) { if index == 3 { promise.succeed($0) } }
            }
            return promise.futureResult
        }.flatMap { $0 }.get()
        #expect(written, "the gateway answers while the database is out of reach")
        await #expect(throws: (any Error).self) { try await journal.importPending() }
        #expect(await journal.backlogBytes > 0)

        let database = try await ProvinceDatabase.open(location, logger: TestDatabase.logger)
        let recovered = MessageJournal(directory: journal.directory, database: database, logger: TestDatabase.logger)
        #expect(try await recovered.importPending() == 3)
        #expect(await recovered.backlogBytes == 0)
        #expect(try await MessageLog.verify(database).recordsChecked == 3)
        await database.close()
        await cleanup()
    }
}
