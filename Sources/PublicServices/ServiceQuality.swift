import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit
import WorkingDays

/// The service-quality figures the seeds and Decision 766/QĐ-TTg report, computed from the dossiers themselves for
/// the dossiers received in a period: how many were submitted online, resolved on time, digitized, and how satisfied
/// their applicants were; by agency and for the province.
public struct ServiceQuality: Sendable {
    let database: ProvinceDatabase

    public init(database: ProvinceDatabase) {
        self.database = database
    }

    /// One line of the index: an agency's figures, or the province's (no agency).
    public struct Line: Sendable, Codable, Equatable {
        public var agencyID: String?
        public var agencyName: String?
        public var received: Int
        public var online: Int
        public var finished: Int
        public var onTime: Int
        /// Unfinished, past their due day, clock running.
        public var overdue: Int
        /// Dossiers holding at least one file.
        public var digitized: Int
        /// Finished dossiers whose result is a file (one attached after submission).
        public var digitizedResults: Int
        public var ratings: Int
        /// Ratings of 4 or 5 out of 5.
        public var satisfied: Int

        public var onlineRate: Double?
        public var onTimeRate: Double?
        public var digitizationRate: Double?
        public var resultDigitizationRate: Double?
        public var satisfactionRate: Double?

        /// A share of four decimals; nil of nothing.
        static func rate(_ part: Int, _ whole: Int) -> Double? {
            whole == 0 ? nil : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
        }

        init(agencyID: String?, agencyName: String?, row: any SQLRow) throws {
            self.agencyID = agencyID
            self.agencyName = agencyName
            received = try row.int("received")
            func count(_ column: String) throws -> Int { try row.decodeNil(column: column) ? 0 : row.int(column) }
            online = try count("online")
            finished = try count("finished")
            onTime = try count("on_time")
            overdue = try count("overdue")
            digitized = try count("digitized")
            digitizedResults = try count("digitized_results")
            ratings = try count("ratings")
            satisfied = try count("satisfied")
            onlineRate = Self.rate(online, received)
            onTimeRate = Self.rate(onTime, finished)
            digitizationRate = Self.rate(digitized, received)
            resultDigitizationRate = Self.rate(digitizedResults, finished)
            satisfactionRate = Self.rate(satisfied, ratings)
        }
    }

    /// The index of the dossiers received from `from` to `to` (inclusive): the province's line first, then one a
    /// agency, by name.
    public func index(from: CivilDate, to: CivilDate, today: CivilDate = CivilDate(Date())) async throws -> [Line] {
        guard from <= to else {
            throw AppError(.validation, vi: "Ngày bắt đầu phải trước ngày kết thúc.", en: "from must not be after to.")
        }
        return try await database.read { db in
            let columns: SQLQueryString = """
                COUNT(*) AS received,
                SUM(CASE WHEN d.channel = 'online' THEN 1 ELSE 0 END) AS online,
                SUM(CASE WHEN d.finished = 1 THEN 1 ELSE 0 END) AS finished,
                SUM(CASE WHEN d.finished = 1 AND substr(d.finished_at, 1, 10) <= d.due_on THEN 1 ELSE 0 END) AS on_time,
                SUM(CASE WHEN d.finished = 0 AND d.paused_since IS NULL AND d.due_on < \(bind: today.description) THEN 1 ELSE 0 END) AS overdue,
                SUM(CASE WHEN EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id) THEN 1 ELSE 0 END) AS digitized,
                SUM(CASE WHEN d.finished = 1 AND EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.event_seq > 1)
                    THEN 1 ELSE 0 END) AS digitized_results,
                SUM(CASE WHEN r.score IS NOT NULL THEN 1 ELSE 0 END) AS ratings,
                SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) AS satisfied
                """
            let period: SQLQueryString = " WHERE d.received_on >= \(bind: from.description) AND d.received_on <= \(bind: to.description)"
            let province = try await db.raw("SELECT " + columns + " FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id" + period)
                .first()
            var lines = [try province.map { try Line(agencyID: nil, agencyName: nil, row: $0) }].compactMap { $0 }
            let agencies = try await db.raw(
                "SELECT d.agency_id AS agency_id, a.name AS agency_name, " + columns
                    + " FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id LEFT JOIN agencies a ON a.id = d.agency_id" + period
                    + " GROUP BY d.agency_id, a.name ORDER BY a.name"
            ).all()
            for row in agencies {
                lines.append(try Line(agencyID: try row.optionalString("agency_id"), agencyName: try row.optionalString("agency_name"), row: row))
            }
            return lines
        }
    }

    /// The index as CSV, one line an agency after the province's.
    public static func csv(_ lines: [Line]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func rate(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        var text =
            "agency,received,online,online_rate,finished,on_time,on_time_rate,overdue,digitized,digitization_rate,digitized_results,result_digitization_rate,ratings,satisfied,satisfaction_rate\n"
        for line in lines {
            let name = line.agencyID == nil ? "Toàn tỉnh" : (line.agencyName ?? line.agencyID ?? "")
            text +=
                [
                    field(name), String(line.received), String(line.online), rate(line.onlineRate), String(line.finished), String(line.onTime),
                    rate(line.onTimeRate), String(line.overdue), String(line.digitized), rate(line.digitizationRate), String(line.digitizedResults),
                    rate(line.resultDigitizationRate), String(line.ratings), String(line.satisfied), rate(line.satisfactionRate),
                ].joined(separator: ",") + "\n"
        }
        return text
    }
}
