import Foundation
import Testing
import WorkingDays

@Suite struct LunarCalendarTests {
    /// Tết Nguyên Đán as Vietnam celebrates it, 1985 and 1990–2030 (published calendars and the government's holiday
    /// notices); 1985, 2007 and 2030 are years where China's falls on another day.
    static let tet: [Int: String] = [
        1985: "1985-01-21", 1990: "1990-01-27", 1991: "1991-02-15", 1992: "1992-02-04", 1993: "1993-01-23", 1994: "1994-02-10",
        1995: "1995-01-31", 1996: "1996-02-19", 1997: "1997-02-07", 1998: "1998-01-28", 1999: "1999-02-16", 2000: "2000-02-05",
        2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01", 2004: "2004-01-22", 2005: "2005-02-09", 2006: "2006-01-29",
        2007: "2007-02-17", 2008: "2008-02-07", 2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23",
        2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16",
        2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
        2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-02",
    ]

    @Test func tetFallsOnThePublishedDays() {
        for (year, day) in Self.tet {
            #expect(LunarCalendar.vietnamese.newYear(year).description == day, "Tết \(year)")
            #expect(LunarCalendar.vietnamese.lunarDate(of: CivilDate(day)!) == LunarDate(day: 1, month: 1, year: year), "\(day)")
        }
    }

    /// Reckoned at UTC+8 the same astronomy gives China's dates, where the two calendars part.
    @Test func vietnamAndChinaPartWhereTheirTimeZonesDo() {
        let chinese = LunarCalendar(utcOffsetHours: 8)
        #expect(chinese.newYear(2007).description == "2007-02-18")
        #expect(chinese.newYear(1985).description == "1985-02-20")
        #expect(chinese.newYear(2030).description == "2030-02-03")
        #expect(chinese.newYear(2024).description == "2024-02-10")
    }

    /// Giỗ Tổ Hùng Vương, 10/3 lunar.
    @Test func hungKingsDay() {
        let days = [2021: "2021-04-21", 2022: "2022-04-10", 2023: "2023-04-29", 2024: "2024-04-18", 2025: "2025-04-07"]
        for (year, day) in days {
            #expect(LunarCalendar.vietnamese.civilDate(of: LunarDate(day: 10, month: 3, year: year))?.description == day, "\(year)")
        }
    }

    /// Leap months: the 4th of 2020, the 2nd of 2023, the 6th of 2025.
    @Test func leapMonths() {
        let calendar = LunarCalendar.vietnamese
        #expect(calendar.civilDate(of: LunarDate(day: 1, month: 4, year: 2020, isLeapMonth: true))?.description == "2020-05-23")
        #expect(calendar.civilDate(of: LunarDate(day: 1, month: 2, year: 2023, isLeapMonth: true))?.description == "2023-03-22")
        #expect(calendar.civilDate(of: LunarDate(day: 1, month: 6, year: 2025, isLeapMonth: true))?.description == "2025-07-25")
        #expect(calendar.lunarDate(of: CivilDate("2025-08-01")!) == LunarDate(day: 8, month: 6, year: 2025, isLeapMonth: true))
        // A leap month the year does not have, and day 30 of a short month, are no dates.
        #expect(calendar.civilDate(of: LunarDate(day: 1, month: 5, year: 2025, isLeapMonth: true)) == nil)
        #expect(calendar.civilDate(of: LunarDate(day: 1, month: 1, year: 2026, isLeapMonth: true)) == nil)
    }

    /// Every day from 1900 to 2100 converts to its lunar date and back, and lunar days follow one another.
    @Test func everyDayRoundTrips() {
        let calendar = LunarCalendar.vietnamese
        var day = CivilDate(year: 1900, month: 1, day: 31)!
        var previous = calendar.lunarDate(of: day)
        var months = 0
        while day.year <= 2100 {
            day = day.adding(days: 1)
            let lunar = calendar.lunarDate(of: day)
            #expect(calendar.civilDate(of: lunar) == day, "\(day) → \(lunar)")
            if lunar.day == 1 {
                #expect(previous.day == 29 || previous.day == 30, "\(day): the month before had \(previous.day) days")
                months += 1
            } else {
                #expect(lunar.day == previous.day + 1 && lunar.month == previous.month, "\(day)")
            }
            previous = lunar
        }
        // 201 years hold about 2,486 lunar months.
        #expect(abs(months - 2486) <= 2)
    }
}
