import Foundation

/// The kinds of failure a client can be told about, each with a stable problem type.
public enum ProblemKind: String, Sendable, CaseIterable {
    case badRequest = "bad-request"
    case validation = "validation-failed"
    case unauthenticated = "unauthenticated"
    case forbidden = "forbidden"
    case notFound = "not-found"
    case conflict = "conflict"
    case accountLocked = "account-locked"
    case accountDisabled = "account-disabled"
    case tooManyRequests = "too-many-requests"
    case payloadTooLarge = "payload-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case methodNotAllowed = "method-not-allowed"
    case csrf = "csrf-token-invalid"
    case unavailable = "service-unavailable"
    case internalError = "internal-error"

    /// The HTTP status that goes with this kind of problem.
    public var status: Int {
        switch self {
        case .badRequest, .validation: 400
        case .unauthenticated: 401
        case .forbidden, .csrf, .accountDisabled: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .accountLocked: 423
        case .tooManyRequests: 429
        case .unavailable: 503
        case .internalError: 500
        }
    }

    /// The RFC 9457 `type` URI of this kind.
    public var typeURI: String { "urn:openprovince:problem:\(rawValue)" }

    /// A short title in the given language.
    public func title(_ language: Language) -> String {
        switch (self, language) {
        case (.badRequest, .vi): "Yêu cầu không hợp lệ"
        case (.badRequest, .en): "Bad request"
        case (.validation, .vi): "Dữ liệu không hợp lệ"
        case (.validation, .en): "Validation failed"
        case (.unauthenticated, .vi): "Chưa đăng nhập"
        case (.unauthenticated, .en): "Authentication required"
        case (.forbidden, .vi): "Không có quyền"
        case (.forbidden, .en): "Forbidden"
        case (.notFound, .vi): "Không tìm thấy"
        case (.notFound, .en): "Not found"
        case (.conflict, .vi): "Xung đột dữ liệu"
        case (.conflict, .en): "Conflict"
        case (.accountLocked, .vi): "Tài khoản tạm khoá"
        case (.accountLocked, .en): "Account locked"
        case (.accountDisabled, .vi): "Tài khoản đã bị vô hiệu hoá"
        case (.accountDisabled, .en): "Account disabled"
        case (.tooManyRequests, .vi): "Quá nhiều yêu cầu"
        case (.tooManyRequests, .en): "Too many requests"
        case (.payloadTooLarge, .vi): "Dữ liệu gửi lên quá lớn"
        case (.payloadTooLarge, .en): "Payload too large"
        case (.unsupportedMediaType, .vi): "Định dạng dữ liệu không được hỗ trợ"
        case (.unsupportedMediaType, .en): "Unsupported media type"
        case (.methodNotAllowed, .vi): "Phương thức không được hỗ trợ"
        case (.methodNotAllowed, .en): "Method not allowed"
        case (.csrf, .vi): "Phiên biểu mẫu không hợp lệ"
        case (.csrf, .en): "Invalid form token"
        case (.unavailable, .vi): "Dịch vụ tạm thời không sẵn sàng"
        case (.unavailable, .en): "Service unavailable"
        case (.internalError, .vi): "Lỗi hệ thống"
        case (.internalError, .en): "Internal error"
        }
    }
}

/// A message in both languages of the platform.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var vi: String
    public var en: String

    public init(vi: String, en: String) {
        self.vi = vi
        self.en = en
    }

    public func text(_ language: Language) -> String { language == .en ? en : vi }
}

/// An error that reaches the client as RFC 9457 problem details.
public struct AppError: Error, Sendable {
    public var kind: ProblemKind
    public var detail: LocalizedText?
    /// Field name → message, for validation failures.
    public var fieldErrors: [String: LocalizedText]
    /// Seconds after which a retry may succeed (lockouts).
    public var retryAfter: Int?

    public init(
        _ kind: ProblemKind, _ detail: LocalizedText? = nil, fieldErrors: [String: LocalizedText] = [:],
        retryAfter: Int? = nil
    ) {
        self.kind = kind
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.retryAfter = retryAfter
    }

    public init(_ kind: ProblemKind, vi: String, en: String) {
        self.init(kind, LocalizedText(vi: vi, en: en))
    }

    public static func notFound(_ what: String) -> AppError {
        AppError(.notFound, vi: "Không tìm thấy \(what).", en: "No such \(what).")
    }

    public static let forbidden = AppError(
        .forbidden, vi: "Tài khoản của bạn không có quyền thực hiện thao tác này.",
        en: "Your account is not allowed to do this.")

    public static let unauthenticated = AppError(
        .unauthenticated, vi: "Vui lòng đăng nhập.", en: "Please sign in.")
}
