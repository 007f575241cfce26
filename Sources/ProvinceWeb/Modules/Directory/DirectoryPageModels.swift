import ProvinceCore

/// What a form page shows above its form when the input was refused: the problem and each field's.
struct FormRefusal: Sendable {
    let failure: String
    let fieldErrors: [String]

    init(_ error: AppError, _ language: Language) {
        failure = error.detail?.text(language) ?? error.kind.title(language)
        fieldErrors = error.fieldErrors.sorted { $0.key < $1.key }.map { $0.value.text(language) }
    }
}

/// A choice of a `<select>` or a set of checkboxes.
struct Choice: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

/// A link to a record by id and name.
struct RecordLink: Sendable {
    let id: String
    let name: String
}

/// `/sign-in`.
struct SignInPage: Sendable {
    let formToken: String
    let registered: Bool
    let username: String
    let failure: String?
}

/// `/register`.
struct RegisterPage: Sendable {
    let formToken: String
    let citizenID: String
    let fullName: String
    let email: String
    let failure: String?
    let fieldErrors: [String]
}

/// An administrative unit as its pages list it.
struct UnitRow: Sendable {
    let id: String
    let code: String
    let name: String
    let type: String
    let edition: String
    /// `từ 2025-07-01`, `đến 2025-06-30`.
    let validity: String
    let ended: Bool

    init(_ unit: AdministrativeUnit, _ language: Language) {
        id = unit.id
        code = unit.code
        name = unit.name
        type = unit.type
        edition = unit.edition
        validity = [
            unit.validFrom.map { (language == .en ? "from " : "từ ") + $0 }, unit.validTo.map { (language == .en ? "until " : "đến ") + $0 },
        ]
        .compactMap { $0 }.joined(separator: " ")
        ended = unit.validTo != nil
    }
}

/// `/units`.
struct UnitsPage: Sendable {
    let q: String
    let units: [UnitRow]
}

/// `/units/{id}`.
struct UnitPage: Sendable {
    let unit: UnitRow
    let parent: UnitRow?
    let children: [UnitRow]
    let predecessors: [UnitRow]
    let successors: [UnitRow]
    let hasChildren: Bool
    let hasPredecessors: Bool
    let hasSuccessors: Bool
}

/// An account as its pages list it.
struct AccountRow: Sendable {
    let id: String
    let username: String
    let fullName: String
    let email: String
    let kind: String
    let roles: String
    let disabled: Bool

    init(_ account: Account, _ language: Language) {
        id = account.id
        username = account.username
        fullName = account.fullName
        email = account.email ?? ""
        kind = account.kind.rawValue
        roles = account.roles.map { $0.label(language) }.joined(separator: ", ")
        disabled = account.disabled
    }
}

/// `/agencies`: the list, and for a platform administrator the form that registers one.
struct AgenciesPage: Sendable {
    struct Row: Sendable {
        let id: String
        let code: String
        let name: String
        let kind: String
    }

    struct Sent: Sendable {
        let code: String
        let name: String
    }

    let q: String
    let agencies: [Row]
    let canRegister: Bool
    let kinds: [Choice]
    let parents: [RecordLink]
    let form: Sent?
    let failure: String?
    let fieldErrors: [String]
}

/// `/agencies/{id}`.
struct AgencyPage: Sendable {
    struct Shown: Sendable {
        let id: String
        let code: String
        let name: String
        let kind: String
    }

    struct Edit: Sendable {
        let name: String
        let kinds: [Choice]
    }

    let agency: Shown
    let saved: Bool
    let parent: RecordLink?
    let unit: RecordLink?
    let members: [AccountRow]
    let hasMembers: Bool
    let edit: Edit?
    let failure: String?
    let fieldErrors: [String]
}

/// `/admin/accounts`.
struct AccountsPage: Sendable {
    struct Sent: Sendable {
        let username: String
        let fullName: String
        let email: String
    }

    let q: String
    let accounts: [AccountRow]
    let agencies: [RecordLink]
    let roles: [Choice]
    let form: Sent?
    let failure: String?
    let fieldErrors: [String]
}

/// `/admin/accounts/{id}`.
struct AccountPage: Sendable {
    struct SessionRow: Sendable {
        let id: String
        let kind: String
        let created: String
        let lastSeen: String
        let address: String
        let current: Bool
    }

    let subject: AccountRow
    let saved: Bool
    let canManage: Bool
    let isSelf: Bool
    let sessions: [SessionRow]
    let agency: RecordLink?
}
