import Audit
import Directory
import Foundation
import Hummingbird
import ProvinceCore

/// Units and agencies: public to read; agencies registered by platform administrators and edited by their own.
struct DirectoryController {
    let units: UnitDirectory
    let agencies: AgencyDirectory

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("units", use: listUnits)
        group.get("units/{id}", use: unit)
        group.get("agencies", use: listAgencies)
        group.post("agencies", use: createAgency)
        group.get("agencies/{id}", use: agency)
        group.patch("agencies/{id}", use: updateAgency)
    }

    @Sendable func listUnits(_ request: Request, context: AppContext) async throws -> ListPage<AdministrativeUnit> {
        let paging = try Paging(request)
        let fetched = try await units.list(
            parentID: request.query("parent"), topLevelOnly: request.query("parent") == nil && request.query("q") == nil,
            edition: request.query("edition"), search: request.query("q"), after: paging.after, limit: paging.limit + 1)
        return paging.page(fetched, key: \.id)
    }

    @Sendable func unit(_ request: Request, context: AppContext) async throws -> UnitDetail {
        try await units.detail(try context.parameters.require("id"))
    }

    @Sendable func listAgencies(_ request: Request, context: AppContext) async throws -> ListPage<Agency> {
        let paging = try Paging(request)
        let fetched = try await agencies.list(
            search: request.query("q"), parentID: request.query("parent"), afterCode: paging.after, limit: paging.limit + 1)
        return paging.page(fetched, key: \.code)
    }

    @Sendable func agency(_ request: Request, context: AppContext) async throws -> Agency {
        try await agencies.get(try context.parameters.require("id"))
    }

    @Sendable func createAgency(_ request: Request, context: AppContext) async throws -> EditedResponse<Agency> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(AgencyInput.self, context: context)
        return EditedResponse(status: .created, response: try await agencies.create(input, by: actor))
    }

    @Sendable func updateAgency(_ request: Request, context: AppContext) async throws -> Agency {
        let actor = try context.actor()
        let input = try await request.decodeJSON(AgencyInput.self, context: context)
        return try await agencies.update(try context.parameters.require("id"), input, by: actor)
    }
}
