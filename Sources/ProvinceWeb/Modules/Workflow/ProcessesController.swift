import Hummingbird
import ProvinceCore
import Workflow

/// Workflow definitions: read by anyone signed in, saved by platform administrators after they are checked.
struct ProcessesController {
    let store: ProcessStore

    struct Processes: ResponseEncodable {
        var items: [ProcessDefinition]
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("processes", use: list)
        group.get("processes/{code}", use: get)
        group.put("processes/{code}", use: save)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> Processes {
        _ = try context.actor()
        return Processes(items: try await store.list())
    }

    @Sendable func get(_ request: Request, context: AppContext) async throws -> ProcessDefinition {
        _ = try context.actor()
        return try await store.get(try context.parameters.require("code"))
    }

    /// Creates (201) or replaces (200) the definition named in the path.
    @Sendable func save(_ request: Request, context: AppContext) async throws -> EditedResponse<ProcessDefinition> {
        let actor = try context.actor()
        let definition = try await request.decodeJSON(ProcessDefinition.self, context: context)
        guard definition.code == (try context.parameters.require("code")) else {
            throw AppError(
                .validation, vi: "Mã quy trình trong nội dung phải trùng với đường dẫn.", en: "The body's code must be the one in the path.")
        }
        let created = try await store.save(definition, by: actor)
        return EditedResponse(status: created ? .created : .ok, response: definition)
    }
}

extension ProcessDefinition: ResponseEncodable {}
