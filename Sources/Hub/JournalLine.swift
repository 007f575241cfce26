import Foundation
import ProvinceStore

/// A record as one journal line: its fields separated by tabs, in PostgreSQL's `COPY` text form (`\N` for none;
/// backslash, tab, newline and carriage return escaped), the kept bodies in base64 after them, then X-Road's request
/// id, request hash, user id, issue and represented party.
enum JournalLine {
    static let fieldCount = 24
    /// The fields of a line written by the release before the log kept X-Road's: still read, so nothing it wrote is lost.
    static let previousFieldCount = 19

    static func encode(_ record: MessageRecord, _ bodies: MessageBodies?, into line: inout [UInt8]) {
        // Field by field, without an array of them: every exchange's record is encoded on its event loop.
        put(record.messageID, into: &line)
        put(record.consumer, into: &line)
        put(record.service, into: &line)
        put(record.method, into: &line)
        put(record.path, into: &line)
        put(record.status, into: &line)
        put(record.error, into: &line)
        put(record.requestBytes, into: &line)
        put(record.responseBytes, into: &line)
        put(record.requestSHA256, into: &line)
        put(record.responseSHA256, into: &line)
        put(record.receivedAt, into: &line)
        put(record.forwardedAt, into: &line)
        put(record.answeredAt, into: &line)
        put(bodies?.request.base64EncodedString(), into: &line)
        put(bodies?.response.base64EncodedString(), into: &line)
        put(bodies.map { $0.requestTruncated ? "1" : "0" }, into: &line)
        put(bodies.map { $0.responseTruncated ? "1" : "0" }, into: &line)
        put(bodies?.expiresAt, into: &line)
        put(record.requestID, into: &line)
        put(record.requestHash, into: &line)
        put(record.userID, into: &line)
        put(record.issue, into: &line)
        put(record.representedParty, into: &line, last: true)
    }

    /// Appends a field and the tab after it (a newline after the last).
    private static func put(_ field: String?, into line: inout [UInt8], last: Bool = false) {
        defer { line.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t")) }
        guard var field else {
            line.append(UInt8(ascii: "\\"))
            line.append(UInt8(ascii: "N"))
            return
        }
        // Most fields need no escape: copied whole, from the string's own bytes.
        let copied = field.withUTF8 { bytes in
            for byte in bytes where byte == UInt8(ascii: "\\") || byte < 0x20 { return false }
            line.append(contentsOf: bytes)
            return true
        }
        if copied { return }
        for byte in field.utf8 {
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
            default:
                line.append(byte)
                continue
            }
            line.append(UInt8(ascii: "\\"))
            line.append(escape)
        }
    }

    /// Appends a number's decimal digits and the tab after it.
    private static func put(_ number: Int, into line: inout [UInt8]) {
        guard number > 0 else {
            put(String(number), into: &line)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = number
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            line.append(contentsOf: buffer[(24 - count)...])
        }
        line.append(UInt8(ascii: "\t"))
    }

    static func decode(_ line: ArraySlice<UInt8>) -> (MessageRecord, MessageBodies?)? {
        JournalFields(line).map { ($0.record, $0.bodies) }
    }

    /// One field's text, unescaped; nil for `\N`.
    static func field(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.elementsEqual([UInt8(ascii: "\\"), UInt8(ascii: "N")]) { return nil }
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "r"): text.append(UInt8(ascii: "\r"))
                default: text.append(byte)
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                text.append(byte)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A journal line split into its fields, without a String made for any: the importer hashes the record from these
/// bytes and makes Strings only for the values SQLite is given.
struct JournalFields {
    let line: ArraySlice<UInt8>
    /// Where each field starts in `line`; the last, one past the line's end.
    private let starts: InlineArray<25, Int32>
    /// How many fields the line has: ``JournalLine/fieldCount``, or ``JournalLine/previousFieldCount`` for an older line.
    let fieldsInLine: Int
    let status: Int
    let requestBytes: Int
    let responseBytes: Int
    /// The fields a record cannot lack: id, consumer, service, method, path, both digests, received and answered.
    private static let requiredFields = [0, 1, 2, 3, 4, 9, 10, 11, 13]

    /// The fields of a record line; nil when it is not one (a cut line, a field missing or malformed).
    init?(_ line: ArraySlice<UInt8>) {
        self.line = line
        var field = 0
        var starts = InlineArray<25, Int32>(repeating: 0)
        starts[0] = Int32(line.startIndex)
        let cut = line.withUnsafeBufferPointer { bytes -> Bool in
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\t") {
                field += 1
                if field == JournalLine.fieldCount { return true }
                starts[field] = Int32(line.startIndex + offset + 1)
            }
            return false
        }
        guard !cut, field == JournalLine.fieldCount - 1 || field == JournalLine.previousFieldCount - 1 else { return nil }
        fieldsInLine = field + 1
        starts[fieldsInLine] = Int32(line.endIndex + 1)
        self.starts = starts
        guard let status = Self.integer(line, starts, 5), let requestBytes = Self.integer(line, starts, 7),
            let responseBytes = Self.integer(line, starts, 8)
        else { return nil }
        self.status = status
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        for required in Self.requiredFields where isNull(required) { return nil }
    }

    private static func integer(_ line: ArraySlice<UInt8>, _ starts: InlineArray<25, Int32>, _ index: Int) -> Int? {
        let bytes = line[Int(starts[index])..<Int(starts[index + 1]) - 1]
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return Int(String(decoding: bytes, as: UTF8.self))
        }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Field `index` as written: escaped, `\N` for none.
    func bytes(_ index: Int) -> ArraySlice<UInt8> { line[Int(starts[index])..<Int(starts[index + 1]) - 1] }

    func isNull(_ index: Int) -> Bool {
        let field = bytes(index)
        return field.count == 2 && field.first == UInt8(ascii: "\\") && field.last == UInt8(ascii: "N")
    }

    /// Field `index`'s text, unescaped; nil for none.
    func text(_ index: Int) -> String? { JournalLine.field(bytes(index)) }

    /// When the exchange was answered: records are put in this order.
    var answeredAt: ArraySlice<UInt8> { bytes(13) }

    var record: MessageRecord {
        MessageRecord(
            messageID: text(0)!, consumer: text(1)!, service: text(2)!, method: text(3)!, path: text(4)!, status: status, error: text(6),
            requestBytes: requestBytes, responseBytes: responseBytes, requestSHA256: text(9)!, responseSHA256: text(10)!,
            receivedAt: text(11)!, forwardedAt: text(12), answeredAt: text(13)!, requestID: xRoadText(19), requestHash: xRoadText(20),
            userID: xRoadText(21), issue: xRoadText(22), representedParty: xRoadText(23))
    }

    /// One of X-Road's fields (19 to 23); nil in an older line, which has none.
    func xRoadText(_ index: Int) -> String? { fieldsInLine > index ? text(index) : nil }

    /// Whether the record has X-Road's fields in its canonical form: it has a request id.
    var hasXRoadFields: Bool { fieldsInLine > 19 && !isNull(19) }

    var bodies: MessageBodies? {
        guard let request = text(14).flatMap({ Data(base64Encoded: $0) }), let response = text(15).flatMap({ Data(base64Encoded: $0) }),
            let expiresAt = text(18)
        else { return nil }
        return MessageBodies(
            request: request, response: response, requestTruncated: text(16) == "1", responseTruncated: text(17) == "1", expiresAt: expiresAt)
    }
}

extension JournalFields: ChainableRecord {
    func appendCanonicalForm(seq: Int, prevHash: String, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "["))
        CanonicalJSON.append(String(seq), to: &text)
        for index in 0...4 { appendJournalField(index, to: &text) }
        CanonicalJSON.append(String(status), to: &text, comma: true)
        appendJournalField(6, to: &text)
        CanonicalJSON.append(String(requestBytes), to: &text, comma: true)
        CanonicalJSON.append(String(responseBytes), to: &text, comma: true)
        for index in 9...13 { appendJournalField(index, to: &text) }
        CanonicalJSON.append(prevHash, to: &text, comma: true)
        if hasXRoadFields {
            for index in 19...23 { appendJournalField(index, to: &text) }
        }
        text.append(UInt8(ascii: "]"))
    }

    /// A field as the canonical form has it: unescaped from the journal's form, escaped as JSON.
    private func appendJournalField(_ index: Int, to text: inout [UInt8]) {
        let field = bytes(index)
        if isNull(index) {
            CanonicalJSON.append(nil, to: &text, comma: true)
        } else if !field.contains(UInt8(ascii: "\\")) {
            field.withUnsafeBufferPointer { CanonicalJSON.append(bytes: $0, to: &text, comma: true) }
        } else {
            CanonicalJSON.append(JournalLine.field(field), to: &text, comma: true)
        }
    }

    /// Binds the record's values (``MessageLog/columns``, in order): fields that need no unescaping from the line's
    /// own bytes.
    func bind(seq: Int, prevHash: String, hash: String, to values: inout RowBinder) {
        values.bind(seq)
        for index in 0...4 { bindField(index, to: &values) }
        values.bind(status)
        bindField(6, to: &values)
        values.bind(requestBytes)
        values.bind(responseBytes)
        for index in 9...13 { bindField(index, to: &values) }
        values.bind(prevHash)
        values.bind(hash)
        for index in 19...23 {
            if fieldsInLine > index { bindField(index, to: &values) } else { values.bind(String?.none) }
        }
    }

    /// Binds field `index`: null, unescaped text, or the line's bytes themselves.
    private func bindField(_ index: Int, to values: inout RowBinder) {
        let field = bytes(index)
        if isNull(index) {
            values.bind(String?.none)
        } else if field.contains(UInt8(ascii: "\\")) {
            values.bind(JournalLine.field(field))
        } else {
            values.bind(utf8: field)
        }
    }
}
