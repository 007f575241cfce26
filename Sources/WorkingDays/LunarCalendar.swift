import Foundation

/// A day of the Vietnamese lunar calendar (âm lịch): the day of the month (1–30), the month (1–12), whether it is
/// the leap month that repeats that month's number, and the year in which its month 1 falls (Tết's year).
public struct LunarDate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var day: Int
    public var month: Int
    public var year: Int
    public var isLeapMonth: Bool

    public init(day: Int, month: Int, year: Int, isLeapMonth: Bool = false) {
        self.day = day
        self.month = month
        self.year = year
        self.isLeapMonth = isLeapMonth
    }

    /// `10/3/2026`, `15/4n/2020` for a leap month.
    public var description: String { "\(day)/\(month)\(isLeapMonth ? "n" : "")/\(year)" }
}

/// The Vietnamese lunisolar calendar, computed from the astronomy: a month begins on the day (in the calendar's time
/// zone) of a new moon; month 11 holds the winter solstice; a year of thirteen months repeats, as its leap month,
/// the first month after month 11 that holds no major solar term. Vietnam has reckoned it at UTC+7 since 1968,
/// where China's calendar uses UTC+8: the two differ in some years (Tết 1985 fell on 21 January in Vietnam and
/// 20 February in China; Tết 2007 on 17 and 18 February). The new moons and the sun's longitude follow Jean Meeus'
/// "Astronomical Algorithms", as in Hồ Ngọc Đức's published conversion, to within minutes over 1800–2199.
public struct LunarCalendar: Sendable {
    /// Hours east of UTC in which days are counted.
    public let utcOffsetHours: Double

    /// Vietnam's calendar, at UTC+7.
    public static let vietnamese = LunarCalendar(utcOffsetHours: 7)

    public init(utcOffsetHours: Double) {
        self.utcOffsetHours = utcOffsetHours
    }

    /// The lunar date of a day.
    public func lunarDate(of date: CivilDate) -> LunarDate {
        let dayNumber = date.julianDay
        let monthStart = newMoonDay(lunation(containing: dayNumber))
        var a11 = month11(of: date.year)
        var b11 = a11
        var lunarYear: Int
        if a11 >= monthStart {
            lunarYear = date.year
            a11 = month11(of: date.year - 1)
        } else {
            lunarYear = date.year + 1
            b11 = month11(of: date.year + 1)
        }
        let day = dayNumber - monthStart + 1
        let monthsAfter11 = Int(floor(Double(monthStart - a11) / 29))
        var isLeap = false
        var month = monthsAfter11 + 11
        if b11 - a11 > 365 {
            let leapOffset = leapMonthOffset(after: a11)
            if monthsAfter11 >= leapOffset {
                month = monthsAfter11 + 10
                isLeap = monthsAfter11 == leapOffset
            }
        }
        if month > 12 { month -= 12 }
        if month >= 11 && monthsAfter11 < 4 { lunarYear -= 1 }
        return LunarDate(day: day, month: month, year: lunarYear, isLeapMonth: isLeap)
    }

    /// The day of a lunar date; nil when there is no such day (a leap month the year does not have, day 30 of a
    /// month of 29 days).
    public func civilDate(of lunar: LunarDate) -> CivilDate? {
        guard (1...12).contains(lunar.month), (1...30).contains(lunar.day) else { return nil }
        let a11: Int
        let b11: Int
        if lunar.month < 11 {
            a11 = month11(of: lunar.year - 1)
            b11 = month11(of: lunar.year)
        } else {
            a11 = month11(of: lunar.year)
            b11 = month11(of: lunar.year + 1)
        }
        let k = lunation(containing: a11)
        var offset = lunar.month - 11
        if offset < 0 { offset += 12 }
        if b11 - a11 > 365 {
            let leapOffset = leapMonthOffset(after: a11)
            var leapMonth = leapOffset - 2
            if leapMonth < 0 { leapMonth += 12 }
            if lunar.isLeapMonth && lunar.month != leapMonth { return nil }
            if lunar.isLeapMonth || offset >= leapOffset { offset += 1 }
        } else if lunar.isLeapMonth {
            return nil
        }
        let monthStart = newMoonDay(k + offset)
        let date = CivilDate(julianDay: monthStart + lunar.day - 1)
        // Day 30 of a month of 29 days is the next month's first day: no such date.
        return lunarDate(of: date) == lunar ? date : nil
    }

    /// The first day (solar) of lunar year `year`: Tết Nguyên Đán.
    public func newYear(_ year: Int) -> CivilDate {
        civilDate(of: LunarDate(day: 1, month: 1, year: year))!
    }

    // MARK: - Astronomy

    static let synodicMonth = 29.530588853

    /// The Julian day number of the day, in this calendar's time zone, of the `k`-th new moon after the new moon of
    /// 1 January 1900.
    func newMoonDay(_ k: Int) -> Int {
        Int(floor(Self.newMoon(k) + 0.5 + utcOffsetHours / 24))
    }

    /// The number of the new moon that begins the lunar month holding day `dayNumber`. The mean month gives a first
    /// guess; a true new moon can fall most of a day from the mean one, so the guess is moved until it fits.
    func lunation(containing dayNumber: Int) -> Int {
        var k = Int(floor((Double(dayNumber) - 2_415_021.076998695) / Self.synodicMonth))
        while newMoonDay(k + 1) <= dayNumber { k += 1 }
        while newMoonDay(k) > dayNumber { k -= 1 }
        return k
    }

    /// Which twelfth of the ecliptic (0–11, each holding one major solar term) the sun is in at the start of the
    /// day `dayNumber` in this calendar's time zone.
    func sunSector(_ dayNumber: Int) -> Int {
        Int(floor(Self.sunLongitude(Double(dayNumber) - 0.5 - utcOffsetHours / 24) / .pi * 6))
    }

    /// The first day of month 11 (the month of the winter solstice) of the lunar year before Gregorian year
    /// `year`'s end.
    func month11(of year: Int) -> Int {
        let offset = (CivilDate(year: year, month: 12, day: 31)?.julianDay ?? 0) - 2_415_021
        let k = Int(floor(Double(offset) / Self.synodicMonth))
        let start = newMoonDay(k)
        // A month starting with the sun at 270° or past it (sector 9) is after the solstice's month.
        return sunSector(start) >= 9 ? newMoonDay(k - 1) : start
    }

    /// In a year of thirteen months starting at month 11 `a11`: how many months after it the leap month comes
    /// (the first month holding no major solar term).
    func leapMonthOffset(after a11: Int) -> Int {
        let k = lunation(containing: a11)
        var index = 1
        var sector = sunSector(newMoonDay(k + index))
        var last: Int
        repeat {
            last = sector
            index += 1
            sector = sunSector(newMoonDay(k + index))
        } while sector != last && index < 14
        return index - 1
    }

    /// The Julian date (UTC) of the `k`-th new moon after the new moon of 1 January 1900 (Meeus, chapter 49,
    /// abridged).
    static func newMoon(_ k: Int) -> Double {
        let k = Double(k)
        let t = k / 1236.85
        let t2 = t * t
        let t3 = t2 * t
        let radians = Double.pi / 180
        var julian = 2_415_020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
        julian += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * radians)
        let sunAnomaly = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
        let moonAnomaly = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
        let latitude = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
        var correction = (0.1734 - 0.000393 * t) * sin(sunAnomaly * radians) + 0.0021 * sin(2 * radians * sunAnomaly)
        correction += -0.4068 * sin(moonAnomaly * radians) + 0.0161 * sin(radians * 2 * moonAnomaly)
        correction += -0.0004 * sin(radians * 3 * moonAnomaly)
        correction += 0.0104 * sin(radians * 2 * latitude) - 0.0051 * sin(radians * (sunAnomaly + moonAnomaly))
        correction += -0.0074 * sin(radians * (sunAnomaly - moonAnomaly)) + 0.0004 * sin(radians * (2 * latitude + sunAnomaly))
        correction += -0.0004 * sin(radians * (2 * latitude - sunAnomaly)) - 0.0006 * sin(radians * (2 * latitude + moonAnomaly))
        correction += 0.0010 * sin(radians * (2 * latitude - moonAnomaly)) + 0.0005 * sin(radians * (2 * moonAnomaly + sunAnomaly))
        // ΔT, the difference between dynamical and universal time, in days.
        let deltaT =
            t < -11
            ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
            : -0.000278 + 0.000265 * t + 0.000262 * t2
        return julian + correction - deltaT
    }

    /// The sun's apparent longitude, in radians from 0 to 2π, at Julian date `julianDate` (Meeus, chapter 25).
    static func sunLongitude(_ julianDate: Double) -> Double {
        let t = (julianDate - 2_451_545.0) / 36525
        let t2 = t * t
        let radians = Double.pi / 180
        let anomaly = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
        let meanLongitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
        var center = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(radians * anomaly)
        center += (0.019993 - 0.000101 * t) * sin(radians * 2 * anomaly) + 0.000290 * sin(radians * 3 * anomaly)
        let longitude = (meanLongitude + center) * radians
        return longitude - 2 * .pi * floor(longitude / (2 * .pi))
    }
}
