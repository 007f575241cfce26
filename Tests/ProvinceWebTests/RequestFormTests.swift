import Directory
import Foundation
import TestSupport
import Testing

@testable import ProvinceWeb

/// A request is put in one form before any check reads it: a path spelled another way reaches the same checks, a
/// header that must come once is refused when it comes twice, and the language switch sends nobody off the site.
@Suite struct RequestFormTests {
    /// A GET sent byte for byte as given.
    static func get(_ target: String, port: Int, headers: [String] = []) async throws -> RawHTTP.Reply {
        try await RawHTTP.send(
            "GET \(target) HTTP/1.1\r\nHost: localhost\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n", port: port)
    }

    @Test func theAPIIsBearerOnlyHoweverItsPathIsSpelled() async throws {
        try await TestPlatform.withDemo { platform, http in
            let port = try #require(http.client.port)
            let admin = try #require(try await platform.accounts.find(username: "admin"))
            let (cookie, _) = try await platform.sessions.open(for: admin, kind: .web, address: nil)
            for target in ["/api/v1/me", "//api/v1/me", "/./api/v1/me", "/api/v1/../v1/me", "/api/v1/x/%2e%2e/me", "/%61pi/v1/me", "///api//v1//me"] {
                let reply = try await Self.get(target, port: port, headers: ["Cookie: op_session=\(cookie)"])
                #expect(reply.status == 401, "\(target): \(reply.status) \(reply.body)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(target)")
                #expect(!reply.body.contains("\"username\""), "\(target) answered as the cookie's account")
            }
            // The same paths with a bearer token reach the API as it is.
            let token = try await http.token("admin")
            for target in ["//api/v1/me", "/api/v1/x/%2e%2e/me"] {
                let reply = try await Self.get(target, port: port, headers: ["Authorization: Bearer \(token)"])
                #expect(reply.status == 200, "\(target): \(reply.body)")
                #expect(reply.body.contains("\"username\":\"admin\""))
            }
        }
    }

    @Test func aPathThatCannotBePutInOneFormIsRefused() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            for target in ["/api/v1/../../../etc/passwd", "/api/v1/units%2F2025:68", "/api/v1/units/%00", "/api/v1/units/%zz", "/api/v1/units\\x"] {
                let reply = try await Self.get(target, port: port)
                #expect(reply.status == 400, "\(target): \(reply.status) \(reply.body)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(target)")
            }
            let page = try await Self.get("/../units", port: port)
            #expect(page.status == 400)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        }
    }

    @Test func aHeaderThatMustComeOnceIsRefusedWhenItComesTwice() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            let token = try await http.token("admin")
            let twice = try await Self.get(
                "/api/v1/me", port: port, headers: ["Authorization: Bearer \(token)", "Authorization: Bearer made-up-token-that-is-long-enough"])
            #expect(twice.status == 400, "\(twice.body)")
            #expect(twice.header("Content-Type") == "application/problem+json")
            let once = try await Self.get("/api/v1/me", port: port, headers: ["Authorization: Bearer \(token)"])
            #expect(once.status == 200)
        }
    }

    @Test func theLanguageSwitchSendsNobodyOffTheSite() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            let cases = [
                "/%5Cevil.example": "/", "//evil.example": "/", "/%5C%5Cevil.example": "/", "https://evil.example": "/",
                "/%09/evil.example": "/", "/services%3Fq%3Dgiay": "/services?q=giay", "/track": "/track",
            ]
            for (next, expected) in cases {
                let reply = try await Self.get("/language/en?next=\(next)", port: port)
                #expect(reply.status == 303 || reply.status == 302, "\(next): \(reply.status)")
                #expect(reply.header("Location") == expected, "\(next) → \(reply.header("Location") ?? "none")")
            }
        }
    }

    @Test func cookiesAreSecureAndHSTSIsSentOverHTTPS() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            let plain = try await Self.get("/sign-in", port: port)
            #expect(plain.header("Strict-Transport-Security") == nil)
            #expect(plain.headers.filter { $0.name.lowercased() == "set-cookie" }.allSatisfy { !$0.value.contains("Secure") })
            let proxied = try await Self.get("/sign-in", port: port, headers: ["X-Forwarded-Proto: https"])
            #expect(proxied.header("Strict-Transport-Security") == "max-age=31536000")
            let cookies = proxied.headers.filter { $0.name.lowercased() == "set-cookie" }
            #expect(!cookies.isEmpty)
            #expect(cookies.allSatisfy { $0.value.contains("Secure") }, "\(cookies)")
        }
    }
}
