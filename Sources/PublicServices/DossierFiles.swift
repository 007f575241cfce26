import Crypto
import Foundation
import NIOPosix
import ProvinceCore

/// A file sent with a dossier: what it claims to be and its bytes.
public struct UploadedFile: Sendable, Codable {
    /// The name of the required document it is (`Bản vẽ thiết kế`), or `ket-qua` and the like for an action's documents.
    public var kind: String
    public var filename: String
    public var contentType: String
    /// The bytes, in base64.
    public var content: String

    public init(kind: String, filename: String, contentType: String, content: String) {
        self.kind = kind
        self.filename = filename
        self.contentType = contentType
        self.content = content
    }
}

/// A stored file of a dossier, as its record keeps it.
public struct DossierFile: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var filename: String
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var uploadedAt: Date
}

/// Where dossiers' files are kept: outside the database, under the data directory, named by their SHA-256 (the
/// same bytes are kept once). A file is on disk, flushed, before the record that names it is written.
public struct DossierFileStore: Sendable {
    public let directory: String
    /// The most a file may hold.
    public static let maxBytes = 10 << 20
    /// The kinds of file a dossier takes, told by their first bytes, not by what the sender says.
    public static let accepted: [(type: String, magic: [UInt8])] = [
        ("application/pdf", Array("%PDF-".utf8)),
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("image/jpeg", [0xFF, 0xD8, 0xFF]),
    ]

    public init(directory: String) {
        self.directory = directory
    }

    /// The file's bytes after checking them: base64, not empty, not over the limit, and of the type claimed.
    public static func checked(_ file: UploadedFile) throws -> [UInt8] {
        let name = file.filename
        guard !name.isEmpty, name.count <= 255, !name.contains("/"), !name.contains("\\") else {
            throw AppError(.validation, vi: "Tên tệp \"\(name)\" không hợp lệ.", en: "The file name \"\(name)\" is not valid.")
        }
        guard file.content.utf8.count <= (maxBytes / 3 + 1) * 4 + 4 else {
            throw AppError(.payloadTooLarge, vi: "Tệp \(name) lớn hơn 10 MiB.", en: "The file \(name) is larger than 10 MiB.")
        }
        guard let data = Data(base64Encoded: file.content), !data.isEmpty else {
            throw AppError(
                .validation, vi: "Nội dung tệp \(name) không phải base64 hoặc trống.", en: "The content of \(name) is not base64, or is empty.")
        }
        guard data.count <= maxBytes else {
            throw AppError(.payloadTooLarge, vi: "Tệp \(name) lớn hơn 10 MiB.", en: "The file \(name) is larger than 10 MiB.")
        }
        let bytes = [UInt8](data)
        guard let sniffed = accepted.first(where: { bytes.starts(with: $0.magic) })?.type else {
            throw AppError(.validation, vi: "Tệp \(name) không phải PDF, PNG hay JPEG.", en: "The file \(name) is not a PDF, PNG or JPEG.")
        }
        guard sniffed == file.contentType.lowercased() else {
            throw AppError(
                .validation, vi: "Tệp \(name) khai là \(file.contentType) nhưng thực ra là \(sniffed).",
                en: "The file \(name) claims to be \(file.contentType) but is \(sniffed).")
        }
        return bytes
    }

    /// Keeps the files' bytes on a thread of NIO's blocking pool (the writes and flushes wait on the disk, not on the
    /// threads that serve requests); returns their digests in order.
    public func keep(_ files: [[UInt8]]) async throws -> [String] {
        guard !files.isEmpty else { return [] }
        return try await NIOThreadPool.singleton.runIfActive { try files.map(keep) }
    }

    /// Keeps the bytes under their SHA-256 (written to a temporary name, flushed, renamed) and returns the digest.
    public func keep(_ bytes: [UInt8]) throws -> String {
        let digest = Hex.string(SHA256.hash(data: bytes))
        let folder = directory + "/" + digest.prefix(2)
        let path = folder + "/" + digest
        if FileManager.default.fileExists(atPath: path) { return digest }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(UUID().uuidString).part"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw AppError(.internalError, vi: "Không lưu được tệp.", en: "The file could not be stored.") }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let flushed = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, flushed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AppError(.internalError, vi: "Không lưu được tệp.", en: "The file could not be stored.")
        }
        // The new name is made durable with its folder.
        let folderDescriptor = open(folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
        return digest
    }

    /// The bytes kept under `sha256`, if any.
    public func read(_ sha256: String) -> Data? {
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else { return nil }
        return FileManager.default.contents(atPath: directory + "/" + sha256.prefix(2) + "/" + sha256)
    }
}
