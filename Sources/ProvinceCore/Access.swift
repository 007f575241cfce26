/// Who may do what. Every rule takes the acting party and, where it matters, the agency the data belongs to:
/// roles other than platform administrator reach only their own agency's data.
public enum Access {
    /// The platform itself (command line, start-up) may do anything.
    static func isPlatform(_ actor: Actor) -> Bool { actor.account == nil }

    static func official(_ actor: Actor) -> Account? {
        guard let account = actor.account, account.kind == .official, !account.disabled else { return nil }
        return account
    }

    /// Registering agencies, importing units, seeing every account and the whole audit trail.
    public static func canAdministerPlatform(_ actor: Actor) -> Bool {
        isPlatform(actor) || official(actor)?.has(.platformAdmin) == true
    }

    /// Creating, disabling and resetting accounts (officials and system accounts) of `agencyID`.
    public static func canManageAccounts(of agencyID: String?, _ actor: Actor) -> Bool {
        if canAdministerPlatform(actor) { return true }
        guard let official = official(actor), let agencyID else { return false }
        return official.has(.agencyAdmin) && official.agencyID == agencyID
    }

    /// Administering accounts at all, the platform's or an agency's: the accounts' pages are for them.
    public static func canAdministerAccounts(_ actor: Actor) -> Bool {
        guard let official = official(actor) else { return false }
        return official.has(.platformAdmin) || official.has(.agencyAdmin)
    }

    /// Working as an official (the inbox, the hub's board): an official's account, not disabled.
    public static func isOfficial(_ actor: Actor) -> Bool { official(actor) != nil }

    /// Granting `role`: only a platform administrator grants platform administration.
    public static func canGrant(_ role: Role, _ actor: Actor) -> Bool {
        role != .platformAdmin || canAdministerPlatform(actor)
    }

    /// Acting on `account` (disabling or enabling it, setting its password, issuing or revoking its keys): one who
    /// manages its agency's accounts, and only when every role it holds is one the actor could grant, so that nobody
    /// takes over an account that holds more than they may give; citizens' accounts only a platform administrator.
    public static func canManage(_ account: Account, _ actor: Actor) -> Bool {
        if account.kind == .citizen { return canAdministerPlatform(actor) }
        return canManageAccounts(of: account.agencyID, actor) && account.roles.allSatisfy { canGrant($0, actor) }
    }

    /// Changing an agency's own record.
    public static func canEditAgency(_ agencyID: String, _ actor: Actor) -> Bool {
        canManageAccounts(of: agencyID, actor)
    }

    /// Reading the audit trail: everything for a platform administrator; their own agency's entries for an
    /// agency administrator or a leader. Returns nil when the actor may read none of it.
    public static func auditScope(_ actor: Actor) -> AuditScope? {
        if canAdministerPlatform(actor) { return .all }
        guard let official = official(actor), let agencyID = official.agencyID,
            official.has(.agencyAdmin) || official.has(.leader)
        else { return nil }
        return .agency(agencyID)
    }

    /// Seeing an account: oneself, or as one who manages accounts of its agency.
    public static func canView(_ account: Account, _ actor: Actor) -> Bool {
        actor.account?.id == account.id || canManageAccounts(of: account.agencyID, actor)
    }
}

/// The part of the audit trail an actor may read.
public enum AuditScope: Sendable, Equatable {
    case all
    case agency(String)
}
