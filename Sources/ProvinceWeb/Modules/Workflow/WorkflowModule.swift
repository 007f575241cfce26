import ProvinceCore
import Workflow

/// Processes (the steps a dossier goes through) and the working calendar deadlines count on.
struct WorkflowModule: PlatformModule {
    static let schema = WorkflowSchema.schema
    static let strings: [String: (vi: String, en: String)] = [:]
    static func openAPI() throws -> OpenAPIPart { try .resource("workflow") }

    let platform: Platform

    init(platform: Platform) { self.platform = platform }

    func addRoutes(to routes: ModuleRoutes) {
        CalendarController(store: WorkingCalendarStore(database: platform.database)).addRoutes(to: routes.api)
        ProcessesController(store: ProcessStore(database: platform.database)).addRoutes(to: routes.api)
    }
}
