import Foundation

/// Text folded for search: lower case, without Vietnamese diacritics (đ becomes d), spaces collapsed, so that
/// "lam dong" finds "Lâm Đồng" on either storage engine.
public enum SearchKey {
    public static func fold(_ text: String) -> String {
        let lowered = text.lowercased().replacingOccurrences(of: "đ", with: "d")
        let stripped = lowered.folding(options: [.diacriticInsensitive], locale: Locale(identifier: "vi_VN"))
        return stripped.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A LIKE pattern that finds `query` anywhere in a folded column; LIKE's wildcards in the query are taken literally.
    public static func containsPattern(_ query: String) -> String {
        let escaped = fold(query).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%" + escaped + "%"
    }
}
