import Foundation
import Testing

@testable import ProvinceCore

@Suite struct IdentifierTests {
    static let now = ISO8601DateFormatter().date(from: "2026-11-24T00:00:00Z")!

    @Test(arguments: ["068090001234", "001201001111", "079185000001", "096300000000"])
    func validCitizenIDs(_ text: String) {
        #expect(CitizenID(text, now: Self.now)?.value == text)
    }

    @Test(arguments: [
        "", "06809000123", "0680900012345", "06809000123a", "003090001234",  // 003 is no province code
        "068327001234",  // born in 2127
        " 68090001234",
    ])
    func invalidCitizenIDs(_ text: String) {
        #expect(CitizenID(text, now: Self.now) == nil)
    }

    @Test func agencyCodes() {
        #expect(AgencyCode("000.00.12.H34")?.value == "000.00.12.H34")
        #expect(AgencyCode(" 000.00.12.h34 ")?.value == "000.00.12.H34")
        for bad in ["", "000.00.12", "000.00.12.H3", "00.00.12.H34", "000.00.12.334", "000.0a.12.H34", "000.00.12.H34.1"] {
            #expect(AgencyCode(bad) == nil, "\(bad)")
        }
    }

    /// OWASP ASVS V2.1: 12 characters at least, 64 (and more) allowed, no rule of composition; not the username nor
    /// the platform's name.
    @Test func passwordPolicy() {
        #expect(PasswordPolicy.problem(with: "LamDong@2025", username: "admin") == nil)
        #expect(PasswordPolicy.problem(with: "short1", username: "x") != nil)
        #expect(PasswordPolicy.problem(with: "LamDong@202", username: "x") != nil)
        #expect(PasswordPolicy.problem(with: "onlyletterslong", username: "x") == nil)
        #expect(PasswordPolicy.problem(with: "ba con sông chảy", username: "x") == nil)
        #expect(PasswordPolicy.problem(with: String(repeating: "ngựa ", count: 25), username: "x") == nil)
        #expect(PasswordPolicy.problem(with: String(repeating: "a", count: 129), username: "x") != nil)
        #expect(PasswordPolicy.problem(with: "xadmin1234567", username: "admin") != nil)
        #expect(PasswordPolicy.problem(with: "MyOpenProvince1", username: "x") != nil)
    }

    @Test func usernames() {
        #expect(Username.isValid("yte.canbo"))
        #expect(Username.isValid("motcua.he-thong"))
        #expect(!Username.isValid("Yte"))
        #expect(!Username.isValid("a b"))
        #expect(!Username.isValid("ab"))
    }

    @Test func acceptLanguage() {
        #expect(Language(acceptLanguage: nil) == .vi)
        #expect(Language(acceptLanguage: "en") == .en)
        #expect(Language(acceptLanguage: "en-US,en;q=0.9") == .en)
        #expect(Language(acceptLanguage: "vi,en;q=0.8") == .vi)
        #expect(Language(acceptLanguage: "fr,en;q=0.5,vi;q=0.9") == .vi)
        #expect(Language(acceptLanguage: "de") == .vi)
        #expect(Language(acceptLanguage: "vi;q=0.1,en;q=0.2") == .en)
    }
}

@Suite struct AccessTests {
    static func official(_ roles: [Role], agency: String?) -> Actor {
        Actor(
            account: Account(id: UUID().uuidString, kind: .official, username: "u", fullName: "U", agencyID: agency, roles: roles, createdAt: Date()),
            address: nil)
    }

    @Test func agencyAdministratorsReachOnlyTheirAgency() {
        let admin = Self.official([.agencyAdmin], agency: "a")
        #expect(Access.canManageAccounts(of: "a", admin))
        #expect(!Access.canManageAccounts(of: "b", admin))
        #expect(!Access.canManageAccounts(of: nil, admin))
        #expect(!Access.canGrant(.platformAdmin, admin))
        #expect(Access.canGrant(.officer, admin))
        #expect(Access.auditScope(admin) == .agency("a"))
    }

    @Test func otherRoles() {
        #expect(Access.auditScope(Self.official([.officer], agency: "a")) == nil)
        #expect(Access.auditScope(Self.official([.leader], agency: "a")) == .agency("a"))
        #expect(Access.auditScope(Self.official([.platformAdmin], agency: nil)) == .all)
        #expect(Access.canAdministerPlatform(Actor(system: "cli")))
        var disabled = Self.official([.platformAdmin], agency: nil)
        disabled.account?.disabled = true
        #expect(!Access.canAdministerPlatform(disabled))
        let citizen = Actor(account: Account(id: "c", kind: .citizen, username: "068090001234", fullName: "C", createdAt: Date()), address: nil)
        #expect(!Access.canManageAccounts(of: nil, citizen))
        #expect(Access.auditScope(citizen) == nil)
    }
}
