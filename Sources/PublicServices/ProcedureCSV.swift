import ProvinceCore

/// Procedures from CSV (RFC 4180: quoted fields may hold commas, quotes doubled and line breaks), one a row under a
/// header naming the columns: `code`, `name`, `field`, `level`, `online_level`, `deadline_days` (required), and
/// `agency_code`, `receiving_agency_code`, `fee_vnd`, `documents` (names separated by `|`, an optional one starting with `?`), `process_code`.
/// Form fields come with a JSON import.
public enum ProcedureCSV {
    static let required = ["code", "name", "field", "level", "online_level", "deadline_days"]

    public static func parse(_ text: String) throws -> [ProcedureInput] {
        // A spreadsheet's export may start with a byte-order mark.
        let rows = records(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw AppError(.validation, vi: "Tệp CSV trống.", en: "The CSV file is empty.")
        }
        let missing = required.filter { !header.contains($0) }
        guard missing.isEmpty else {
            throw AppError(
                .validation, vi: "Tệp CSV thiếu cột: \(missing.joined(separator: ", ")).",
                en: "The CSV lacks columns: \(missing.joined(separator: ", ")).")
        }
        var inputs: [ProcedureInput] = []
        for (index, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty) {
            let line = index + 2
            func value(_ column: String) -> String? {
                guard let position = header.firstIndex(of: column), position < row.count else { return nil }
                let text = row[position].trimmingCharacters(in: .whitespacesAndNewlines)
                return text.isEmpty ? nil : text
            }
            func number(_ column: String, default fallback: Int? = nil) throws -> Int {
                guard let text = value(column) else {
                    if let fallback { return fallback }
                    throw AppError(.validation, vi: "Dòng \(line): thiếu \(column).", en: "Line \(line): \(column) is missing.")
                }
                guard let number = Int(text.replacingOccurrences(of: ".", with: "")) else {
                    throw AppError(.validation, vi: "Dòng \(line): \(column) phải là số.", en: "Line \(line): \(column) must be a number.")
                }
                return number
            }
            let documents = (value("documents") ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map {
                    $0.hasPrefix("?")
                        ? RequiredDocument(name: String($0.dropFirst()).trimmingCharacters(in: .whitespaces), required: false)
                        : RequiredDocument(name: $0)
                }
            inputs.append(
                ProcedureInput(
                    code: value("code") ?? "", name: value("name") ?? "", field: value("field") ?? "", level: value("level") ?? "",
                    agencyCode: value("agency_code"), receivingAgencyCode: value("receiving_agency_code"), onlineLevel: value("online_level") ?? "",
                    deadlineDays: try number("deadline_days"),
                    feeVND: try number("fee_vnd", default: 0), documents: documents, processCode: value("process_code")))
        }
        return inputs
    }

    /// The fields of each record.
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
