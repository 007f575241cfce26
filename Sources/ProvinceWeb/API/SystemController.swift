import Directory
import Foundation
import Hummingbird
import Metrics
import Prometheus
import ProvinceCore
import ProvinceStore

/// `/health` (liveness and database readiness), `/metrics` (Prometheus text), `/openapi.json`.
struct SystemController {
    let database: ProvinceDatabase
    let registry: PrometheusCollectorRegistry
    /// The modules, whose figures follow the web server's own.
    let modules: [any PlatformModule]
    let openAPI: ByteBuffer
    /// The scraper's bearer token for `/metrics`, if one is configured.
    let metricsToken: String?

    func addRoutes(to router: RouterGroup<AppContext>) {
        router.get("health", use: health)
        router.get("metrics", use: metrics)
        router.get("openapi.json", use: document)
    }

    struct Health: ResponseEncodable {
        var status: String
        var database: String
        var engine: String
    }

    @Sendable func health(_ request: Request, context: AppContext) async throws -> Health {
        do {
            try await database.read { try await $0.raw("SELECT 1").run() }
        } catch {
            context.logger.error("health check: database unreachable: \(error)")
            throw AppError(.unavailable, vi: "Không kết nối được cơ sở dữ liệu.", en: "The database cannot be reached.")
        }
        return Health(status: "ok", database: "ok", engine: database.engine.rawValue)
    }

    /// The figures say who calls which service: for the operator only, a platform administrator signed in on the pages
    /// or a scraper presenting the configured token.
    @Sendable func metrics(_ request: Request, context: AppContext) async throws -> Response {
        let presented = request.headers[.authorization].flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
        let scraper = presented.map { token in metricsToken.map { Tokens.constantTimeEqual($0, token) } ?? false } ?? false
        if !scraper {
            guard let actor = context.optionalActor else { throw AppError.unauthenticated }
            guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        }
        var text = registry.emitToBuffer()
        for module in modules { text += Array(await module.metrics().utf8) }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }

    @Sendable func document(_ request: Request, context: AppContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=60"], body: .init(byteBuffer: openAPI))
    }
}

/// The process-wide metrics registry: swift-metrics can be bootstrapped once per process.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
