import Foundation

/// X-Road's metaservices for REST, answered by the gateway from its registry snapshot:
/// `GET /r1/{instance}/listClients`, and on a provider subsystem `listMethods`, `allowedMethods` and
/// `getOpenAPI?serviceCode=`. JSON in the shapes of X-Road's service metadata protocol for REST.
enum Metaservice: String {
    case listClients, listMethods, allowedMethods, getOpenAPI

    /// The metaservice a call names, if any: `segments` are the path's parts after `r1`.
    static func named(in segments: [Substring]) -> (Metaservice, provider: String?)? {
        if segments.count == 2, segments[1] == "listClients" { return (.listClients, nil) }
        guard segments.count == 5, let service = Metaservice(rawValue: String(segments[4])), service != .listClients else { return nil }
        return (service, segments[0..<4].joined(separator: "/"))
    }

    /// The answer: status and JSON (or the OpenAPI document as it was uploaded).
    func answer(provider: String?, instance: String, consumer: String, query: Substring, snapshot: RegistrySnapshot) -> (Int, Data) {
        switch self {
        case .listClients:
            var clients: [[String: Any]] = []
            for member in snapshot.members.values.sorted(by: { $0.id < $1.id }) where member.instance == instance {
                clients.append([
                    "id": [
                        "xroad_instance": member.instance, "member_class": member.memberClass, "member_code": member.memberCode,
                        "object_type": "MEMBER",
                    ],
                    "name": member.name,
                ])
                for subsystem in snapshot.subsystems.values.sorted(by: { $0.id < $1.id }) where subsystem.memberID == member.id {
                    clients.append([
                        "id": [
                            "xroad_instance": member.instance, "member_class": member.memberClass, "member_code": member.memberCode,
                            "subsystem_code": subsystem.subsystemCode, "object_type": "SUBSYSTEM",
                        ],
                        "name": subsystem.name,
                    ])
                }
            }
            return (200, Self.json(["member": clients]))
        case .listMethods, .allowedMethods:
            guard let provider, snapshot.subsystems[provider] != nil else {
                return (404, Self.json(["type": "Server.ServerProxy.UnknownClient", "detail": "No subsystem \(provider ?? "") is registered."]))
            }
            let services = (snapshot.services[provider] ?? [:]).values.flatMap { $0 }.filter(\.enabled).sorted { $0.id < $1.id }
            let listed =
                self == .listMethods
                ? services
                : services.filter { service in
                    (snapshot.rights[service.id] ?? []).contains { snapshot.grants($0, to: consumer) }
                }
            let parts = provider.split(separator: "/").map(String.init)
            return (
                200,
                Self.json([
                    "service": listed.map { service -> [String: Any] in
                        var entry: [String: Any] = [
                            "xroad_instance": parts[0], "member_class": parts[1], "member_code": parts[2], "subsystem_code": parts[3],
                            "service_code": service.serviceCode, "object_type": "SERVICE", "service_type": "REST",
                        ]
                        if let version = service.version { entry["service_version"] = version }
                        return entry
                    }
                ])
            )
        case .getOpenAPI:
            let code = URLComponents(string: "http://x/?" + query)?.queryItems?.first { $0.name == "serviceCode" }?.value
            guard let provider, let code, let service = snapshot.services[provider]?[code]?.first(where: \.enabled),
                let document = snapshot.openAPI[service.id]
            else {
                return (404, Self.json(["type": "Server.ServerProxy.UnknownService", "detail": "No OpenAPI description for that serviceCode."]))
            }
            return (200, Self.anonymised(document))
        }
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

    /// `object` with its `servers` reduced to their paths.
    static func anonymisingServers(in object: [String: Any]) -> [String: Any] {
        guard let servers = object["servers"] else { return object }
        var kept = object
        kept["servers"] = ((servers as? [Any]) ?? []).compactMap { entry -> [String: Any]? in
            guard let server = entry as? [String: Any], var url = server["url"] as? String else { return nil }
            for (name, variable) in (server["variables"] as? [String: Any]) ?? [:] {
                let value = (variable as? [String: Any])?["default"].map { "\($0)" } ?? ""
                url = url.replacingOccurrences(of: "{\(name)}", with: value)
            }
            let path = URLComponents(string: url)?.path ?? ""
            return ["url": path.contains("{") ? "" : path]
        }
        return kept
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
