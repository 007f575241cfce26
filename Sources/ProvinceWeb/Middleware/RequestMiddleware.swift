import Directory
import Foundation
import HTTPTypes
import Hub
import Hummingbird
import Logging
import NIOCore
import ProvinceCore

/// Gives every request an id (the caller's `X-Request-Id` when it is sane), picks its language,
/// and turns every error into a problem response (API) or an error page (web), never leaking internals.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: PageRenderer
    /// Mark cookies `Secure` and send HSTS whatever the request says (the platform is served over HTTPS).
    var secureCookies = false
    /// Proxies whose `X-Forwarded-For` is believed.
    var trustedProxies: [IPNetwork] = []

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID] ?? ""
        context.requestID =
            (8...128).contains(incoming.count) && incoming.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            ? incoming : UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        context.overHTTPS = secureCookies || request.headers[.xForwardedProto]?.lowercased() == "https"
        if !trustedProxies.isEmpty {
            context.remoteAddress = ClientAddress.resolve(peer: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor]) {
                address in trustedProxies.contains { $0.contains(address: address) }
            }
        }
        let isAPI = request.uri.path.hasPrefix("/api/")
        context.currentPath = request.uri.description
        if isAPI {
            context.language = Language(acceptLanguage: request.headers[.acceptLanguage])
        } else if let chosen = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            context.language = chosen
        } else if let cookie = request.cookies["lang"]?.value, let chosen = Language(rawValue: cookie) {
            context.language = chosen
        } else {
            context.language = .vi
        }
        var response: Response
        do {
            // A request that could not be put in one form goes no further than here (see `CanonicalRequests`).
            if let refusal = context.refusal { throw refusal }
            response = try await next(request, context)
        } catch {
            response = ErrorMiddleware.response(for: error, request: request, context: context, pages: pages)
        }
        response.headers[.requestID] = context.requestID
        if context.overHTTPS { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if !isAPI {
            response.headers[.xFrameOptions] = "DENY"
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
            response.headers[.referrerPolicy] = "same-origin"
        }
        return response
    }
}

/// Turns errors from the routes into responses while the request's context still knows who is signed in (so an
/// error page keeps its header and sign-out form). Errors before that point are answered by `RequestMiddleware`.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: PageRenderer

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, context: context, pages: pages)
        }
    }

    /// A problem document on the API and the machine routes, an error page elsewhere.
    static func response(for error: any Error, request: Request, context: AppContext, pages: PageRenderer) -> Response {
        let problem = Problem(error, language: context.language, logger: context.logger)
        let path = request.uri.path
        if path.hasPrefix("/api/") || ["/openapi.json", "/health", "/metrics"].contains(path) {
            return problem.response(instance: path, requestID: context.requestID)
        }
        return pages.errorPage(problem, context: context)
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let strictTransportSecurity = Self("Strict-Transport-Security")!
    /// The scheme a proxy in front received the request with.
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    /// The addresses a request passed through, the client's first.
    static let xForwardedFor = Self("X-Forwarded-For")!
}

/// An error as the client sees it (RFC 9457).
struct Problem: Sendable {
    var kind: ProblemKind
    var title: String
    var detail: String?
    var errors: [String: String]
    var retryAfter: Int?

    init(_ error: any Error, language: Language, logger: Logger) {
        switch error {
        case let error as AppError:
            kind = error.kind
            detail = error.detail?.text(language)
            errors = error.fieldErrors.mapValues { $0.text(language) }
            retryAfter = error.retryAfter
        case let error as HTTPError:
            switch error.status.code {
            case 404: kind = .notFound
            case 405: kind = .methodNotAllowed
            case 413: kind = .payloadTooLarge
            case 415: kind = .unsupportedMediaType
            case 401: kind = .unauthenticated
            case 403: kind = .forbidden
            case 500...: kind = .internalError
            default: kind = .badRequest
            }
            let mapped = kind
            detail = Self.friendly(httpMessage: error.body ?? "", kind: mapped, language: language)
            errors = [:]
        case is NIOTooManyBytesError:
            kind = .payloadTooLarge
            detail = Self.friendly(httpMessage: "", kind: kind, language: language)
            errors = [:]
        default:
            kind = .internalError
            detail =
                language == .en
                ? "Something went wrong on our side. The request id identifies it in our logs."
                : "Đã xảy ra lỗi phía hệ thống. Mã yêu cầu giúp tra cứu lỗi trong nhật ký."
            errors = [:]
        }
        if kind == .internalError, !(error is AppError) { logger.error("internal error: \(String(reflecting: error))") }
        title = kind.title(language)
    }

    private static func friendly(httpMessage: String, kind: ProblemKind, language: Language) -> String {
        switch kind {
        case .payloadTooLarge:
            language == .en
                ? "The request body is larger than this address accepts (1 MiB; 40 MiB for a dossier with its files)."
                : "Dữ liệu gửi lên vượt quá giới hạn của địa chỉ này (1 MiB; 40 MiB với hồ sơ kèm tệp)."
        case .notFound:
            language == .en ? "There is nothing at this address." : "Không có tài nguyên nào ở địa chỉ này."
        case .methodNotAllowed:
            language == .en ? "This address does not accept that method." : "Địa chỉ này không hỗ trợ phương thức đó."
        default:
            (language == .en ? "The request could not be read. " : "Không đọc được yêu cầu. ") + httpMessage
        }
    }

    /// RFC 9457's members, with the request's id and the fields' errors as extensions.
    private struct Document: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let instance: String
        let requestId: String
        let errors: [String: String]?
    }

    func response(instance: String, requestID: String) -> Response {
        let document = Document(
            type: kind.typeURI, title: title, status: kind.status, detail: detail, instance: instance, requestId: requestID,
            errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if kind == .unauthenticated { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: .init(code: kind.status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
