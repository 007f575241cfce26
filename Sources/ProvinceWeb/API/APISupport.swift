import Audit
import Directory
import Foundation
import Hummingbird
import ProvinceCore

extension Account: ResponseEncodable {}
extension Agency: ResponseEncodable {}
extension AdministrativeUnit: ResponseEncodable {}
extension UnitDetail: ResponseEncodable {}
extension UnitImportReport: ResponseEncodable {}
extension AuditVerification: ResponseEncodable {}
extension APIKeyInfo: ResponseEncodable {}
extension SessionInfo: ResponseEncodable {}

/// One page of a list and the cursor of the next page (nil on the last page).
struct ListPage<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    var items: [Item]
    var nextCursor: String?
}

/// Cursor pagination: `limit` (1–200, default 50) and an opaque `cursor` naming the last item seen.
struct Paging {
    var limit: Int
    var after: String?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        var validator = Validator()
        if let text = query["limit"] {
            let value = Int(String(text))
            validator.check(
                value != nil && (1...200).contains(value!), "limit", vi: "limit phải là số từ 1 đến 200.", en: "limit must be a number from 1 to 200."
            )
            limit = value ?? 50
        } else {
            limit = 50
        }
        if let cursor = query["cursor"] {
            after = Self.decode(String(cursor))
            validator.check(after != nil, "cursor", vi: "cursor không hợp lệ.", en: "cursor is not valid.")
        }
        try validator.finish()
    }

    /// Fetches one more than the limit to know whether a next page exists.
    func page<Item>(_ fetched: [Item], key: (Item) -> String) -> ListPage<Item> {
        let items = Array(fetched.prefix(limit))
        let next = fetched.count > limit ? items.last.map { Self.encode(key($0)) } : nil
        return ListPage(items: items, nextCursor: next)
    }

    static func encode(_ key: String) -> String {
        Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let key = String(data: data, encoding: .utf8), !key.isEmpty else { return nil }
        return key
    }
}

extension Request {
    /// Decodes a JSON body of up to `limit` bytes (the context's, 1 MiB, by default), turning malformed input into a
    /// clear 400.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: AppContext, limit: Int? = nil) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw AppError(.unsupportedMediaType, vi: "Hãy gửi dữ liệu dạng application/json.", en: "Send the body as application/json.")
        }
        let buffer = try await body.collect(upTo: limit ?? context.maxUploadSize)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            let detail: LocalizedText
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                let field = context.codingPath.map(\.stringValue).joined(separator: ".")
                detail = LocalizedText(vi: "Trường \(field) có kiểu không đúng.", en: "The field \(field) has the wrong type.")
            case .keyNotFound(let key, _):
                detail = LocalizedText(vi: "Thiếu trường \(key.stringValue).", en: "The field \(key.stringValue) is missing.")
            default:
                detail = LocalizedText(vi: "Nội dung không phải JSON hợp lệ.", en: "The body is not valid JSON.")
            }
            throw AppError(.badRequest, detail)
        }
    }

    /// A query parameter as text, nil when absent or empty.
    func query(_ name: String) -> String? {
        guard let raw = uri.query else { return nil }
        let value = URLEncoded.pairs(raw).first { $0.name == name }?.value
        return value?.isEmpty == false ? value : nil
    }
}

/// `application/x-www-form-urlencoded` text, as forms and query strings send it.
enum URLEncoded {
    static func pairs(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// "+" is a space; then percent-escapes are decoded.
    static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
