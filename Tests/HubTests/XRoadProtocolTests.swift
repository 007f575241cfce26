import Audit
import Crypto
import Foundation
import HTTPTypes
import Hub
import Hummingbird
import ProvinceCore
import ProvinceStore
import TestSupport
import Testing

/// X-Road's Message Protocol for REST and its metaservices, from their own examples (docs/x-road/requirements.md, R-numbers
/// below): the requests the documents show are sent byte for byte, and what the provider and the client see is
/// checked against what the documents say they see.
@Suite struct XRoadProtocolTests {
    static let client = "INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1"
    static let provider = "INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2"

    struct Example {
        var fixture: GatewayTests.Fixture
        var key: String
        var port: Int { fixture.gatewayPort }
    }

    /// The documents' registry: MEMBER1's SUBSYSTEM1 calls MEMBER2's SUBSYSTEM2, whose BARSERVICE is at the provider's
    /// `/` and whose `based` service is at `/base/`; PETSTORE is described by OpenAPI and SUBSYSTEM1 may call only
    /// `GET /pet/{id}` of it.
    static func withExample(_ body: @Sendable (Example) async throws -> Void) async throws {
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .options] {
            router.on("**", method: method, use: echo)
            router.on("/", method: method, use: echo)
        }
        try await TestServer.with(router) { upstreamPort in
            try await GatewayTests.withFixture { fixture in
                let actor = Actor(system: "test")
                let registry = fixture.registry
                for (member, name) in [("MEMBER1", "Member One"), ("MEMBER2", "Member Two")] {
                    _ = try await registry.createMember(
                        instance: "INSTANCE", memberClass: member == "MEMBER1" ? "CLASS1" : "CLASS2", memberCode: member, name: name, agencyID: nil,
                        by: actor)
                }
                _ = try await registry.createSubsystem(
                    memberID: "INSTANCE/CLASS1/MEMBER1", code: "SUBSYSTEM1", name: "Subsystem One", rateLimitPerSecond: nil, by: actor)
                _ = try await registry.createSubsystem(
                    memberID: "INSTANCE/CLASS2/MEMBER2", code: "SUBSYSTEM2", name: "Subsystem Two", rateLimitPerSecond: nil, by: actor)
                let base = "http://127.0.0.1:\(upstreamPort)"
                for (code, url) in [("BARSERVICE", base + "/"), ("based", base + "/base/"), ("PETSTORE", base + "/v3")] {
                    let service = try await registry.createService(
                        subsystemID: provider, ServiceInput(serviceCode: code, upstreamURL: url), by: actor)
                    _ = try await registry.updateService(service.id, ServiceInput(enabled: true), by: actor)
                    if code == "PETSTORE" {
                        _ = try await registry.describe(service.id, openAPI: petstore, by: actor)
                        _ = try await registry.grant(
                            consumerID: client, serviceID: service.id, endpoint: HubEndpoint(method: "GET", path: "/pet/{id}"), by: actor)
                    } else {
                        _ = try await registry.grant(consumerID: client, serviceID: service.id, endpoint: nil, by: actor)
                    }
                }
                let key = try await registry.issueKey(subsystemID: client, name: "test", by: actor).secret
                try await fixture.gateway.reloadRegistry()
                try await body(Example(fixture: fixture, key: key))
            }
        }
    }

    /// What the provider was sent: method, URI and header lines, as JSON; its answer also carries headers the hub must
    /// not pass on as they are (`Server`, X-Road's own) and one it must (`X-Road-Foo`).
    @Sendable static func echo(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let seen: [String: Any] = [
            "method": request.method.rawValue, "uri": request.uri.description,
            "headers": request.headers.map { [$0.name.rawName, $0.value] }, "body": String(buffer: body),
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.server] = "provider.internal"
        headers[HTTPField.Name("X-Road-Id")!] = "forged-by-provider"
        headers[HTTPField.Name("X-Road-Request-Hash")!] = "forged"
        headers[HTTPField.Name("X-Road-Foo")!] = "kept"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: seen))))
    }

    /// A description with the endpoints of PR-MREST's example B.1 (the Swagger petstore).
    static let petstore = Data(
        """
        {"openapi":"3.0.0","servers":[{"url":"https://petstore.internal:8443/v3"}],"paths":{
        "/pet":{"put":{},"post":{}},"/pet/findByStatus":{"get":{}},"/pet/findByTags":{"get":{}},
        "/pet/{petId}":{"get":{},"post":{},"delete":{}},"/pet/{petId}/uploadImage":{"post":{}},"/store/inventory":{"get":{}},
        "/store/order":{"post":{}},"/store/order/{orderId}":{"get":{},"delete":{}},"/user":{"post":{}},
        "/user/createWithList":{"post":{}},"/user/login":{"get":{}},"/user/logout":{"get":{}},
        "/user/{username}":{"get":{},"put":{},"delete":{}}}}
        """.utf8)

    /// Sends a request byte for byte: the request line, the given header lines, the hub's key, and `Connection: close`.
    static func send(
        _ example: Example, _ target: String, method: String = "GET", headers: [String] = ["X-Road-Client: \(client)"], key: Bool = true,
        body: String = ""
    ) async throws -> RawHTTP.Reply {
        var lines = ["\(method) \(target) HTTP/1.1", "Host: securityserver"] + headers
        if key { lines.append("X-Road-Client-Key: \(example.key)") }
        if !body.isEmpty { lines.append("Content-Length: \(body.utf8.count)") }
        lines.append("Connection: close")
        return try await RawHTTP.send(lines.joined(separator: "\r\n") + "\r\n\r\n" + body, port: example.port)
    }

    static func seen(_ reply: RawHTTP.Reply) -> (method: String, uri: String, headers: [(String, String)]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any] else {
            Issue.record("not the provider's echo: \(reply.status) \(reply.body.prefix(300))")
            return ("", "", [])
        }
        let headers = (object["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        return (object["method"] as? String ?? "", object["uri"] as? String ?? "", headers)
    }

    static func values(_ headers: [(String, String)], _ name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }

    /// R1.2, R2.10, R2.11, R2.12: PR-REST §4.1's example request, and what the provider and the client see.
    @Test func theProtocolsOwnExample() async throws {
        try await Self.withExample { example in
            let reply = try await Self.send(
                example, "/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy?quu=1",
                headers: ["X-Road-Client: \(Self.client)", "User-Agent: client-host/1.0", "X-Road-Request-Id: mine", "X-Road-Request-Hash: mine"])
            #expect(reply.status == 200, "\(reply.body)")
            let seen = Self.seen(reply)
            // "the provider will see the request GET https://barservice.example.org/v1/bar/zyggy?quu=1"
            #expect(seen.method == "GET")
            #expect(seen.uri == "/v1/bar/zyggy?quu=1")
            #expect(Self.values(seen.headers, "X-Road-Client") == [Self.client])
            #expect(Self.values(seen.headers, "User-Agent").allSatisfy { $0 != "client-host/1.0" })
            #expect(Self.values(seen.headers, "X-Road-Request-Hash").isEmpty)
            let requestID = try #require(Self.values(seen.headers, "X-Road-Request-Id").first)
            #expect(requestID != "mine" && UUID(uuidString: requestID) != nil)
            let messageID = try #require(Self.values(seen.headers, "X-Road-Id").first)
            // R2.2: generated as the security server does, `{instance}-{UUID}`.
            #expect(messageID.hasPrefix("INSTANCE-") && UUID(uuidString: String(messageID.dropFirst(9))) != nil)

            // R2.10: the client gets the ids, the client, the five-part service, the request id and hash, nothing the
            // provider forged in their place, and no `Server`.
            #expect(reply.header("X-Road-Id") == messageID)
            #expect(reply.header("X-Road-Client") == Self.client)
            #expect(reply.header("X-Road-Service") == "INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE")
            #expect(reply.header("X-Road-Request-Id") == requestID)
            #expect(reply.headers.filter { $0.name.lowercased() == "x-road-id" }.count == 1)
            #expect(reply.header("Server") == nil)
            #expect(reply.header("X-Road-Foo") == "kept")
            #expect(reply.header("X-Road-Error") == nil)

            // R2.6: SHA-512 over the head as the client sent it (filtered headers left out), then the request id and
            // the id the gateway made; no body, so the head's hash alone.
            let head =
                "GET\r\n/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy?quu=1\r\nX-Road-Client:\(Self.client)\r\n"
                + "X-Road-Client-Key:\(example.key)\r\nx-road-request-id:\(requestID)\r\nx-road-id:\(messageID)\r\n"
            #expect(reply.header("X-Road-Request-Hash") == Data(SHA512.hash(data: Data(head.utf8))).base64EncodedString())
        }
    }

    /// R2.2, R2.3, R2.4, R2.6, R5: the client's own `X-Road-Id` is kept as given, its user, issue and represented party
    /// reach the provider and the message log, and a body enters the hash.
    @Test func aClientsIdsAndHeadersAreKeptAndLogged() async throws {
        try await Self.withExample { example in
            let headers = [
                "X-Road-Client: \(Self.client)", "X-Road-Id: fa2e18a5-c2cb-4d09-b994-f57727f7c3fb", "X-Road-UserId: EE12345678901",
                "X-Road-Issue: MT324223MSD", "X-Road-Represented-Party: MEMBERCLASS/MEMBERCODE", "Content-Type: application/json; charset=utf-8",
            ]
            let body = #"{"name":"zyggy"}"#
            let reply = try await Self.send(
                example, "/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar", method: "POST", headers: headers, body: body)
            #expect(reply.status == 200, "\(reply.body)")
            let seen = Self.seen(reply)
            for header in headers {
                let (name, value) = (String(header.prefix { $0 != ":" }), String(header.drop { $0 != ":" }.dropFirst(2)))
                #expect(Self.values(seen.headers, name) == [value], "\(name)")
            }
            #expect(reply.header("X-Road-Id") == "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb")
            let requestID = try #require(reply.header("X-Road-Request-Id"))
            let head =
                "POST\r\n/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar\r\n"
                + headers.map { $0.replacingOccurrences(of: ": ", with: ":") + "\r\n" }
                .joined() + "X-Road-Client-Key:\(example.key)\r\nx-road-request-id:\(requestID)\r\n"
            var outer = SHA512()
            outer.update(data: Data(SHA512.hash(data: Data(head.utf8))))
            outer.update(data: Data(SHA512.hash(data: Data(body.utf8))))
            #expect(reply.header("X-Road-Request-Hash") == Data(outer.finalize()).base64EncodedString())

            try await example.fixture.gateway.journal.importPending()
            let record = try #require(try await MessageLog.records(limit: 1, in: example.fixture.database).first)
            #expect(record.messageID == "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb")
            #expect(record.requestID == requestID)
            #expect(record.requestHash == reply.header("X-Road-Request-Hash"))
            #expect(record.userID == "EE12345678901")
            #expect(record.issue == "MT324223MSD")
            #expect(record.representedParty == "MEMBERCLASS/MEMBERCODE")
            #expect(try await MessageLog.verify(example.fixture.database).isIntact)
            // The X-Road fields are in the chain: altering one is caught.
            try await example.fixture.database.write { db in
                try await db.raw("UPDATE hub_messages SET user_id = 'EE00000000000' WHERE seq = \(bind: record.seq)").run()
            }
            #expect(try await MessageLog.verify(example.fixture.database).firstBadSeq == record.seq)
        }
    }

    /// R1.8: with no path of its own a call goes to the service's URL exactly; with `/`, to the URL and `/`.
    @Test func aCallWithNoSubPathGoesToTheServiceURL() async throws {
        try await Self.withExample { example in
            let base = "/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2"
            for (target, uri) in [
                ("\(base)/based", "/base/"), ("\(base)/based/", "/base/"), ("\(base)/based/x?y=1", "/base/x?y=1"), ("\(base)/BARSERVICE", "/"),
                ("\(base)/PETSTORE?q=1", "/v3?q=1"),
            ] {
                let reply = try await Self.send(example, target)
                if target.hasSuffix("PETSTORE?q=1") {
                    // PETSTORE's right is GET /pet/{id} only: the service's own URL is not within it.
                    #expect(reply.status == 500 && reply.header("X-Road-Error") == "Server.ServerProxy.AccessDenied")
                    continue
                }
                #expect(reply.status == 200, "\(target): \(reply.body)")
                #expect(Self.seen(reply).uri == uri, "\(target)")
            }
        }
    }

    /// R1.5, R1.9: identifier parts are percent-decoded one by one; a member calls with its 3-part id; parts that
    /// cannot be read are refused with the security server's words.
    @Test func identifiersArePercentDecodedAndMembersCall() async throws {
        try await Self.withExample { example in
            let encoded = try await Self.send(
                example, "/r1/INSTANCE/CLASS%32/MEMBER2/SUBSYSTEM2/BAR%53ERVICE/x", headers: ["X-Road-Client: INSTANCE/CLASS1/MEMBER1/SUBSYSTEM%31"])
            #expect(encoded.status == 200, "\(encoded.body)")
            #expect(encoded.header("X-Road-Service") == "INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE")
            for (target, message) in [
                ("/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BAR%zzSERVICE", "Invalid percent encoding"),
                ("/r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE%4", "Incomplete percent encoding"),
                ("/r1/INSTANCE/CLASS2/MEMBER2/SUB\"SYSTEM2/BARSERVICE", "Invalid character in path segment"),
                ("/r1/INSTANCE/CLASS2/MEMBER2", "Invalid request URI"),
                ("/r2/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE", "Unsupported protocol version 2"),
            ] {
                let reply = try await Self.send(example, target)
                #expect(reply.status == 400, "\(target)")
                #expect(reply.header("X-Road-Error") == "Client.BadRequest", "\(target)")
                let error = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: String]
                #expect(error?["message"] == message, "\(target): \(reply.body)")
            }
            // The member, proved by its subsystem's key: the metaservices answer it; a service it holds no right to does not.
            let member = ["X-Road-Client: INSTANCE/CLASS1/MEMBER1"]
            let methods = try await Self.send(example, "/r1/\(Self.provider)/listMethods", headers: member)
            #expect(methods.status == 200, "\(methods.body)")
            #expect(methods.header("X-Road-Client") == "INSTANCE/CLASS1/MEMBER1")
            let call = try await Self.send(example, "/r1/\(Self.provider)/BARSERVICE/x", headers: member)
            #expect(call.status == 500 && call.header("X-Road-Error") == "Server.ServerProxy.AccessDenied")
            // Another member's id is not proved by this key.
            let other = try await Self.send(example, "/r1/\(Self.provider)/listMethods", headers: ["X-Road-Client: INSTANCE/CLASS2/MEMBER2"])
            #expect(other.status == 400 && other.header("X-Road-Error") == "Client.WrongClient")
            // No X-Road-Client: the protocol's one mandatory header.
            let missing = try await Self.send(example, "/r1/\(Self.provider)/BARSERVICE/x", headers: [])
            #expect(missing.status == 400 && missing.body.contains("The client identifier is missing"))
        }
    }

    /// R3.2–R3.5, R3.8: the security server's errors: `{type, message, detail}` with `X-Road-Error`, 500 for `Server.…`,
    /// JSON unless `Accept` asks for XML, as the oracle's table of `Accept` values says.
    @Test func errorsFollowTheProtocol() async throws {
        try await Self.withExample { example in
            let table: [(String?, String)] = [
                ("application/json;charset=utf-8", "application/json;charset=utf-8"), ("foobarbaz", "application/json;charset=utf-8"),
                (nil, "application/json;charset=utf-8"), ("application/xml", "application/xml;charset=utf-8"), ("text/xml", "text/xml;charset=utf-8"),
                ("application/xml, text/xml", "application/xml;charset=utf-8"), ("text/xml, application/xml", "text/xml;charset=utf-8"),
                ("text/xml-patch+xml", "application/json;charset=utf-8"), ("application/xml; q=0.2", "application/xml;charset=utf-8"),
                ("text/xml, application/xml, application/json", "text/xml;charset=utf-8"), ("text/*", "text/xml;charset=utf-8"),
            ]
            for (accept, contentType) in table {
                let headers = ["X-Road-Client: \(Self.client)"] + (accept.map { ["Accept: \($0)"] } ?? [])
                let reply = try await Self.send(example, "/r1/\(Self.provider)/nothing", headers: headers)
                #expect(reply.status == 500)
                #expect(reply.header("X-Road-Error") == "Server.ServerProxy.UnknownService")
                #expect(reply.header("Content-Type") == contentType, "\(accept ?? "none")")
                #expect(reply.header("Date") != nil)
                let message = "Unknown service: SERVICE:\(Self.provider)/nothing"
                if contentType.hasPrefix("application/json") {
                    let error = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: String]
                    #expect(error?.keys.sorted() == ["detail", "message", "type"])
                    #expect(error?["type"] == "Server.ServerProxy.UnknownService" && error?["message"] == message)
                    #expect(UUID(uuidString: error?["detail"] ?? "") != nil)
                } else {
                    #expect(
                        reply.body.hasPrefix(
                            #"<?xml version="1.0" encoding="UTF-8" standalone="no"?><error><type>Server.ServerProxy.UnknownService</type>"#))
                    #expect(reply.body.contains("<message>\(message)</message><detail>"))
                    #expect(reply.body.hasSuffix("</detail></error>"))
                }
            }
            // The right to one endpoint: another is denied as X-Road words it.
            let denied = try await Self.send(example, "/r1/\(Self.provider)/PETSTORE/store/inventory")
            #expect(denied.status == 500 && denied.header("X-Road-Error") == "Server.ServerProxy.AccessDenied")
            #expect(denied.body.contains("Request is not allowed: SERVICE:\(Self.provider)/PETSTORE"))
            #expect(try await Self.send(example, "/r1/\(Self.provider)/PETSTORE/pet/12").status == 200)
        }
    }

    /// R4.1, PR-META Annex C.1: `listClients` in XML by default and in JSON when asked, every member and subsystem.
    @Test func listClientsAnswersAsTheExamples() async throws {
        try await Self.withExample { example in
            let xml = try await Self.send(example, "/listClients?xRoadInstance=INSTANCE", headers: [])
            #expect(xml.status == 200)
            #expect(xml.header("Content-Type") == "text/xml; charset=UTF-8")
            #expect(xml.body.hasPrefix(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#))
            #expect(
                xml.body.contains(
                    #"<ns2:member><ns2:id ns1:objectType="SUBSYSTEM"><ns1:xRoadInstance>INSTANCE</ns1:xRoadInstance><ns1:memberClass>CLASS1</ns1:memberClass>"#
                        + #"<ns1:memberCode>MEMBER1</ns1:memberCode><ns1:subsystemCode>SUBSYSTEM1</ns1:subsystemCode></ns2:id><ns2:name>Member One</ns2:name>"#
                        + "<ns2:subsystemName>Subsystem One</ns2:subsystemName></ns2:member>"))
            #expect(xml.body.components(separatedBy: "<ns2:member>").count - 1 == 4)
            #expect(xml.body.hasSuffix("</ns2:clientList>"))

            let json = try await Self.send(example, "/listClients?xRoadInstance=INSTANCE", headers: ["Accept: application/json"])
            #expect(json.header("Content-Type") == "application/json; charset=utf-8")
            let members = ((try JSONSerialization.jsonObject(with: Data(json.body.utf8))) as? [String: Any])?["member"] as? [[String: Any]] ?? []
            #expect(members.count == 4)
            let subsystem = try #require(members.first { ($0["id"] as? [String: String])?["subsystem_code"] == "SUBSYSTEM2" })
            #expect(
                subsystem["id"] as? [String: String] == [
                    "member_class": "CLASS2", "member_code": "MEMBER2", "subsystem_code": "SUBSYSTEM2", "object_type": "SUBSYSTEM",
                    "xroad_instance": "INSTANCE",
                ])
            #expect(subsystem["name"] as? String == "Member Two" && subsystem["subsystem_name"] as? String == "Subsystem Two")
            let member = try #require(members.first { ($0["id"] as? [String: String])?["object_type"] == "MEMBER" })
            #expect(member.keys.sorted() == ["id", "name"])
            // Without the parameter, the hub's own instance: the one most of its members are of.
            _ = try await example.fixture.registry.createMember(
                instance: "VN", memberClass: "GOV", memberCode: "000.00.09.H38", name: "Sở Tài chính", agencyID: nil, by: Actor(system: "test"))
            try await example.fixture.gateway.reloadRegistry()
            let local = try await Self.send(example, "/listClients", headers: ["Accept: application/json"])
            #expect(local.body.contains(#""xroad_instance":"VN""#) && !local.body.contains("INSTANCE"))
        }
    }

    /// R4.2, PR-MREST Annex B.1 and B.2: listMethods lists every endpoint, a described service as OPENAPI;
    /// allowedMethods only what the caller's rights reach.
    @Test func listAndAllowedMethodsAnswerAsTheExamples() async throws {
        try await Self.withExample { example in
            let listed = try await Self.send(
                example, "/r1/\(Self.provider)/listMethods", headers: ["X-Road-Client: \(Self.client)", "Accept: application/json"])
            #expect(listed.status == 200 && listed.header("Content-Type") == "application/json")
            #expect(listed.header("X-Road-Request-Hash")?.count == 88)
            let services = Self.services(listed)
            let petstore = try #require(services.first { $0["service_code"] as? String == "PETSTORE" })
            #expect(petstore["service_type"] as? String == "OPENAPI" && petstore["object_type"] as? String == "SERVICE")
            #expect(petstore["xroad_instance"] as? String == "INSTANCE" && petstore["subsystem_code"] as? String == "SUBSYSTEM2")
            #expect(petstore["service_version"] == nil)
            let b1: Set<String> = [
                "PUT /pet", "POST /pet", "GET /pet/findByStatus", "GET /pet/findByTags", "GET /pet/*", "POST /pet/*", "DELETE /pet/*",
                "POST /pet/*/uploadImage", "GET /store/inventory", "POST /store/order", "GET /store/order/*", "DELETE /store/order/*", "POST /user",
                "POST /user/createWithList", "GET /user/login", "GET /user/logout", "GET /user/*", "PUT /user/*", "DELETE /user/*",
            ]
            #expect(Self.endpoints(petstore) == b1)
            let bar = try #require(services.first { $0["service_code"] as? String == "BARSERVICE" })
            #expect(bar["service_type"] as? String == "REST" && Self.endpoints(bar).isEmpty)

            let allowed = Self.services(try await Self.send(example, "/r1/\(Self.provider)/allowedMethods"))
            let allowedPetstore = try #require(allowed.first { $0["service_code"] as? String == "PETSTORE" })
            #expect(Self.endpoints(allowedPetstore) == ["GET /pet/findByStatus", "GET /pet/findByTags", "GET /pet/*"])
            // Another subsystem with no right sees no service at all.
            let none = Self.services(
                try await RawHTTP.send(
                    "GET /r1/\(Self.provider)/allowedMethods HTTP/1.1\r\nX-Road-Client: \(GatewayTests.consumer)\r\n"
                        + "X-Road-Client-Key: \(example.fixture.consumerKey)\r\nConnection: close\r\n\r\n", port: example.port))
            #expect(none.isEmpty)
        }
    }

    /// R4.4: getOpenAPI without the provider's address, and its errors in the security server's words.
    @Test func getOpenAPIAnswersAndFailsAsTheSecurityServer() async throws {
        try await Self.withExample { example in
            let document = try await Self.send(example, "/r1/\(Self.provider)/getOpenAPI?serviceCode=PETSTORE")
            #expect(document.status == 200)
            #expect(document.body.contains(#""url":"\/v3""#) || document.body.contains(#""url":"/v3""#))
            #expect(!document.body.contains("petstore.internal"))
            for (query, type, message) in [
                ("", "Server.ServerProxy.InvalidRequest", "Missing serviceCode in message body"),
                ("?serviceCode=", "Server.ServerProxy.InvalidRequest", "Missing serviceCode in message body"),
                ("?serviceCode=nothing", "Server.ServerProxy.InternalError", "Service not found: SERVICE:\(Self.provider)/nothing"),
                ("?serviceCode=BARSERVICE", "Server.ServerProxy.InternalError", "Invalid service type: REST"),
            ] {
                let reply = try await Self.send(example, "/r1/\(Self.provider)/getOpenAPI\(query)")
                #expect(reply.status == 500 && reply.header("X-Road-Error") == type, "\(query)")
                let error = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: String]
                #expect(error?["message"] == message, "\(query)")
            }
        }
    }

    static func services(_ reply: RawHTTP.Reply) -> [[String: Any]] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any],
            let services = object["service"] as? [[String: Any]]
        else {
            Issue.record("not a service list: \(reply.status) \(reply.body.prefix(300))")
            return []
        }
        return services
    }

    static func endpoints(_ service: [String: Any]) -> Set<String> {
        Set((service["endpoint_list"] as? [[String: String]] ?? []).map { "\($0["method"] ?? "") \($0["path"] ?? "")" })
    }
}
