import Foundation
import ProvinceCore

/// A member of the hub: an agency (or an enterprise) identified as X-Road identifies members.
public struct HubMember: Sendable, Codable, Hashable {
    public var id: String
    public var instance: String
    public var memberClass: String
    public var memberCode: String
    public var name: String
    /// The platform agency this member is, if any: its administrators manage the member's subsystems.
    public var agencyID: String?
    /// The peer hub this member is registered on, if it is not this hub's own.
    public var peerID: String?
    public var createdAt: Date
}

/// A group of subsystems that rights can be granted to as one (X-Road's local groups): a right whose consumer is
/// `group:CODE` lets every member call.
public struct HubGroup: Sendable, Codable, Hashable {
    public var code: String
    public var name: String
    public var members: [String]
    public var createdAt: Date

    /// The consumer id under which rights are granted to the group.
    public var consumerID: String { Self.prefix + code }
    public static let prefix = "group:"
}

/// Another hub this one exchanges calls with (the national NDXP, another province's LGSP), over mutual TLS.
public struct HubPeer: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    /// The peer's mutual-TLS gateway: `https://host:port`.
    public var url: String
    /// SHA-256 of the peer's certificate: its calls are recognised by it, and calls to it check it.
    public var fingerprint: String
    public var createdAt: Date
}

/// An information system of a member: it calls services, provides them, or both.
public struct HubSubsystem: Sendable, Codable, Hashable {
    public var id: String
    public var memberID: String
    public var subsystemCode: String
    public var name: String
    /// Calls a second this subsystem may make through the gateway (per gateway process), nil for no limit.
    public var rateLimitPerSecond: Int?
    public var createdAt: Date

    public var identifier: ClientIdentifier {
        var client = ClientIdentifier(memberID)!
        client.subsystemCode = subsystemCode
        return client
    }
}

/// A service a subsystem provides: where the gateway forwards it, and how.
public struct HubService: Sendable, Codable, Hashable {
    public var id: String
    public var subsystemID: String
    public var serviceCode: String
    public var version: String?
    public var upstreamURL: String
    public var timeoutMilliseconds: Int
    /// New services start disabled: nothing is forwarded until an operator enables the service.
    public var enabled: Bool
    /// Keep request and response bodies in the message log (not only their digests).
    public var logBodies: Bool
    public var bodyRetentionDays: Int
    public var createdAt: Date
    public var updatedAt: Date

    public var identifier: ServiceIdentifier {
        ServiceIdentifier(provider: ClientIdentifier(subsystemID)!, serviceCode: serviceCode, version: version)
    }
}

/// One operation of a service, read from its OpenAPI description.
public struct HubEndpoint: Sendable, Codable, Hashable {
    public var method: String
    public var path: String

    public init(method: String, path: String) {
        self.method = method.uppercased()
        self.path = path
    }

    /// Whether a request path matches this endpoint's path template (`/pets/{petId}` matches `/pets/12`).
    public func matches(method: String, path requestPath: String) -> Bool {
        guard method.uppercased() == self.method || self.method == "*" else { return false }
        let template = path.split(separator: "/", omittingEmptySubsequences: true)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { pattern, segment in
            (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
        }
    }
}

/// A right to call a service, granted to a subsystem: the whole service, or one endpoint.
public struct HubRight: Sendable, Codable, Hashable {
    public var id: String
    public var consumerID: String
    public var serviceID: String
    public var endpoint: HubEndpoint?
    public var grantedAt: Date
}

/// Reads the operations of an OpenAPI 3 document (JSON).
public enum OpenAPIEndpoints {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    public static func parse(_ data: Data) throws -> [HubEndpoint] {
        guard let document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let version = document["openapi"] as? String, version.hasPrefix("3."),
            let paths = document["paths"] as? [String: Any]
        else {
            throw AppError(
                .validation, vi: "Tài liệu không phải OpenAPI 3 dạng JSON.", en: "The document is not an OpenAPI 3 document in JSON.")
        }
        var endpoints: [HubEndpoint] = []
        for (path, item) in paths {
            guard path.hasPrefix("/"), let operations = item as? [String: Any] else { continue }
            for method in methods where operations[method] != nil {
                endpoints.append(HubEndpoint(method: method, path: path))
            }
        }
        return endpoints.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }
}
