import Audit
import Foundation
import ProvinceCore
import ProvinceStore
import SQLKit
import Workflow
import WorkingDays

/// The one-stop shop's desk: dossiers submitted online or recorded at the counter, moved through their procedure's
/// workflow by those its actions name, each step recorded in the dossier's history, audited and put in the national
/// portal's outbox in the same transaction.
public struct DossierDesk: Sendable {
    public let database: ProvinceDatabase
    let files: DossierFileStore
    let catalogue: ProcedureCatalogue
    let processes: ProcessStore
    /// The working-day calendar deadlines are counted on.
    public let calendar: WorkingCalendarStore
    /// Today in Vietnam.
    public let today: @Sendable () -> CivilDate

    public init(
        database: ProvinceDatabase, files: DossierFileStore, today: @escaping @Sendable () -> CivilDate = { CivilDate(Date()) }
    ) {
        self.database = database
        self.files = files
        catalogue = ProcedureCatalogue(database: database)
        processes = ProcessStore(database: database)
        calendar = WorkingCalendarStore(database: database)
        self.today = today
    }

    // MARK: - Submitting

    /// Who may file a dossier: a citizen, online, for themself; an officer, for an applicant at the counter or by post.
    public static func mayFile(_ actor: Actor?) -> Bool {
        guard let account = actor?.account, !account.disabled else { return false }
        return account.kind == .citizen || (account.kind == .official && account.has(.officer))
    }

    /// A citizen's online submission, or an officer's record of one received at the counter or by post.
    public func submit(_ submission: DossierSubmission, by actor: Actor) async throws -> Dossier {
        guard Self.mayFile(actor), let account = actor.account else { throw AppError.forbidden }
        let channel: DossierChannel
        let applicantName: String
        var citizenID: String?
        if account.kind == .citizen {
            channel = .online
            applicantName = account.fullName
            citizenID = account.username
        } else {
            guard let chosen = DossierChannel(rawValue: submission.channel ?? "counter"), chosen != .online else {
                throw AppError(.validation, vi: "Kênh tiếp nhận phải là counter hoặc post.", en: "channel must be counter or post.")
            }
            channel = chosen
            applicantName = submission.applicantName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !applicantName.isEmpty, applicantName.count <= 200 else {
                throw AppError(
                    .validation, vi: "Cần họ tên người nộp (tối đa 200 ký tự).", en: "The applicant's name is required (at most 200 characters).")
            }
            if let given = submission.applicantCitizenID, !given.isEmpty {
                guard CitizenID(given) != nil else {
                    throw AppError(.validation, vi: "Số CCCD của người nộp không hợp lệ.", en: "The applicant's citizen ID is not valid.")
                }
                citizenID = given
            }
        }
        if let key = submission.submissionKey, key.isEmpty || key.count > 100 {
            throw AppError(.validation, vi: "submissionKey dài 1 đến 100 ký tự.", en: "submissionKey is 1 to 100 characters.")
        }
        let procedure = try await catalogue.get(submission.procedure)
        guard let agencyID = procedure.agencyID, let processCode = procedure.processCode else {
            throw AppError(
                .conflict, vi: "Thủ tục \(procedure.code) chưa có cơ quan giải quyết hoặc quy trình.",
                en: "The procedure \(procedure.code) has no resolving agency or workflow yet.")
        }
        let process = try await processes.get(processCode)
        guard let start = process.startState else { throw AppError(.conflict, vi: "Quy trình không có bước đầu.", en: "The workflow has no start.") }
        let receivingAgencyID = procedure.receivingAgencyID ?? agencyID
        let holderAgencyID = start.handledBy == .resolving ? agencyID : receivingAgencyID
        let form = try procedure.checkedForm(submission.form)
        let uploads = try submission.files.map { ($0, try DossierFileStore.checked($0)) }
        try procedure.checkDocuments(submission.files.map(\.kind))
        // A citizen's key is theirs; an officer's, recording for others, is kept with the officer's id.
        let applicantID = account.kind == .citizen ? account.id : nil
        let submissionKey = submission.submissionKey.map { account.kind == .citizen ? $0 : "\(account.id):\($0)" }
        if let submissionKey, let existing = try await dossierID(applicant: applicantID, submissionKey: submissionKey) {
            return try await load(existing)
        }
        // Stored to the millisecond: the dossier answered is the one read back later.
        let now = Timestamp.date(Timestamp.now()) ?? Date()
        let digests = try await files.keep(uploads.map(\.1))
        let event = DossierEvent(seq: 1, action: "nop", fromState: nil, toState: start.code, actor: actor.label, reason: nil, at: now)
        let stored = zip(uploads, digests).map { upload, digest in Self.stored(upload.0, size: upload.1.count, sha256: digest, at: now) }
        let workingCalendar = try await calendar.calendar()
        let receivedOn = today()
        let dueOn = workingCalendar.dueDate(receivedOn: receivedOn, workingDays: procedure.deadlineDays)
        let id = UUID().uuidString.lowercased()
        let trackKey = TrackingCode.newKey()
        let database = self.database
        let formText = String(decoding: try JSONEncoder().encode(form), as: UTF8.self)
        let code = try await database.write { [citizenID] db in
            guard let agencyRow = try await db.raw("SELECT code FROM agencies WHERE id = \(bind: receivingAgencyID)").first() else {
                throw AppError(.conflict, vi: "Cơ quan giải quyết không còn.", en: "The resolving agency is gone.")
            }
            let prefix = try agencyRow.string("code") + "-" + String(format: "%02d%02d%02d", receivedOn.year % 100, receivedOn.month, receivedOn.day)
            let number = try await db.raw(
                """
                INSERT INTO dossier_numbers (prefix, last) VALUES (\(bind: prefix), 1)
                ON CONFLICT (prefix) DO UPDATE SET last = dossier_numbers.last + 1 RETURNING last
                """
            ).first()!.int("last")
            let code = prefix + "-" + String(format: "%04d", number)
            try await db.raw(
                """
                INSERT INTO dossiers (id, code, procedure_id, process_code, agency_id, receiving_agency_id, holder_agency_id, applicant_id,
                    applicant_name, applicant_citizen_id, channel, form, state, finished, received_on, due_on, paused_since, paused_days,
                    submission_key, created_at, updated_at, finished_at, fee_vnd, track_key)
                VALUES (\(bind: id), \(bind: code), \(bind: procedure.id), \(bind: processCode), \(bind: agencyID), \(bind: receivingAgencyID),
                    \(bind: holderAgencyID),
                    \(bind: applicantID), \(bind: applicantName), \(bind: citizenID), \(bind: channel.rawValue),
                    \(bind: formText), \(bind: start.code), 0, \(bind: receivedOn.description), \(bind: dueOn.description), NULL, 0,
                    \(bind: submissionKey), \(bind: Timestamp.string(now)), \(bind: Timestamp.string(now)), NULL,
                    \(bind: procedure.feeVND > 0 ? procedure.feeVND : nil), \(bind: trackKey))
                """
            ).run()
            var counts = ServiceQuality.Counts()
            counts.received = 1
            counts.online = channel == .online ? 1 : 0
            counts.digitized = stored.isEmpty ? 0 : 1
            try await ServiceQuality.add(counts, agencyID: agencyID, day: receivedOn, in: db)
            try await Self.record(
                event, files: stored, dossierID: id, code: code, procedure: procedure, stateName: start.name, dueOn: dueOn, finished: false, in: db)
            try await AuditLog.append(
                AuditChange(
                    action: "dossier.submit", targetType: "dossier", targetID: id, agencyID: agencyID, before: String?.none, after: code,
                    summary: "\(code) \(procedure.code) \(channel.rawValue)"),
                by: actor, in: db, database: database)
            return code
        }
        return Dossier(
            id: id, code: code, trackingCode: TrackingCode.make(code: code, key: trackKey), procedureID: procedure.id, procedureCode: procedure.code,
            processCode: processCode, agencyID: agencyID,
            receivingAgencyID: receivingAgencyID, holderAgencyID: holderAgencyID, applicantID: applicantID,
            applicantName: applicantName, applicantCitizenID: citizenID, channel: channel, form: form, state: start.code, finished: false,
            receivedOn: receivedOn, dueOn: dueOn, pausedSince: nil, pausedDays: 0, createdAt: now, updatedAt: now, finishedAt: nil,
            feeVND: procedure.feeVND > 0 ? procedure.feeVND : nil, files: stored.sorted { $0.filename < $1.filename }, history: [event])
    }

    // MARK: - Acting

    /// Takes a workflow action on a dossier: by its applicant (`citizen` actions), by officials of the agency handling
    /// it (their roles), or by the platform (`system`, escalation).
    public func act(
        on reference: String, action code: String, reason: String? = nil, files uploaded: [UploadedFile] = [], by actor: Actor
    ) async throws -> Dossier {
        let dossier = try await load(reference)
        let roles = roles(of: actor, for: dossier)
        guard !roles.isEmpty else { throw AppError.forbidden }
        guard !dossier.finished else {
            throw AppError(.conflict, vi: "Hồ sơ \(dossier.code) đã kết thúc.", en: "The dossier \(dossier.code) is finished.")
        }
        let process = try await processes.get(dossier.processCode)
        let action: ProcessDefinition.Action
        do {
            action = try process.transition(code, from: dossier.state, roles: Set(roles), documentKinds: Set(uploaded.map(\.kind)), reason: reason)
        } catch {
            throw Self.explain(error)
        }
        guard let target = process.state(action.to), let current = process.state(dossier.state) else {
            throw AppError(.conflict, vi: "Quy trình đã thay đổi.", en: "The workflow has changed.")
        }
        let checked = try uploaded.map { ($0, try DossierFileStore.checked($0)) }
        let digests = try await files.keep(checked.map(\.1))
        let at = Date()
        let kept = zip(checked, digests).map { upload, digest in Self.stored(upload.0, size: upload.1.count, sha256: digest, at: at) }
        let procedure = try await catalogue.get(dossier.procedureID)
        let workingCalendar = try await calendar.calendar()
        let today = today()
        var pausedSince = dossier.pausedSince
        var pausedDays = dossier.pausedDays
        if current.stopsClock, let since = pausedSince, !target.stopsClock {
            pausedDays += workingCalendar.workingDays(after: since, through: today)
            pausedSince = nil
        } else if target.stopsClock, pausedSince == nil {
            pausedSince = today
        }
        let dueOn = workingCalendar.dueDate(receivedOn: dossier.receivedOn, workingDays: procedure.deadlineDays + pausedDays)
        let finished = target.isTerminal
        let holderAgencyID =
            switch target.handledBy {
            case .receiving: dossier.receivingAgencyID ?? dossier.holderAgencyID
            case .resolving: dossier.agencyID
            case nil: dossier.holderAgencyID
            }
        let seq = (dossier.history.last?.seq ?? 0) + 1
        let trimmedReason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let database = self.database
        try await database.write { [pausedSince, pausedDays] db in
            let now = Timestamp.now()
            // Only if nobody moved it meanwhile.
            let changed = try await db.raw(
                """
                UPDATE dossiers SET state = \(bind: target.code), finished = \(bind: finished ? 1 : 0), due_on = \(bind: dueOn.description),
                    paused_since = \(bind: pausedSince?.description), paused_days = \(bind: pausedDays), holder_agency_id = \(bind: holderAgencyID), updated_at = \(bind: now),
                    finished_at = \(bind: finished ? now : nil)
                WHERE id = \(bind: dossier.id) AND state = \(bind: dossier.state) AND finished = 0 RETURNING id
                """
            ).first()
            guard changed != nil else {
                throw AppError(.conflict, vi: "Hồ sơ vừa được người khác xử lý.", en: "Someone else has just acted on the dossier.")
            }
            let event = DossierEvent(
                seq: seq, action: action.code, fromState: dossier.state, toState: target.code, actor: actor.label,
                reason: trimmedReason?.isEmpty == false ? trimmedReason : nil, at: at)
            try await Self.record(
                event, files: kept, dossierID: dossier.id, code: dossier.code, procedure: procedure, stateName: target.name, dueOn: dueOn,
                finished: finished, in: db)
            var counts = ServiceQuality.Counts()
            counts.digitized = dossier.files.isEmpty && !kept.isEmpty ? 1 : 0
            if finished {
                counts.finished = 1
                counts.onTime = today <= dueOn ? 1 : 0
                let result = try await db.raw("SELECT 1 AS found FROM dossier_files WHERE dossier_id = \(bind: dossier.id) AND event_seq > 1").first()
                counts.digitizedResults = result == nil ? 0 : 1
            }
            if counts.digitized + counts.finished > 0 {
                try await ServiceQuality.add(counts, agencyID: dossier.agencyID, day: dossier.receivedOn, in: db)
            }
            try await AuditLog.append(
                AuditChange(
                    action: "dossier.\(action.code)", targetType: "dossier", targetID: dossier.id, agencyID: dossier.agencyID, before: dossier.state,
                    after: target.code, summary: "\(dossier.code) \(dossier.state) → \(target.code)"),
                by: actor, in: db, database: database)
        }
        return try await load(dossier.id)
    }

    /// The workflow roles `actor` holds for `dossier`: the applicant's, or an official's of the agency holding it.
    func roles(of actor: Actor, for dossier: Dossier) -> [String] {
        guard let account = actor.account else { return ["system"] }
        guard !account.disabled else { return [] }
        if account.kind == .citizen { return dossier.applicantID == account.id ? ["citizen"] : [] }
        if account.kind == .official && (account.isPlatformAdmin || (account.agencyID != nil && account.agencyID == dossier.holderAgencyID)) {
            return account.roles.map(\.rawValue)
        }
        return []
    }

    /// Whether `actor` may see `dossier`: its applicant, officials of the agencies receiving, resolving or holding it,
    /// platform administrators.
    func canSee(_ dossier: Dossier, _ actor: Actor) -> Bool {
        if Access.canAdministerPlatform(actor) || !roles(of: actor, for: dossier).isEmpty { return true }
        guard let account = actor.account, !account.disabled, account.kind == .official, let own = account.agencyID else { return false }
        return [dossier.agencyID, dossier.receivingAgencyID].contains(own)
    }

    static func explain(_ refusal: TransitionRefusal) -> AppError {
        switch refusal {
        case .noSuchAction(let action, let state):
            AppError(.conflict, vi: "Không thể \(action) khi hồ sơ ở bước \(state).", en: "\(action) cannot be taken at step \(state).")
        case .roleNotAllowed(let action, let allowed):
            AppError(
                .forbidden, vi: "Chỉ \(allowed.joined(separator: ", ")) được \(action).", en: "Only \(allowed.joined(separator: ", ")) may \(action)."
            )
        case .missingDocuments(let kinds):
            AppError(.validation, vi: "Cần kèm: \(kinds.joined(separator: ", ")).", en: "Documents required: \(kinds.joined(separator: ", ")).")
        case .reasonRequired:
            AppError(.validation, vi: "Cần ghi lý do.", en: "A reason is required.")
        }
    }

    /// The record of an uploaded file kept under `sha256`.
    static func stored(_ upload: UploadedFile, size: Int, sha256: String, at: Date) -> DossierFile {
        DossierFile(
            id: UUID().uuidString.lowercased(), kind: upload.kind, filename: upload.filename, contentType: upload.contentType.lowercased(),
            size: size, sha256: sha256, uploadedAt: at)
    }

    /// The event, its files and the outbox entry for the national portal, in the caller's transaction.
    static func record(
        _ event: DossierEvent, files: [DossierFile], dossierID: String, code: String, procedure: Procedure, stateName: String,
        dueOn: CivilDate, finished: Bool, in db: any SQLDatabase
    ) async throws {
        let at = Timestamp.string(event.at)
        try await db.raw(
            """
            INSERT INTO dossier_events (dossier_id, seq, action, from_state, to_state, actor, reason, at)
            VALUES (\(bind: dossierID), \(bind: event.seq), \(bind: event.action), \(bind: event.fromState), \(bind: event.toState),
                \(bind: event.actor), \(bind: event.reason), \(bind: at))
            """
        ).run()
        for file in files {
            try await db.raw(
                """
                INSERT INTO dossier_files (id, dossier_id, event_seq, kind, filename, content_type, size, sha256, uploaded_at)
                VALUES (\(bind: file.id), \(bind: dossierID), \(bind: event.seq), \(bind: file.kind), \(bind: file.filename),
                    \(bind: file.contentType), \(bind: file.size), \(bind: file.sha256), \(bind: at))
                """
            ).run()
        }
        let change = PortalChange(
            dossierCode: code, procedureCode: procedure.code, seq: event.seq, action: event.action, fromState: event.fromState,
            toState: event.toState,
            stateName: stateName, dueOn: dueOn.description, finished: finished, at: at)
        let payload = String(decoding: try JSONEncoder().encode(change), as: UTF8.self)
        try await db.raw(
            """
            INSERT INTO portal_outbox (idempotency_key, dossier_id, event_seq, payload, attempts, next_attempt_at, sent_at, last_error, created_at)
            VALUES (\(bind: change.idempotencyKey), \(bind: dossierID), \(bind: event.seq), \(bind: payload), 0, \(bind: at), NULL, NULL, \(bind: at))
            """
        ).run()
    }

    /// The applicant's rating of a finished dossier (1 to 5), given once.
    public func rate(_ reference: String, score: Int, comment: String?, by actor: Actor) async throws -> DossierRating {
        let dossier = try await get(reference, by: actor)
        guard let account = actor.account, account.kind == .citizen, dossier.applicantID == account.id else { throw AppError.forbidden }
        guard dossier.finished else {
            throw AppError(.conflict, vi: "Chỉ đánh giá được hồ sơ đã xong.", en: "Only a finished dossier can be rated.")
        }
        guard (1...5).contains(score) else { throw AppError(.validation, vi: "Điểm từ 1 đến 5.", en: "score is 1 to 5.") }
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let comment, comment.count > 2000 {
            throw AppError(.validation, vi: "Nhận xét tối đa 2000 ký tự.", en: "A comment has at most 2,000 characters.")
        }
        let rating = DossierRating(score: score, comment: comment?.isEmpty == false ? comment : nil, ratedAt: Date())
        let database = self.database
        try await database.write { db in
            guard try await db.raw("SELECT dossier_id FROM dossier_ratings WHERE dossier_id = \(bind: dossier.id)").first() == nil else {
                throw AppError(.conflict, vi: "Hồ sơ đã được đánh giá.", en: "The dossier has been rated already.")
            }
            try await db.raw(
                """
                INSERT INTO dossier_ratings (dossier_id, score, comment, rated_at)
                VALUES (\(bind: dossier.id), \(bind: rating.score), \(bind: rating.comment), \(bind: Timestamp.string(rating.ratedAt)))
                """
            ).run()
            var counts = ServiceQuality.Counts()
            counts.ratings = 1
            counts.satisfied = rating.score >= 4 ? 1 : 0
            try await ServiceQuality.add(counts, agencyID: dossier.agencyID, day: dossier.receivedOn, in: db)
            try await AuditLog.append(
                AuditChange(
                    action: "dossier.rate", targetType: "dossier", targetID: dossier.id, agencyID: dossier.agencyID, before: String?.none,
                    after: rating.score, summary: "\(dossier.code) rated \(rating.score)/5"),
                by: actor, in: db, database: database)
        }
        return rating
    }

    /// The applicant's rating of the dossier, if given.
    public func rating(of dossier: Dossier) async throws -> DossierRating? {
        try await database.lookup { db in
            try await db.raw("SELECT * FROM dossier_ratings WHERE dossier_id = \(bind: dossier.id)").first().map {
                DossierRating(score: try $0.int("score"), comment: try $0.optionalString("comment"), ratedAt: try $0.date("rated_at"))
            }
        }
    }

    // MARK: - Reading

    /// A dossier by id or code, for one who may see it: its applicant, officials of the agency handling it, platform
    /// administrators.
    public func get(_ reference: String, by actor: Actor) async throws -> Dossier {
        let dossier = try await load(reference)
        guard canSee(dossier, actor) else {
            throw AppError(.notFound, vi: "Không tìm thấy hồ sơ \(reference).", en: "No such dossier: \(reference).")
        }
        return dossier
    }

    /// The workflow actions `actor` may take on `dossier` now (none on a finished one).
    public func actions(on dossier: Dossier, by actor: Actor) async throws -> [ProcessDefinition.Action] {
        guard !dossier.finished else { return [] }
        let roles = Set(roles(of: actor, for: dossier))
        guard !roles.isEmpty else { return [] }
        return try await processes.get(dossier.processCode).actions(from: dossier.state).filter { !roles.isDisjoint(with: $0.roles) }
    }

    /// A file of a dossier and its bytes, for one who may see the dossier.
    public func file(_ fileID: String, of reference: String, by actor: Actor) async throws -> (file: DossierFile, content: Data) {
        let dossier = try await get(reference, by: actor)
        guard let file = dossier.files.first(where: { $0.id == fileID }), let content = files.read(file.sha256) else {
            throw AppError(.notFound, vi: "Không tìm thấy tệp \(fileID).", en: "No such file: \(fileID).")
        }
        return (file, content)
    }

    /// What anyone holding a dossier's tracking code may see of it: where it stands and when it is due. A code without
    /// its check part, or with a wrong one, finds nothing, in the same words as a code that does not exist.
    public func track(_ trackingCode: String) async throws -> DossierStatus {
        let notFound = AppError(.notFound, vi: "Không tìm thấy hồ sơ \(trackingCode).", en: "No dossier \(trackingCode).")
        guard let (code, key) = TrackingCode.parse(trackingCode) else { throw notFound }
        let dossier: Dossier
        do {
            dossier = try await load(code)
        } catch let error as AppError where error.kind == .notFound {
            throw notFound
        }
        guard TrackingCode.matches(dossier.trackingCode, code: code, key: key) else { throw notFound }
        let procedure = try await catalogue.get(dossier.procedureID)
        let stateName = (try? await processes.get(dossier.processCode).state(dossier.state)?.name) ?? dossier.state
        return DossierStatus(
            code: dossier.code, procedureName: procedure.name, state: dossier.state, stateName: stateName, receivedOn: dossier.receivedOn,
            dueOn: dossier.dueOn, clockStopped: dossier.pausedSince != nil, finished: dossier.finished, overdue: dossier.isOverdue(on: today()))
    }

    /// The unfinished dossiers the actor's agency holds, the soonest due first.
    public func inbox(by actor: Actor, limit: Int = 100) async throws -> [Dossier] {
        guard let account = actor.account, account.kind == .official, let agencyID = account.agencyID else { throw AppError.forbidden }
        return try await loadAll(
            "SELECT id FROM dossiers WHERE holder_agency_id = \(bind: agencyID) AND finished = 0 ORDER BY due_on, code LIMIT \(bind: limit)")
    }

    /// The applicant's own dossiers, newest first.
    public func mine(by actor: Actor, limit: Int = 100) async throws -> [Dossier] {
        guard let account = actor.account, account.kind == .citizen else { throw AppError.forbidden }
        return try await loadAll("SELECT id FROM dossiers WHERE applicant_id = \(bind: account.id) ORDER BY created_at DESC LIMIT \(bind: limit)")
    }

    /// The dossiers whose ids `query` selects, in its order.
    func loadAll(_ query: SQLQueryString) async throws -> [Dossier] {
        let ids = try await database.read { db in try await db.raw(query).all().map { try $0.string("id") } }
        var dossiers: [Dossier] = []
        for id in ids { dossiers.append(try await load(id)) }
        return dossiers
    }

    func dossierID(applicant: String?, submissionKey: String) async throws -> String? {
        try await database.lookup { db in
            let applicantMatches: SQLQueryString = applicant.map { "applicant_id = \(bind: $0)" } ?? "applicant_id IS NULL"
            return try await db.raw("SELECT id FROM dossiers WHERE \(applicantMatches) AND submission_key = \(bind: submissionKey)").first()?
                .string("id")
        }
    }

    func load(_ reference: String) async throws -> Dossier {
        let loaded = try await database.lookup { db -> Dossier? in
            guard
                let row = try await db.raw(
                    """
                    SELECT d.*, p.code AS procedure_code FROM dossiers d JOIN procedures p ON p.id = d.procedure_id
                    WHERE d.id = \(bind: reference) OR d.code = \(bind: reference)
                    """
                ).first()
            else { return nil }
            let id = try row.string("id")
            let history = try await db.raw("SELECT * FROM dossier_events WHERE dossier_id = \(bind: id) ORDER BY seq").all().map { event in
                DossierEvent(
                    seq: try event.int("seq"), action: try event.string("action"), fromState: try event.optionalString("from_state"),
                    toState: try event.string("to_state"), actor: try event.string("actor"), reason: try event.optionalString("reason"),
                    at: try event.date("at"))
            }
            let files = try await db.raw("SELECT * FROM dossier_files WHERE dossier_id = \(bind: id) ORDER BY event_seq, filename").all().map {
                file in
                DossierFile(
                    id: try file.string("id"), kind: try file.string("kind"), filename: try file.string("filename"),
                    contentType: try file.string("content_type"), size: try file.int("size"), sha256: try file.string("sha256"),
                    uploadedAt: try file.date("uploaded_at"))
            }
            let day = { (column: String) throws -> CivilDate in
                let text = try row.string(column)
                guard let date = CivilDate(text) else { throw StoreError.corrupt("dossier date \(text)") }
                return date
            }
            let code = try row.string("code")
            return Dossier(
                id: id, code: code,
                trackingCode: TrackingCode.make(code: code, key: try row.optionalString("track_key") ?? TrackingCode.key(fromID: id)),
                procedureID: try row.string("procedure_id"), procedureCode: try row.string("procedure_code"),
                processCode: try row.string("process_code"), agencyID: try row.optionalString("agency_id"),
                receivingAgencyID: try row.optionalString("receiving_agency_id"), holderAgencyID: try row.optionalString("holder_agency_id"),
                applicantID: try row.optionalString("applicant_id"), applicantName: try row.string("applicant_name"),
                applicantCitizenID: try row.optionalString("applicant_citizen_id"),
                channel: DossierChannel(rawValue: try row.string("channel")) ?? .online,
                form: try JSONDecoder().decode([String: String].self, from: Data(try row.string("form").utf8)), state: try row.string("state"),
                finished: try row.int("finished") != 0, receivedOn: try day("received_on"), dueOn: try day("due_on"),
                pausedSince: try row.optionalString("paused_since").flatMap(CivilDate.init), pausedDays: try row.int("paused_days"),
                createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), finishedAt: try row.optionalDate("finished_at"),
                feeVND: try row.decodeNil(column: "fee_vnd") ? nil : try row.int("fee_vnd"), files: files, history: history)
        }
        guard let loaded else { throw AppError(.notFound, vi: "Không tìm thấy hồ sơ \(reference).", en: "No such dossier: \(reference).") }
        return loaded
    }
}

/// An applicant's rating of a finished dossier.
public struct DossierRating: Sendable, Codable, Equatable {
    public var score: Int
    public var comment: String?
    public var ratedAt: Date
}

/// A dossier as anyone with its code may follow it.
public struct DossierStatus: Sendable, Codable {
    public var code: String
    public var procedureName: String
    public var state: String
    public var stateName: String
    public var receivedOn: CivilDate
    public var dueOn: CivilDate
    public var clockStopped: Bool
    public var finished: Bool
    public var overdue: Bool
}

/// A status change as the national portal is told of it; the key makes a change sent twice count once.
public struct PortalChange: Sendable, Codable, Equatable {
    public var dossierCode: String
    public var procedureCode: String
    public var seq: Int
    public var action: String
    public var fromState: String?
    public var toState: String
    public var stateName: String
    public var dueOn: String
    public var finished: Bool
    public var at: String

    public var idempotencyKey: String { "\(dossierCode)/\(seq)" }
}
