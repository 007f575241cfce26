import Crypto
import Foundation

/// The platform's signing key (Ed25519), kept in the data directory and created on first start: it signs the message
/// log's seals and the audit trail's. Its public half is published with them so that anyone can check a seal.
public struct SealingKey: Sendable {
    /// The private key's raw bytes (the key type itself is not Sendable).
    public let raw: Data
    public var privateKey: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }
    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }
    /// SHA-256 of the raw public key, hex.
    public var keyID: String { MerkleTree.hex(Data(SHA256.hash(data: privateKey.publicKey.rawRepresentation))) }

    /// Loads `hub-seal-key` from `directory`, creating it (readable by its owner only) when missing.
    /// A key file that is there but cannot be read is an error, never replaced: a new key would disown every seal.
    public static func load(directory: String) throws -> SealingKey {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("hub-seal-key")
        if FileManager.default.fileExists(atPath: url.path) {
            guard let text = try? String(contentsOf: url, encoding: .utf8),
                let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil
            else { throw PrivateFile.Failure(description: "the signing key \(url.path) cannot be read: restore it from a backup") }
            return SealingKey(raw: raw)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = Curve25519.Signing.PrivateKey()
        try PrivateFile.write(Data(key.rawRepresentation.base64EncodedString().utf8), to: url.path)
        return SealingKey(raw: key.rawRepresentation)
    }

    public func sign(_ text: String) throws -> String { try privateKey.signature(for: Data(text.utf8)).base64EncodedString() }
}
