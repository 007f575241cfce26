import Foundation
import Hub
import Hummingbird
import ProvinceCore
import ProvinceStore

extension HubMember: ResponseEncodable {}
extension HubSubsystem: ResponseEncodable {}
extension HubService: ResponseEncodable {}
extension HubRight: ResponseEncodable {}
extension MessageRecord: ResponseEncodable {}
extension MessageLog.Verification: ResponseEncodable {}
extension NationalBoard: ResponseEncodable {}
extension HubPeer: ResponseEncodable {}
extension MessageBodies: ResponseEncodable {}
extension HubGroup: ResponseEncodable {}
extension NationalSystem: ResponseEncodable {}

/// The hub's registry and message log through the API. Identifiers in paths join their parts with `:`
/// (`VN:GOV:000.00.02.H38:DATA:echo`), since X-Road's own `/` cannot stand in a path segment.
/// Changes reach the gateways within their reload interval (a second).
struct HubController {
    let registry: HubRegistry
    let database: ProvinceDatabase
    /// Where the message log's seals are also written; verification reads it back.
    let sealArchive: SealArchive
    /// The platform's key, trusted to check seals.
    let sealingKey: SealingKey
    /// Imported before the log is read, so that the log holds every exchange this process has answered.
    let journal: MessageJournal
    let monitor: HubMonitor
    /// The hub's TLS identity, read once when the router is built.
    let identity: HubIdentity

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("hub/members", use: members)
        group.post("hub/members", use: createMember)
        group.get("hub/subsystems", use: subsystems)
        group.post("hub/subsystems", use: createSubsystem)
        group.post("hub/subsystems/{id}/keys", use: issueKey)
        group.post("hub/subsystems/{id}/certificates", use: addCertificate)
        group.get("hub/groups", use: groups)
        group.post("hub/groups", use: createGroup)
        group.put("hub/groups/{code}/members/{id}", use: addGroupMember)
        group.delete("hub/groups/{code}/members/{id}", use: removeGroupMember)
        group.get("hub/peers", use: peers)
        group.post("hub/peers", use: createPeer)
        group.get("hub/identity", use: identity)
        group.get("hub/services", use: services)
        group.post("hub/services", use: createService)
        group.get("hub/services/{id}", use: service)
        group.patch("hub/services/{id}", use: updateService)
        group.put("hub/services/{id}/openapi", use: describe)
        group.post("hub/services/{id}/openapi-url", use: describeFromURL)
        group.get("hub/services/{id}/rights", use: rights)
        group.post("hub/rights", use: grant)
        group.delete("hub/rights/{id}", use: revoke)
        group.get("hub/messages", use: messages)
        group.get("hub/messages/verify", use: verify)
        group.get("hub/messages/export", use: export)
        group.get("hub/messages/{seq}/bodies", use: messageBodies)
        group.get("hub/monitoring", use: monitoring)
        group.get("hub/national-systems", use: nationalBoard)
        group.put("hub/national-systems/{code}", use: mapNationalSystem)
    }

    struct MemberInput: Decodable {
        var instance: String
        var memberClass: String
        var memberCode: String
        var name: String
        var agencyID: String?
        var peerID: String?
    }

    struct SubsystemInput: Decodable {
        var memberID: String
        var subsystemCode: String
        var name: String
        var rateLimitPerSecond: Int?
    }

    struct NewService: Decodable {
        var subsystemID: String
        var serviceCode: String
        var version: String?
        var upstreamURL: String
        var timeoutMilliseconds: Int?
        var logBodies: Bool?
        var bodyRetentionDays: Int?
    }

    struct RightInput: Decodable {
        var consumerID: String
        var serviceID: String
        var method: String?
        var path: String?
    }

    struct KeyInput: Decodable { var name: String }

    struct NationalMapping: Decodable { var serviceID: String? }

    struct DescriptionURL: Decodable { var url: String }

    struct GroupInput: Decodable {
        var code: String
        var name: String
    }

    struct CertificateInput: Decodable {
        var name: String
        var fingerprint: String
    }

    struct PeerInput: Decodable {
        var id: String
        var name: String
        var url: String
        var fingerprint: String
    }

    struct AddedCredential: ResponseEncodable { var id: String }

    /// This hub's certificate, for the operators of peer hubs to pin.
    struct Identity: ResponseEncodable {
        var fingerprint: String
        var certificatePEM: String
    }

    /// The gateway's figures since this process started, for the operator and the operations centre.
    struct Monitoring: ResponseEncodable {
        var since: Date
        var traffic: [TrafficReport]
        var providers: [ProviderHealth]
    }

    struct IssuedKey: ResponseEncodable {
        var id: String
        /// Shown once; only its digest is kept.
        var secret: String
    }

    struct ServiceDetail: ResponseEncodable {
        var service: HubService
        var endpoints: [HubEndpoint]
    }

    /// Reading the registry: officials of any agency (it says who offers what).
    func reader(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard actor.account?.kind == .official else { throw AppError.forbidden }
        return actor
    }

    /// A whole registry list for an official: these lists are short, so they come in one page.
    func everything<Item>(_ context: AppContext, _ items: () async throws -> [Item]) async throws -> ListPage<Item> {
        _ = try reader(context)
        return ListPage(items: try await items(), nextCursor: nil)
    }

    static func identifier(_ context: AppContext) throws -> String {
        try context.parameters.require("id").replacingOccurrences(of: ":", with: "/")
    }

    @Sendable func members(_ request: Request, context: AppContext) async throws -> ListPage<HubMember> {
        try await everything(context) { try await registry.members() }
    }

    @Sendable func createMember(_ request: Request, context: AppContext) async throws -> EditedResponse<HubMember> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(MemberInput.self, context: context)
        let member = try await registry.createMember(
            instance: input.instance, memberClass: input.memberClass, memberCode: input.memberCode, name: input.name, agencyID: input.agencyID,
            peerID: input.peerID, by: actor)
        return EditedResponse(status: .created, response: member)
    }

    @Sendable func subsystems(_ request: Request, context: AppContext) async throws -> ListPage<HubSubsystem> {
        try await everything(context) { try await registry.subsystems() }
    }

    @Sendable func createSubsystem(_ request: Request, context: AppContext) async throws -> EditedResponse<HubSubsystem> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(SubsystemInput.self, context: context)
        let subsystem = try await registry.createSubsystem(
            memberID: input.memberID, code: input.subsystemCode, name: input.name, rateLimitPerSecond: input.rateLimitPerSecond, by: actor)
        return EditedResponse(status: .created, response: subsystem)
    }

    @Sendable func issueKey(_ request: Request, context: AppContext) async throws -> EditedResponse<IssuedKey> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(KeyInput.self, context: context)
        let (id, secret) = try await registry.issueKey(subsystemID: try Self.identifier(context), name: input.name, by: actor)
        return EditedResponse(status: .created, response: IssuedKey(id: id, secret: secret))
    }

    @Sendable func services(_ request: Request, context: AppContext) async throws -> ListPage<HubService> {
        try await everything(context) { try await registry.services() }
    }

    @Sendable func createService(_ request: Request, context: AppContext) async throws -> EditedResponse<HubService> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(NewService.self, context: context)
        let service = try await registry.createService(
            subsystemID: input.subsystemID,
            ServiceInput(
                serviceCode: input.serviceCode, version: input.version, upstreamURL: input.upstreamURL,
                timeoutMilliseconds: input.timeoutMilliseconds, logBodies: input.logBodies, bodyRetentionDays: input.bodyRetentionDays),
            by: actor)
        return EditedResponse(status: .created, response: service)
    }

    @Sendable func service(_ request: Request, context: AppContext) async throws -> ServiceDetail {
        _ = try reader(context)
        let id = try Self.identifier(context)
        return ServiceDetail(service: try await registry.service(id), endpoints: try await registry.endpoints(of: id))
    }

    @Sendable func updateService(_ request: Request, context: AppContext) async throws -> HubService {
        let actor = try context.actor()
        let input = try await request.decodeJSON(ServiceInput.self, context: context)
        return try await registry.updateService(try Self.identifier(context), input, by: actor)
    }

    @Sendable func describe(_ request: Request, context: AppContext) async throws -> ServiceDetail {
        let actor = try context.actor()
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let id = try Self.identifier(context)
        let endpoints = try await registry.describe(id, openAPI: Data(buffer: body), by: actor)
        return ServiceDetail(service: try await registry.service(id), endpoints: endpoints)
    }

    @Sendable func rights(_ request: Request, context: AppContext) async throws -> ListPage<HubRight> {
        try await everything(context) { try await registry.rights(of: try Self.identifier(context)) }
    }

    @Sendable func grant(_ request: Request, context: AppContext) async throws -> EditedResponse<HubRight> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(RightInput.self, context: context)
        var validator = Validator()
        validator.check(
            (input.method == nil) == (input.path == nil), "path", vi: "Hãy cho cả phương thức và đường dẫn, hoặc không cho cả hai.",
            en: "Give both the method and the path of an endpoint, or neither.")
        if let path = input.path {
            validator.check(path.hasPrefix("/"), "path", vi: "Đường dẫn phải bắt đầu bằng /.", en: "The path must start with /.")
        }
        try validator.finish()
        let endpoint = input.method.flatMap { method in input.path.map { HubEndpoint(method: method, path: $0) } }
        let right = try await registry.grant(consumerID: input.consumerID, serviceID: input.serviceID, endpoint: endpoint, by: actor)
        return EditedResponse(status: .created, response: right)
    }

    @Sendable func revoke(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        try await registry.revoke(rightID: try context.parameters.require("id"), by: try context.actor())
        return .noContent
    }

    @Sendable func messages(_ request: Request, context: AppContext) async throws -> ListPage<MessageRecord> {
        guard Access.canAdministerPlatform(try context.actor()) else { throw AppError.forbidden }
        let paging = try Paging(request)
        let before = paging.after.flatMap { Int($0) }
        if paging.after != nil, before == nil { throw AppError(.validation, vi: "cursor không hợp lệ.", en: "cursor is not valid.") }
        let from = request.query("from").flatMap(AuditController.parseTime).map(Timestamp.string)
        let to = request.query("to").flatMap(AuditController.parseTime).map(Timestamp.string)
        try await journal.importPending()
        let records = try await MessageLog.records(
            consumer: request.query("consumer"), service: request.query("service"), from: from, to: to, beforeSeq: before,
            limit: paging.limit + 1, in: database)
        return paging.page(records) { String($0.seq) }
    }

    /// Every matching record, oldest first, one JSON object a line (`application/x-ndjson`), streamed in pages.
    @Sendable func export(_ request: Request, context: AppContext) async throws -> Response {
        guard Access.canAdministerPlatform(try context.actor()) else { throw AppError.forbidden }
        var validator = Validator()
        let from = request.query("from").flatMap(AuditController.parseTime).map(Timestamp.string)
        let to = request.query("to").flatMap(AuditController.parseTime).map(Timestamp.string)
        validator.check(
            request.query("from") == nil || from != nil, "from", vi: "from phải là thời điểm ISO 8601.", en: "from must be an ISO 8601 time.")
        validator.check(request.query("to") == nil || to != nil, "to", vi: "to phải là thời điểm ISO 8601.", en: "to must be an ISO 8601 time.")
        try validator.finish()
        let consumer = request.query("consumer")
        let service = request.query("service")
        let database = self.database
        try await journal.importPending()
        let body = ResponseBody { writer in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var after = 0
            while true {
                let page = try await MessageLog.records(
                    consumer: consumer, service: service, from: from, to: to, afterSeq: after, limit: 1000, in: database)
                if page.isEmpty { break }
                var buffer = ByteBuffer()
                for record in page {
                    buffer.writeBytes(try encoder.encode(record))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
                after = page.last!.seq
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    @Sendable func verify(_ request: Request, context: AppContext) async throws -> MessageLog.Verification {
        guard Access.canAdministerPlatform(try context.actor()) else { throw AppError.forbidden }
        try await journal.importPending()
        return try await MessageLog.verifyAll(database, archive: sealArchive, key: sealingKey)
    }

    @Sendable func monitoring(_ request: Request, context: AppContext) async throws -> Monitoring {
        _ = try reader(context)
        return Monitoring(since: monitor.startedAt, traffic: monitor.trafficReport(), providers: monitor.providerHealth())
    }

    @Sendable func nationalBoard(_ request: Request, context: AppContext) async throws -> NationalBoard {
        _ = try reader(context)
        return NationalBoard(systems: try await registry.nationalSystems(), services: try await registry.services(), health: monitor.providerHealth())
    }

    @Sendable func mapNationalSystem(_ request: Request, context: AppContext) async throws -> NationalSystem {
        let actor = try context.actor()
        let input = try await request.decodeJSON(NationalMapping.self, context: context)
        return try await registry.mapNationalSystem(
            try context.parameters.require("code"), serviceID: input.serviceID?.replacingOccurrences(of: ":", with: "/"), by: actor)
    }

    @Sendable func addCertificate(_ request: Request, context: AppContext) async throws -> EditedResponse<AddedCredential> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(CertificateInput.self, context: context)
        let id = try await registry.addCertificate(
            subsystemID: try Self.identifier(context), name: input.name, fingerprint: input.fingerprint, by: actor)
        return EditedResponse(status: .created, response: AddedCredential(id: id))
    }

    @Sendable func peers(_ request: Request, context: AppContext) async throws -> ListPage<HubPeer> {
        try await everything(context) { try await registry.peers() }
    }

    @Sendable func createPeer(_ request: Request, context: AppContext) async throws -> EditedResponse<HubPeer> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(PeerInput.self, context: context)
        let peer = try await registry.createPeer(id: input.id, name: input.name, url: input.url, fingerprint: input.fingerprint, by: actor)
        return EditedResponse(status: .created, response: peer)
    }

    @Sendable func identity(_ request: Request, context: AppContext) async throws -> Identity {
        _ = try reader(context)
        return Identity(fingerprint: identity.fingerprint, certificatePEM: identity.certificatePEM)
    }

    /// The kept bodies of one exchange (base64), for services that log them, until their retention ends.
    @Sendable func messageBodies(_ request: Request, context: AppContext) async throws -> MessageBodies {
        guard Access.canAdministerPlatform(try context.actor()) else { throw AppError.forbidden }
        guard let seq = Int(try context.parameters.require("seq")), let bodies = try await MessageLog.bodies(seq: seq, in: database) else {
            throw AppError.notFound("nội dung trao đổi / message bodies")
        }
        return bodies
    }

    @Sendable func groups(_ request: Request, context: AppContext) async throws -> ListPage<HubGroup> {
        try await everything(context) { try await registry.groups() }
    }

    @Sendable func createGroup(_ request: Request, context: AppContext) async throws -> EditedResponse<HubGroup> {
        let actor = try context.actor()
        let input = try await request.decodeJSON(GroupInput.self, context: context)
        return EditedResponse(status: .created, response: try await registry.createGroup(code: input.code, name: input.name, by: actor))
    }

    @Sendable func addGroupMember(_ request: Request, context: AppContext) async throws -> HubGroup {
        try await setGroupMember(context, member: true)
    }

    @Sendable func removeGroupMember(_ request: Request, context: AppContext) async throws -> HubGroup {
        try await setGroupMember(context, member: false)
    }

    private func setGroupMember(_ context: AppContext, member: Bool) async throws -> HubGroup {
        try await registry.setMembership(
            group: try context.parameters.require("code"), subsystemID: try Self.identifier(context), member: member, by: try context.actor())
    }

    /// Fetches the service's OpenAPI description from a URL (the provider's own, usually) and stores it.
    @Sendable func describeFromURL(_ request: Request, context: AppContext) async throws -> ServiceDetail {
        let actor = try context.actor()
        let input = try await request.decodeJSON(DescriptionURL.self, context: context)
        let id = try Self.identifier(context)
        let endpoints = try await registry.describe(id, fetchingFrom: input.url, by: actor)
        return ServiceDetail(service: try await registry.service(id), endpoints: endpoints)
    }
}
