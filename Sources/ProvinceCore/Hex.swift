import Crypto
import Foundation

/// Lowercase hexadecimal text of bytes (digests, random tokens).
public enum Hex {
    /// Inlinable so that callers get it specialized for their byte sequence: it runs several times on every hub call.
    @inlinable
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let text = bytes.withContiguousStorageIfAvailable({ string(raw: UnsafeRawBufferPointer($0)) }) { return text }
        var text: [UInt8] = []
        text.reserveCapacity(Swift.max(bytes.underestimatedCount * 2, 64))
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0x0f))
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A digest's text, from its bytes where they lie (iterating a digest copies it into an array first).
    @inlinable
    public static func string<D: Digest>(_ digest: D) -> String {
        digest.withUnsafeBytes { string(raw: $0) }
    }

    /// Written straight into the string's storage.
    @inlinable
    public static func string(raw bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = digit(byte >> 4)
                text[2 * index + 1] = digit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }

    /// The lowercase hexadecimal digit of a value below 16.
    @inlinable
    public static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble }
}

extension Hex {
    /// The value of one hexadecimal digit (either case); nil when it is not one.
    public static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Data {
    /// The bytes of hexadecimal text (either case); nil when it is not that.
    public init?(hexString: String) {
        var hexString = hexString
        let decoded = hexString.withUTF8 { digits -> Data? in
            guard digits.count % 2 == 0 else { return nil }
            var bytes = Data(count: digits.count / 2)
            let valid = bytes.withUnsafeMutableBytes { bytes in
                for index in 0..<bytes.count {
                    guard let high = Hex.value(digits[2 * index]), let low = Hex.value(digits[2 * index + 1]) else { return false }
                    bytes[index] = high << 4 | low
                }
                return true
            }
            return valid ? bytes : nil
        }
        guard let decoded else { return nil }
        self = decoded
    }
}
