import Foundation
import Hummingbird
import ProvinceCore

/// A `multipart/form-data` body (RFC 7578), as a page's form with files sends it: its text fields and its files.
struct MultipartForm {
    /// One part: a field's text or a file's bytes.
    struct Part {
        var name: String
        /// Set for a file input; empty when the user chose no file.
        var filename: String?
        var contentType: String?
        var data: [UInt8]
    }

    private(set) var parts: [Part] = []

    /// Reads the request's body, at most `limit` bytes.
    init(_ request: Request, context: AppContext, limit: Int) async throws {
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(of: contentType) else {
            throw AppError(.badRequest, vi: "Biểu mẫu phải gửi dạng multipart/form-data.", en: "The form must be sent as multipart/form-data.")
        }
        let buffer = try await request.body.collect(upTo: limit)
        parts = try Self.parse(Array(buffer.readableBytesView), boundary: boundary)
    }

    /// The text of the first field called `name`, or "".
    subscript(_ name: String) -> String {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
    }

    /// The file chosen in the input called `name`, if one was.
    func file(_ name: String) -> Part? {
        parts.first { $0.name == name && $0.filename?.isEmpty == false && !$0.data.isEmpty }
    }

    static func boundary(of contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            let value = piece.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.count) ? value : nil
        }
        return nil
    }

    /// The parts between the delimiters `--boundary`, each its headers, a blank line and its content.
    static func parse(_ body: [UInt8], boundary: String) throws -> [Part] {
        let malformed = AppError(.badRequest, vi: "Biểu mẫu gửi lên bị hỏng.", en: "The form sent is malformed.")
        let delimiter = Array("--\(boundary)".utf8)
        guard var start = find(delimiter, in: body, from: 0) else { throw malformed }
        var parts: [Part] = []
        let nextDelimiter = [13, 10] + delimiter
        while true {
            start += delimiter.count
            // `--` after the delimiter closes the body.
            if body.count >= start + 2, body[start] == 45, body[start + 1] == 45 { return parts }
            guard body.count >= start + 2, body[start] == 13, body[start + 1] == 10 else { throw malformed }
            start += 2
            guard let headersEnd = find([13, 10, 13, 10], in: body, from: start), let end = find(nextDelimiter, in: body, from: headersEnd + 4)
            else { throw malformed }
            var part = Part(name: "", filename: nil, contentType: nil, data: Array(body[(headersEnd + 4)..<end]))
            for line in String(decoding: body[start..<headersEnd], as: UTF8.self).components(separatedBy: "\r\n") {
                let lowered = line.lowercased()
                if lowered.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: line) ?? ""
                    part.filename = parameter("filename", in: line)
                } else if lowered.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(part)
            start = end + 2
        }
    }

    /// `name="value"` in a Content-Disposition header (browsers send `"` in a value as `%22`).
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(name + "=") else { continue }
            let value = pair.dropFirst(name.count + 1)
            let unquoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value
            return String(unquoted).replacingOccurrences(of: "%22", with: "\"")
        }
        return nil
    }

    /// Where `needle` first occurs in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                let base = hay.baseAddress!
                let last = hay.count - needle.count
                var index = from
                while index <= last {
                    guard let candidate = memchr(base + index, Int32(pin[0]), last - index + 1) else { return nil }
                    index = base.distance(to: candidate.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + index, pin.baseAddress!, pin.count) == 0 { return index }
                    index += 1
                }
                return nil
            }
        }
    }
}
