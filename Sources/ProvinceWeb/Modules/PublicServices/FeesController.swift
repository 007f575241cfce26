import Foundation
import HTTPTypes
import Hummingbird
import ProvinceCore
import PublicServices

/// Fees: an agency's collecting account, what a dossier owes (with its VietQR payload), payments recorded at the
/// counter, and the payment service's signed notifications.
struct FeesController {
    let fees: FeeDesk

    struct PaymentInput: Decodable {
        var amount: Int
        var method: String
        var reference: String
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.put("agencies/{id}/payment-account", use: setAccount)
        group.get("dossiers/{reference}/payment", use: request)
        group.post("dossiers/{reference}/payment", use: record)
        group.post("payments/notifications", use: notify)
    }

    @Sendable func setAccount(_ request: Request, context: AppContext) async throws -> PaymentAccount {
        let actor = try context.actor()
        let account = try await request.decodeJSON(PaymentAccount.self, context: context)
        return try await fees.setAccount(account, for: try context.parameters.require("id"), by: actor)
    }

    @Sendable func request(_ request: Request, context: AppContext) async throws -> PaymentRequest {
        try await fees.request(for: try context.parameters.require("reference"), by: try context.actor())
    }

    @Sendable func record(_ request: Request, context: AppContext) async throws -> EditedResponse<DossierPayment> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(PaymentInput.self, context: context)
        let payment = try await fees.record(
            for: try context.parameters.require("reference"), amount: input.amount, method: input.method, paymentReference: input.reference, by: actor
        )
        return EditedResponse(status: .created, response: payment)
    }

    /// Signed by the payment service (`X-Signature`: HMAC-SHA256 of the body, hex); needs no account.
    @Sendable func notify(_ request: Request, context: AppContext) async throws -> DossierPayment {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        return try await fees.notify(body: Data(buffer: body), signature: request.headers[HTTPField.Name("X-Signature")!])
    }
}

extension PaymentAccount: ResponseEncodable {}
extension PaymentRequest: ResponseEncodable {}
extension DossierPayment: ResponseEncodable {}
