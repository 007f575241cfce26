import Foundation

/// One form for a URL's path, made once before any check reads it (RFC 3986): percent-escapes of unreserved
/// characters decoded and other escapes in upper case (§6.2.2.1–2), dot-segments removed, percent-encoded ones included
/// (§5.2.4). What a server behind could read another way is refused: a path climbing above its root, an escaped
/// `/` or `\`, a backslash, a control character, a broken escape, a raw `#` (a fragment has no place in a request,
/// and servers cut the path there), and a dot-segment with parameters (`..;x`, which Tomcat and its kin read as `..`).
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
            // `..;x` and `..%3Bx` alike: a server that decodes before it cuts off parameters reads either as `..`.
            let parameters = canonical.utf8.contains(UInt8(ascii: "%")) ? canonical.replacingOccurrences(of: "%3B", with: ";") : canonical
            if let semicolon = parameters.firstIndex(of: ";"), [".", ".."].contains(parameters[..<semicolon]) {
                throw Refusal("The path has a dot-segment with parameters.")
            }
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
            if isForbidden(byte) { throw Refusal("The path has a control character, a backslash or a '#'.") }
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = Hex.value(bytes[index + 1]), let low = Hex.value(bytes[index + 2])
            else { throw Refusal("The path has a '%' not followed by two hexadecimal digits.") }
            let value = high << 4 | low
            if value == UInt8(ascii: "/") || (isForbidden(value) && value != UInt8(ascii: "#")) {
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

    /// Control characters, DEL, the backslash (which some servers read as `/`) and `#` (where some cut the path).
    static func isForbidden(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#")
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

/// A client's address as the platform counts and records it.
public enum ClientAddress {
    /// The client behind a chain of proxies: the address of the connection's peer unless that peer is a trusted proxy,
    /// in which case the rightmost address of `X-Forwarded-For` that is not itself a trusted proxy (what a proxy of our
    /// own appended; whatever the client wrote further left is not believed).
    public static func resolve(peer: String?, forwardedFor: [String], isTrusted: (String) -> Bool) -> String? {
        guard let peer, isTrusted(peer) else { return peer }
        let chain = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for address in chain.reversed() where !isTrusted(address) { return address }
        return chain.first ?? peer
    }

    /// What failures are counted by: an IPv4 address as it is, an IPv6 address by its /64 (the block one subscriber
    /// is given, where every address is theirs to use).
    public static func bucket(_ address: String) -> String {
        var v6 = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let bytes = withUnsafeBytes(of: v6) { Array($0.prefix(8)) }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
            + "::/64"
    }
}
