import ArgumentParser
import Audit
import Directory
import Foundation
import Hub
import Hummingbird
import Logging
import NIOCore
import ProvinceCore
import ProvinceStore
import ProvinceWeb
import PublicServices
import SQLKit
import ServiceLifecycle

@main
struct Province: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "province",
        abstract: "OpenProvince: the digital-government platform of a province.",
        subcommands: [
            Serve.self, Migrate.self, ImportUnits.self, User.self, AuditCommand.self, MessageLogCommand.self, Backup.self, RecountDossiers.self,
        ])
}

/// Where the data lives; every command that touches data takes these.
struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Folder for the SQLite file and other data.")
    var dataDirectory = "data"

    @Option(name: .customLong("database-url"), help: "postgres://user:password@host:port/database (else $DATABASE_URL, else SQLite in --data-dir).")
    var databaseURL: String?

    var location: DatabaseLocation {
        .resolve(databaseURL: databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], dataDirectory: dataDirectory)
    }

    func open(bcryptCost: UInt8 = 11) async throws -> Platform {
        var logger = Logger(label: "province")
        logger.logLevel = .warning
        let configuration = AppConfiguration(dataDirectory: dataDirectory, database: location, bcryptCost: bcryptCost)
        return try await Platform.open(configuration, logger: logger)
    }
}

extension Platform {
    /// Runs `body`, then closes the database whatever happened.
    func use<T>(_ body: (Platform) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}

/// Prints an `AppError` as a person reads it, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    if let error = error as? AppError {
        var message = error.detail?.en ?? error.kind.title(.en)
        for (field, text) in error.fieldErrors.sorted(by: { $0.key < $1.key }) { message += "\n  \(field): \(text.en)" }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    } else {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return ExitCode(1)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the platform's web server (pages and API).")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Port of the hub's gateway, the X-Road REST protocol's /r1/... calls (0 picks a free one).") var hubPort = 8081
    @Flag(help: "Load the demo province (Lâm Đồng) into an empty database.") var demo = false
    @Flag(help: "Mark cookies Secure (when served over HTTPS).") var secureCookies = false
    @Option(help: "Port of the hub's mutual-TLS gateway, for peer hubs and callers with client certificates (0 picks a free one).")
    var hubTLSPort = 8443
    @Option(help: "Seconds between probes of the hub's providers (health on the hub page and in /metrics).") var hubProbeSeconds = 30
    @Option(help: .hidden) var bcryptCost: UInt8 = 11
    @Option(help: "Address to which dossiers' status changes are pushed (the national public-service portal, or its service on the hub).")
    var portalURL: String?
    @Option(help: "When the portal is reached through the hub: the calling subsystem (X-Road-Client).") var portalHubClient: String?
    @Option(help: "When the portal is reached through the hub: the subsystem's API key.") var portalHubKey: String?
    @Option(
        help: "Networks the hub's providers may be in, comma-separated CIDR (10.0.0.0/8,192.168.1.0/24); any but link-local when not given.")
    var upstreamNetworks: String?
    @Option(help: "Reverse proxies in front of the platform, comma-separated CIDR: their X-Forwarded-For names the client.")
    var trustedProxies: String?

    func run() async throws {
        var logger = Logger(label: "province")
        logger.logLevel = .info
        let upstreamRule = UpstreamRule(
            networks: try Self.networks(upstreamNetworks, "--upstream-networks"), ownPorts: Set([port, hubPort, hubTLSPort].filter { $0 != 0 }))
        var configuration = AppConfiguration(
            host: host, port: port, dataDirectory: storage.dataDirectory, database: storage.location, demo: demo,
            bcryptCost: bcryptCost, secureCookies: secureCookies,
            paymentSecret: ProcessInfo.processInfo.environment["PROVINCE_PAYMENT_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
            upstreamRule: upstreamRule,
            metricsToken: ProcessInfo.processInfo.environment["PROVINCE_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
            trustedProxies: try Self.networks(trustedProxies, "--trusted-proxies"))
        configuration.hubGateway = HubGatewaySettings(port: hubPort, tlsPort: hubTLSPort, probeInterval: .seconds(max(1, hubProbeSeconds)))
        if let portalURL {
            var headers: [(String, String)] = []
            if let portalHubClient { headers.append(("X-Road-Client", portalHubClient)) }
            if let portalHubKey { headers.append(("X-Road-Client-Key", portalHubKey)) }
            configuration.portal = PortalSync.Target(url: portalURL, headers: headers)
        }
        let platform = try await Platform.open(configuration, logger: logger)
        do {
            try await platform.use { platform in
                let logins = demo ? try await DemoProvince.loadIfEmpty(into: platform) : nil
                let modules = try PlatformModules.make(platform)
                var services: [any Service] = []
                for module in modules { services += try await module.services(logger: logger) }
                let banner = Banner(platform: platform, logins: logins, moduleLines: modules.flatMap { $0.startupLines() })
                let app = try await buildApplication(
                    platform, logger: logger, modules: modules, services: services,
                    onServerRunning: { channel in
                        banner.print(port: channel.localAddress?.port ?? platform.configuration.port)
                    })
                try await app.runService()
            }
        } catch {
            throw fail(error)
        }
    }

    static func networks(_ text: String?, _ option: String) throws -> [IPNetwork] {
        try (text ?? "").split(separator: ",").map { part in
            guard let network = IPNetwork(part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(option): \(part) is not a network in CIDR notation.")
            }
            return network
        }
    }
}

/// What `serve` prints once it listens: the address, the storage and, for the demo, the logins.
struct Banner: Sendable {
    let platform: Platform
    let logins: [DemoProvince.Login]?
    /// What the modules say of their own listeners (the hub's gateway).
    let moduleLines: [String]

    func print(port: Int) {
        let configuration = platform.configuration
        var lines = ["OpenProvince is running at http://\(configuration.host):\(port)/"] + moduleLines
        switch configuration.database {
        case .sqlite(let path): lines.append("Storage: SQLite \(path)")
        case .postgres: lines.append("Storage: PostgreSQL")
        }
        if configuration.demo {
            if let logins {
                lines.append("Demo province Lâm Đồng loaded. Logins (password \(DemoProvince.password) for each):")
                for login in logins { lines.append("  \(login.username.padding(toLength: 16, withPad: " ", startingAt: 0)) \(login.role)") }
            } else {
                lines.append(
                    "Demo data already present (kept). Logins: admin, tttt.quantri, yte.canbo, ubnd.lanhdao, citizen 068090001234; password \(DemoProvince.password) unless changed."
                )
            }
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date (serve does this too).")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Logger(label: "province")
        logger.logLevel = .warning
        let database = try await ProvinceDatabase.open(storage.location, logger: logger)
        let applied = try await Migrations.run(on: database, schemas: PlatformModules.schemas)
        await database.close()
        print(applied.isEmpty ? "Schema up to date." : "Applied: \(applied.joined(separator: ", "))")
    }
}

struct RecountDossiers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recount-dossiers",
        abstract: "Count every dossier again into the service-quality index's daily counts.",
        discussion: """
            The counts are kept with each submission, action and rating; dossiers written straight into the database (a \
            load from a previous system) are counted only by this command.
            """)
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        var logger = Logger(label: "province")
        logger.logLevel = .warning
        let database = try await ProvinceDatabase.open(storage.location, logger: logger)
        do {
            try await Migrations.run(on: database, schemas: PlatformModules.schemas)
            try await database.write { db in
                try await db.raw("DELETE FROM dossier_daily").run()
                try await db.raw(SQLQueryString(DossierDaily.recount)).run()
            }
        } catch {
            await database.close()
            throw fail(error)
        }
        await database.close()
        print("Dossiers counted again.")
    }
}

struct ImportUnits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-units",
        abstract: "Import administrative units from the nested JSON of the vietnam-provinces package.",
        discussion: """
            FILE is data/nested-divisions.json of vietnam-provinces: version 0.6.0 holds the tree before the 2025 \
            reform (edition 2008, valid until 2025-06-30), 2025.10.1 the tree after it (edition 2025, valid from \
            2025-07-01); the edition is told from the file's shape. Importing the same file again changes nothing; \
            a changed name updates the unit and is audited. --successions adds links from old units to new ones.
            """)

    @OptionGroup var storage: StorageOptions
    @Argument(help: "The nested-divisions.json file.") var file: String
    @Option(help: "A successions.json file (links from old units to new ones) to import as well.") var successions: String?

    func run() async throws {
        let platform = try await storage.open()
        do {
            try await platform.use { platform in
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                let (edition, units) = try UnitDirectory.parse(nestedDivisions: data)
                let actor = Actor(system: "cli:import-units")
                let report = try await platform.units.importUnits(units, edition: edition.name, by: actor)
                print("Edition \(edition.name): \(report.added) added, \(report.updated) updated, \(report.unchanged) unchanged.")
                if let successions {
                    let links = try DemoProvince.successionLinks(from: Data(contentsOf: URL(fileURLWithPath: successions)))
                    let added = try await platform.units.importSuccessions(links, by: actor)
                    print("Succession links: \(added) added, \(links.count - added) already present.")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts from the command line.",
        subcommands: [Create.self, List.self, Disable.self, ResetPassword.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an official's account (the password is read from $PROVINCE_PASSWORD or asked for).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Username.") var username: String
        @Option(help: "Full name.") var name: String
        @Option(help: "Agency identifier code (mã định danh), e.g. 000.00.02.H38.") var agency: String?
        @Option(help: "Roles, comma-separated: platform_admin, agency_admin, officer, leader, viewer.") var roles = "officer"
        @Option(help: "Email address.") var email: String?

        func run() async throws {
            let password = try readPassword()
            do {
                try await storage.open().use { platform in
                    var agencyID: String?
                    if let agency {
                        guard let found = try await platform.agencies.find(code: agency) else {
                            throw AppError(.notFound, vi: "Không có cơ quan \(agency).", en: "No agency with code \(agency).")
                        }
                        agencyID = found.id
                    }
                    let account = try await platform.accounts.create(
                        AccountInput(
                            kind: "official", username: username, fullName: name, email: email, agencyID: agencyID,
                            roles: roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, password: password),
                        by: Actor(system: "cli:user"))
                    print("Created \(account.username) (\(account.id)).")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only this kind: official, citizen, system.") var kind: AccountKind?

        func run() async throws {
            try await storage.open().use { platform in
                var after: String?
                repeat {
                    let page = try await platform.accounts.list(agencyID: nil, kind: kind, search: nil, afterUsername: after, limit: 500)
                    for account in page {
                        let state = account.disabled ? "disabled" : "active"
                        print(
                            [account.username, account.kind.rawValue, account.roles.map(\.rawValue).joined(separator: ","), state, account.fullName]
                                .joined(separator: "\t"))
                    }
                    after = page.count == 500 ? page.last?.username : nil
                } while after != nil
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account (its sessions end at once); --enable re-enables it.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Username.") var username: String
        @Flag(help: "Enable instead of disable.") var enable = false

        func run() async throws {
            do {
                try await storage.open().use { platform in
                    guard let account = try await platform.accounts.find(username: username) else { throw AppError.notFound("account \(username)") }
                    _ = try await platform.accounts.setDisabled(account.id, !enable, by: Actor(system: "cli:user"))
                    print("\(username) is now \(enable ? "enabled" : "disabled").")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password (from $PROVINCE_PASSWORD or asked for) and lift a lockout.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Username.") var username: String

        func run() async throws {
            let password = try readPassword()
            do {
                try await storage.open().use { platform in
                    guard let account = try await platform.accounts.find(username: username) else { throw AppError.notFound("account \(username)") }
                    try await platform.accounts.resetPassword(account.id, to: password, by: Actor(system: "cli:user"))
                    print("Password of \(username) reset.")
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

extension AccountKind: ExpressibleByArgument {}

/// The password for a CLI command: `$PROVINCE_PASSWORD`, else typed at the terminal without echo.
func readPassword() throws -> String {
    if let password = ProcessInfo.processInfo.environment["PROVINCE_PASSWORD"], !password.isEmpty { return password }
    guard let typed = getpass("Password: ").map({ String(cString: $0) }), !typed.isEmpty else {
        throw ValidationError("No password given: set PROVINCE_PASSWORD or type one.")
    }
    return typed
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Work with the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check the whole hash chain and its signed seals; names the first entry altered, deleted or reordered. Exits 1 when broken.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let result = try await storage.open().use { try await $0.auditSealer.verify() }
            if result.isIntact {
                print(
                    "Audit trail intact: \(result.entriesChecked) entries checked, \(result.sealsChecked) seals checked, "
                        + "\(result.unsealedEntries) entries not sealed yet.")
            } else {
                print("Audit trail BROKEN at entry \(result.firstBadSeq.map(String.init) ?? "?"): \(result.problem ?? "")")
                throw ExitCode(1)
            }
        }
    }
}

struct MessageLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messagelog", abstract: "Work with the hub's message log.", subcommands: [Verify.self, Proof.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the message log's hash chain; names the first record altered, deleted or reordered. Exits 1 when broken.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let (chain, seals) = try await storage.open().use { platform in
                // Exchanges a stopped gateway journaled but did not import yet are part of the log.
                do {
                    let imported = try await platform.hubJournal.importPending()
                    if imported > 0 { print("Imported \(imported) records from the gateway's journal first.") }
                } catch {
                    FileHandle.standardError.write(Data("warning: the gateway's journal could not be imported: \(error)\n".utf8))
                }
                return (
                    try await MessageLog.verify(platform.database),
                    try await MessageLog.verifySeals(platform.database, archive: platform.hubSealArchive, key: platform.sealingKey)
                )
            }
            if !chain.isIntact {
                print("Message log BROKEN at record \(chain.firstBadSeq.map(String.init) ?? "?"): \(chain.problem ?? "")")
                throw ExitCode(1)
            }
            if let bad = seals.firstBadSeal {
                print("Message log seals BROKEN at seal \(bad): \(seals.problem ?? "")")
                throw ExitCode(1)
            }
            print("Message log intact: \(chain.recordsChecked) records checked, \(seals.sealsChecked) signed seals checked.")
        }
    }

    struct Proof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a record with its inclusion proof (JSON); check it outside the hub with scripts/verify-proof.py.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The record's sequence number or its X-Road-Id.") var record: String

        func run() async throws {
            let proof = try await storage.open().use { try await MessageLog.proof(of: record, in: $0.database) }
            guard let proof else {
                FileHandle.standardError.write(Data("error: no sealed record \(record) (seals are made every few seconds)\n".utf8))
                throw ExitCode(1)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(proof), as: UTF8.self))
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database to DEST while the platform keeps running (for PostgreSQL, use pg_dump).")
    @OptionGroup var storage: StorageOptions
    @Argument(help: "The file to write; it must not exist yet.") var destination: String

    func run() async throws {
        if case .postgres = storage.location {
            print(
                "This platform stores its data in PostgreSQL: back it up with pg_dump, e.g.\n  pg_dump --format=custom --file=province.dump \"$DATABASE_URL\""
            )
            throw ExitCode(2)
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw fail(AppError(.conflict, vi: "Tệp đích đã tồn tại.", en: "\(destination) already exists."))
        }
        try await storage.open().use { try await $0.database.backup(to: destination) }
        print("Backup written to \(destination).")
    }
}
