import Directory
import ProvinceCore
import ProvinceStore

/// Units, agencies, accounts and sessions: who and what the platform knows, and signing in.
struct DirectoryModule: PlatformModule {
    static let schema = DirectorySchema.schema
    static let strings = DirectoryStrings.table
    static func openAPI() throws -> OpenAPIPart { try .resource("directory") }

    let platform: Platform

    init(platform: Platform) { self.platform = platform }

    func addRoutes(to routes: ModuleRoutes) {
        AuthController(accounts: platform.accounts, sessions: platform.sessions).addRoutes(to: routes.api)
        DirectoryController(units: platform.units, agencies: platform.agencies).addRoutes(to: routes.api)
        AccountsController(accounts: platform.accounts).addRoutes(to: routes.api)
        PagesController(platform: platform, pages: routes.pages).addDirectoryRoutes(to: routes.site)
    }

    func navigation(for actor: Actor?) -> [NavigationLink] {
        var links = [NavigationLink("/units", label: "units", position: 50), NavigationLink("/agencies", label: "agencies", position: 51)]
        if let actor, Access.canAdministerAccounts(actor) { links.append(NavigationLink("/admin/accounts", label: "accounts", position: 80)) }
        return links
    }
}
