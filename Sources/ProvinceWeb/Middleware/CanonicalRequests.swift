import HTTPTypes
import Hummingbird
import ProvinceCore

/// Puts every request in one form before the router or any check reads it: its path normalized
/// (``PathNormalization``), and a header that must come once refused when it comes twice. It wraps the router because
/// the router picks a route from the path before any middleware runs. A request refused here reaches the route or
/// the not-found answer its raw path leads to with ``AppContext/refusal`` set, and `RequestMiddleware` answers it
/// there, with the problem document or page every error gets.
struct CanonicalRequests<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppContext {
    let inner: Inner

    /// Headers a request may carry once: a second one could be read by one check and not by another.
    static var singletons: [HTTPField.Name] { [.authorization, .contentType, .contentLength, .requestID, .xForwardedProto] }

    func respond(to request: Request, context: AppContext) async throws -> Response {
        let normalized: Request
        do {
            normalized = try Self.normalized(request)
        } catch {
            var context = context
            context.refusal = error
            return try await inner.respond(to: request, context: context)
        }
        return try await inner.respond(to: normalized, context: context)
    }

    /// The request with its path in canonical form; refused when its path cannot be put in one form or a header that
    /// must come once comes twice.
    static func normalized(_ request: Request) throws(AppError) -> Request {
        for name in singletons where request.headers[values: name].count > 1 {
            throw AppError(.badRequest, vi: "Tiêu đề \(name) được gửi nhiều lần.", en: "The header \(name) is sent more than once.")
        }
        let target = request.head.path ?? "/"
        let queryStart = target.firstIndex(of: "?") ?? target.endIndex
        let path: String
        do {
            path = try PathNormalization.path(target[..<queryStart])
        } catch {
            throw AppError(.badRequest, vi: "Đường dẫn không hợp lệ.", en: "The path is not valid: \(error.reason)")
        }
        guard path != target[..<queryStart] else { return request }
        var head = request.head
        head.path = path + target[queryStart...]
        return Request(head: head, body: request.body)
    }
}
