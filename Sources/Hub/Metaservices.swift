import Foundation
import ProvinceCore

/// X-Road's metaservices for REST, answered by the gateway from its registry snapshot: `GET /listClients` (PR-META
/// §2, JSON or XML by `Accept`), and on a provider subsystem `listMethods`, `allowedMethods` and
/// `getOpenAPI?serviceCode=` (PR-MREST), in the shapes and with the error messages of X-Road's security server.
enum Metaservice: String {
    case listClients, listMethods, allowedMethods, getOpenAPI

    /// A query parameter as X-Road's security server reads it: form-decoded, the name matched without regard to
    /// case, the last occurrence winning.
    static func parameter(_ name: String, in query: Substring) -> String? {
        var found: String?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = formDecoded(parts[0]), key.lowercased() == name.lowercased() else { continue }
            found = parts.count > 1 ? formDecoded(parts[1]) ?? "" : ""
        }
        return found
    }

    static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Every member and subsystem of `instance` (PR-META §2): JSON when an `Accept` item is `application/json`,
    /// otherwise `text/xml` with the `clientList` element of PR-META's Annex A.
    static func listClients(instance: String, accept: String?, snapshot: RegistrySnapshot) -> LocalAnswer {
        var entries: [(member: HubMember, subsystem: HubSubsystem?)] = []
        for member in snapshot.members.values.sorted(by: { $0.id < $1.id }) where member.instance == instance {
            entries.append((member, nil))
            for subsystem in snapshot.subsystems.values.sorted(by: { $0.id < $1.id }) where subsystem.memberID == member.id {
                entries.append((member, subsystem))
            }
        }
        let wantsJSON = (accept ?? "").split(separator: ",").contains {
            $0.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
        }
        if wantsJSON {
            let members = entries.map { member, subsystem -> [String: Any] in
                var id: [String: Any] = [
                    "xroad_instance": member.instance, "member_class": member.memberClass, "member_code": member.memberCode,
                    "object_type": subsystem == nil ? "MEMBER" : "SUBSYSTEM",
                ]
                var entry: [String: Any] = ["name": member.name]
                if let subsystem {
                    id["subsystem_code"] = subsystem.subsystemCode
                    entry["subsystem_name"] = subsystem.name
                }
                entry["id"] = id
                return entry
            }
            return LocalAnswer(body: json(["member": members]), contentType: "application/json; charset=utf-8")
        }
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\
            <ns2:clientList xmlns:ns1="http://x-road.eu/xsd/identifiers" xmlns:ns2="http://x-road.eu/xsd/xroad.xsd">
            """
        for (member, subsystem) in entries {
            xml += "<ns2:member><ns2:id ns1:objectType=\"\(subsystem == nil ? "MEMBER" : "SUBSYSTEM")\">"
            xml += "<ns1:xRoadInstance>\(XMLText.escaped(member.instance))</ns1:xRoadInstance>"
            xml += "<ns1:memberClass>\(XMLText.escaped(member.memberClass))</ns1:memberClass>"
            xml += "<ns1:memberCode>\(XMLText.escaped(member.memberCode))</ns1:memberCode>"
            if let subsystem { xml += "<ns1:subsystemCode>\(XMLText.escaped(subsystem.subsystemCode))</ns1:subsystemCode>" }
            xml += "</ns2:id><ns2:name>\(XMLText.escaped(member.name))</ns2:name>"
            if let subsystem { xml += "<ns2:subsystemName>\(XMLText.escaped(subsystem.name))</ns2:subsystemName>" }
            xml += "</ns2:member>"
        }
        xml += "</ns2:clientList>"
        return LocalAnswer(body: Data(xml.utf8), contentType: "text/xml; charset=UTF-8")
    }

    /// The answer of `listMethods`, `allowedMethods` or `getOpenAPI` on `provider`; throws the error X-Road's
    /// security server gives.
    func answer(provider: String, consumer: String, query: Substring, snapshot: RegistrySnapshot) throws -> LocalAnswer {
        guard snapshot.subsystems[provider] != nil else {
            throw GatewayError("Server.ClientProxy.UnknownMember", "Could not find addresses for service provider \"SUBSYSTEM:\(provider)\"")
        }
        let services = (snapshot.services[provider] ?? [:]).values.flatMap { $0 }.filter(\.enabled).sorted { $0.id < $1.id }
        switch self {
        case .listClients:
            return Self.listClients(instance: String(provider.prefix { $0 != "/" }), accept: nil, snapshot: snapshot)
        case .listMethods, .allowedMethods:
            let parts = provider.split(separator: "/").map(String.init)
            var listed: [[String: Any]] = []
            for service in services {
                // The service's endpoints, as X-Road lists them: a path parameter as `*`.
                var endpoints = snapshot.endpoints[service.id] ?? []
                if self == .allowedMethods {
                    let rights = (snapshot.rights[service.id] ?? []).filter { snapshot.grants($0, to: consumer) }
                    guard !rights.isEmpty else { continue }
                    if !rights.contains(where: { $0.endpoint == nil }) {
                        endpoints = endpoints.filter { endpoint in
                            rights.contains { $0.endpoint?.matches(method: endpoint.method, path: endpoint.path) ?? false }
                        }
                    }
                }
                listed.append([
                    "member_class": parts[1], "member_code": parts[2], "object_type": "SERVICE", "service_code": service.serviceCode,
                    "service_type": snapshot.openAPI[service.id] == nil ? "REST" : "OPENAPI", "subsystem_code": parts[3],
                    "xroad_instance": parts[0],
                    "endpoint_list": endpoints.map { ["method": $0.method, "path": Self.glob($0.path)] },
                ])
            }
            return LocalAnswer(body: Self.json(["service": listed]), contentType: "application/json")
        case .getOpenAPI:
            guard let code = Self.parameter("serviceCode", in: query), !code.isEmpty else {
                throw GatewayError("Server.ServerProxy.InvalidRequest", "Missing serviceCode in message body")
            }
            guard let service = services.first(where: { $0.serviceCode == code }) else {
                throw GatewayError("Server.ServerProxy.InternalError", "Service not found: SERVICE:\(provider)/\(code)")
            }
            guard let document = snapshot.openAPI[service.id] else {
                throw GatewayError("Server.ServerProxy.InternalError", "Invalid service type: REST")
            }
            return LocalAnswer(body: Self.anonymised(document), contentType: "application/json")
        }
    }

    /// An endpoint's path as X-Road lists it: each `{parameter}` segment as `*`.
    static func glob(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("{") && $0.hasSuffix("}") ? "*" : String($0) }
            .joined(separator: "/")
    }

    /// The description without the provider's own address: every `servers` list (the document's, a path's, an
    /// operation's) keeps only the path of each URL, its variables filled with their defaults (`https://10.0.0.5/api`
    /// becomes `/api`), as X-Road's security server does (its Openapi3Anonymiser); an entry that is not a server is
    /// dropped.
    static func anonymised(_ document: String) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any] else { return Data(document.utf8) }
        object = anonymisingServers(in: object)
        if var paths = object["paths"] as? [String: Any] {
            for (path, item) in paths {
                guard var item = item as? [String: Any] else { continue }
                item = anonymisingServers(in: item)
                for (method, operation) in item {
                    if let operation = operation as? [String: Any] { item[method] = anonymisingServers(in: operation) }
                }
                paths[path] = item
            }
            object["paths"] = paths
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// `object` with its `servers` reduced to their paths, each server's other fields (its description) kept. A URL
    /// with variables has them filled with their defaults first, and loses them: X-Road's security server leaves such
    /// a URL as it is, which would show the provider's address.
    static func anonymisingServers(in object: [String: Any]) -> [String: Any] {
        guard let servers = object["servers"] else { return object }
        var kept = object
        kept["servers"] = ((servers as? [Any]) ?? []).compactMap { entry -> [String: Any]? in
            guard var server = entry as? [String: Any], var url = server["url"] as? String else { return nil }
            if let variables = server["variables"] as? [String: Any] {
                for (name, variable) in variables {
                    let value = (variable as? [String: Any])?["default"].map { "\($0)" } ?? ""
                    url = url.replacingOccurrences(of: "{\(name)}", with: value)
                }
                server["variables"] = nil
            }
            let path = URLComponents(string: url)?.path ?? ""
            server["url"] = path.contains("{") ? "" : path
            return server
        }
        return kept
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
