import Foundation

/// The two languages of the platform; Vietnamese is the default.
public enum Language: String, Sendable, CaseIterable {
    case vi, en

    /// Picks the language from an `Accept-Language` header: English only when it is preferred over Vietnamese.
    public init(acceptLanguage header: String?) {
        guard let header else {
            self = .vi
            return
        }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let language: Language? =
                tag.hasPrefix("en") ? .en : (tag.hasPrefix("vi") || tag == "*") ? .vi : nil
            if let language, quality > (best?.1 ?? 0) { best = (language, quality) }
        }
        self = best?.0 ?? .vi
    }
}
