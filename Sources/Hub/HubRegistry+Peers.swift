import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

extension HubRegistry {
    /// Registers a peer hub: calls for members registered on it go to `url` over mutual TLS, and calls from it are
    /// recognised by its certificate's fingerprint. Platform administrators only.
    public func createPeer(id: String, name: String, url: String, fingerprint: String, by actor: Actor) async throws -> HubPeer {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        var validator = Validator()
        validator.checkIdentifierPart(id, "id")
        let trimmed = validator.checkName(name)
        validator.check(
            Origin(url)?.isTLS == true, "url", vi: "Địa chỉ phải có dạng https://máy-chủ:cổng.", en: "The address must read https://host:port.")
        let normalized = HubIdentity.normalizedFingerprint(fingerprint)
        validator.check(
            normalized != nil, "fingerprint", vi: "Dấu vân tay phải là SHA-256 (64 ký tự hex).",
            en: "The fingerprint must be a SHA-256 (64 hex digits).")
        try validator.finish()
        let peer = HubPeer(id: id, name: trimmed, url: url, fingerprint: normalized!, createdAt: Date())
        try await change(
            actor, action: "hub.peer.create", targetType: "hub_peer", targetID: id, agencyID: nil, before: Optional<HubPeer>.none, after: peer
        ) {
            db in
            guard try await db.raw("SELECT id FROM hub_peers WHERE id = \(bind: id)").first() == nil else {
                throw AppError(.conflict, vi: "Nền tảng ngang hàng \(id) đã có.", en: "The peer \(id) already exists.")
            }
            try await HubRegistry.refuseTakenFingerprint(peer.fingerprint, in: db)
            try await db.raw(
                """
                INSERT INTO hub_peers (id, name, url, fingerprint, created_at)
                VALUES (\(bind: id), \(bind: trimmed), \(bind: url), \(bind: peer.fingerprint), \(bind: Timestamp.string(peer.createdAt)))
                """
            ).run()
        }
        return peer
    }

    public func peer(_ id: String) async throws -> HubPeer {
        let row = try await database.read { db in try await db.raw("SELECT * FROM hub_peers WHERE id = \(bind: id)").first() }
        guard let row else { throw AppError.notFound("nền tảng ngang hàng / peer hub") }
        return try Self.peer(from: row)
    }

    public func peers() async throws -> [HubPeer] {
        try await database.read { db in try await db.raw("SELECT * FROM hub_peers ORDER BY id").all().map(Self.peer(from:)) }
    }

    static func peer(from row: any SQLRow) throws -> HubPeer {
        HubPeer(
            id: try row.string("id"), name: try row.string("name"), url: try row.string("url"), fingerprint: try row.string("fingerprint"),
            createdAt: try row.date("created_at"))
    }
}
