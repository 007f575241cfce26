import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ProvinceCore

extension HubRegistry {
    /// The largest OpenAPI description fetched from a URL.
    static let maxFetchedDescription = 5 << 20

    /// Fetches a service's OpenAPI description from `url` and stores it as an upload would be stored.
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
        let data: Data
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else {
                throw AppError(
                    .validation, vi: "Máy chủ trả lời \(response.status.code) cho \(url).",
                    en: "The server answered \(response.status.code) for \(url).")
            }
            data = Data(buffer: try await response.body.collect(upTo: Self.maxFetchedDescription))
        } catch let error as AppError {
            throw error
        } catch {
            throw AppError(
                .validation, vi: "Không tải được mô tả OpenAPI từ \(url): \(error).",
                en: "The OpenAPI description could not be fetched from \(url): \(error).")
        }
        return try await describe(id, openAPI: data, by: actor)
    }
}
