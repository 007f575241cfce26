import Audit
import Directory
import Hub
import ProvinceStore

/// The schemas a hub's database carries: the directory's (the agencies members belong to, the audit trail's entries),
/// the audit trail's seals, the hub's own.
let hubSchemas = [DirectorySchema.schema, AuditSchema.schema, HubSchema.schema]
