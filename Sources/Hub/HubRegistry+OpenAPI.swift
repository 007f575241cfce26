import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ProvinceCore

extension HubRegistry {
    /// The largest OpenAPI description fetched from a URL.
    static let maxFetchedDescription = 5 << 20

    /// Fetches a service's OpenAPI description from `url` and stores it as an upload would be stored. The address is
    /// held to the upstream rule, no redirect is followed, and every failure gets the same words: the fetch tells
    /// nothing about what lies behind the hub.
    public func describe(_ id: String, fetchingFrom url: String, by actor: Actor) async throws -> [HubEndpoint] {
        var validator = Validator()
        let parsed = URL(string: url)
        validator.check(
            parsed?.host != nil && ["http", "https"].contains(parsed?.scheme ?? ""), "url", vi: "Địa chỉ phải là http:// hoặc https://.",
            en: "The address must be http:// or https://.")
        try validator.finish()
        // Who may describe the service is checked before anything is fetched.
        let service = try await service(id)
        let owner = try await member(try await subsystem(service.subsystemID).memberID)
        guard Access.canManageAccounts(of: owner.agencyID, actor) else { throw AppError.forbidden }
        let failed = AppError(
            .validation, vi: "Không tải được mô tả OpenAPI từ địa chỉ này.", en: "No OpenAPI description could be fetched from this address.")
        guard var request = await upstreamRule.checkedRequest(url) else { throw failed }
        let data: Data
        do {
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await UpstreamRule.client.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw failed }
            data = Data(buffer: try await response.body.collect(upTo: Self.maxFetchedDescription))
        } catch {
            throw failed
        }
        do {
            return try await describe(id, openAPI: data, by: actor)
        } catch let error as AppError where error.kind == .validation {
            // Something answered, but not with a description: said in the same words as nothing answering.
            throw failed
        }
    }
}
