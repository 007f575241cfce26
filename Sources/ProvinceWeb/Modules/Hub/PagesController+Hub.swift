import Foundation
import Hub
import Hummingbird
import ProvinceCore
import ProvinceStore

/// The hub's pages: the board for officials, and the registry for its operators (members, subsystems, services,
/// rights, credentials, peers), every change made through `HubRegistry` and so audited.
extension PagesController {
    func addHubRoutes(to router: RouterGroup<AppContext>) {
        router.get("hub", use: hub)
        router.post("hub/national/{code}", use: mapNationalSystem)
        router.get("hub/registry", use: registry)
        router.post("hub/registry/members", use: createMember)
        router.post("hub/registry/subsystems", use: createSubsystem)
        router.post("hub/registry/services", use: createService)
        router.post("hub/registry/peers", use: createPeer)
        router.post("hub/registry/groups", use: createGroup)
        router.post("hub/registry/groups/{code}/members", use: addGroupMember)
        router.get("hub/registry/services/{id}", use: service)
        router.post("hub/registry/services/{id}", use: updateService)
        router.post("hub/registry/services/{id}/rights", use: grantRight)
        router.post("hub/registry/services/{id}/openapi", use: describeService)
        router.post("hub/registry/services/{id}/openapi-url", use: describeServiceFromURL)
        router.post("hub/registry/rights/{right}/revoke", use: revokeRight)
        router.get("hub/registry/subsystems/{id}", use: subsystem)
        router.post("hub/registry/subsystems/{id}/keys", use: issueKey)
        router.post("hub/registry/subsystems/{id}/certificates", use: addCertificate)
    }

    private var hubRegistry: HubRegistry { platform.hubRegistry }

    /// Registry pages are for officials; what each may change, the registry decides.
    private func official(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard actor.account?.kind == .official else { throw AppError.forbidden }
        return actor
    }

    /// `VN:GOV:…` in a page's path, `VN/GOV/…` in the registry.
    private static func identifier(_ context: AppContext, _ name: String = "id") throws -> String {
        try context.parameters.require(name).replacingOccurrences(of: ":", with: "/")
    }

    private static func pathID(_ id: String) -> String { id.replacingOccurrences(of: "/", with: ":") }

    /// Runs a form's change; a refused change shows `page` again with what was wrong, anything else goes to `done`.
    private func submit(
        _ request: Request, context: AppContext, page: (HTTPResponse.Status, PageNotice) async throws -> Response,
        change: (Form, Actor) async throws -> String
    ) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        do {
            return PageRenderer.redirect(try await change(form, try official(context)))
        } catch let error as AppError where [.validation, .conflict, .notFound].contains(error.kind) {
            return try await page(.init(code: error.kind.status), PageNotice(refusal: FormRefusal(error, context.language)))
        }
    }

    // MARK: Board

    @Sendable func hub(_ request: Request, context: AppContext) async throws -> Response {
        try await hubPage(context: context, status: .ok, notice: PageNotice(saved: request.query("saved") != nil))
    }

    private func hubPage(context: AppContext, status: HTTPResponse.Status, notice: PageNotice) async throws -> Response {
        let actor = try official(context)
        let strings = Strings.words(context.language)
        let monitor = platform.hubMonitor
        let health = monitor.providerHealth()
        let services = try await hubRegistry.services()
        let board = NationalBoard(systems: try await hubRegistry.nationalSystems(), services: services, health: health)
        let traffic = monitor.trafficReport()
        let format: (Double?) -> String = { $0.map { String(format: "%.1f", $0) } ?? "–" }
        let canMap = Access.canAdministerPlatform(actor)
        var callsByService: [String: Int] = [:]
        for entry in traffic { callsByService[entry.service, default: 0] += entry.calls }
        let model = HubBoardPage(
            notice: notice,
            board: .init(
                connected: board.connected, total: board.total,
                systems: board.systems.map { entry in
                    .init(
                        code: entry.system.code, name: entry.system.name, owner: entry.system.owner, service: entry.system.serviceID ?? "–",
                        state: entry.state.rawValue, stateText: strings["state.\(entry.state.rawValue)"],
                        checkedAt: entry.checkedAt.map(Self.localTime) ?? "",
                        options: canMap ? services.map { IdentifierOption(id: $0.id, selected: $0.id == entry.system.serviceID) } : [])
                }),
            canMap: canMap,
            traffic: traffic.map {
                .init(
                    service: $0.service, consumer: $0.consumer, calls: $0.calls,
                    errors: $0.errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
                    latency: "\(format($0.p50Milliseconds)) / \(format($0.p95Milliseconds)) / \(format($0.p99Milliseconds))")
            },
            providers: health.map {
                .init(
                    serviceID: $0.serviceID, upstream: $0.upstream, state: $0.state.rawValue, stateText: strings["state.\($0.state.rawValue)"],
                    problem: $0.problem ?? "", checkedAt: Self.localTime($0.checkedAt))
            },
            chart: callsByService.isEmpty
                ? nil : SVGChart.bars(callsByService.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(12).map { ($0.key, $0.value) }))
        return pages.page("hub", title: strings["hub"], model: model, context: context, status: status)
    }

    @Sendable func mapNationalSystem(_ request: Request, context: AppContext) async throws -> Response {
        try await submit(request, context: context, page: { try await hubPage(context: context, status: $0, notice: $1) }) { form, actor in
            let serviceID = form["serviceID"]
            _ = try await hubRegistry.mapNationalSystem(
                try context.parameters.require("code"), serviceID: serviceID.isEmpty ? nil : serviceID, by: actor)
            return "/hub?saved=1"
        }
    }

    // MARK: Registry

    @Sendable func registry(_ request: Request, context: AppContext) async throws -> Response {
        try await registryPage(context: context, status: .ok, notice: PageNotice(saved: request.query("saved") != nil))
    }

    private func registryPage(context: AppContext, status: HTTPResponse.Status, notice: PageNotice) async throws -> Response {
        let actor = try official(context)
        let registry = hubRegistry
        let members = try await registry.members()
        let subsystems = try await registry.subsystems()
        let peers = try await registry.peers()
        let model = HubRegistryPage(
            notice: notice, members: members.map { .init(id: $0.id, name: $0.name, peer: $0.peerID ?? "") },
            subsystems: subsystems.map {
                .init(id: $0.id, path: Self.pathID($0.id), name: $0.name, limit: $0.rateLimitPerSecond.map(String.init) ?? "–")
            },
            services: try await registry.services().map {
                .init(id: $0.id, path: Self.pathID($0.id), upstream: $0.upstreamURL, enabled: $0.enabled, logBodies: $0.logBodies)
            },
            peers: peers.map { .init(id: $0.id, name: $0.name, url: $0.url, fingerprint: $0.fingerprint) },
            groups: try await registry.groups().map { .init(code: $0.code, name: $0.name, members: $0.members.joined(separator: ", ")) },
            memberOptions: members.filter { $0.peerID == nil }.map { IdentifierOption(id: $0.id) },
            subsystemOptions: subsystems.map { IdentifierOption(id: $0.id) }, peerOptions: peers.map { IdentifierOption(id: $0.id) },
            isOperator: Access.canAdministerPlatform(actor))
        return pages.page("hub-registry", title: Strings.words(context.language)["hubRegistry"], model: model, context: context, status: status)
    }

    private func registryForm(_ request: Request, context: AppContext, change: @escaping (Form, Actor) async throws -> String) async throws
        -> Response
    {
        try await submit(request, context: context, page: { try await registryPage(context: context, status: $0, notice: $1) }, change: change)
    }

    @Sendable func createMember(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            _ = try await hubRegistry.createMember(
                instance: form["instance"], memberClass: form["memberClass"], memberCode: form["memberCode"], name: form["name"], agencyID: nil,
                peerID: form["peerID"].isEmpty ? nil : form["peerID"], by: actor)
            return "/hub/registry?saved=1"
        }
    }

    @Sendable func createSubsystem(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            let subsystem = try await hubRegistry.createSubsystem(
                memberID: form["memberID"], code: form["subsystemCode"], name: form["name"],
                rateLimitPerSecond: Int(form["rateLimitPerSecond"]), by: actor)
            return "/hub/registry/subsystems/\(Self.pathID(subsystem.id))?saved=1"
        }
    }

    @Sendable func createService(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            let service = try await hubRegistry.createService(
                subsystemID: form["subsystemID"],
                ServiceInput(
                    serviceCode: form["serviceCode"], version: form["version"].isEmpty ? nil : form["version"], upstreamURL: form["upstreamURL"],
                    timeoutMilliseconds: Int(form["timeoutMilliseconds"])),
                by: actor)
            return "/hub/registry/services/\(Self.pathID(service.id))?saved=1"
        }
    }

    @Sendable func createPeer(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            _ = try await hubRegistry.createPeer(id: form["id"], name: form["name"], url: form["url"], fingerprint: form["fingerprint"], by: actor)
            return "/hub/registry?saved=1"
        }
    }

    @Sendable func createGroup(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            _ = try await hubRegistry.createGroup(code: form["code"], name: form["name"], by: actor)
            return "/hub/registry?saved=1"
        }
    }

    @Sendable func addGroupMember(_ request: Request, context: AppContext) async throws -> Response {
        try await registryForm(request, context: context) { form, actor in
            _ = try await hubRegistry.setMembership(
                group: try context.parameters.require("code"), subsystemID: form["subsystemID"], member: true, by: actor)
            return "/hub/registry?saved=1"
        }
    }

    // MARK: A service

    @Sendable func service(_ request: Request, context: AppContext) async throws -> Response {
        try await servicePage(context: context, status: .ok, notice: PageNotice(saved: request.query("saved") != nil))
    }

    private func servicePage(context: AppContext, status: HTTPResponse.Status, notice: PageNotice) async throws -> Response {
        let actor = try official(context)
        let id = try Self.identifier(context)
        let service = try await hubRegistry.service(id)
        let model = HubServicePage(
            notice: notice,
            service: .init(
                id: service.id, path: Self.pathID(service.id), upstream: service.upstreamURL, timeout: service.timeoutMilliseconds,
                enabled: service.enabled, logBodies: service.logBodies, retention: service.bodyRetentionDays),
            rights: try await hubRegistry.rights(of: id).map {
                .init(id: $0.id, consumer: $0.consumerID, endpoint: $0.endpoint.map { "\($0.method) \($0.path)" } ?? "*")
            },
            endpoints: try await hubRegistry.endpoints(of: id).map { .init(method: $0.method, path: $0.path) },
            subsystemOptions: try await hubRegistry.subsystems().map { IdentifierOption(id: $0.id) }
                + (try await hubRegistry.groups().map { IdentifierOption(id: $0.consumerID) }),
            isOperator: Access.canAdministerPlatform(actor))
        return pages.page("hub-service", title: service.id, model: model, context: context, status: status)
    }

    private func serviceForm(_ request: Request, context: AppContext, change: @escaping (Form, Actor, String) async throws -> Void) async throws
        -> Response
    {
        let id = try Self.identifier(context)
        return try await submit(request, context: context, page: { try await servicePage(context: context, status: $0, notice: $1) }) {
            form, actor in
            try await change(form, actor, id)
            return "/hub/registry/services/\(Self.pathID(id))?saved=1"
        }
    }

    @Sendable func updateService(_ request: Request, context: AppContext) async throws -> Response {
        try await serviceForm(request, context: context) { form, actor, id in
            _ = try await hubRegistry.updateService(
                id,
                ServiceInput(
                    upstreamURL: form["upstreamURL"], timeoutMilliseconds: Int(form["timeoutMilliseconds"]), enabled: form["enabled"] == "on",
                    logBodies: form["logBodies"] == "on", bodyRetentionDays: Int(form["bodyRetentionDays"])),
                by: actor)
        }
    }

    @Sendable func grantRight(_ request: Request, context: AppContext) async throws -> Response {
        try await serviceForm(request, context: context) { form, actor, id in
            let path = form["path"].trimmingCharacters(in: .whitespaces)
            let endpoint = path.isEmpty ? nil : HubEndpoint(method: form["method"], path: path)
            _ = try await hubRegistry.grant(consumerID: form["consumerID"], serviceID: id, endpoint: endpoint, by: actor)
        }
    }

    @Sendable func describeService(_ request: Request, context: AppContext) async throws -> Response {
        try await serviceForm(request, context: context) { form, actor, id in
            _ = try await hubRegistry.describe(id, openAPI: Data(form["openapi"].utf8), by: actor)
        }
    }

    @Sendable func describeServiceFromURL(_ request: Request, context: AppContext) async throws -> Response {
        try await serviceForm(request, context: context) { form, actor, id in
            _ = try await hubRegistry.describe(id, fetchingFrom: form["url"], by: actor)
        }
    }

    @Sendable func revokeRight(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        try await hubRegistry.revoke(rightID: try context.parameters.require("right"), by: try official(context))
        return PageRenderer.redirect("/hub/registry/services/\(form["service"].replacingOccurrences(of: "/", with: ":"))?saved=1")
    }

    // MARK: A subsystem

    @Sendable func subsystem(_ request: Request, context: AppContext) async throws -> Response {
        try await subsystemPage(context: context, status: .ok, notice: PageNotice(saved: request.query("saved") != nil))
    }

    private func subsystemPage(context: AppContext, status: HTTPResponse.Status, notice: PageNotice) async throws -> Response {
        _ = try official(context)
        let subsystem = try await hubRegistry.subsystem(try Self.identifier(context))
        let model = HubSubsystemPage(
            notice: notice,
            subsystem: .init(
                id: subsystem.id, path: Self.pathID(subsystem.id), name: subsystem.name, limit: subsystem.rateLimitPerSecond.map(String.init) ?? "–"))
        return pages.page("hub-subsystem", title: subsystem.id, model: model, context: context, status: status)
    }

    @Sendable func issueKey(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        do {
            let (_, secret) = try await hubRegistry.issueKey(subsystemID: try Self.identifier(context), name: form["name"], by: try official(context))
            // Shown once, on this page only: the hub keeps its digest.
            return try await subsystemPage(context: context, status: .created, notice: PageNotice(secret: secret))
        } catch let error as AppError where error.kind == .validation {
            return try await subsystemPage(context: context, status: .badRequest, notice: PageNotice(refusal: FormRefusal(error, context.language)))
        }
    }

    @Sendable func addCertificate(_ request: Request, context: AppContext) async throws -> Response {
        let id = try Self.identifier(context)
        return try await submit(request, context: context, page: { try await subsystemPage(context: context, status: $0, notice: $1) }) {
            form, actor in
            _ = try await hubRegistry.addCertificate(subsystemID: id, name: form["name"], fingerprint: form["fingerprint"], by: actor)
            return "/hub/registry/subsystems/\(Self.pathID(id))?saved=1"
        }
    }
}
