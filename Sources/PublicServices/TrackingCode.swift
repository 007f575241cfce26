import Foundation

/// The code an applicant tracks a dossier by: the dossier's code and a secret check part of six characters from an
/// alphabet without look-alikes (31⁶, nearly 900 million, for each code), so that knowing how codes run does not
/// let anyone walk through other people's dossiers. Dossiers made before the check part existed have one taken from
/// their random id (six hexadecimal digits).
public enum TrackingCode {
    static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    static let keyLength = 6

    /// A new random check part.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<keyLength).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The check part of a dossier stored without one (loaded straight into the database), as migration 0022 gave
    /// those already there: six hexadecimal digits of its random id.
    static func key(fromID id: String) -> String { String(id.dropFirst(24).prefix(keyLength)).uppercased() }

    /// `code-KEY`.
    public static func make(code: String, key: String) -> String { code + "-" + key }

    /// The dossier's code and the check part of a tracking code as typed (spaces around it and the case ignored);
    /// nil when it has no check part.
    public static func parse(_ text: String) -> (code: String, key: String)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let dash = trimmed.lastIndex(of: "-"), trimmed.distance(from: dash, to: trimmed.endIndex) == keyLength + 1 else { return nil }
        let key = String(trimmed[trimmed.index(after: dash)...])
        guard key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return (String(trimmed[..<dash]), key)
    }

    /// Whether a typed code and key are the dossier's, compared in constant time.
    static func matches(_ trackingCode: String, code: String, key: String) -> Bool {
        let expected = Array(trackingCode.uppercased().utf8)
        let given = Array(make(code: code, key: key).utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
