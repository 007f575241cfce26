import Foundation
import NIOHTTP1
import ProvinceCore

/// An error the gateway answers itself, in X-Road's terms (PR-REST §4.6): a type such as
/// `Server.ServerProxy.AccessDenied` (also sent as `X-Road-Error`), a message, and the protocol's status for it.
struct GatewayError: Error {
    var type: String
    var message: String
    /// The status of the hub's own extensions: 413 for a body too large, 429 past a rate. Nil for the protocol's.
    var extensionStatus: HTTPResponseStatus?
    var retryAfter: Int?
    /// What the gateway's log adds to the message, not told to the client.
    var note: String?

    init(_ type: String, _ message: String, extensionStatus: HTTPResponseStatus? = nil, retryAfter: Int? = nil, note: String? = nil) {
        self.type = type
        self.message = message
        self.note = note
        self.extensionStatus = extensionStatus
        self.retryAfter = retryAfter
    }

    /// PR-REST §4.6: 500 when X-Road's side failed (`Server.…`), 400 when the request broke the protocol (`Client.…`).
    var status: HTTPResponseStatus { extensionStatus ?? (type.hasPrefix("Server.") ? .internalServerError : .badRequest) }

    /// A request that does not follow the protocol (PR-REST §4.6, example 3).
    static func badRequest(_ message: String) -> GatewayError { GatewayError("Client.BadRequest", message) }

    /// Messages as X-Road's security server words them, services named `SERVICE:INSTANCE/CLASS/MEMBER/SUBSYSTEM/CODE`.
    static func unknownService(_ serviceID: String) -> GatewayError {
        GatewayError("Server.ServerProxy.UnknownService", "Unknown service: SERVICE:\(serviceID)")
    }

    static func accessDenied(_ serviceID: String, note: String) -> GatewayError {
        GatewayError("Server.ServerProxy.AccessDenied", "Request is not allowed: SERVICE:\(serviceID)", note: note)
    }

    static func serviceDisabled(_ serviceID: String) -> GatewayError {
        GatewayError("Server.ServerProxy.ServiceDisabled", "Service SERVICE:\(serviceID) is disabled: the operator has not enabled it")
    }

    static func tooLarge(_ limit: Int) -> GatewayError {
        GatewayError("Client.PayloadTooLarge", "The body is larger than \(limit) bytes.", extensionStatus: .payloadTooLarge)
    }
}

/// An answer the gateway gives itself: an error, or a metaservice's result.
struct LocalAnswer {
    var status: HTTPResponseStatus
    var contentType: String
    var body: Data
    /// The error type for `X-Road-Error` and the log, nil for a metaservice's result.
    var errorType: String?
    /// The error's `detail`: a fresh id the gateway's log line carries too, as X-Road's does.
    var detail: String?
    /// The message and what the log adds to it.
    var logMessage: String?
    var retryAfter: Int?

    /// The error in X-Road's body (`type`, `message`, `detail`), JSON unless `accept` asks for XML (PR-REST §4.6).
    init(_ error: GatewayError, accept: String?) {
        status = error.status
        let detail = UUID().uuidString.lowercased()
        let fields = [("type", error.type), ("message", error.message), ("detail", detail)]
        switch Self.errorMediaType(accept: accept) {
        case .some(let xmlType):
            contentType = xmlType + ";charset=utf-8"
            body = Data(
                ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><error>"
                    + fields.map { "<\($0)>\(XMLText.escaped($1))</\($0)>" }.joined() + "</error>").utf8)
        case .none:
            contentType = "application/json;charset=utf-8"
            body = Data(("{" + fields.map { "\"\($0)\":\(JSONText.quoted($1))" }.joined(separator: ",") + "}").utf8)
        }
        errorType = error.type
        self.detail = detail
        logMessage = error.note.map { "\(error.message) (\($0))" } ?? error.message
        retryAfter = error.retryAfter
    }

    /// A metaservice's answer.
    init(body: Data, contentType: String) {
        status = .ok
        self.body = body
        self.contentType = contentType
    }

    /// The XML media type an error is written in, nil for JSON: as X-Road's security server decides it, the first
    /// `Accept` item (parameters and `q` ignored) that is `text/xml`, `application/xml` or `text/*` (read as
    /// `text/xml`); JSON otherwise, and when there is no `Accept`.
    static func errorMediaType(accept: String?) -> String? {
        for item in (accept ?? "").split(separator: ",") {
            let type = item.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch type {
            case "text/xml", "text/*": return "text/xml"
            case "application/xml": return "application/xml"
            default: continue
            }
        }
        return nil
    }

    /// The answer's head: X-Road's response headers, and `X-Road-Error` on an error. `ids` is nil when the call was
    /// not HTTP and so had none.
    func head(version: HTTPVersion, ids: ResponseIDs?, keepAlive: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if let ids {
            headers.add(name: "X-Road-Id", value: ids.messageID)
            if let client = ids.client { headers.add(name: "X-Road-Client", value: client) }
            if let service = ids.service { headers.add(name: "X-Road-Service", value: service) }
            headers.add(name: "X-Road-Request-Id", value: ids.requestID)
            if let hash = ids.requestHash { headers.add(name: "X-Road-Request-Hash", value: hash) }
        }
        if let errorType { headers.add(name: "X-Road-Error", value: errorType) }
        if let retryAfter { headers.add(name: "Retry-After", value: String(retryAfter)) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        return HTTPResponseHead(version: version, status: status, headers: headers)
    }
}

/// The X-Road ids an answer carries: the message's, the request's, and the client and service when known.
struct ResponseIDs {
    var messageID: String
    var requestID: String
    var client: String?
    var service: String?
    var requestHash: String?
}

/// The `Date` header's form (RFC 9110 IMF-fixdate), in UTC.
enum HTTPDate {
    static func now() -> String { string(Date()) }

    static func string(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// Text as a JSON string literal.
enum JSONText {
    static func quoted(_ text: String) -> String {
        (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
