import Crypto
import Foundation
import NIOCore
import NIOSSL
import ProvinceCore
import X509

/// The hub's TLS identity for mutual TLS with peer hubs and with consumers that present certificates: a P-256 key
/// and a self-signed certificate, kept in the data directory and created on first start. Peers pin it by its
/// fingerprint (SHA-256 of the certificate's DER bytes), so no certificate authority is needed between hubs.
public struct HubIdentity: Sendable {
    public let certificatePEM: String
    let privateKeyPEM: String
    /// SHA-256 of the certificate's DER bytes, lowercase hex.
    public let fingerprint: String

    static let certificateFile = "hub-tls-certificate.pem"
    static let keyFile = "hub-tls-key.pem"

    /// Loads the identity from `directory`, creating it (the key readable by its owner only) when missing.
    public static func load(directory: String, commonName: String = "OpenProvince hub") throws -> HubIdentity {
        let folder = URL(fileURLWithPath: directory)
        let certificateURL = folder.appendingPathComponent(certificateFile)
        let keyURL = folder.appendingPathComponent(keyFile)
        if let certificatePEM = try? String(contentsOf: certificateURL, encoding: .utf8),
            let keyPEM = try? String(contentsOf: keyURL, encoding: .utf8)
        {
            return try HubIdentity(certificatePEM: certificatePEM, privateKeyPEM: keyPEM)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(20 * 365 * 86400), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(key))
        let certificatePEM = try certificate.serializeAsPEM().pemString
        try PrivateFile.write(Data(key.pemRepresentation.utf8), to: keyURL.path)
        try Data(certificatePEM.utf8).write(to: certificateURL, options: .atomic)
        return try HubIdentity(certificatePEM: certificatePEM, privateKeyPEM: key.pemRepresentation)
    }

    init(certificatePEM: String, privateKeyPEM: String) throws {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        fingerprint = Self.fingerprint(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))
    }

    /// SHA-256 of a certificate's DER bytes, lowercase hex: how peers and consumer certificates are recognised.
    static func fingerprint(_ certificate: NIOSSLCertificate) -> String {
        Hex.string(SHA256.hash(data: (try? certificate.toDERBytes()) ?? []))
    }

    /// Normalizes a fingerprint as people write it (`AB:CD:…`, spaces, capitals): 64 lowercase hex digits, or nil.
    public static func normalizedFingerprint(_ text: String) -> String? {
        let hex = text.lowercased().filter(\.isHexDigit)
        return hex.count == 64 ? hex : nil
    }

    /// TLS for the gateway's mutual-TLS port: it asks every caller for a certificate; who the certificate belongs to
    /// is decided per call from the registry.
    func serverContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// TLS for calls to peer hubs: this hub's certificate as the client's, the peer's checked by its pinned fingerprint.
    func peerClientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))]
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// TLS for providers reached over HTTPS: the system's trusted roots and the host name.
    static func publicClientContext() throws -> NIOSSLContext {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }
}

/// The certificate a caller presented on the mutual-TLS port, as its fingerprint; set during the handshake and read
/// by the connection's handler, both on the connection's event loop.
final class PresentedCertificate: @unchecked Sendable {
    var fingerprint: String?
}
