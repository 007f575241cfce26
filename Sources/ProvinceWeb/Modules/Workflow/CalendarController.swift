import Hummingbird
import ProvinceCore
import Workflow
import WorkingDays

/// The working-day calendar: public to read (a year's days off, a due date counted in working days); adjusted by
/// platform administrators as the government announces each year's days.
struct CalendarController {
    let store: WorkingCalendarStore

    struct Year: ResponseEncodable {
        var year: Int
        var daysOff: [DayOff]
        var adjustments: [CalendarAdjustment]
    }
    struct AdjustmentInput: Decodable {
        var kind: String
        var name: String
    }
    struct DueDate: ResponseEncodable {
        var received: CivilDate
        var workingDays: Int
        var due: CivilDate
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("calendar/due-date", use: dueDate)
        group.get("calendar/{year}", use: year)
        group.put("calendar/adjustments/{date}", use: adjust)
        group.delete("calendar/adjustments/{date}", use: unadjust)
    }

    @Sendable func year(_ request: Request, context: AppContext) async throws -> Year {
        guard let year = Int(try context.parameters.require("year")), WorkingCalendarStore.years.contains(year) else {
            throw Self.outOfRange
        }
        let calendar = try await store.calendar()
        return Year(
            year: year, daysOff: calendar.daysOff(in: year),
            adjustments: calendar.adjustments.values.filter { $0.date.year == year }.sorted { $0.date < $1.date })
    }

    @Sendable func dueDate(_ request: Request, context: AppContext) async throws -> DueDate {
        guard let received = request.query("received").flatMap(CivilDate.init), WorkingCalendarStore.years.contains(received.year) else {
            throw AppError(.validation, vi: "received phải là một ngày YYYY-MM-DD.", en: "received must be a date, YYYY-MM-DD.")
        }
        guard let days = request.query("days").flatMap({ Int($0) }), (0...3650).contains(days) else {
            throw AppError(.validation, vi: "days phải là số ngày làm việc từ 0 đến 3650.", en: "days must be a number of working days, 0 to 3650.")
        }
        let due = try await store.calendar().dueDate(receivedOn: received, workingDays: days)
        guard WorkingCalendarStore.years.contains(due.year) else { throw Self.outOfRange }
        return DueDate(received: received, workingDays: days, due: due)
    }

    @Sendable func adjust(_ request: Request, context: AppContext) async throws -> CalendarAdjustment {
        let actor = try context.actor()
        let date = try Self.date(context)
        let input = try await request.decodeJSON(AdjustmentInput.self, context: context)
        guard let kind = CalendarAdjustment.Kind(rawValue: input.kind) else {
            throw AppError(.validation, vi: "kind phải là day-off hoặc working-day.", en: "kind must be day-off or working-day.")
        }
        return try await store.set(CalendarAdjustment(date: date, kind: kind, name: input.name), by: actor)
    }

    @Sendable func unadjust(_ request: Request, context: AppContext) async throws -> HTTPResponse.Status {
        try await store.remove(on: try Self.date(context), by: try context.actor())
        return .noContent
    }

    static func date(_ context: AppContext) throws -> CivilDate {
        guard let date = CivilDate(try context.parameters.require("date")) else {
            throw AppError(.validation, vi: "Ngày phải có dạng YYYY-MM-DD.", en: "The date must be YYYY-MM-DD.")
        }
        return date
    }

    static let outOfRange = AppError(
        .validation, vi: "Lịch chỉ tính cho các năm \(WorkingCalendarStore.years.lowerBound)–\(WorkingCalendarStore.years.upperBound).",
        en: "The calendar covers \(WorkingCalendarStore.years.lowerBound)–\(WorkingCalendarStore.years.upperBound) only.")
}

extension DayOff: ResponseEncodable {}
extension CalendarAdjustment: ResponseEncodable {}
