import Audit
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import ProvinceCore
import ProvinceStore
import SQLKit

/// What a client sends to create an official or a system account.
public struct AccountInput: Sendable, Codable {
    public var kind: String?
    public var username: String?
    public var fullName: String?
    public var email: String?
    public var agencyID: String?
    public var roles: [String]?
    public var password: String?

    public init(
        kind: String? = nil, username: String? = nil, fullName: String? = nil, email: String? = nil,
        agencyID: String? = nil, roles: [String]? = nil, password: String? = nil
    ) {
        self.kind = kind
        self.username = username
        self.fullName = fullName
        self.email = email
        self.agencyID = agencyID
        self.roles = roles
        self.password = password
    }
}

/// A citizen's self-registration.
public struct CitizenRegistration: Sendable, Codable {
    public var citizenID: String?
    public var fullName: String?
    public var email: String?
    public var password: String?

    public init(citizenID: String?, fullName: String?, email: String? = nil, password: String?) {
        self.citizenID = citizenID
        self.fullName = fullName
        self.email = email
        self.password = password
    }
}

/// An API key as listed (its secret is shown only once, when it is issued).
public struct APIKeyInfo: Sendable, Codable {
    public var id: String
    public var accountID: String
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?
}

/// Accounts of officials, citizens and systems; passwords, lockout, API keys.
public struct AccountDirectory: Sendable {
    let database: ProvinceDatabase
    let bcryptCost: UInt8
    /// What failed sign-ins cost.
    public let signInPolicy: SignInPolicy
    let counters: SignInCounters
    /// A hash of a random password at the cost real ones have: checked when there is no account to check.
    let decoyHash: String

    public init(database: ProvinceDatabase, bcryptCost: UInt8 = 11, signInPolicy: SignInPolicy = SignInPolicy()) {
        self.database = database
        self.bcryptCost = bcryptCost
        self.signInPolicy = signInPolicy
        counters = SignInCounters(database: database, policy: signInPolicy)
        decoyHash = Bcrypt.hash(Tokens.random(bytes: 16), cost: bcryptCost)
    }

    // MARK: Reading

    public func get(_ id: String) async throws -> Account {
        guard let account = try await find(where: "id", id) else { throw AppError.notFound("tài khoản / account") }
        return account
    }

    public func find(username: String) async throws -> Account? { try await find(where: "username", username) }

    private func find(where column: String, _ value: String) async throws -> Account? {
        try await database.read { db in
            guard let row = try await db.raw("SELECT * FROM accounts WHERE \(ident: column) = \(bind: value)").first() else { return nil }
            return try await Self.account(from: row, in: db)
        }
    }

    /// A page of accounts ordered by username; `agencyID` narrows it to one agency.
    public func list(agencyID: String?, kind: AccountKind?, search: String?, afterUsername: String?, limit: Int) async throws -> [Account] {
        try await database.read { db in
            var sql: SQLQueryString = "SELECT * FROM accounts WHERE 1 = 1"
            if let agencyID { sql += " AND agency_id = \(bind: agencyID)" }
            if let kind { sql += " AND kind = \(bind: kind.rawValue)" }
            if let search, !search.isEmpty {
                sql += " AND search_key LIKE \(bind: SearchKey.containsPattern(search)) ESCAPE '\\'"
            }
            if let afterUsername { sql += " AND username > \(bind: afterUsername)" }
            sql += " ORDER BY username LIMIT \(bind: limit)"
            var accounts: [Account] = []
            for row in try await db.raw(sql).all() { accounts.append(try await Self.account(from: row, in: db)) }
            return accounts
        }
    }

    // MARK: Creating

    /// Creates an official or a system account in an agency.
    public func create(_ input: AccountInput, by actor: Actor) async throws -> Account {
        var validator = Validator()
        let kind = AccountKind(rawValue: input.kind ?? "official")
        validator.check(
            kind == .official || kind == .system, "kind", vi: "Loại tài khoản phải là official hoặc system.",
            en: "The account kind must be official or system.")
        let username = (input.username ?? "").trimmingCharacters(in: .whitespaces)
        validator.check(
            Username.isValid(username), "username", vi: "Tên đăng nhập gồm 3–64 ký tự: chữ thường, số, dấu chấm, gạch.",
            en: "Usernames have 3–64 characters: lower-case letters, digits, dot, dash, underscore.")
        let fullName = (input.fullName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        validator.check(
            (2...200).contains(fullName.count), "fullName", vi: "Họ tên phải có từ 2 đến 200 ký tự.",
            en: "The full name must have 2 to 200 characters.")
        validateEmail(input.email, into: &validator)
        var roles: [Role] = []
        for text in input.roles ?? [] {
            if let role = Role(rawValue: text) {
                roles.append(role)
            } else {
                validator.add("roles", LocalizedText(vi: "Vai trò không hợp lệ: \(text).", en: "Unknown role: \(text)."))
            }
        }
        if kind == .official {
            validator.check(!roles.isEmpty, "roles", vi: "Cán bộ phải có ít nhất một vai trò.", en: "An official needs at least one role.")
            if let problem = PasswordPolicy.problem(with: input.password ?? "", username: username) { validator.add("password", problem) }
        }
        validator.check(input.agencyID != nil || roles.contains(.platformAdmin), "agencyID", vi: "Hãy chọn cơ quan.", en: "Choose an agency.")
        if let agencyID = input.agencyID, try await AgencyDirectory(database: database).find(id: agencyID) == nil {
            validator.add("agencyID", LocalizedText(vi: "Không có cơ quan này.", en: "No such agency."))
        }
        guard Access.canManageAccounts(of: input.agencyID, actor), roles.allSatisfy({ Access.canGrant($0, actor) }) else {
            throw AppError.forbidden
        }
        try validator.finish()
        let passwordHash = kind == .official ? try await hash(input.password!) : nil
        let account = Account(
            id: UUID().uuidString.lowercased(), kind: kind!, username: username, fullName: fullName,
            email: input.email?.isEmpty == false ? input.email : nil, agencyID: input.agencyID,
            roles: Array(Set(roles)).sorted(), createdAt: Date())
        try await insert(account, passwordHash: passwordHash, by: actor)
        return account
    }

    /// Registers a citizen, identified by a valid CCCD number.
    public func register(_ registration: CitizenRegistration, by actor: Actor) async throws -> Account {
        var validator = Validator()
        let citizenID = CitizenID((registration.citizenID ?? "").trimmingCharacters(in: .whitespaces))
        validator.check(citizenID != nil, "citizenID", vi: "Số CCCD phải gồm 12 chữ số hợp lệ.", en: "The citizen ID (CCCD) must be 12 valid digits.")
        let fullName = (registration.fullName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        validator.check(
            (2...200).contains(fullName.count), "fullName", vi: "Họ tên phải có từ 2 đến 200 ký tự.",
            en: "The full name must have 2 to 200 characters.")
        validateEmail(registration.email, into: &validator)
        if let problem = PasswordPolicy.problem(with: registration.password ?? "", username: citizenID?.value ?? "") {
            validator.add("password", problem)
        }
        try validator.finish()
        let account = Account(
            id: UUID().uuidString.lowercased(), kind: .citizen, username: citizenID!.value, fullName: fullName,
            email: registration.email?.isEmpty == false ? registration.email : nil, createdAt: Date())
        try await insert(account, passwordHash: try await hash(registration.password!), by: actor)
        return account
    }

    private func insert(_ account: Account, passwordHash: String?, by actor: Actor) async throws {
        let database = self.database
        try await database.write { db in
            if try await db.raw("SELECT id FROM accounts WHERE username = \(bind: account.username)").first() != nil {
                throw AppError(.conflict, vi: "Tên đăng nhập \(account.username) đã có.", en: "The username \(account.username) is taken.")
            }
            let now = Timestamp.string(account.createdAt)
            try await db.raw(
                """
                INSERT INTO accounts (id, kind, username, full_name, email, agency_id, password_hash, failed_attempts,
                    search_key, created_at, updated_at)
                VALUES (\(bind: account.id), \(bind: account.kind.rawValue), \(bind: account.username), \(bind: account.fullName),
                    \(bind: account.email), \(bind: account.agencyID), \(bind: passwordHash), 0,
                    \(bind: SearchKey.fold(account.username + " " + account.fullName)), \(bind: now), \(bind: now))
                """
            ).run()
            for role in account.roles {
                try await db.raw("INSERT INTO account_roles (account_id, role) VALUES (\(bind: account.id), \(bind: role.rawValue))").run()
            }
            try await AuditLog.append(
                AuditChange(
                    action: "account.create", targetType: "account", targetID: account.id, agencyID: account.agencyID,
                    before: Optional<Account>.none, after: account,
                    summary: "created \(account.kind.rawValue) account \(account.username)"),
                by: actor, in: db, database: database)
        }
    }

    private func validateEmail(_ email: String?, into validator: inout Validator) {
        guard let email, !email.isEmpty else { return }
        let parts = email.split(separator: "@")
        validator.check(
            parts.count == 2 && parts[1].contains(".") && email.count <= 254 && !email.contains(" "), "email", vi: "Địa chỉ email không hợp lệ.",
            en: "The email address is not valid.")
    }

    // MARK: Changing

    /// Disables or re-enables an account; a disabled account's sessions and keys stop working at once.
    public func setDisabled(_ id: String, _ disabled: Bool, by actor: Actor) async throws -> Account {
        let old = try await get(id)
        guard Access.canManage(old, actor) else { throw AppError.forbidden }
        if actor.account?.id == id && disabled {
            throw AppError(.conflict, vi: "Bạn không thể tự vô hiệu hoá tài khoản của mình.", en: "You cannot disable your own account.")
        }
        if old.disabled == disabled { return old }
        var updated = old
        updated.disabled = disabled
        let new = updated
        let database = self.database
        try await database.write { db in
            if disabled && old.isPlatformAdmin {
                try await Self.keepAnotherPlatformAdmin(besides: id, in: db, database: database)
            }
            let now = Timestamp.now()
            try await db.raw("UPDATE accounts SET disabled_at = \(bind: disabled ? now : nil), updated_at = \(bind: now) WHERE id = \(bind: id)")
                .run()
            if disabled { try await db.raw("DELETE FROM sessions WHERE account_id = \(bind: id)").run() }
            try await AuditLog.append(
                AuditChange(
                    action: disabled ? "account.disable" : "account.enable", targetType: "account", targetID: id,
                    agencyID: old.agencyID, before: old, after: new,
                    summary: "\(disabled ? "disabled" : "enabled") \(old.username)"),
                by: actor, in: db, database: database)
        }
        return new
    }

    /// Sets a new password (and lifts a lockout); every session of the account ends. Account holders changing
    /// their own password must give the current one; those who manage the account need not.
    /// Account holders, administrators too, change their own password with the current one, checked as a sign-in is:
    /// counted, locked and audited like any guess (a stolen session does not make a password).
    public func resetPassword(_ id: String, to password: String, currentPassword: String? = nil, by actor: Actor) async throws {
        let account = try await get(id)
        if actor.account?.id == id {
            do {
                _ = try await authenticate(username: account.username, password: currentPassword ?? "", address: actor.address)
            } catch let error as AppError where error.kind == .unauthenticated {
                throw AppError(.forbidden, vi: "Mật khẩu hiện tại không đúng.", en: "The current password is wrong.")
            }
        } else if !Access.canManage(account, actor) {
            throw AppError.forbidden
        }
        guard account.kind != .system else {
            throw AppError(
                .conflict, vi: "Tài khoản hệ thống dùng khoá API, không dùng mật khẩu.", en: "System accounts use API keys, not passwords.")
        }
        if let problem = PasswordPolicy.problem(with: password, username: account.username) {
            var validator = Validator()
            validator.add("password", problem)
            try validator.finish()
        }
        let passwordHash = try await hash(password)
        let database = self.database
        try await database.write { db in
            try await db.raw(
                """
                UPDATE accounts SET password_hash = \(bind: passwordHash), updated_at = \(bind: Timestamp.now()) WHERE id = \(bind: id)
                """
            ).run()
            try await SignInCounters.release(username: account.username, in: db)
            try await db.raw("DELETE FROM sessions WHERE account_id = \(bind: id)").run()
            try await AuditLog.append(
                AuditChange(
                    action: "account.reset_password", targetType: "account", targetID: id, agencyID: account.agencyID,
                    before: Optional<String>.none, after: Optional<String>.none, summary: "password reset for \(account.username)"),
                by: actor, in: db, database: database)
        }
    }

    // MARK: Signing in

    /// Checks a username and password, counting failures as ``SignInPolicy`` says. An unknown username, a wrong
    /// password, a disabled account and a locked account are told apart only once the password is known to be right
    /// (disabled), or not at all (unknown, wrong): the same answer after the same work.
    public func authenticate(username: String, password: String, address: String?) async throws -> Account {
        let now = Date()
        let keys = SignInCounters.Keys(username: username, address: address)
        let counts = try await counters.count(keys, now: now)
        switch signInPolicy.decide(counts, now: now) {
        case .throttled(let retryAfter):
            throw AppError(
                .tooManyRequests,
                LocalizedText(
                    vi: "Có quá nhiều lần đăng nhập sai từ địa chỉ này. Thử lại sau \(Self.minutes(retryAfter)) phút.",
                    en: "Too many failed sign-ins from this address. Try again in \(Self.minutes(retryAfter)) minutes."),
                retryAfter: retryAfter)
        case .locked(let retryAfter):
            throw Self.locked(retryAfter: retryAfter)
        case .checkAfter(let delay):
            try await Task.sleep(for: delay)
        case .check:
            break
        }
        let row = try await database.lookup { db in
            try await db.raw("SELECT id, agency_id, password_hash, disabled_at FROM accounts WHERE username = \(bind: username)").first()
        }
        let storedHash = try row?.optionalString("password_hash")
        // Same work as a real check when there is no account or no password, so that timing does not tell.
        let right = try await verify(password, storedHash ?? decoyHash) && storedHash != nil
        if right, let row {
            try await counters.succeeded(keys)
            if try row.optionalString("disabled_at") != nil {
                throw AppError(
                    .accountDisabled, vi: "Tài khoản đã bị vô hiệu hoá. Hãy liên hệ quản trị cơ quan.",
                    en: "This account is disabled. Contact your agency's administrator.")
            }
            return try await get(try row.string("id"))
        }
        // An unknown username is recorded by its digest: what was typed there may be a password.
        let target = (
            type: row == nil ? "username" : "account", id: try row?.string("id") ?? ("u:" + String(Tokens.digest(username).prefix(16))),
            agencyID: try row?.optionalString("agency_id"), name: row == nil ? "an unknown username" : username
        )
        let failures = counts.pair.attempts
        let threshold = signInPolicy.lockThreshold
        let database = self.database
        try await database.write { db in
            let actor = Actor(system: "system:sign-in", address: address)
            try await AuditLog.append(
                AuditChange(
                    action: "account.sign_in_failed", targetType: target.type, targetID: target.id, agencyID: target.agencyID,
                    before: Optional<String>.none, after: Optional<String>.none,
                    summary: "failed sign-in \(failures) of \(threshold) for \(target.name)"),
                by: actor, in: db, database: database)
            if failures == threshold {
                try await SignInCounters.lock(keys, now: now, in: db)
                try await AuditLog.append(
                    AuditChange(
                        action: "account.lock", targetType: target.type, targetID: target.id, agencyID: target.agencyID,
                        before: Optional<String>.none, after: Optional<String>.none,
                        summary: "locked \(target.name) from \(address ?? "-") after \(failures) failed sign-ins"),
                    by: actor, in: db, database: database)
            }
        }
        if failures == threshold { try await counters.sweep(before: now.addingTimeInterval(-signInPolicy.window)) }
        let window = signInPolicy.window
        if failures >= threshold { throw Self.locked(retryAfter: Int(window)) }
        throw AppError(.unauthenticated, vi: "Tên đăng nhập hoặc mật khẩu không đúng.", en: "Wrong username or password.")
    }

    static func locked(retryAfter: Int) -> AppError {
        AppError(
            .accountLocked,
            LocalizedText(
                vi: "Đăng nhập tạm khoá do sai nhiều lần. Thử lại sau \(minutes(retryAfter)) phút.",
                en: "Signing in is locked after repeated failures. Try again in \(minutes(retryAfter)) minutes."),
            retryAfter: retryAfter)
    }

    static func minutes(_ seconds: Int) -> Int { (seconds + 59) / 60 }

    /// Refuses to take away the last enabled platform administrator: the platform would have nobody to run it.
    static func keepAnotherPlatformAdmin(besides id: String, in db: any SQLDatabase, database: ProvinceDatabase) async throws {
        // Every enabled platform administrator locked, in one order, so that two administrators disabling each other
        // at once cannot both succeed (nor deadlock).
        let enabled = try await db.raw(
            """
            SELECT a.id FROM accounts a JOIN account_roles r ON r.account_id = a.id
            WHERE r.role = \(bind: Role.platformAdmin.rawValue) AND a.disabled_at IS NULL AND a.kind = 'official'
            ORDER BY a.id\(database.lockForUpdate)
            """
        ).all()
        guard try enabled.contains(where: { try $0.string("id") != id }) else {
            throw AppError(
                .conflict, vi: "Không thể vô hiệu hoá quản trị nền tảng cuối cùng còn hoạt động.",
                en: "The last enabled platform administrator cannot be disabled.")
        }
    }

    private func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    private func verify(_ password: String, _ hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    // MARK: API keys

    /// Issues an API key for a system account; the returned secret is shown once and stored only as a hash.
    public func issueKey(for accountID: String, name: String, by actor: Actor) async throws -> (APIKeyInfo, secret: String) {
        let account = try await get(accountID)
        guard Access.canManage(account, actor) else { throw AppError.forbidden }
        guard account.kind == .system else {
            throw AppError(.conflict, vi: "Chỉ tài khoản hệ thống mới có khoá API.", en: "Only system accounts have API keys.")
        }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var validator = Validator()
        validator.check(
            (1...100).contains(trimmed.count), "name", vi: "Tên khoá phải có từ 1 đến 100 ký tự.", en: "The key name must have 1 to 100 characters.")
        try validator.finish()
        let id = Tokens.random(bytes: 9)
        let secret = "opk_\(id)_\(Tokens.random(bytes: 32))"
        let info = APIKeyInfo(id: id, accountID: accountID, name: trimmed, createdAt: Date(), revokedAt: nil)
        let database = self.database
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO api_keys (id, account_id, name, key_hash, created_at)
                VALUES (\(bind: id), \(bind: accountID), \(bind: trimmed), \(bind: Tokens.digest(secret)), \(bind: Timestamp.string(info.createdAt)))
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "apikey.issue", targetType: "account", targetID: accountID, agencyID: account.agencyID,
                    before: Optional<String>.none, after: ["keyID": id, "name": trimmed],
                    summary: "issued API key \(id) for \(account.username)"),
                by: actor, in: db, database: database)
        }
        return (info, secret)
    }

    public func keys(of accountID: String) async throws -> [APIKeyInfo] {
        try await database.read { db in
            try await db.raw("SELECT * FROM api_keys WHERE account_id = \(bind: accountID) ORDER BY created_at").all().map {
                APIKeyInfo(
                    id: try $0.string("id"), accountID: try $0.string("account_id"), name: try $0.string("name"),
                    createdAt: try $0.date("created_at"), revokedAt: try $0.optionalDate("revoked_at"))
            }
        }
    }

    /// Revokes a key at once.
    public func revokeKey(_ keyID: String, by actor: Actor) async throws {
        let owner = try await database.read { db in
            try await db.raw("SELECT account_id FROM api_keys WHERE id = \(bind: keyID) AND revoked_at IS NULL").first()?.string("account_id")
        }
        guard let owner else { throw AppError.notFound("khoá API / API key") }
        let account = try await get(owner)
        guard Access.canManage(account, actor) else { throw AppError.forbidden }
        let database = self.database
        try await database.write { db in
            try await db.raw("UPDATE api_keys SET revoked_at = \(bind: Timestamp.now()) WHERE id = \(bind: keyID)").run()
            try await AuditLog.append(
                AuditChange(
                    action: "apikey.revoke", targetType: "account", targetID: owner, agencyID: account.agencyID,
                    before: ["keyID": keyID], after: Optional<String>.none, summary: "revoked API key \(keyID)"),
                by: actor, in: db, database: database)
        }
    }

    /// The account an API key belongs to, when the key is valid and the account enabled.
    public func account(forKey secret: String) async throws -> Account? {
        let parts = secret.split(separator: "_")
        guard parts.count == 3, parts[0] == "opk" else { return nil }
        let keyID = String(parts[1])
        let row = try await database.read { db in
            try await db.raw("SELECT account_id, key_hash FROM api_keys WHERE id = \(bind: keyID) AND revoked_at IS NULL").first()
        }
        guard let row, Tokens.constantTimeEqual(try row.string("key_hash"), Tokens.digest(secret)) else { return nil }
        let account = try await get(try row.string("account_id"))
        return account.disabled ? nil : account
    }

    static func account(from row: any SQLRow, in db: any SQLDatabase) async throws -> Account {
        let id = try row.string("id")
        let roles = try await db.raw("SELECT role FROM account_roles WHERE account_id = \(bind: id) ORDER BY role").all()
            .compactMap { Role(rawValue: try $0.string("role")) }
        return Account(
            id: id, kind: AccountKind(rawValue: try row.string("kind")) ?? .official, username: try row.string("username"),
            fullName: try row.string("full_name"), email: try row.optionalString("email"),
            agencyID: try row.optionalString("agency_id"), roles: roles.sorted(),
            disabled: try row.optionalString("disabled_at") != nil, createdAt: try row.date("created_at"))
    }
}

extension AgencyDirectory {
    func find(id: String) async throws -> Agency? {
        try await database.read { db in
            try await db.raw("SELECT * FROM agencies WHERE id = \(bind: id)").first().map(Self.agency(from:))
        }
    }
}
