import Testing
import WorkingDays

@Suite struct WorkingCalendarTests {
    static func day(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test func theHolidaysOf2026() {
        let calendar = WorkingCalendar()
        let off = calendar.daysOff(in: 2026).map { "\($0.date) \($0.reason.rawValue)" }
        #expect(
            off == [
                "2026-01-01 statutory",
                // Tết Bính Ngọ: 30 Tết on Monday 16 February, mùng 1–4 Tuesday to Friday.
                "2026-02-16 statutory", "2026-02-17 statutory", "2026-02-18 statutory", "2026-02-19 statutory", "2026-02-20 statutory",
                // Hùng Kings' day falls on Sunday 26 April: Monday is given back.
                "2026-04-26 statutory", "2026-04-27 compensatory",
                "2026-04-30 statutory", "2026-05-01 statutory", "2026-09-01 statutory", "2026-09-02 statutory",
            ])
        #expect(calendar.dayOff(on: Self.day("2026-04-27"))?.name == "Nghỉ bù Giỗ Tổ Hùng Vương")
        #expect(calendar.dayOff(on: Self.day("2026-03-03")) == nil)
    }

    /// 30 April and 1 May 2022 fell on a weekend: Monday and Tuesday were given back.
    @Test func twoHolidaysOnAWeekendGiveBackTwoDays() {
        let calendar = WorkingCalendar()
        #expect(!calendar.isWorkingDay(Self.day("2022-05-02")))
        #expect(!calendar.isWorkingDay(Self.day("2022-05-03")))
        #expect(calendar.isWorkingDay(Self.day("2022-05-04")))
    }

    @Test func aDeadlineAcrossTet() {
        let calendar = WorkingCalendar()
        // Received on Friday 13 February 2026 with five working days: Tết takes the next week.
        #expect(calendar.dueDate(receivedOn: Self.day("2026-02-13"), workingDays: 5) == Self.day("2026-02-27"))
        #expect(calendar.workingDays(after: Self.day("2026-02-13"), through: Self.day("2026-02-27")) == 5)
        // Received on a Sunday: counted from Monday, its day of receipt.
        #expect(calendar.dueDate(receivedOn: Self.day("2026-03-01"), workingDays: 3) == Self.day("2026-03-05"))
        #expect(calendar.dueDate(receivedOn: Self.day("2026-03-01"), workingDays: 0) == Self.day("2026-03-02"))
        // Across a year's end and New Year's Day (Thursday 1 January 2026).
        #expect(calendar.dueDate(receivedOn: Self.day("2025-12-30"), workingDays: 2) == Self.day("2026-01-02"))
    }

    /// The government's own choice for Tết 2025 (Monday 27 to Friday 31 January) and a Saturday worked in exchange.
    @Test func theOperatorsAdjustmentsWin() {
        let calendar = WorkingCalendar(adjustments: [
            CalendarAdjustment(date: Self.day("2025-01-27"), kind: .dayOff, name: "Nghỉ Tết Ất Tỵ (hoán đổi)"),
            CalendarAdjustment(date: Self.day("2025-02-03"), kind: .workingDay, name: "Làm việc bù"),
            CalendarAdjustment(date: Self.day("2025-02-08"), kind: .workingDay, name: "Làm bù thứ Bảy"),
        ])
        let tet = calendar.daysOff(in: 2025).filter { $0.date.month <= 2 && $0.date.day > 1 && !$0.date.isWeekend }.map(\.date.description)
        #expect(tet == ["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"])
        #expect(calendar.isWorkingDay(Self.day("2025-02-03")))
        #expect(calendar.isWorkingDay(Self.day("2025-02-08")))
        #expect(!WorkingCalendar().isWorkingDay(Self.day("2025-02-03")))
        // Friday 24 January with six working days: the Tết week is off, Saturday 8 February is worked and counts.
        #expect(calendar.dueDate(receivedOn: Self.day("2025-01-24"), workingDays: 6) == Self.day("2025-02-08"))
    }

    @Test func datesReadAndWrite() {
        #expect(CivilDate("2026-02-29") == nil)
        #expect(CivilDate("2024-02-29")?.isoWeekday == 4)
        #expect(CivilDate("26-02-01") == nil && CivilDate("2026-2-01") == nil && CivilDate("２０２６-02-01") == nil)
        #expect(CivilDate(year: 2026, month: 13, day: 1) == nil)
        #expect(Self.day("2026-12-31").adding(days: 1).description == "2027-01-01")
    }
}
