import Foundation

/// Timestamps as the database keeps them: UTC, ISO 8601 with milliseconds, so text order is time order.
public enum Timestamp {
    /// `2026-11-24T22:22:58.650Z`. Computed by hand (days to civil date, as in Howard Hinnant's algorithm):
    /// Foundation's formatters cost microseconds, and the hub stamps every exchange three times.
    public static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var days = milliseconds / 86_400_000
        var rest = milliseconds % 86_400_000
        if rest < 0 {
            rest += 86_400_000
            days -= 1
        }
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Written straight into the string's storage: 24 bytes, the year taken as four digits.
        return String(unsafeUninitializedCapacity: 24) { text in
            var position = 0
            func append(_ value: Int64, width: Int) {
                var divisor: Int64 = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    text[position] = 48 + UInt8(value / divisor % 10)
                    position += 1
                    divisor /= 10
                }
            }
            func append(_ byte: UInt8) {
                text[position] = byte
                position += 1
            }
            append(year, width: 4)
            append(45)
            append(month, width: 2)
            append(45)
            append(day, width: 2)
            append(84)
            append(rest / 3_600_000, width: 2)
            append(58)
            append(rest / 60_000 % 60, width: 2)
            append(58)
            append(rest / 1000 % 60, width: 2)
            append(46)
            append(rest % 1000, width: 3)
            append(90)
            return position
        }
    }

    public static func now() -> String { string(Date()) }

    public static func date(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
