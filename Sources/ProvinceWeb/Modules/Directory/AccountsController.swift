import Directory
import Foundation
import Hummingbird
import ProvinceCore

/// Accounts of officials and systems, within the caller's reach: all of them for a platform administrator,
/// their own agency's for an agency administrator.
struct AccountsController {
    let accounts: AccountDirectory

    struct PasswordReset: Decodable {
        var password: String
        /// Required when account holders change their own password.
        var currentPassword: String?
    }
    struct KeyRequest: Decodable { var name: String }
    struct IssuedKey: ResponseEncodable {
        var key: APIKeyInfo
        /// Shown once; only its digest is kept.
        var secret: String
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("accounts", use: list)
        group.post("accounts", use: create)
        group.get("accounts/{id}", use: get)
        group.post("accounts/{id}/disable", use: disable)
        group.post("accounts/{id}/enable", use: enable)
        group.post("accounts/{id}/password", use: resetPassword)
        group.get("accounts/{id}/api-keys", use: keys)
        group.post("accounts/{id}/api-keys", use: issueKey)
        group.delete("api-keys/{id}", use: revokeKey)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> ListPage<Account> {
        let actor = try context.actor()
        let paging = try Paging(request)
        var agencyID = request.query("agency")
        if !Access.canAdministerPlatform(actor) {
            guard let own = actor.account?.agencyID, Access.canManageAccounts(of: own, actor), agencyID == nil || agencyID == own else {
                throw AppError.forbidden
            }
            agencyID = own
        }
        var kind: AccountKind?
        if let text = request.query("kind") {
            kind = AccountKind(rawValue: text)
            if kind == nil { throw AppError(.validation, vi: "kind không hợp lệ.", en: "Unknown kind.") }
        }
        let fetched = try await accounts.list(
            agencyID: agencyID, kind: kind, search: request.query("q"), afterUsername: paging.after, limit: paging.limit + 1)
        return paging.page(fetched, key: \.username)
    }

    @Sendable func create(_ request: Request, context: AppContext) async throws -> EditedResponse<Account> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(AccountInput.self, context: context)
        return EditedResponse(status: .created, response: try await accounts.create(input, by: actor))
    }

    @Sendable func get(_ request: Request, context: AppContext) async throws -> Account {
        let actor = try context.actor()
        let account = try await accounts.get(try context.parameters.require("id"))
        guard Access.canView(account, actor) else { throw AppError.forbidden }
        return account
    }

    @Sendable func disable(_ request: Request, context: AppContext) async throws -> Account {
        try await accounts.setDisabled(try context.parameters.require("id"), true, by: try context.actor())
    }

    @Sendable func enable(_ request: Request, context: AppContext) async throws -> Account {
        try await accounts.setDisabled(try context.parameters.require("id"), false, by: try context.actor())
    }

    @Sendable func resetPassword(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        let actor = try context.actor()
        let body = try await request.decodeJSON(PasswordReset.self, context: context)
        try await accounts.resetPassword(try context.parameters.require("id"), to: body.password, currentPassword: body.currentPassword, by: actor)
        return .noContent
    }

    @Sendable func keys(_ request: Request, context: AppContext) async throws -> ListPage<APIKeyInfo> {
        let actor = try context.actor()
        let account = try await accounts.get(try context.parameters.require("id"))
        guard Access.canManage(account, actor) else { throw AppError.forbidden }
        return ListPage(items: try await accounts.keys(of: account.id), nextCursor: nil)
    }

    @Sendable func issueKey(_ request: Request, context: AppContext) async throws -> EditedResponse<IssuedKey> {
        let actor = try context.actor()
        let body = try await request.decodeJSON(KeyRequest.self, context: context)
        let (info, secret) = try await accounts.issueKey(for: try context.parameters.require("id"), name: body.name, by: actor)
        return EditedResponse(status: .created, response: IssuedKey(key: info, secret: secret))
    }

    @Sendable func revokeKey(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        try await accounts.revokeKey(try context.parameters.require("id"), by: try context.actor())
        return .noContent
    }
}
