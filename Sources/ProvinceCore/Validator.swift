import Foundation

/// Collects field errors while validating input, then throws them all at once.
public struct Validator: Sendable {
    public private(set) var errors: [String: LocalizedText] = [:]

    public init() {}

    public mutating func check(_ condition: Bool, _ field: String, vi: String, en: String) {
        if !condition, errors[field] == nil { errors[field] = LocalizedText(vi: vi, en: en) }
    }

    public mutating func add(_ field: String, _ message: LocalizedText) {
        if errors[field] == nil { errors[field] = message }
    }

    /// Throws a validation problem when any check failed.
    public func finish() throws {
        if !errors.isEmpty {
            throw AppError(
                .validation, vi: "Một số trường chưa hợp lệ.", en: "Some fields are not valid."
            )
            .with(fieldErrors: errors)
        }
    }
}

extension AppError {
    func with(fieldErrors: [String: LocalizedText]) -> AppError {
        var copy = self
        copy.fieldErrors = fieldErrors
        return copy
    }
}
