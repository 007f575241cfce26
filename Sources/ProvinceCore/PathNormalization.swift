/// One form for a URL's path, made once before any check reads it (RFC 3986): percent-escapes of unreserved
/// characters decoded and other escapes in upper case (§6.2.2.1–2), dot-segments removed, percent-encoded ones included
/// (§5.2.4). What a server behind could read another way is refused: a path climbing above its root, an escaped
/// `/` or `\`, a backslash, a control character, a broken escape.
public enum PathNormalization {
    /// Why a path was refused.
    public struct Refusal: Error, Sendable, Equatable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The canonical form of a path's segments, dot-segments removed. Empty segments are kept.
    public static func segments<Segments: Sequence>(_ raw: Segments) throws(Refusal) -> [String] where Segments.Element == Substring {
        var out: [String] = []
        for segment in raw {
            let canonical = try canonical(segment)
            switch canonical {
            case ".": continue
            case "..":
                guard !out.isEmpty else { throw Refusal("The path climbs above its root with '..'.") }
                out.removeLast()
            default: out.append(canonical)
            }
        }
        return out
    }

    /// An absolute path (`/a//b/../c`) in its canonical form with empty segments dropped (`/a/c`), as a router reads it.
    public static func path(_ raw: Substring) throws(Refusal) -> String {
        guard raw.first == "/" else { throw Refusal("The path must start with '/'.") }
        let kept = try segments(raw.split(separator: "/", omittingEmptySubsequences: true))
        return "/" + kept.joined(separator: "/")
    }

    /// One segment with its escapes in canonical form.
    static func canonical(_ segment: Substring) throws(Refusal) -> String {
        let bytes = Array(segment.utf8)
        // Most segments have no escape and nothing to refuse: returned as they are.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || isForbidden($0) }) { return String(segment) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isForbidden(byte) { throw Refusal("The path has a control character or a backslash.") }
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = Hex.value(bytes[index + 1]), let low = Hex.value(bytes[index + 2])
            else { throw Refusal("The path has a '%' not followed by two hexadecimal digits.") }
            let value = high << 4 | low
            if value == UInt8(ascii: "/") || isForbidden(value) {
                throw Refusal("The path has an escaped '/', '\\' or control character.")
            }
            if isUnreserved(value) {
                out.append(value)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(high)], hexDigits[Int(low)]]
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// ALPHA, DIGIT, `-`, `.`, `_`, `~` (RFC 3986 §2.3).
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// Control characters, DEL and the backslash, which some servers read as `/`.
    static func isForbidden(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\")
    }
}

/// Where a page may send the browser back to: a path on this site, nothing a browser could read as another host.
public enum SameSitePath {
    /// `text` when it is a path of this site (`/services?q=1`), nil otherwise (`//evil.example`, `/\evil.example`,
    /// `https://…`, a control character).
    public static func validated(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count <= 2048 else { return nil }
        if bytes.count > 1, bytes[1] == UInt8(ascii: "/") { return nil }
        guard !bytes.contains(where: PathNormalization.isForbidden) else { return nil }
        return text
    }
}
