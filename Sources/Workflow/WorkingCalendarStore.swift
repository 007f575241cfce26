import Audit
import ProvinceCore
import ProvinceStore
import SQLKit
import WorkingDays

/// The province's working-day calendar: the law's holidays, computed, with the operator's adjustments for each year
/// kept in the database (every change audited).
public struct WorkingCalendarStore: Sendable {
    let database: ProvinceDatabase

    /// The years the calendar answers for: those its lunar astronomy is checked over.
    public static let years = 1900...2100

    public init(database: ProvinceDatabase) {
        self.database = database
    }

    /// The calendar with every stored adjustment.
    public func calendar() async throws -> WorkingCalendar {
        WorkingCalendar(adjustments: try await adjustments())
    }

    /// The stored adjustments, of one year or of all, in date order.
    public func adjustments(in year: Int? = nil) async throws -> [CalendarAdjustment] {
        try await database.lookup { db in
            var sql: SQLQueryString = "SELECT day, kind, name FROM calendar_adjustments"
            if let year { sql = sql + " WHERE day >= \(bind: "\(year)-01-01") AND day <= \(bind: "\(year)-12-31")" }
            return try await db.raw(sql + " ORDER BY day").all().map { row in
                let day = try row.decode(column: "day", as: String.self)
                let kind = try row.decode(column: "kind", as: String.self)
                guard let date = CivilDate(day), let kind = CalendarAdjustment.Kind(rawValue: kind) else {
                    throw StoreError.corrupt("calendar adjustment \(day) \(kind)")
                }
                return CalendarAdjustment(date: date, kind: kind, name: try row.decode(column: "name", as: String.self))
            }
        }
    }

    /// Sets the day's adjustment (replacing one it had). Only a platform administrator changes the calendar.
    @discardableResult
    public func set(_ adjustment: CalendarAdjustment, by actor: Actor) async throws -> CalendarAdjustment {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        guard Self.years.contains(adjustment.date.year) else {
            throw AppError(
                .validation, vi: "Ngày phải trong các năm \(Self.years.lowerBound)–\(Self.years.upperBound).",
                en: "The date must fall in \(Self.years.lowerBound)–\(Self.years.upperBound).")
        }
        var adjustment = adjustment
        adjustment.name = adjustment.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !adjustment.name.isEmpty, adjustment.name.count <= 200 else {
            throw AppError(.validation, vi: "Cần ghi lý do (tối đa 200 ký tự).", en: "A reason is required (at most 200 characters).")
        }
        let saved = adjustment
        let database = self.database
        try await database.write { db in
            let before = try await Self.adjustment(on: saved.date, in: db)
            try await db.raw(
                """
                INSERT INTO calendar_adjustments (day, kind, name, changed_by, changed_at)
                VALUES (\(bind: saved.date.description), \(bind: saved.kind.rawValue), \(bind: saved.name), \(bind: actor.label), \(bind: Timestamp.now()))
                ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, changed_by = excluded.changed_by,
                    changed_at = excluded.changed_at
                """
            ).run()
            try await AuditLog.append(
                AuditChange(
                    action: "calendar.adjust", targetType: "calendar-day", targetID: saved.date.description, before: before, after: saved,
                    summary: "\(saved.date) \(saved.kind.rawValue): \(saved.name)"),
                by: actor, in: db, database: database)
        }
        return saved
    }

    /// Removes the day's adjustment: the law's rule for the day applies again.
    public func remove(on date: CivilDate, by actor: Actor) async throws {
        guard Access.canAdministerPlatform(actor) else { throw AppError.forbidden }
        let database = self.database
        try await database.write { db in
            guard let before = try await Self.adjustment(on: date, in: db) else {
                throw AppError(.notFound, vi: "Ngày \(date) không có điều chỉnh nào.", en: "\(date) has no adjustment.")
            }
            try await db.raw("DELETE FROM calendar_adjustments WHERE day = \(bind: date.description)").run()
            try await AuditLog.append(
                AuditChange(
                    action: "calendar.unadjust", targetType: "calendar-day", targetID: date.description, before: before,
                    after: CalendarAdjustment?.none, summary: "\(date) back to the law's rule"),
                by: actor, in: db, database: database)
        }
    }

    static func adjustment(on date: CivilDate, in db: any SQLDatabase) async throws -> CalendarAdjustment? {
        guard let row = try await db.raw("SELECT kind, name FROM calendar_adjustments WHERE day = \(bind: date.description)").first(),
            let kind = CalendarAdjustment.Kind(rawValue: try row.decode(column: "kind", as: String.self))
        else { return nil }
        return CalendarAdjustment(date: date, kind: kind, name: try row.decode(column: "name", as: String.self))
    }
}
