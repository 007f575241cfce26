import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit
import WorkingDays

/// The service-quality figures the seeds and Decision 766/QĐ-TTg report, computed from the dossiers themselves for
/// the dossiers received in a period: how many were submitted online, resolved on time, digitized, and how satisfied
/// their applicants were; by agency or by administrative unit, and for the province.
public struct ServiceQuality: Sendable {
    let database: ProvinceDatabase

    public init(database: ProvinceDatabase) {
        self.database = database
    }

    /// `part` of `whole` as a share rounded to four decimals; nil of nothing.
    public static func share(_ part: Int, of whole: Int) -> Double? {
        whole == 0 ? nil : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
    }

    /// How the index's lines are drawn up after the province's.
    public enum Grouping: String, Sendable, CaseIterable {
        /// One line an agency (with the administrative unit it serves).
        case agency
        /// One line an administrative unit, summing the agencies that serve it.
        case unit
    }

    /// One line of the index: an agency's figures, a unit's, or the province's (neither).
    public struct Line: Sendable, Encodable, Equatable {
        public var agencyID: String?
        public var agencyName: String?
        /// The administrative unit: the agency's, or the line's own when grouped by unit ("" for agencies serving none).
        public var unitID: String?
        public var unitName: String?
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

        public var onlineRate: Double? { ServiceQuality.share(online, of: received) }
        public var onTimeRate: Double? { ServiceQuality.share(onTime, of: finished) }
        public var digitizationRate: Double? { ServiceQuality.share(digitized, of: received) }
        public var resultDigitizationRate: Double? { ServiceQuality.share(digitizedResults, of: finished) }
        public var satisfactionRate: Double? { ServiceQuality.share(satisfied, of: ratings) }

        enum CodingKeys: String, CodingKey {
            case agencyID, agencyName, unitID, unitName, received, online, finished, onTime, overdue, digitized, digitizedResults, ratings, satisfied
            case onlineRate, onTimeRate, digitizationRate, resultDigitizationRate, satisfactionRate
        }

        /// The counts and their rates.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(agencyID, forKey: .agencyID)
            try container.encodeIfPresent(agencyName, forKey: .agencyName)
            try container.encodeIfPresent(unitID, forKey: .unitID)
            try container.encodeIfPresent(unitName, forKey: .unitName)
            let counts: [(CodingKeys, Int)] = [
                (.received, received), (.online, online), (.finished, finished), (.onTime, onTime), (.overdue, overdue), (.digitized, digitized),
                (.digitizedResults, digitizedResults), (.ratings, ratings), (.satisfied, satisfied),
            ]
            for (key, value) in counts { try container.encode(value, forKey: key) }
            let rates: [(CodingKeys, Double?)] = [
                (.onlineRate, onlineRate), (.onTimeRate, onTimeRate), (.digitizationRate, digitizationRate),
                (.resultDigitizationRate, resultDigitizationRate), (.satisfactionRate, satisfactionRate),
            ]
            for (key, value) in rates { try container.encode(value, forKey: key) }
        }

        init(agencyID: String?, agencyName: String?, unitID: String? = nil, unitName: String? = nil) {
            self.agencyID = agencyID
            self.agencyName = agencyName
            self.unitID = unitID
            self.unitName = unitName
            (received, online, finished, onTime, overdue, digitized, digitizedResults, ratings, satisfied) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        }

        /// Adds another line's counts (the province's line is the sum of its agencies').
        mutating func add(_ other: Line) {
            received += other.received
            online += other.online
            finished += other.finished
            onTime += other.onTime
            overdue += other.overdue
            digitized += other.digitized
            digitizedResults += other.digitizedResults
            ratings += other.ratings
            satisfied += other.satisfied
        }

        init(agencyID: String?, agencyName: String?, row: any SQLRow) throws {
            self.agencyID = agencyID
            self.agencyName = agencyName
            unitID = try row.optionalString("unit_id")
            unitName = try row.optionalString("unit_name")
            received = try row.int("received")
            func count(_ column: String) throws -> Int { try row.decodeNil(column: column) ? 0 : row.int(column) }
            online = try count("online")
            finished = try count("finished")
            onTime = try count("on_time")
            digitized = try count("digitized")
            digitizedResults = try count("digitized_results")
            ratings = try count("ratings")
            satisfied = try count("satisfied")
            overdue = 0
        }
    }

    /// The index of the dossiers received from `from` to `to` (inclusive): the province's line first, then one an
    /// agency, by name. Read from the daily counts kept with each change; only the overdue figure, which depends on
    /// `today`, is counted from the unfinished dossiers.
    public func index(from: CivilDate, to: CivilDate, today: CivilDate = CivilDate(Date()), by grouping: Grouping = .agency) async throws -> [Line] {
        guard from <= to else {
            throw AppError(.validation, vi: "Ngày bắt đầu phải trước ngày kết thúc.", en: "from must not be after to.")
        }
        return try await database.read { db in
            let period: SQLQueryString = "\(bind: from.description) AND \(bind: to.description)"
            // Sums cast back to BIGINT: PostgreSQL sums BIGINTs as NUMERIC.
            let counted = try await db.raw(
                """
                SELECT c.agency_id AS agency_id, a.name AS agency_name, a.unit_id AS unit_id, u.name AS unit_name, CAST(SUM(c.received) AS BIGINT) AS received, CAST(SUM(c.online) AS BIGINT) AS online,
                    CAST(SUM(c.finished) AS BIGINT) AS finished, CAST(SUM(c.on_time) AS BIGINT) AS on_time, CAST(SUM(c.digitized) AS BIGINT) AS digitized,
                    CAST(SUM(c.digitized_results) AS BIGINT) AS digitized_results, CAST(SUM(c.ratings) AS BIGINT) AS ratings, CAST(SUM(c.satisfied) AS BIGINT) AS satisfied
                FROM dossier_daily c LEFT JOIN agencies a ON a.id = c.agency_id LEFT JOIN units u ON u.id = a.unit_id
                WHERE c.day BETWEEN \(period) GROUP BY c.agency_id, a.name, a.unit_id, u.name ORDER BY a.name
                """
            ).all()
            var overdue: [String: Int] = [:]
            for row in try await db.raw(
                """
                SELECT COALESCE(agency_id, '') AS agency_id, COUNT(*) AS overdue FROM dossiers
                WHERE finished = 0 AND due_on < \(bind: today.description) AND paused_since IS NULL AND received_on BETWEEN \(period)
                GROUP BY COALESCE(agency_id, '')
                """
            ).all() {
                overdue[try row.string("agency_id")] = try row.int("overdue")
            }
            var lines: [Line] = []
            for row in counted {
                let agencyID = try row.string("agency_id")
                var line = try Line(agencyID: agencyID.isEmpty ? nil : agencyID, agencyName: try row.optionalString("agency_name"), row: row)
                line.overdue = overdue[agencyID] ?? 0
                lines.append(line)
            }
            var province = Line(agencyID: nil, agencyName: nil)
            for line in lines { province.add(line) }
            guard grouping == .unit else { return [province] + lines }
            var units: [String: Line] = [:]
            for line in lines {
                let unit = line.unitID ?? ""
                units[unit, default: Line(agencyID: nil, agencyName: nil, unitID: unit, unitName: line.unitName)].add(line)
            }
            return [province] + units.values.sorted { ($0.unitName ?? "", $0.unitID ?? "") < ($1.unitName ?? "", $1.unitID ?? "") }
        }
    }

    /// The counts a change adds to its dossier's agency and day of receipt.
    public struct Counts: Sendable {
        public var received = 0
        public var online = 0
        public var finished = 0
        public var onTime = 0
        public var digitized = 0
        public var digitizedResults = 0
        public var ratings = 0
        public var satisfied = 0

        public init() {}
    }

    /// Adds `counts` to the day's counts of `agencyID`, in the caller's transaction.
    public static func add(_ counts: Counts, agencyID: String?, day: CivilDate, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO dossier_daily (agency_id, day, received, online, finished, on_time, digitized, digitized_results, ratings, satisfied)
            VALUES (\(bind: agencyID ?? ""), \(bind: day.description), \(bind: counts.received), \(bind: counts.online), \(bind: counts.finished),
                \(bind: counts.onTime), \(bind: counts.digitized), \(bind: counts.digitizedResults), \(bind: counts.ratings), \(bind: counts.satisfied))
            ON CONFLICT (agency_id, day) DO UPDATE SET received = dossier_daily.received + excluded.received,
                online = dossier_daily.online + excluded.online, finished = dossier_daily.finished + excluded.finished,
                on_time = dossier_daily.on_time + excluded.on_time, digitized = dossier_daily.digitized + excluded.digitized,
                digitized_results = dossier_daily.digitized_results + excluded.digitized_results,
                ratings = dossier_daily.ratings + excluded.ratings, satisfied = dossier_daily.satisfied + excluded.satisfied
            """
        ).run()
    }

    /// The index as CSV, the province's line first, then one an agency or unit.
    public static func csv(_ lines: [Line]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func rate(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        var text =
            "agency,unit,received,online,online_rate,finished,on_time,on_time_rate,overdue,digitized,digitization_rate,digitized_results,result_digitization_rate,ratings,satisfied,satisfaction_rate\n"
        for line in lines {
            let isProvince = line.agencyID == nil && line.unitID == nil
            let name = isProvince ? "Toàn tỉnh" : (line.agencyName ?? line.agencyID ?? "")
            text +=
                [
                    field(name), field(line.unitName ?? ""), String(line.received), String(line.online), rate(line.onlineRate), String(line.finished),
                    String(line.onTime),
                    rate(line.onTimeRate), String(line.overdue), String(line.digitized), rate(line.digitizationRate), String(line.digitizedResults),
                    rate(line.resultDigitizationRate), String(line.ratings), String(line.satisfied), rate(line.satisfactionRate),
                ].joined(separator: ",") + "\n"
        }
        return text
    }
}
