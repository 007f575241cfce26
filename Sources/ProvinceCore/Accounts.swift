import Foundation

/// What an account is: a person working for an agency, a citizen, or another information system.
public enum AccountKind: String, Sendable, Codable, CaseIterable {
    case official, citizen, system
}

/// The roles an official can hold. Roles other than platform administrator are scoped to the official's agency.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case platformAdmin = "platform_admin"
    case agencyAdmin = "agency_admin"
    case officer
    case leader
    case viewer

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public func label(_ language: Language) -> String {
        switch (self, language) {
        case (.platformAdmin, .vi): "Quản trị nền tảng"
        case (.platformAdmin, .en): "Platform administrator"
        case (.agencyAdmin, .vi): "Quản trị cơ quan"
        case (.agencyAdmin, .en): "Agency administrator"
        case (.officer, .vi): "Cán bộ xử lý"
        case (.officer, .en): "Officer"
        case (.leader, .vi): "Lãnh đạo"
        case (.leader, .en): "Leader"
        case (.viewer, .vi): "Người xem"
        case (.viewer, .en): "Viewer"
        }
    }
}

/// An account as the rest of the platform sees it (never with its secrets).
public struct Account: Sendable, Codable, Hashable {
    public var id: String
    public var kind: AccountKind
    public var username: String
    public var fullName: String
    public var email: String?
    public var agencyID: String?
    public var roles: [Role]
    public var disabled: Bool
    public var createdAt: Date

    public init(
        id: String, kind: AccountKind, username: String, fullName: String, email: String? = nil,
        agencyID: String? = nil, roles: [Role] = [], disabled: Bool = false, createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.username = username
        self.fullName = fullName
        self.email = email
        self.agencyID = agencyID
        self.roles = roles
        self.disabled = disabled
        self.createdAt = createdAt
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }
    public var isPlatformAdmin: Bool { kind == .official && has(.platformAdmin) }
}

/// The one who acts in a request: an account, or the platform itself (command line, start-up).
public struct Actor: Sendable, Hashable {
    public var account: Account?
    public var address: String?
    /// How the actor is named in the audit trail.
    public var label: String

    public init(account: Account, address: String?) {
        self.account = account
        self.address = address
        self.label = "\(account.kind.rawValue):\(account.username)"
    }

    public init(system label: String, address: String? = nil) {
        self.account = nil
        self.address = address
        self.label = label
    }
}
