import Foundation
import ProvinceCore

/// The parts of X-Road identifiers: letters, digits, `.`, `-` and `_`, 1 to 255 characters. X-Road forbids
/// `/`, `:`, `;`, `\` and `%` in identifiers; this platform keeps to a plain set that needs no escaping in URLs.
public enum IdentifierPart {
    public static func isValid(_ text: Substring) -> Bool {
        // Byte by byte: every allowed character is one ASCII byte, and this runs several times on every call.
        (1...255).contains(text.utf8.count) && text.utf8.allSatisfy(isAllowed) && text != "." && text != ".."
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    public static func isValid(_ text: String) -> Bool { isValid(Substring(text)) }
}

/// A member or a subsystem: `{instance}/{memberClass}/{memberCode}[/{subsystemCode}]`.
public struct ClientIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    public var instance: String
    public var memberClass: String
    public var memberCode: String
    public var subsystemCode: String?

    public init(instance: String, memberClass: String, memberCode: String, subsystemCode: String?) {
        self.instance = instance
        self.memberClass = memberClass
        self.memberCode = memberCode
        self.subsystemCode = subsystemCode
    }

    /// Parses `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, as the `X-Road-Client` header carries it.
    public init?(_ text: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        guard (3...4).contains(parts.count), parts.allSatisfy(IdentifierPart.isValid) else { return nil }
        self.init(
            instance: String(parts[0]), memberClass: String(parts[1]), memberCode: String(parts[2]),
            subsystemCode: parts.count == 4 ? String(parts[3]) : nil)
    }

    public var member: ClientIdentifier {
        ClientIdentifier(instance: instance, memberClass: memberClass, memberCode: memberCode, subsystemCode: nil)
    }

    public var description: String {
        [instance, memberClass, memberCode, subsystemCode].compactMap { $0 }.joined(separator: "/")
    }
}

/// A service: `{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/{version}]`.
public struct ServiceIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    public var provider: ClientIdentifier
    public var serviceCode: String
    public var version: String?

    public init(provider: ClientIdentifier, serviceCode: String, version: String?) {
        self.provider = provider
        self.serviceCode = serviceCode
        self.version = version
    }

    public var description: String {
        [provider.description, serviceCode, version].compactMap { $0 }.joined(separator: "/")
    }
}
