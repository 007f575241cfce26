import ProvinceStore

/// The composition root: the platform's modules, listed once. `serve`, `migrate` and the tests build the platform from
/// this list; adding a module is adding it here (see docs/architecture.md, "Adding a module").
public enum PlatformModules {
    /// In the order their schemas are applied: a module after those whose tables its own refer to.
    public static let all: [any PlatformModule.Type] = [
        DirectoryModule.self, AuditModule.self, WorkflowModule.self, PublicServicesModule.self, HubModule.self,
        CommunityTeamsModule.self,
    ]

    /// Their schemas, in order.
    public static var schemas: [ModuleSchema] { all.map { $0.schema } }

    /// The modules over an opened platform.
    public static func make(_ platform: Platform) throws -> [any PlatformModule] {
        try all.map { try $0.init(platform: platform) }
    }

    /// The OpenAPI document: the platform's own part (`/health`, `/metrics`, `/openapi.json`) and every module's.
    public static func openAPIDocument() throws -> JSONValue {
        try OpenAPIDocument.assemble([try OpenAPIPart.resource("platform")] + all.map { try $0.openAPI() })
    }

    /// The document as `/openapi.json` serves it, assembled once a process.
    static let servedOpenAPI = Result { try OpenAPIDocument.encoded(try openAPIDocument()) }
}
