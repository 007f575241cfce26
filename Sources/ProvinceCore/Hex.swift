/// Lowercase hexadecimal text of bytes (digests, random tokens).
public enum Hex {
    /// Inlinable so that callers get it specialized for their byte sequence: it runs several times on every hub call.
    @inlinable
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(Swift.max(bytes.underestimatedCount * 2, 64))
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0x0f))
        }
        return String(decoding: text, as: UTF8.self)
    }

    @inlinable
    static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble }
}
