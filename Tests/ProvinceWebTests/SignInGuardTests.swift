import Directory
import Foundation
import HTTPTypes
import Hub
import TestSupport
import Testing

@testable import ProvinceWeb

/// Guessing passwords: each attempt counted before it is checked, the lock per address that delays but does not
/// refuse a sign-in from elsewhere, the throttle per address, failures audited, and nothing that tells an unknown,
/// disabled or locked account from a wrong password.
@Suite struct SignInGuardTests {
    /// The policy's figures: five guesses per username and address, fifty per address, a two-second wait.
    static let threshold = 5
    static let addressThreshold = 50
    static let delay = Duration.seconds(2)

    /// A sign-in through the API from `source` (a loopback address), as a second client would send it.
    static func signIn(_ username: String, _ password: String, port: Int, from source: String) async throws -> RawHTTP.Reply {
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["username": username, "password": password]), as: UTF8.self)
        return try await RawHTTP.send(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)", port: port, from: source)
    }

    @Test func guessesSentTogetherAreCountedBeforeTheyAreChecked() async throws {
        // At a real cost, so that a check takes as long as it does in service.
        try await TestPlatform.withPlatform(demo: true, bcryptCost: 10) { _, http in
            let port = try #require(http.client.port)
            // Each guess on a connection of its own, all at once.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for attempt in 0..<30 {
                    group.addTask { try await Self.signIn("tttt.canbo", "doan-sai-\(attempt)", port: port, from: "127.0.0.1").status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // At most `threshold` guesses were checked: the rest were refused before their password was.
            #expect(statuses.filter { $0 == 401 }.count < Self.threshold, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 401 || $0 == 423 }, "\(statuses)")
            let right = try await http.request(.post, "/api/v1/auth/token", json: ["username": "tttt.canbo", "password": DemoProvince.password])
            #expect(right.status == 423, "\(right.body)")
        }
    }

    @Test func theLockDelaysButDoesNotRefuseAnAddressThatHasNotFailed() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            for attempt in 1...Self.threshold {
                let reply = try await Self.signIn("admin", "doan-sai-\(attempt)", port: port, from: "127.0.0.1")
                #expect(reply.status == (attempt < Self.threshold ? 401 : 423), "\(attempt): \(reply.body)")
            }
            let again = try await Self.signIn("admin", DemoProvince.password, port: port, from: "127.0.0.1")
            #expect(again.status == 423)
            #expect(again.header("Retry-After").flatMap(Int.init).map { $0 > 0 && $0 <= 900 } == true)
            // The administrator, from another address, still gets in: after a wait, not a refusal.
            let started = ContinuousClock.now
            let elsewhere = try await Self.signIn("admin", DemoProvince.password, port: port, from: "127.0.0.2")
            #expect(elsewhere.status == 201, "\(elsewhere.body)")
            #expect(ContinuousClock.now - started >= Self.delay)
            // The address that guessed stays locked.
            #expect(try await Self.signIn("admin", DemoProvince.password, port: port, from: "127.0.0.1").status == 423)
        }
    }

    @Test func oneAddressGuessingManyUsernamesIsThrottled() async throws {
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            let limit = Self.addressThreshold
            var statuses: [Int] = []
            for attempt in 0...limit {
                statuses.append(try await Self.signIn("ai-do-\(attempt)", "doan-sai-\(attempt)", port: port, from: "127.0.0.1").status)
            }
            #expect(statuses.dropLast().allSatisfy { $0 == 401 }, "\(statuses)")
            let throttled = try await Self.signIn("tttt.canbo", DemoProvince.password, port: port, from: "127.0.0.1")
            #expect(throttled.status == 429, "\(throttled.body)")
            #expect(throttled.header("Retry-After") != nil)
            #expect(throttled.header("Content-Type") == "application/problem+json")
            #expect(try await Self.signIn("tttt.canbo", DemoProvince.password, port: port, from: "127.0.0.2").status == 201)
        }
    }

    @Test func unknownDisabledAndLockedAccountsAnswerAsAWrongPasswordDoes() async throws {
        try await TestPlatform.withDemo { platform, http in
            let port = try #require(http.client.port)
            // Disabled: a wrong password gets the same answer as an unknown username; only the right one hears why.
            let admin = try await http.token("yte.quantri")
            let officer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            #expect(try await http.request(.post, "/api/v1/accounts/\(officer.id)/disable", token: admin).status == 200)
            let unknown = try await Self.signIn("khong-co-ai", "doan-sai-1", port: port, from: "127.0.0.3")
            let disabledWrong = try await Self.signIn("yte.canbo", "doan-sai-1", port: port, from: "127.0.0.3")
            #expect(unknown.status == 401 && disabledWrong.status == 401)
            #expect(unknown.body == disabledWrong.body.replacingOccurrences(of: Self.requestID(disabledWrong), with: Self.requestID(unknown)))
            let disabledRight = try await Self.signIn("yte.canbo", DemoProvince.password, port: port, from: "127.0.0.3")
            #expect(disabledRight.status == 403)
            #expect(disabledRight.body.contains("account-disabled"))

            // Locked: an unknown username locks as a real one does.
            var unknownStatuses: [Int] = []
            var realStatuses: [Int] = []
            for attempt in 1...(Self.threshold + 1) {
                unknownStatuses.append(try await Self.signIn("khong-ton-tai", "doan-sai-\(attempt)", port: port, from: "127.0.0.4").status)
                realStatuses.append(try await Self.signIn("tttt.canbo", "doan-sai-\(attempt)", port: port, from: "127.0.0.4").status)
            }
            #expect(unknownStatuses == realStatuses)
            #expect(realStatuses == Array(repeating: 401, count: Self.threshold - 1) + [423, 423])
        }
    }

    @Test func failedSignInsAreAudited() async throws {
        try await TestPlatform.withDemo { platform, http in
            let officer = try #require(try await platform.accounts.find(username: "yte.canbo"))
            #expect(try await http.request(.post, "/api/v1/auth/token", json: ["username": "yte.canbo", "password": "doan-sai-1"]).status == 401)
            let admin = try await http.token("yte.quantri")
            let trail = try await http.request(.get, "/api/v1/audit?target=\(officer.id)", token: admin)
            #expect(trail.status == 200)
            let failed = trail.items.filter { $0["action"] as? String == "account.sign_in_failed" }
            #expect(failed.count == 1, "\(trail.body)")
            #expect(failed.first?["address"] as? String == "127.0.0.1")
            // What was typed as an unknown username may be a password: the trail keeps its digest, not the text.
            #expect(try await http.request(.post, "/api/v1/auth/token", json: ["username": "MatKhauBiMat@2026", "password": "x"]).status == 401)
            let all = try await http.request(.get, "/api/v1/audit?limit=200", token: try await http.token("admin"))
            #expect(all.items.contains { $0["action"] as? String == "account.sign_in_failed" && $0["targetType"] as? String == "username" })
            #expect(!all.body.contains("MatKhauBiMat"))
        }
    }

    @Test func anUnknownUsernameCostsWhatAWrongPasswordCosts() async throws {
        try await TestPlatform.withPlatform(demo: true, bcryptCost: 10) { _, http in
            var unknown: [Duration] = []
            var known: [Duration] = []
            for attempt in 1..<Self.threshold {
                for (username, times) in [("khong-co-\(attempt)", 0), ("tttt.canbo", 1)] {
                    let started = ContinuousClock.now
                    let reply = try await http.request(.post, "/api/v1/auth/token", json: ["username": username, "password": "doan-sai-\(attempt)"])
                    #expect(reply.status == 401)
                    if times == 0 { unknown.append(ContinuousClock.now - started) } else { known.append(ContinuousClock.now - started) }
                }
            }
            let ratio = unknown.sorted()[unknown.count / 2] / known.sorted()[known.count / 2]
            // A real check at cost 10 takes tens of milliseconds; a cheaper decoy would answer many times faster.
            #expect(ratio > 0.33 && ratio < 3, "unknown \(unknown), known \(known)")
        }
    }

    /// A sign-in through a reverse proxy on 127.0.0.1 that appends the client's address to `X-Forwarded-For`.
    static func signIn(_ username: String, _ password: String, port: Int, forwardedFor: String) async throws -> RawHTTP.Reply {
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["username": username, "password": password]), as: UTF8.self)
        return try await RawHTTP.send(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "X-Forwarded-For: \(forwardedFor)\r\nConnection: close\r\n\r\n\(body)", port: port)
    }

    @Test func behindATrustedProxyEachClientIsCountedApart() async throws {
        try await TestPlatform.withPlatform(demo: true, trustedProxies: [IPNetwork("127.0.0.1/32")!]) { _, http in
            let port = try #require(http.client.port)
            // The attacker, behind the province's proxy, guesses the administrator's password...
            for attempt in 1...Self.threshold {
                _ = try await Self.signIn("admin", "doan-sai-\(attempt)", port: port, forwardedFor: "203.0.113.7")
            }
            #expect(try await Self.signIn("admin", DemoProvince.password, port: port, forwardedFor: "203.0.113.7").status == 423)
            // ...and cannot pass for another client by writing its address first: the proxy's is believed.
            #expect(try await Self.signIn("admin", DemoProvince.password, port: port, forwardedFor: "198.51.100.9, 203.0.113.7").status == 423)
            // The administrator, behind the same proxy, is not locked out.
            #expect(try await Self.signIn("admin", DemoProvince.password, port: port, forwardedFor: "198.51.100.9").status == 201)
            // An IPv6 client is counted by its /64: every address of it is the same client.
            for attempt in 1...Self.threshold {
                _ = try await Self.signIn("tttt.canbo", "doan-sai-\(attempt)", port: port, forwardedFor: "2001:db8:1:2::\(attempt)")
            }
            #expect(try await Self.signIn("tttt.canbo", DemoProvince.password, port: port, forwardedFor: "2001:db8:1:2::99").status == 423)
            #expect(try await Self.signIn("tttt.canbo", DemoProvince.password, port: port, forwardedFor: "2001:db8:1:3::1").status == 201)
        }
        // Without a trusted proxy, the header is the client's to write and is not believed.
        try await TestPlatform.withDemo { _, http in
            let port = try #require(http.client.port)
            for attempt in 1...Self.threshold {
                _ = try await Self.signIn("admin", "doan-sai-\(attempt)", port: port, forwardedFor: "203.0.113.\(attempt)")
            }
            #expect(try await Self.signIn("admin", DemoProvince.password, port: port, forwardedFor: "198.51.100.9").status == 423)
        }
    }

    static func requestID(_ reply: RawHTTP.Reply) -> String { reply.header("X-Request-Id") ?? "" }
}
