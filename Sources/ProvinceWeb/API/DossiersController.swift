import Hummingbird
import ProvinceCore
import PublicServices

/// Dossiers: submitted by citizens (or recorded by officers at the counter), moved through their workflow by those
/// its actions name, followed by their applicants, their agency's officials, and by anyone holding the code.
struct DossiersController {
    let desk: DossierDesk

    /// A dossier with its files: up to 40 MiB of JSON (files of up to 10 MiB each, in base64).
    static let maxBody = 40 << 20

    struct ActionInput: Decodable {
        var action: String
        var reason: String?
        var files: [UploadedFile]?
    }
    struct Dossiers: ResponseEncodable {
        var items: [Dossier]
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.post("dossiers", use: submit)
        group.get("dossiers/inbox", use: inbox)
        group.get("dossiers/mine", use: mine)
        group.get("dossiers/{reference}", use: get)
        group.post("dossiers/{reference}/actions", use: act)
        group.get("track/{code}", use: track)
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> EditedResponse<Dossier> {
        let actor = try context.actor()
        let submission = try await request.decodeJSON(DossierSubmission.self, context: context, limit: Self.maxBody)
        return EditedResponse(status: .created, response: try await desk.submit(submission, by: actor))
    }

    @Sendable func get(_ request: Request, context: AppContext) async throws -> Dossier {
        try await desk.get(try context.parameters.require("reference"), by: try context.actor())
    }

    @Sendable func act(_ request: Request, context: AppContext) async throws -> Dossier {
        let actor = try context.actor()
        let input = try await request.decodeJSON(ActionInput.self, context: context, limit: Self.maxBody)
        return try await desk.act(
            on: try context.parameters.require("reference"), action: input.action, reason: input.reason, files: input.files ?? [], by: actor)
    }

    @Sendable func inbox(_ request: Request, context: AppContext) async throws -> Dossiers {
        Dossiers(items: try await desk.inbox(by: try context.actor()))
    }

    @Sendable func mine(_ request: Request, context: AppContext) async throws -> Dossiers {
        Dossiers(items: try await desk.mine(by: try context.actor()))
    }

    @Sendable func track(_ request: Request, context: AppContext) async throws -> DossierStatus {
        try await desk.track(try context.parameters.require("code"))
    }
}

extension Dossier: ResponseEncodable {}
extension DossierStatus: ResponseEncodable {}
