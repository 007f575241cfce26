import Audit
import Directory
import Hub
import ProvinceStore
import PublicServices
import Workflow

/// The platform's modules, listed once: `serve`, `migrate` and the tests build the platform from this list.
public enum PlatformModules {
    /// Their schemas, in the order they are applied: a module after those whose tables its own refer to.
    public static let schemas: [ModuleSchema] = [
        DirectorySchema.schema, AuditSchema.schema, WorkflowSchema.schema, PublicServicesSchema.schema, HubSchema.schema,
    ]
}
