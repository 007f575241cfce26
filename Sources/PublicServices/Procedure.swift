import Foundation
import ProvinceCore

/// Which level of government resolves a procedure.
public enum ResolvingLevel: String, Sendable, Codable, CaseIterable {
    case commune, district, province
}

/// How far a procedure can be done online, as Decree 42/2022/NĐ-CP defines it: fully online (toàn trình: submitted,
/// paid and answered online), partly online (một phần: some step at a counter), or not online.
public enum OnlineLevel: String, Sendable, Codable, CaseIterable {
    case full, partial, none
}

/// A document a dossier must (or may) hold.
public struct RequiredDocument: Sendable, Codable, Equatable {
    public var name: String
    public var required: Bool

    public init(name: String, required: Bool = true) {
        self.name = name
        self.required = required
    }
}

/// A field of the form a citizen fills for a procedure.
public struct FormField: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case text, textarea, number, date, citizenID = "citizen-id", select
    }

    /// `ho_ten`: lower-case letters, digits, `_`.
    public var key: String
    public var label: String
    public var kind: Kind
    public var required: Bool
    /// The choices of a `select`.
    public var options: [String]?

    public init(key: String, label: String, kind: Kind = .text, required: Bool = true, options: [String]? = nil) {
        self.key = key
        self.label = label
        self.kind = kind
        self.required = required
        self.options = options
    }
}

/// What a client gives to create or change a procedure (thủ tục hành chính), keyed by its national code.
public struct ProcedureInput: Sendable, Codable, Equatable {
    /// The national code (`1.004227`, `2.002155.000.00.00.H38`).
    public var code: String
    public var name: String
    /// Lĩnh vực: construction, land, civil status…
    public var field: String
    public var level: String
    /// The code of the agency that resolves it.
    public var agencyCode: String?
    /// The code of the agency whose one-stop desk receives its dossiers and hands back the results, where that is
    /// another agency than the one resolving it (a procedure received at the commune and resolved by the province).
    public var receivingAgencyCode: String?
    public var onlineLevel: String
    /// The legal deadline in working days.
    public var deadlineDays: Int
    /// The fee in đồng; 0 when free.
    public var feeVND: Int
    public var documents: [RequiredDocument]
    public var formFields: [FormField]
    /// The workflow its dossiers follow.
    public var processCode: String?

    public init(
        code: String, name: String, field: String, level: String, agencyCode: String? = nil, receivingAgencyCode: String? = nil,
        onlineLevel: String, deadlineDays: Int, feeVND: Int = 0, documents: [RequiredDocument] = [], formFields: [FormField] = [],
        processCode: String? = nil
    ) {
        self.code = code
        self.name = name
        self.field = field
        self.level = level
        self.agencyCode = agencyCode
        self.receivingAgencyCode = receivingAgencyCode
        self.onlineLevel = onlineLevel
        self.deadlineDays = deadlineDays
        self.feeVND = feeVND
        self.documents = documents
        self.formFields = formFields
        self.processCode = processCode
    }

    /// What is wrong with the input, in both languages; empty when nothing is.
    public func problems() -> [LocalizedText] {
        var problems: [LocalizedText] = []
        let codeAllowed = code.unicodeScalars.allSatisfy {
            ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || $0 == "."
        }
        if code.isEmpty || code.count > 40 || !codeAllowed {
            problems.append(
                .init(
                    vi: "Mã thủ tục \"\(code)\" không hợp lệ (chữ, số và dấu chấm).",
                    en: "The procedure code \"\(code)\" is not valid (letters, digits, dots)."))
        }
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || name.count > 500 {
            problems.append(.init(vi: "Cần tên thủ tục (tối đa 500 ký tự).", en: "A name is required (at most 500 characters)."))
        }
        if field.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || field.count > 200 {
            problems.append(.init(vi: "Cần lĩnh vực (tối đa 200 ký tự).", en: "A field is required (at most 200 characters)."))
        }
        if ResolvingLevel(rawValue: level) == nil {
            problems.append(.init(vi: "Cấp giải quyết phải là commune, district hoặc province.", en: "level must be commune, district or province."))
        }
        if OnlineLevel(rawValue: onlineLevel) == nil {
            problems.append(.init(vi: "Mức độ trực tuyến phải là full, partial hoặc none.", en: "onlineLevel must be full, partial or none."))
        }
        if !(0...365).contains(deadlineDays) {
            problems.append(.init(vi: "Thời hạn giải quyết phải từ 0 đến 365 ngày làm việc.", en: "deadlineDays must be 0 to 365 working days."))
        }
        if !(0...1_000_000_000).contains(feeVND) {
            problems.append(.init(vi: "Lệ phí phải từ 0 đến 1.000.000.000 đồng.", en: "feeVND must be 0 to 1,000,000,000 đồng."))
        }
        for document in documents where document.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || document.name.count > 500 {
            problems.append(.init(vi: "Giấy tờ cần có tên (tối đa 500 ký tự).", en: "Every document needs a name (at most 500 characters)."))
        }
        var keys = Set<String>()
        for field in formFields {
            let keyAllowed = field.key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            if field.key.isEmpty || field.key.count > 64 || !keyAllowed {
                problems.append(
                    .init(
                        vi: "Khoá trường \"\(field.key)\" không hợp lệ (chữ thường, số, _).",
                        en: "The field key \"\(field.key)\" is not valid (a-z, 0-9, _)."))
            } else if !keys.insert(field.key).inserted {
                problems.append(.init(vi: "Trường \(field.key) bị lặp.", en: "The field \(field.key) appears twice."))
            }
            if field.label.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(.init(vi: "Trường \(field.key) cần nhãn.", en: "The field \(field.key) needs a label."))
            }
            if field.kind == .select && (field.options ?? []).isEmpty {
                problems.append(.init(vi: "Trường chọn \(field.key) cần các lựa chọn.", en: "The select field \(field.key) needs options."))
            }
        }
        return problems
    }
}

/// A procedure of the catalogue.
public struct Procedure: Sendable, Codable, Equatable {
    public var id: String
    public var code: String
    public var name: String
    public var field: String
    public var level: ResolvingLevel
    /// The agency that resolves it and answers for its deadline.
    public var agencyID: String?
    /// The agency that receives its dossiers and returns the results, when not the resolving one.
    public var receivingAgencyID: String?
    public var onlineLevel: OnlineLevel
    public var deadlineDays: Int
    public var feeVND: Int
    public var documents: [RequiredDocument]
    public var formFields: [FormField]
    public var processCode: String?
    public var createdAt: Date
    public var updatedAt: Date
}
