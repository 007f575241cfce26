import Foundation
import HTTPTypes
import ProvinceStore
import Testing

@testable import Hub
@testable import ProvinceWeb

/// Registering a provider, a consumer, a service described by OpenAPI, a right and a key through the API.
@Suite struct HubAPITests {
    @Test func operatorRegistersAServiceAndGrantsIt() async throws {
        try await TestPlatform.withDemo { platform, http in
            let admin = try await http.token("admin")
            let health = try #require(try await platform.agencies.find(code: "000.00.07.H38"))
            func post(_ path: String, _ body: [String: Any]) async throws -> TestHTTP.Reply {
                try await http.request(.post, path, token: admin, json: body)
            }
            #expect(
                try await post("/api/v1/hub/members", ["instance": "VN", "memberClass": "GOV", "memberCode": "000.00.02.H38", "name": "Sở TTTT"])
                    .status == 201)
            #expect(
                try await post(
                    "/api/v1/hub/members",
                    ["instance": "VN", "memberClass": "GOV", "memberCode": "000.00.07.H38", "name": "Sở Y tế", "agencyID": health.id]
                ).status == 201)
            #expect(
                try await post("/api/v1/hub/members", ["instance": "VN", "memberClass": "GOV", "memberCode": "000.00.07.H38", "name": "again"]).status
                    == 409)
            #expect(try await post("/api/v1/hub/members", ["instance": "VN", "memberClass": "G/OV", "memberCode": "x", "name": "Bad"]).status == 400)
            #expect(
                try await post("/api/v1/hub/subsystems", ["memberID": "VN/GOV/000.00.02.H38", "subsystemCode": "DATA", "name": "Kho dữ liệu"]).status
                    == 201)
            #expect(
                try await post("/api/v1/hub/subsystems", ["memberID": "VN/GOV/000.00.07.H38", "subsystemCode": "YTE", "name": "Hệ thống y tế"]).status
                    == 201)
            #expect(try await post("/api/v1/hub/subsystems", ["memberID": "VN/GOV/nobody", "subsystemCode": "X", "name": "Không có"]).status == 404)

            let created = try await post(
                "/api/v1/hub/services",
                ["subsystemID": "VN/GOV/000.00.02.H38/DATA", "serviceCode": "citizens", "upstreamURL": "http://127.0.0.1:9/api"])
            #expect(created.status == 201)
            #expect(created["enabled"] as? Bool == false)
            #expect(
                try await post("/api/v1/hub/services", ["subsystemID": "VN/GOV/000.00.02.H38/DATA", "serviceCode": "bad", "upstreamURL": "ftp://x"])
                    .status == 400)

            let openAPI = #"{"openapi": "3.0.3", "paths": {"/citizens/{id}": {"get": {}, "delete": {}}, "/citizens": {"post": {}}}}"#
            let described = try await http.request(
                .put, "/api/v1/hub/services/VN:GOV:000.00.02.H38:DATA:citizens/openapi", token: admin, rawBody: openAPI)
            #expect(described.status == 200)
            let endpoints = (described["endpoints"] as? [[String: String]] ?? []).map { "\($0["method"]!) \($0["path"]!)" }
            #expect(endpoints == ["POST /citizens", "DELETE /citizens/{id}", "GET /citizens/{id}"])
            let notOpenAPI = try await http.request(
                .put, "/api/v1/hub/services/VN:GOV:000.00.02.H38:DATA:citizens/openapi", token: admin, rawBody: "{}")
            #expect(notOpenAPI.status == 400)

            let enabled = try await http.request(
                .patch, "/api/v1/hub/services/VN:GOV:000.00.02.H38:DATA:citizens", token: admin, json: ["enabled": true])
            #expect(enabled["enabled"] as? Bool == true)
            let right = try await post(
                "/api/v1/hub/rights",
                [
                    "consumerID": "VN/GOV/000.00.07.H38/YTE", "serviceID": "VN/GOV/000.00.02.H38/DATA/citizens", "method": "GET",
                    "path": "/citizens/{id}",
                ])
            #expect(right.status == 201)
            #expect(
                try await post(
                    "/api/v1/hub/rights",
                    ["consumerID": "VN/GOV/000.00.07.H38/YTE", "serviceID": "VN/GOV/000.00.02.H38/DATA/citizens", "method": "GET"]
                ).status == 400)
            let rights = try await http.request(.get, "/api/v1/hub/services/VN:GOV:000.00.02.H38:DATA:citizens/rights", token: admin)
            #expect(rights.items.count == 1)

            // The Department of Health's administrator manages its own subsystem's keys, not the provider's.
            let healthAdmin = try await http.token("yte.quantri")
            let key = try await http.request(
                .post, "/api/v1/hub/subsystems/VN:GOV:000.00.07.H38:YTE/keys", token: healthAdmin, json: ["name": "production"])
            #expect(key.status == 201)
            #expect((key["secret"] as? String)?.hasPrefix("hub_") == true)
            let denied = try await http.request(
                .post, "/api/v1/hub/subsystems/VN:GOV:000.00.02.H38:DATA/keys", token: healthAdmin, json: ["name": "x"])
            #expect(denied.status == 403)
            #expect(try await http.request(.delete, "/api/v1/hub/rights/\(right["id"] as! String)", token: healthAdmin).status == 403)
            #expect(try await http.request(.delete, "/api/v1/hub/rights/\(right["id"] as! String)", token: admin).status == 204)

            // Every change is in the audit trail.
            let trail = try await http.request(.get, "/api/v1/audit?targetType=hub_service&limit=200", token: admin)
            let actions = Set(trail.items.compactMap { $0["action"] as? String })
            #expect(
                actions.isSuperset(of: ["hub.service.create", "hub.service.describe", "hub.service.update", "hub.right.grant", "hub.right.revoke"]))
        }
    }

    @Test func messageLogIsQueriedAndExportedAsJSONLines() async throws {
        try await TestPlatform.withDemo { platform, http in
            for index in 1...5 {
                try await MessageLog.append(
                    [
                        MessageRecord(
                            messageID: "id-\(index)", consumer: index % 2 == 0 ? "VN/GOV/A/X" : "VN/GOV/B/Y", service: "VN/GOV/C/Z/svc",
                            method: "GET", path: "/r1/VN/GOV/C/Z/svc/\(index)", status: 200, error: nil, requestBytes: 0, responseBytes: index,
                            requestSHA256: "", responseSHA256: "", receivedAt: Timestamp.now(), forwardedAt: nil, answeredAt: Timestamp.now())
                    ], in: platform.database)
            }
            let admin = try await http.token("admin")
            let listed = try await http.request(.get, "/api/v1/hub/messages?consumer=VN/GOV/A/X", token: admin)
            #expect(listed.items.compactMap { $0["messageID"] as? String } == ["id-4", "id-2"])
            let export = try await http.request(.get, "/api/v1/hub/messages/export", token: admin)
            #expect(export.status == 200)
            #expect(export.headers[.contentType] == "application/x-ndjson")
            let lines = export.body.split(separator: "\n")
            #expect(lines.count == 5)
            let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(first?["messageID"] as? String == "id-1")
            let filtered = try await http.request(.get, "/api/v1/hub/messages/export?consumer=VN/GOV/B/Y&from=2000-01-01", token: admin)
            #expect(filtered.body.split(separator: "\n").count == 3)
            #expect(try await http.request(.get, "/api/v1/hub/messages/export?from=soon", token: admin).status == 400)
            #expect(try await http.request(.get, "/api/v1/hub/messages/export", token: try await http.token("yte.quantri")).status == 403)
        }
    }
}
