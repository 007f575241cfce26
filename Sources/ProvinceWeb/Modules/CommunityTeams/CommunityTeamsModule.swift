import ProvinceCore
import ProvinceStore

/// The registry of community digital-technology teams: each commune's team and its villages' teams, their members
/// and trainings. The worked example of docs/architecture.md's "Adding a module": everything it is lives in this
/// folder, and it is listed once in ``PlatformModules``.
struct CommunityTeamsModule: PlatformModule {
    static let schema = SQLCommunityTeamStore.schema
    static let strings = CommunityTeamsStrings.table
    static let templates = CommunityTeamsTemplates.all
    static func openAPI() throws -> OpenAPIPart { CommunityTeamsOpenAPI.part }

    let platform: Platform
    let registry: CommunityTeamsRegistry

    init(platform: Platform) {
        self.platform = platform
        registry = CommunityTeamsRegistry(
            store: SQLCommunityTeamStore(database: platform.database), units: platform.units, agencies: platform.agencies)
    }

    func addRoutes(to routes: ModuleRoutes) {
        CommunityTeamsController(registry: registry).addRoutes(to: routes.api)
        CommunityTeamsPages(registry: registry, pages: routes.pages, forms: PagesController(platform: platform, pages: routes.pages))
            .addRoutes(to: routes.site)
    }

    func navigation(for actor: Actor?) -> [NavigationLink] {
        [NavigationLink("/community-teams", label: "communityTeams", position: 40)]
    }

    func loadDemo(by actor: Actor) async throws {
        try await CommunityTeamsDemo.load(into: registry, by: actor)
    }
}
