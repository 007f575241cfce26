import Audit
import Crypto
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit

/// Where an agency collects its fees.
public struct PaymentAccount: Sendable, Codable, Equatable {
    public var bankBIN: String
    public var account: String
    public var accountName: String

    public init(bankBIN: String, account: String, accountName: String) {
        self.bankBIN = bankBIN
        self.account = account
        self.accountName = accountName
    }
}

/// What a dossier owes and how to pay it: a VietQR payload naming the agency's account, the amount and the
/// dossier's code.
public struct PaymentRequest: Sendable, Codable, Equatable {
    public var dossierCode: String
    public var amount: Int
    public var paid: Bool
    public var account: PaymentAccount?
    /// The payload to show as a QR code; nil when the agency has no account set or nothing is owed.
    public var vietQR: String?
}

/// A payment recorded for a dossier.
public struct DossierPayment: Sendable, Codable, Equatable {
    public var amount: Int
    /// `cash` or `transfer` (at the counter), `notified` (by the payment service).
    public var method: String
    public var reference: String
    public var paidAt: Date
    public var recordedBy: String
}

/// Fees of dossiers: the agency's account, what a dossier owes as a VietQR code, payments recorded by officers at
/// the counter or notified by the payment service (signed with a shared secret, each transaction once).
public struct FeeDesk: Sendable {
    let desk: DossierDesk
    /// The key the payment service signs its notifications with (HMAC-SHA256 of the body); nil: none are taken.
    let notificationSecret: String?

    public init(desk: DossierDesk, notificationSecret: String?) {
        self.desk = desk
        self.notificationSecret = notificationSecret
    }

    var database: ProvinceDatabase { desk.database }

    /// Sets where `agencyID` collects its fees: its administrators, or the platform's.
    public func setAccount(_ account: PaymentAccount, for agencyID: String, by actor: Actor) async throws -> PaymentAccount {
        guard Access.canManageAccounts(of: agencyID, actor) else { throw AppError.forbidden }
        if let problem = VietQR(bankBIN: account.bankBIN, account: account.account, amount: 1, purpose: "").problem {
            throw AppError(.validation, vi: "Tài khoản nhận không hợp lệ: \(problem).", en: "The account is not valid: \(problem).")
        }
        let name = account.accountName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw AppError(
                .validation, vi: "Cần tên chủ tài khoản (tối đa 200 ký tự).", en: "The account's name is required (at most 200 characters).")
        }
        let saved = PaymentAccount(bankBIN: account.bankBIN, account: account.account, accountName: name)
        let database = self.database
        try await database.write { db in
            guard try await db.raw("SELECT id FROM agencies WHERE id = \(bind: agencyID)").first() != nil else {
                throw AppError.notFound("cơ quan / agency")
            }
            let before = try await Self.account(of: agencyID, in: db)
            try await db.raw(
                """
                INSERT INTO payment_accounts (agency_id, bank_bin, account, account_name, updated_at)
                VALUES (\(bind: agencyID), \(bind: saved.bankBIN), \(bind: saved.account), \(bind: saved.accountName), \(bind: Timestamp.now()))
                ON CONFLICT (agency_id) DO UPDATE SET bank_bin = excluded.bank_bin, account = excluded.account,
                    account_name = excluded.account_name, updated_at = excluded.updated_at
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "payment-account.set", targetType: "agency", targetID: agencyID, agencyID: agencyID, before: before, after: saved,
                    summary: "fees to \(saved.bankBIN) \(saved.account)"),
                by: actor, in: db, database: database)
        }
        return saved
    }

    /// What the dossier owes, for one who may see the dossier.
    public func request(for reference: String, by actor: Actor) async throws -> PaymentRequest {
        try await request(for: try await desk.get(reference, by: actor))
    }

    /// What `dossier` owes, for a caller that has already read it as one who may see it.
    public func request(for dossier: Dossier) async throws -> PaymentRequest {
        try await database.read { db in
            var account: PaymentAccount?
            if let agencyID = dossier.agencyID { account = try await Self.account(of: agencyID, in: db) }
            let paid = try await db.raw("SELECT dossier_id FROM dossier_payments WHERE dossier_id = \(bind: dossier.id)").first() != nil
            let amount = dossier.feeVND ?? 0
            let payload = account.flatMap {
                amount > 0 ? VietQR(bankBIN: $0.bankBIN, account: $0.account, amount: amount, purpose: dossier.code).payload : nil
            }
            return PaymentRequest(dossierCode: dossier.code, amount: amount, paid: paid, account: account, vietQR: payload)
        }
    }

    /// Who may record a payment received at the counter: an officer (of an agency that may see the dossier).
    public static func mayRecordPayment(_ actor: Actor?) -> Bool {
        guard let account = actor?.account, !account.disabled else { return false }
        return account.kind == .official && account.has(.officer)
    }

    /// Records a payment received at the counter, by an officer of the dossier's agency.
    public func record(
        for reference: String, amount: Int, method: String, paymentReference: String, by actor: Actor
    ) async throws -> DossierPayment {
        let dossier = try await desk.get(reference, by: actor)
        guard Self.mayRecordPayment(actor) else { throw AppError.forbidden }
        guard ["cash", "transfer"].contains(method) else {
            throw AppError(.validation, vi: "Hình thức thu phải là cash hoặc transfer.", en: "method must be cash or transfer.")
        }
        return try await store(dossier, amount: amount, method: method, reference: paymentReference, by: actor)
    }

    /// Takes a notification of the payment service: `body` as sent, `signature` its HMAC-SHA256 in hex. A transaction
    /// notified again changes nothing and is answered the same.
    public func notify(body: Data, signature: String?) async throws -> DossierPayment {
        guard let secret = notificationSecret else {
            throw AppError(
                .forbidden, vi: "Nơi này không nhận thông báo thanh toán (chưa đặt khoá).",
                en: "Payment notifications are not taken here (no key is set).")
        }
        // Compared in constant time (swift-crypto's check), so that timing does not tell how much of a forgery was right.
        guard let signature, let code = Data(hexString: signature),
            HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
        else {
            throw AppError(.unauthenticated, vi: "Chữ ký thông báo không đúng.", en: "The notification's signature is wrong.")
        }
        struct Notification: Decodable {
            var transactionID: String
            var dossierCode: String
            var amount: Int
        }
        guard let notification = try? JSONDecoder().decode(Notification.self, from: body), !notification.transactionID.isEmpty,
            notification.transactionID.count <= 100
        else {
            throw AppError(
                .badRequest, vi: "Thông báo cần transactionID, dossierCode, amount.", en: "A notification has transactionID, dossierCode, amount.")
        }
        let dossier = try await desk.load(notification.dossierCode)
        if let known = try await database.read({ db in
            try await db.raw("SELECT dossier_id FROM payment_notifications WHERE transaction_id = \(bind: notification.transactionID)").first()
        }) {
            guard try known.string("dossier_id") == dossier.id, let payment = try await payment(of: dossier.id) else {
                throw AppError(.conflict, vi: "Giao dịch đã được dùng cho hồ sơ khác.", en: "The transaction was used for another dossier.")
            }
            return payment
        }
        return try await store(
            dossier, amount: notification.amount, method: "notified", reference: notification.transactionID,
            by: Actor(system: "payment-service"), notification: notification.transactionID)
    }

    func store(
        _ dossier: Dossier, amount: Int, method: String, reference: String, by actor: Actor, notification: String? = nil
    ) async throws -> DossierPayment {
        guard let fee = dossier.feeVND, fee > 0 else {
            throw AppError(.conflict, vi: "Hồ sơ \(dossier.code) không phải nộp phí.", en: "The dossier \(dossier.code) owes no fee.")
        }
        guard amount == fee else {
            throw AppError(.validation, vi: "Số tiền phải đúng \(fee) đồng.", en: "The amount must be exactly \(fee) đồng.")
        }
        let reference = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reference.isEmpty, reference.count <= 100 else {
            throw AppError(.validation, vi: "Cần số chứng từ (tối đa 100 ký tự).", en: "A reference is required (at most 100 characters).")
        }
        let payment = DossierPayment(amount: amount, method: method, reference: reference, paidAt: Date(), recordedBy: actor.label)
        let database = self.database
        try await database.write { db in
            guard
                try await db.raw("SELECT dossier_id FROM dossier_payments WHERE dossier_id = \(bind: dossier.id)\(database.lockForUpdate)").first()
                    == nil
            else {
                throw AppError(.conflict, vi: "Hồ sơ \(dossier.code) đã nộp phí.", en: "The dossier \(dossier.code) has been paid for.")
            }
            try await db.raw(
                """
                INSERT INTO dossier_payments (dossier_id, amount, method, reference, paid_at, recorded_by)
                VALUES (\(bind: dossier.id), \(bind: amount), \(bind: method), \(bind: reference), \(bind: Timestamp.string(payment.paidAt)), \(bind: actor.label))
                """
            ).run()
            if let notification {
                try await db.raw(
                    """
                    INSERT INTO payment_notifications (transaction_id, dossier_id, received_at)
                    VALUES (\(bind: notification), \(bind: dossier.id), \(bind: Timestamp.now()))
                    """
                ).run()
            }
            try await AuditLog.append(
                AuditChange(
                    action: "dossier.pay", targetType: "dossier", targetID: dossier.id, agencyID: dossier.agencyID, before: String?.none,
                    after: payment, summary: "\(dossier.code) paid \(amount) by \(method)"),
                by: actor, in: db, database: database)
        }
        return payment
    }

    func payment(of dossierID: String) async throws -> DossierPayment? {
        try await database.read { db in
            try await db.raw("SELECT * FROM dossier_payments WHERE dossier_id = \(bind: dossierID)").first().map { row in
                DossierPayment(
                    amount: try row.int("amount"), method: try row.string("method"), reference: try row.string("reference"),
                    paidAt: try row.date("paid_at"), recordedBy: try row.string("recorded_by"))
            }
        }
    }

    static func account(of agencyID: String, in db: any SQLDatabase) async throws -> PaymentAccount? {
        try await db.raw("SELECT * FROM payment_accounts WHERE agency_id = \(bind: agencyID)").first().map { row in
            PaymentAccount(bankBIN: try row.string("bank_bin"), account: try row.string("account"), accountName: try row.string("account_name"))
        }
    }
}
