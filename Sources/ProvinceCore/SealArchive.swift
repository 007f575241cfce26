import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file outside the database where each seal of a log is appended as one line of JSON, with the public key that
/// checks it, and flushed to disk: whoever can write the database cannot unwrite it. The operator archives it with
/// the data directory's backups; verification reads it back and requires every seal in it to be in the database
/// unchanged.
public struct SealArchive: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// One line: a seal and the public key (base64) that checks it.
    public struct Line<Seal: Codable & Sendable>: Codable, Sendable {
        public var seal: Seal
        public var publicKey: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Appends a seal, flushed before it returns.
    public func append<Seal: Codable & Sendable>(_ seal: Seal, publicKey: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(Line(seal: seal, publicKey: publicKey))
        line.append(UInt8(ascii: "\n"))
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot open the seal archive \(path): errno \(errno)") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else { throw Failure(description: "cannot write the seal archive \(path)") }
    }

    /// The public keys that check seals: this platform's own and those of the seals archived with it (other processes
    /// sharing the data directory). A key found only in the database is not one of them: whoever writes the database
    /// could have put it there.
    public func trustedKeys(besides local: SealingKey) -> [String: Curve25519.Signing.PublicKey] {
        struct KeyOnly: Decodable { var publicKey: String }
        var keys = [local.keyID: local.privateKey.publicKey]
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return keys }
        for line in text.split(separator: "\n") {
            guard let entry = try? JSONDecoder().decode(KeyOnly.self, from: Data(line.utf8)), let raw = Data(base64Encoded: entry.publicKey),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { continue }
            keys[Hex.string(SHA256.hash(data: raw))] = key
        }
        return keys
    }

    /// The seals archived so far (none when there is no file yet). A line cut short by a crash mid-write can only be
    /// the last one, and its seal is still in the database: it is skipped.
    public func read<Seal: Codable & Sendable>(_ type: Seal.Type) -> [Line<Seal>] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(Line<Seal>.self, from: Data($0.utf8)) }
    }
}
