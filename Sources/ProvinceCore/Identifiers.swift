import Foundation

/// A 12-digit citizen identity number (CCCD): province of birth registration, century and sex, year of birth,
/// then a random part.
public struct CitizenID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// The three-digit codes of the provinces that issue CCCD numbers (before the 2025 reform, still in use).
    static let provinceCodes: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024",
        "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045",
        "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070",
        "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
        "094", "095", "096",
    ]

    /// Validates the structure of a CCCD number; `now` bounds the year of birth.
    public init?(_ text: String, now: Date = Date()) {
        let digits = Array(text.utf8)
        guard digits.count == 12, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let string = String(decoding: digits, as: UTF8.self)
        guard Self.provinceCodes.contains(String(string.prefix(3))) else { return nil }
        let centuryDigit = Int(digits[3] - 48)
        let century = 1900 + (centuryDigit / 2) * 100
        guard century <= 2300 else { return nil }
        let year = century + Int(string.dropFirst(4).prefix(2))!
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: now)
        guard year <= currentYear else { return nil }
        value = string
    }

    public var description: String { value }
}

/// An agency identifier code (mã định danh, Decision 20/2020/QĐ-TTg), such as `000.00.12.H34`.
public struct AgencyCode: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let groups = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard groups.count == 4,
            groups[0].count == 3, groups[1].count == 2, groups[2].count == 2, groups[3].count == 3,
            groups[0...2].allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let letter = groups[3].first, letter.isASCII, letter.isUppercase,
            groups[3].dropFirst().allSatisfy(\.isASCIIDigit)
        else { return nil }
        value = trimmed
    }

    public var description: String { value }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The rules a password must meet.
/// What a password must be (OWASP ASVS 4.0, V2.1): at least 12 characters (2.1.1), up to 128 (2.1.2 asks that 64 be
/// allowed), any characters and no rule of composition (2.1.9), and nothing guessable from the account or the
/// platform: not the username, not the platform's name.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 128
    /// Words a password may not contain, whatever their case.
    static let platformNames = ["openprovince"]

    /// Returns the reason a password is refused, or nil when it is acceptable.
    public static func problem(with password: String, username: String) -> LocalizedText? {
        if password.count < minimumLength {
            return LocalizedText(
                vi: "Mật khẩu phải có ít nhất \(minimumLength) ký tự.",
                en: "The password must have at least \(minimumLength) characters.")
        }
        if password.count > maximumLength {
            return LocalizedText(
                vi: "Mật khẩu quá dài (tối đa \(maximumLength) ký tự).", en: "The password is too long (\(maximumLength) characters at most).")
        }
        let folded = password.lowercased()
        if !username.isEmpty, folded.contains(username.lowercased()) {
            return LocalizedText(
                vi: "Mật khẩu không được chứa tên đăng nhập.", en: "The password must not contain the username.")
        }
        if platformNames.contains(where: folded.contains) {
            return LocalizedText(
                vi: "Mật khẩu không được chứa tên của nền tảng.", en: "The password must not contain the platform's name.")
        }
        return nil
    }
}

/// Usernames of officials and system accounts: lower-case letters, digits, dot, dash and underscore.
public enum Username {
    public static func isValid(_ text: String) -> Bool {
        (3...64).contains(text.count)
            && text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || ".-_".contains($0) }
    }
}
