/// A public holiday or another day off, with its name in Vietnamese and English.
public struct DayOff: Sendable, Hashable, Codable {
    public var date: CivilDate
    public var name: String
    public var englishName: String
    /// Why it is off: set by law for the year, given back for a holiday that fell on a weekend, or set by the operator.
    public var reason: Reason

    public enum Reason: String, Sendable, Codable {
        case statutory, compensatory, adjustment
    }

    public init(date: CivilDate, name: String, englishName: String, reason: Reason) {
        self.date = date
        self.name = name
        self.englishName = englishName
        self.reason = reason
    }
}

/// What the operator changes in a year's calendar, as the government announces it: a day given off (a day moved
/// next to a holiday, a day added), or a day worked (a Saturday worked in exchange, a default holiday moved away).
public struct CalendarAdjustment: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case dayOff = "day-off"
        case workingDay = "working-day"
    }

    public var date: CivilDate
    public var kind: Kind
    /// Why, as the announcement says it (shown with the day).
    public var name: String

    public init(date: CivilDate, kind: Kind, name: String) {
        self.date = date
        self.kind = kind
        self.name = name
    }
}

/// Working days for public administration in Vietnam: Monday to Friday, less the public holidays of the Labour
/// Code 2019 (article 112) — New Year's Day, five days of Tết, Hùng Kings' day (10/3 lunar), 30 April, 1 May, and
/// National Day (2 September with 1 September) —, less a day given back for each holiday that falls on a weekend
/// (the next working day), with the operator's adjustments for the year laid over all of it.
public struct WorkingCalendar: Sendable {
    public let adjustments: [CivilDate: CalendarAdjustment]
    private let lunar: LunarCalendar

    public init(adjustments: [CalendarAdjustment] = [], lunar: LunarCalendar = .vietnamese) {
        self.adjustments = Dictionary(adjustments.map { ($0.date, $0) }, uniquingKeysWith: { _, last in last })
        self.lunar = lunar
    }

    /// The holidays the law sets for `year`, before adjustments: Tết as the last day of the lunar year and the
    /// first four of the new one (the government announces each year's five days; the operator moves them).
    public func statutoryHolidays(of year: Int) -> [DayOff] {
        func day(_ month: Int, _ day: Int) -> CivilDate { CivilDate(year: year, month: month, day: day)! }
        var days = [
            DayOff(date: day(1, 1), name: "Tết Dương lịch", englishName: "New Year's Day", reason: .statutory)
        ]
        let tet = lunar.newYear(year)
        days.append(DayOff(date: tet.adding(days: -1), name: "Tết Nguyên Đán (30 Tết)", englishName: "Lunar New Year's Eve", reason: .statutory))
        for offset in 0..<4 {
            days.append(
                DayOff(
                    date: tet.adding(days: offset), name: "Tết Nguyên Đán (mùng \(offset + 1))",
                    englishName: "Lunar New Year, day \(offset + 1)", reason: .statutory))
        }
        if let hungKings = lunar.civilDate(of: LunarDate(day: 10, month: 3, year: year)) {
            days.append(DayOff(date: hungKings, name: "Giỗ Tổ Hùng Vương", englishName: "Hùng Kings' Commemoration", reason: .statutory))
        }
        days.append(DayOff(date: day(4, 30), name: "Ngày Chiến thắng", englishName: "Reunification Day", reason: .statutory))
        days.append(DayOff(date: day(5, 1), name: "Ngày Quốc tế Lao động", englishName: "International Labour Day", reason: .statutory))
        days.append(DayOff(date: day(9, 1), name: "Quốc khánh (ngày liền kề)", englishName: "National Day (adjacent day)", reason: .statutory))
        days.append(DayOff(date: day(9, 2), name: "Quốc khánh", englishName: "National Day", reason: .statutory))
        return days.sorted { $0.date < $1.date }
    }

    /// The days off of `year` in date order: the statutory holidays (those on a weekend too), the days given back
    /// for those on a weekend, and the operator's adjustments (a day made a working day is left out).
    public func daysOff(in year: Int) -> [DayOff] {
        var off: [CivilDate: DayOff] = [:]
        for holiday in statutoryHolidays(of: year) { off[holiday.date] = holiday }
        // A holiday on a weekend is given back on the next day that is neither a weekend nor a holiday.
        for holiday in off.values.sorted(by: { $0.date < $1.date }) where holiday.date.isWeekend {
            var day = holiday.date.adding(days: 1)
            while day.isWeekend || off[day] != nil { day = day.adding(days: 1) }
            off[day] = DayOff(
                date: day, name: "Nghỉ bù \(holiday.name)", englishName: "In lieu of \(holiday.englishName)", reason: .compensatory)
        }
        for adjustment in adjustments.values where adjustment.date.year == year {
            switch adjustment.kind {
            case .dayOff:
                off[adjustment.date] = DayOff(date: adjustment.date, name: adjustment.name, englishName: adjustment.name, reason: .adjustment)
            case .workingDay: off[adjustment.date] = nil
            }
        }
        return off.values.sorted { $0.date < $1.date }
    }

    /// The reason `date` is off (a holiday, a day given back, an adjustment), or nil for a working day and for an
    /// ordinary weekend.
    public func dayOff(on date: CivilDate) -> DayOff? {
        daysOff(in: date.year).first { $0.date == date }
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        var days = Days(calendar: self)
        return days.isWorking(date)
    }

    /// The day a file received on `received` is due when the law gives it `workingDays` working days: counted from
    /// the first working day after the day of receipt (a file received on a day off counts as received on the next
    /// working day). Zero days: the day of receipt, or the next working day.
    public func dueDate(receivedOn received: CivilDate, workingDays: Int) -> CivilDate {
        var days = Days(calendar: self)
        var day = received
        while !days.isWorking(day) { day = day.adding(days: 1) }
        var remaining = max(0, workingDays)
        while remaining > 0 {
            day = day.adding(days: 1)
            if days.isWorking(day) { remaining -= 1 }
        }
        return day
    }

    /// How many working days lie after `start` up to and including `end` (0 when `end` is not after `start`): the
    /// working days a file has used, or that a stopped clock did not count.
    public func workingDays(after start: CivilDate, through end: CivilDate) -> Int {
        guard start < end else { return 0 }
        var days = Days(calendar: self)
        var count = 0
        var day = start.adding(days: 1)
        while day <= end {
            if days.isWorking(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    /// Working days looked up while walking over dates: each year's days off worked out once.
    private struct Days {
        let calendar: WorkingCalendar
        var off: Set<CivilDate> = []
        var years: Set<Int> = []

        mutating func isWorking(_ day: CivilDate) -> Bool {
            if let adjustment = calendar.adjustments[day] { return adjustment.kind == .workingDay }
            if day.isWeekend { return false }
            if years.insert(day.year).inserted { off.formUnion(calendar.daysOff(in: day.year).map(\.date)) }
            return !off.contains(day)
        }
    }
}
