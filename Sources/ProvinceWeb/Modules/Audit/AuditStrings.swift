/// The words of the audit trail's page, in Vietnamese and English.
enum AuditStrings {
    static let table: [String: (vi: String, en: String)] = [
        "target": ("Đối tượng", "Target"),
        "summary": ("Nội dung", "Summary"),
        "filter": ("Lọc", "Filter"),
        "chainIntact": ("Chuỗi băm nguyên vẹn", "Hash chain intact"),
        "chainBroken": ("Chuỗi băm bị phá vỡ", "Hash chain broken"),
        "entries": ("bản ghi", "entries"),
    ]
}
