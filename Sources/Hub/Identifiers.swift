import Foundation
import ProvinceCore

/// The parts of X-Road identifiers (instance, member class and code, subsystem, service code, peer id).
public enum IdentifierPart {
    /// Whether `text` may name something new in the registry: 1 to 255 of the characters X-Road's identifiers may
    /// have (PR-REST §4.8: letters, digits and `'()+,-.=?`), without `?`, which would begin a URL's query; never `.` or
    /// `..` alone, which a path would read as a dot-segment.
    public static func isValid(_ text: Substring) -> Bool {
        // Byte by byte: every allowed character is one ASCII byte.
        (1...255).contains(text.utf8.count) && text.utf8.allSatisfy(isAllowed) && text != "." && text != ".."
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "-"),
            UInt8(ascii: "."), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    public static func isValid(_ text: String) -> Bool { isValid(Substring(text)) }

    /// Why a part of an identifier could not be read, worded as X-Road's security server words it.
    public struct Problem: Error {
        public var message: String
    }

    /// One part of an identifier as a URL or an X-Road header carries it, percent-decoded as X-Road's security server
    /// decodes it (each part on its own, PR-REST §4.2). Refused: an empty part, a character a URL segment may not carry
    /// unescaped, an escape cut short or not hex, bytes that are not UTF-8, a `/` (not one of X-Road's identifier
    /// characters, §4.8, and here it would join two parts), and `.` or `..` alone.
    public static func decoding(_ raw: Substring) throws(Problem) -> String {
        let bytes = raw.utf8
        guard !bytes.isEmpty else { throw Problem(message: "Invalid request URI") }
        // Most parts have nothing escaped: taken as they are.
        if bytes.allSatisfy(isUnescaped) {
            guard raw != ".", raw != ".." else { throw Problem(message: "Invalid character in identifier: a dot-segment") }
            return String(raw)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                guard isUnescaped(byte) else { throw Problem(message: "Invalid character in path segment") }
                out.append(byte)
                index = bytes.index(after: index)
                continue
            }
            let high = bytes.index(after: index)
            guard high < bytes.endIndex, bytes.index(after: high) < bytes.endIndex else { throw Problem(message: "Incomplete percent encoding") }
            guard let first = Hex.value(bytes[high]), let second = Hex.value(bytes[bytes.index(after: high)]) else {
                throw Problem(message: "Invalid percent encoding")
            }
            out.append(first << 4 | second)
            index = bytes.index(high, offsetBy: 2)
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw Problem(message: "Invalid percent encoding") }
        guard !text.contains("/") else { throw Problem(message: "Invalid character in identifier: '/' (PR-REST §4.8)") }
        guard text != ".", text != ".." else { throw Problem(message: "Invalid character in identifier: a dot-segment") }
        return text
    }

    /// What a URL's path segment carries unescaped (RFC 3986 `pchar` without `%`).
    static func isUnescaped(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "-._~!$&'()*+,;=:@".utf8.contains(byte)
        }
    }
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

    /// Parses `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, as the `X-Road-Client` header carries it: each part
    /// percent-decoded on its own.
    public init(parsing text: String) throws(IdentifierPart.Problem) {
        let raw = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard (3...4).contains(raw.count) else { throw IdentifierPart.Problem(message: "Invalid Client Id") }
        var parts: [String] = []
        for part in raw { parts.append(try IdentifierPart.decoding(Substring(part))) }
        self.init(
            instance: String(parts[0]), memberClass: String(parts[1]), memberCode: String(parts[2]),
            subsystemCode: parts.count == 4 ? String(parts[3]) : nil)
    }

    /// An identifier as the registry stores it, or as a header carries it; nil when it is not one.
    public init?(_ text: String) {
        guard let parsed = try? ClientIdentifier(parsing: text) else { return nil }
        self = parsed
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

/// X-Road ids the gateway makes (`X-Road-Id`, `X-Road-Request-Id`).
enum TimeOrderedID {
    /// A time-ordered (version 7, RFC 9562) UUID, lowercase: the milliseconds since 1970 in its first 48 bits, then
    /// random bits. Ids that grow with time keep the message log's index on them appended to at its end, rather than
    /// written at random places (which rewrote a page of the index for nearly every record imported).
    static func string(random: ArraySlice<UInt8>, at time: Date) -> String {
        precondition(random.count == 16, "a UUID takes 16 random bytes")
        let milliseconds = UInt64(time.timeIntervalSince1970 * 1000)
        // Written straight into the string's storage: two ids are made for every call.
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for (index, byte) in random.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let value =
                    switch index {
                    case 0..<6: UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
                    case 6: byte & 0x0F | 0x70
                    case 8: byte & 0x3F | 0x80
                    default: byte
                    }
                text[position] = Hex.digit(value >> 4)
                text[position + 1] = Hex.digit(value & 0x0F)
                position += 2
            }
            return position
        }
    }
}
