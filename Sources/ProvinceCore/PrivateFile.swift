import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file only its owner may read (a private key): created with mode 0600 from its first byte, never written
/// readable and narrowed afterwards; written whole to a new name, flushed, then renamed into place.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes `data` to `path`, replacing what is there.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".new-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary): errno \(errno)") }
        var failed = false
        data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if count <= 0 {
                    failed = true
                    return
                }
                written += count
            }
        }
        // The mode asked for at creation is narrowed by the umask, never widened: make it exactly 0600.
        if fchmod(descriptor, S_IRUSR | S_IWUSR) != 0 || fsync(descriptor) != 0 { failed = true }
        close(descriptor)
        guard !failed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write \(path): errno \(errno)")
        }
    }
}
