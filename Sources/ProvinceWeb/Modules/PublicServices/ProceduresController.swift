import Foundation
import Hummingbird
import ProvinceCore
import PublicServices

/// The procedure catalogue: public to read and search; written by platform administrators and by the
/// administrators of the agency that resolves a procedure, one at a time or imported from JSON or CSV.
struct ProceduresController {
    let catalogue: ProcedureCatalogue

    struct Imported: ResponseEncodable {
        var saved: Int
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("procedures", use: list)
        group.post("procedures", use: save)
        group.post("procedures/import", use: importProcedures)
        group.get("procedures/{reference}", use: get)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> ListPage<Procedure> {
        let paging = try Paging(request)
        var filter = ProcedureCatalogue.Filter(search: request.query("q"), agencyID: request.query("agency"), field: request.query("field"))
        if let level = request.query("level") {
            guard let parsed = ResolvingLevel(rawValue: level) else {
                throw AppError(.validation, vi: "level phải là commune, district hoặc province.", en: "level must be commune, district or province.")
            }
            filter.level = parsed
        }
        if let online = request.query("online") {
            guard let parsed = OnlineLevel(rawValue: online) else {
                throw AppError(.validation, vi: "online phải là full, partial hoặc none.", en: "online must be full, partial or none.")
            }
            filter.onlineLevel = parsed
        }
        return paging.page(try await catalogue.list(filter, afterCode: paging.after, limit: paging.limit + 1), key: \.code)
    }

    @Sendable func get(_ request: Request, context: AppContext) async throws -> Procedure {
        try await catalogue.get(try context.parameters.require("reference"))
    }

    /// Creates the procedure with the body's code (201), or changes it (200).
    @Sendable func save(_ request: Request, context: AppContext) async throws -> EditedResponse<Procedure> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(ProcedureInput.self, context: context)
        let procedure = try await catalogue.save(input, by: actor)
        return EditedResponse(status: procedure.createdAt == procedure.updatedAt ? .created : .ok, response: procedure)
    }

    /// A JSON array of procedures, or CSV (`text/csv`): all saved, or none.
    @Sendable func importProcedures(_ request: Request, context: AppContext) async throws -> Imported {
        let actor = try context.actor()
        let inputs: [ProcedureInput]
        if request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true {
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw AppError(.validation, vi: "Tệp CSV phải mã hoá UTF-8.", en: "The CSV must be UTF-8.")
            }
            inputs = try ProcedureCSV.parse(text)
        } else {
            inputs = try await request.decodeJSON([ProcedureInput].self, context: context)
        }
        return Imported(saved: try await catalogue.save(inputs, by: actor).count)
    }
}

extension Procedure: ResponseEncodable {}
