import Crypto
import Foundation
import HTTPTypes
import ProvinceCore
import PublicServices
import Testing

@testable import ProvinceWeb

/// Fees through the API: a dossier of a procedure with a fee owes it as a VietQR code naming its agency's account;
/// it is paid at the counter or by a signed notification, once.
@Suite struct FeesAPITests {
    /// A citizen's dossier of a procedure with a fee of 150,000 đồng, and the tokens of those involved.
    static func dossierWithFee(_ http: TestHTTP) async throws -> (code: String, admin: String, officer: String, citizen: String) {
        let (admin, officer, _, citizen) = try await DossiersAPITests.setUp(http)
        var procedure = try await http.request(.get, "/api/v1/procedures/1.004227").json
        for key in ["id", "createdAt", "updatedAt", "agencyID"] { procedure[key] = nil }
        procedure["agencyCode"] = "000.00.02.H38"
        procedure["feeVND"] = 150_000
        #expect(try await http.request(.post, "/api/v1/procedures", token: admin, json: procedure).status == 200)
        let code = try #require(
            try await http.request(.post, "/api/v1/dossiers", token: citizen, json: DossiersAPITests.submission)["code"] as? String)
        return (code, admin, officer, citizen)
    }

    static func sign(_ body: String) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(TestPlatform.paymentSecret.utf8))))
    }

    @Test func aFeeAsVietQRPaidAtTheCounterOnce() async throws {
        try await TestPlatform.withDemo { _, http in
            let (code, admin, officer, citizen) = try await Self.dossierWithFee(http)
            var owed = try await http.request(.get, "/api/v1/dossiers/\(code)/payment", token: citizen)
            #expect(owed["amount"] as? Int == 150_000 && owed["paid"] as? Bool == false)
            // The demo's department collects at bank 970436; its administrator moves the account to 970415.
            #expect((owed["vietQR"] as? String).flatMap(VietQR.fields(of:))?["38"]?.contains("970436") == true)
            let agencyID = try #require(try await http.request(.get, "/api/v1/agencies?q=000.00.02.H38").items.first?["id"] as? String)
            let account: [String: Any] = ["bankBIN": "970415", "account": "113366668888", "accountName": "SO THONG TIN VA TRUYEN THONG"]
            #expect(try await http.request(.put, "/api/v1/agencies/\(agencyID)/payment-account", token: officer, json: account).status == 403)
            #expect(
                try await http.request(
                    .put, "/api/v1/agencies/\(agencyID)/payment-account", token: admin, json: ["bankBIN": "97", "account": "1", "accountName": "x"]
                ).status == 400)
            #expect(try await http.request(.put, "/api/v1/agencies/\(agencyID)/payment-account", token: admin, json: account).status == 200)
            owed = try await http.request(.get, "/api/v1/dossiers/\(code)/payment", token: citizen)
            let payload = try #require(owed["vietQR"] as? String)
            let fields = try #require(VietQR.fields(of: payload))
            #expect(fields["38"]?.contains("970415") == true)
            #expect(fields["54"] == "150000" && fields["62"] == "08\(code.utf8.count)\(code)")
            #expect(
                try await http.request(
                    .post, "/api/v1/dossiers/\(code)/payment", token: citizen, json: ["amount": 150_000, "method": "cash", "reference": "BL-1"]
                ).status == 403)
            #expect(
                try await http.request(
                    .post, "/api/v1/dossiers/\(code)/payment", token: officer, json: ["amount": 15_000, "method": "cash", "reference": "BL-1"]
                ).status == 400)
            #expect(
                try await http.request(
                    .post, "/api/v1/dossiers/\(code)/payment", token: officer, json: ["amount": 150_000, "method": "cash", "reference": "BL-1"]
                ).status == 201)
            #expect(
                try await http.request(
                    .post, "/api/v1/dossiers/\(code)/payment", token: officer, json: ["amount": 150_000, "method": "cash", "reference": "BL-2"]
                ).status == 409)
            #expect(try await http.request(.get, "/api/v1/dossiers/\(code)/payment", token: citizen)["paid"] as? Bool == true)
        }
    }

    @Test func aSignedNotificationIsTakenOnce() async throws {
        try await TestPlatform.withDemo { platform, http in
            let (code, _, _, citizen) = try await Self.dossierWithFee(http)
            let body = #"{"transactionID":"FT26336000123","dossierCode":"\#(code)","amount":150000}"#
            let unsigned = try await http.request(.post, "/api/v1/payments/notifications", rawBody: body)
            #expect(unsigned.status == 401)
            let forged = try await http.request(
                .post, "/api/v1/payments/notifications", rawBody: body, headers: [HTTPField.Name("X-Signature")!: Self.sign(body + " ")])
            #expect(forged.status == 401)
            let wrongAmount = #"{"transactionID":"FT1","dossierCode":"\#(code)","amount":1}"#
            #expect(
                try await http.request(
                    .post, "/api/v1/payments/notifications", rawBody: wrongAmount, headers: [HTTPField.Name("X-Signature")!: Self.sign(wrongAmount)]
                ).status == 400)
            for _ in 0..<2 {
                let taken = try await http.request(
                    .post, "/api/v1/payments/notifications", rawBody: body, headers: [HTTPField.Name("X-Signature")!: Self.sign(body)])
                #expect(taken.status == 200, "\(taken.body)")
                #expect(taken["method"] as? String == "notified" && taken["reference"] as? String == "FT26336000123")
            }
            #expect(try await http.request(.get, "/api/v1/dossiers/\(code)/payment", token: citizen)["paid"] as? Bool == true)
            let payments = try await platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM dossier_payments").first()!.decode(column: "n", as: Int.self)
            }
            #expect(payments == 1)
        }
    }
}
