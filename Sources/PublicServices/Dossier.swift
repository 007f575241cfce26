import Foundation
import ProvinceCore
import WorkingDays

/// How a dossier reached the administration.
public enum DossierChannel: String, Sendable, Codable, CaseIterable {
    case online, counter, post
}

/// A dossier (hồ sơ): an application under a procedure, moving through its procedure's workflow within its legal
/// deadline.
public struct Dossier: Sendable, Codable, Equatable {
    public var id: String
    /// `000.00.02.H38-260217-0001`: the receiving agency's code, the day of receipt (yymmdd), a number of the day.
    public var code: String
    /// The code the applicant is given to track the dossier without signing in: its code and a secret check part
    /// (`000.00.02.H38-260217-0001-K7Q2XM`), so that codes, which run per agency and day, cannot be walked.
    public var trackingCode: String
    public var procedureID: String
    public var procedureCode: String
    public var processCode: String
    /// The agency that resolves it and answers for its deadline (its procedure's).
    public var agencyID: String?
    /// The agency whose one-stop desk received it and hands back the result.
    public var receivingAgencyID: String?
    /// The agency holding it now, whose officials act on it: the receiving or the resolving one, as the state of its
    /// workflow says.
    public var holderAgencyID: String?
    public var applicantID: String?
    public var applicantName: String
    public var applicantCitizenID: String?
    public var channel: DossierChannel
    public var form: [String: String]
    public var state: String
    public var finished: Bool
    public var receivedOn: CivilDate
    public var dueOn: CivilDate
    /// Since when the legal clock stands still (the dossier waits for documents), if it does.
    public var pausedSince: CivilDate?
    /// Working days the clock has stood still so far, added to the deadline.
    public var pausedDays: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// The fee owed, in đồng, as the procedure set it at submission; nil when none.
    public var feeVND: Int?
    public var files: [DossierFile]
    public var history: [DossierEvent]

    /// Whether it is past its due day on `today` without being finished (the clock standing still does not count).
    public func isOverdue(on today: CivilDate) -> Bool {
        !finished && pausedSince == nil && today > dueOn
    }
}

/// One step of a dossier's history.
public struct DossierEvent: Sendable, Codable, Equatable {
    public var seq: Int
    public var action: String
    public var fromState: String?
    public var toState: String
    public var actor: String
    public var reason: String?
    public var at: Date
}

/// What an applicant, or an officer at the counter, submits.
public struct DossierSubmission: Sendable, Codable {
    /// The procedure's id or national code.
    public var procedure: String
    public var form: [String: String]
    public var files: [UploadedFile]
    /// Set by the applicant's client for each submission: the same key again returns the dossier already made
    /// (a double submit makes one dossier).
    public var submissionKey: String?
    /// For a dossier recorded at the counter or by post: the applicant.
    public var applicantName: String?
    public var applicantCitizenID: String?
    public var channel: String?

    public init(
        procedure: String, form: [String: String], files: [UploadedFile] = [], submissionKey: String? = nil, applicantName: String? = nil,
        applicantCitizenID: String? = nil, channel: String? = nil
    ) {
        self.procedure = procedure
        self.form = form
        self.files = files
        self.submissionKey = submissionKey
        self.applicantName = applicantName
        self.applicantCitizenID = applicantCitizenID
        self.channel = channel
    }
}

extension Procedure {
    /// The form's values after checking them against the procedure's fields: every required one given, each of its
    /// kind, no field the form does not have. Values are trimmed; empty optional ones dropped.
    public func checkedForm(_ values: [String: String]) throws -> [String: String] {
        var problems: [LocalizedText] = []
        let known = Set(formFields.map(\.key))
        for key in values.keys.sorted() where !known.contains(key) {
            problems.append(.init(vi: "Biểu mẫu không có trường \(key).", en: "The form has no field \(key)."))
        }
        var checked: [String: String] = [:]
        for field in formFields {
            let value = values[field.key]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if value.isEmpty {
                if field.required { problems.append(.init(vi: "Cần điền \(field.label).", en: "\(field.label) is required.")) }
                continue
            }
            let valid: Bool =
                switch field.kind {
                case .text: value.count <= 500
                case .textarea: value.count <= 5000
                case .number: Double(value) != nil && value.count <= 30
                case .date: CivilDate(value) != nil
                case .citizenID: CitizenID(value) != nil
                case .select: field.options?.contains(value) == true
                }
            if valid {
                checked[field.key] = value
            } else {
                problems.append(.init(vi: "\(field.label): giá trị không hợp lệ.", en: "\(field.label): the value is not valid."))
            }
        }
        if !problems.isEmpty {
            throw AppError(.validation, LocalizedText(vi: problems.map(\.vi).joined(separator: " "), en: problems.map(\.en).joined(separator: " ")))
        }
        return checked
    }

    /// Checks that the files are documents of this procedure and that every required document is among them.
    public func checkDocuments(_ kinds: [String]) throws {
        let names = Set(documents.map(\.name))
        if let unknown = kinds.first(where: { !names.contains($0) }) {
            throw AppError(.validation, vi: "Thủ tục không yêu cầu giấy tờ \"\(unknown)\".", en: "The procedure asks for no document \"\(unknown)\".")
        }
        let missing = documents.filter { $0.required && !kinds.contains($0.name) }.map(\.name)
        if !missing.isEmpty {
            throw AppError(
                .validation, vi: "Thiếu giấy tờ: \(missing.joined(separator: "; ")).", en: "Documents missing: \(missing.joined(separator: "; ")).")
        }
    }
}
