import Directory
import Foundation
import Hummingbird
import ProvinceCore
import ProvinceStore
import PublicServices
import Workflow
import WorkingDays

/// The one-stop shop's pages: citizens find a procedure, submit, pay and track; officers work from their inbox and
/// act on dossiers; leaders read the service-quality index.
extension PagesController {
    func addServiceRoutes(to router: RouterGroup<AppContext>) {
        router.get("services", use: procedures)
        router.get("services/{code}", use: procedure)
        router.post("services/{code}", use: submitDossier)
        router.get("dossiers", use: dossiers)
        router.get("dossiers/{code}", use: dossier)
        router.post("dossiers/{code}/actions", use: actOnDossier)
        router.post("dossiers/{code}/payment", use: recordPayment)
        router.post("dossiers/{code}/rating", use: rateDossier)
        router.get("dossiers/{code}/files/{id}", use: dossierFile)
        router.get("track", use: track)
        router.get("service-quality", use: serviceQuality)
    }

    var catalogue: ProcedureCatalogue { ProcedureCatalogue(database: platform.database) }
    var processes: ProcessStore { ProcessStore(database: platform.database) }

    // MARK: Procedures

    @Sendable func procedures(_ request: Request, context: AppContext) async throws -> Response {
        let t = Strings.words(context.language)
        let query = request.query("q")?.trimmingCharacters(in: .whitespaces)
        let level = request.query("level").flatMap(ResolvingLevel.init)
        let online = request.query("online").flatMap(OnlineLevel.init)
        let list = try await catalogue.list(
            .init(search: query?.isEmpty == false ? query : nil, level: level, onlineLevel: online), afterCode: nil, limit: 200)
        var names = Names(pages: self, language: context.language)
        var rows: [ProcedureRow] = []
        for procedure in list {
            rows.append(await procedureRow(procedure, t: t, names: &names))
        }
        let model = ProceduresPage(
            q: query ?? "", procedures: rows,
            levels: ResolvingLevel.allCases.map { Choice(value: $0.rawValue, label: t["level.\($0.rawValue)"], selected: $0 == level) },
            onlineLevels: OnlineLevel.allCases.map { Choice(value: $0.rawValue, label: t["online.\($0.rawValue)"], selected: $0 == online) })
        return pages.page("services", title: t["publicServices"], model: model, context: context)
    }

    @Sendable func procedure(_ request: Request, context: AppContext) async throws -> Response {
        try await servicePage(request, context: context, status: .ok, refusal: nil)
    }

    /// A procedure's page; after a refused submission, with what was wrong and what was entered.
    private func servicePage(
        _ request: Request, context: AppContext, status: HTTPResponse.Status,
        refusal: (refusal: FormRefusal, filesAgain: Bool, applicant: ProcedurePage.Applicant)?, entered: [String: String] = [:]
    ) async throws -> Response {
        let t = Strings.words(context.language)
        let procedure = try await catalogue.get(try context.parameters.require("code"))
        var names = Names(pages: self, language: context.language)
        let takesDossiers = procedure.agencyID != nil && procedure.processCode != nil
        let account = context.session?.account
        let model = ProcedurePage(
            procedure: await procedureRow(procedure, t: t, names: &names),
            documents: procedure.documents.enumerated().map { .init(index: $0.offset, name: $0.element.name, required: $0.element.required) },
            fields: procedure.formFields.map { field(for: $0, value: entered[$0.key] ?? "") }, submissionKey: Tokens.random(bytes: 12),
            takesDossiers: takesDossiers, canSubmit: takesDossiers && DossierDesk.mayFile(context.optionalActor),
            // An officer records a dossier brought to the counter or sent by post, for its applicant.
            atCounter: DossierDesk.mayFile(context.optionalActor) && account?.kind == .official,
            channels: [DossierChannel.counter, .post].map { Choice(value: $0.rawValue, label: t["channel.\($0.rawValue)"], selected: false) },
            mustSignIn: takesDossiers && context.session == nil, failure: refusal?.refusal.failure,
            fieldErrors: refusal?.refusal.fieldErrors ?? [], filesAgain: refusal?.filesAgain ?? false, applicant: refusal?.applicant)
        return pages.page("service", title: procedure.name, model: model, context: context, status: status)
    }

    private func procedureRow(_ procedure: Procedure, t: Words, names: inout Names) async -> ProcedureRow {
        ProcedureRow(
            code: procedure.code, name: procedure.name, field: procedure.field, level: t["level.\(procedure.level.rawValue)"],
            online: t["online.\(procedure.onlineLevel.rawValue)"], fullyOnline: procedure.onlineLevel == .full, deadline: procedure.deadlineDays,
            fee: procedure.feeVND > 0 ? Self.money(procedure.feeVND, names.language) : t["free"], agency: await names.agency(procedure.agencyID),
            receivingAgency: await names.agency(procedure.receivingAgencyID), path: Self.pathComponent(procedure.code))
    }

    private func field(for field: FormField, value: String) -> ProcedurePage.Field {
        ProcedurePage.Field(
            key: field.key, label: field.label, required: field.required, value: value, isTextarea: field.kind == .textarea,
            isSelect: field.kind == .select, inputType: field.kind == .date ? "date" : "text",
            inputMode: field.kind == .number || field.kind == .citizenID ? "numeric" : "text",
            options: (field.options ?? []).map { .init(value: $0, selected: $0 == value) })
    }

    @Sendable func submitDossier(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await MultipartForm(request, context: context, limit: DossiersController.maxBody)
        try checkSession(token: form["_csrf"], context: context)
        let procedure = try await catalogue.get(try context.parameters.require("code"))
        var entered: [String: String] = [:]
        for field in procedure.formFields where !form[field.key].isEmpty { entered[field.key] = form[field.key] }
        let files = procedure.documents.enumerated().compactMap { index, document in
            form.file("doc-\(index)").map { Self.upload($0, kind: document.name) }
        }
        let isCitizen = context.session?.account.kind == .citizen
        let submission = DossierSubmission(
            procedure: procedure.id, form: entered, files: files, submissionKey: form["submissionKey"],
            applicantName: isCitizen ? nil : form["applicantName"], applicantCitizenID: isCitizen ? nil : form["applicantCitizenID"],
            channel: isCitizen ? nil : form["channel"])
        do {
            let dossier = try await platform.desk.submit(submission, by: try context.actor())
            return PageRenderer.redirect("/dossiers/\(Self.pathComponent(dossier.code))?submitted=1")
        } catch let error as AppError where error.kind != .internalError && error.kind != .unauthenticated {
            return try await servicePage(
                request, context: context, status: .init(code: error.kind.status),
                refusal: (
                    FormRefusal(error, context.language), !files.isEmpty,
                    .init(name: form["applicantName"], citizenID: form["applicantCitizenID"])
                ), entered: entered)
        }
    }

    static func upload(_ part: MultipartForm.Part, kind: String) -> UploadedFile {
        UploadedFile(
            kind: kind, filename: part.filename ?? "", contentType: part.contentType ?? "application/octet-stream",
            content: Data(part.data).base64EncodedString())
    }

    // MARK: Dossiers

    @Sendable func dossiers(_ request: Request, context: AppContext) async throws -> Response {
        let t = Strings.words(context.language)
        let actor = try context.actor()
        let isCitizen = actor.account?.kind == .citizen
        let list = isCitizen ? try await platform.desk.mine(by: actor) : try await platform.desk.inbox(by: actor)
        var names = Names(pages: self, language: context.language)
        var rows: [DossiersPage.Row] = []
        let today = platform.desk.today()
        for dossier in list {
            rows.append(
                .init(
                    code: dossier.code, path: Self.pathComponent(dossier.code), procedure: try await names.procedure(dossier.procedureID),
                    applicant: dossier.applicantName, step: try await names.state(dossier.state, of: dossier.processCode),
                    receivedOn: Self.day(dossier.receivedOn), dueOn: Self.day(dossier.dueOn), overdue: dossier.isOverdue(on: today),
                    clockStopped: dossier.pausedSince != nil, finished: dossier.finished))
        }
        return pages.page(
            "dossiers", title: t[isCitizen ? "myDossiers" : "inbox"], model: DossiersPage(dossiers: rows, isCitizen: isCitizen), context: context)
    }

    @Sendable func dossier(_ request: Request, context: AppContext) async throws -> Response {
        var notice: String?
        if request.query("submitted") != nil { notice = "submitted" } else if request.query("done") != nil { notice = "done" }
        return try await dossierPage(
            request, context: context, status: .ok, notice: notice.map { Strings.words(context.language)[$0] }, refusal: nil)
    }

    private func dossierPage(
        _ request: Request, context: AppContext, status: HTTPResponse.Status, notice: String?, refusal: FormRefusal?
    ) async throws -> Response {
        let t = Strings.words(context.language)
        let actor = try context.actor()
        let dossier = try await platform.desk.get(try context.parameters.require("code"), by: actor)
        let procedure = try await catalogue.get(dossier.procedureID)
        let process = try await processes.get(dossier.processCode)
        let stateName = { (code: String?) in code.map { process.state($0)?.name ?? $0 } ?? "" }
        let actionName = { (code: String) in process.actions.first { $0.code == code }?.name ?? (code == "nop" ? t["submit"] : code) }
        var names = Names(pages: self, language: context.language)
        let path = Self.pathComponent(dossier.code)
        let updatable = process.state(dossier.state)?.isUpdatable == true
        let actions = try await platform.desk.actions(on: dossier, by: actor).map { action in
            DossierPage.Action(
                code: action.code, name: action.name, requiresReason: action.requiresReason,
                documents: action.requiredDocuments.enumerated().map { .init(index: $0.offset, kind: $0.element, action: action.code) },
                extraDocuments: updatable
                    ? procedure.documents.enumerated().map { .init(index: $0.offset, kind: $0.element.name, action: action.code) } : [])
        }
        let shown = DossierPage.Shown(
            code: dossier.code, trackingCode: dossier.trackingCode, path: path, procedure: procedure.name, procedureCode: procedure.code,
            procedurePath: Self.pathComponent(procedure.code), applicant: dossier.applicantName,
            channel: t["channel.\(dossier.channel.rawValue)"], step: stateName(dossier.state), receivedOn: Self.day(dossier.receivedOn),
            dueOn: Self.day(dossier.dueOn), overdue: dossier.isOverdue(on: platform.desk.today()), clockStopped: dossier.pausedSince != nil,
            finished: dossier.finished, heldBy: await names.agency(dossier.holderAgencyID), resolvingAgency: await names.agency(dossier.agencyID),
            receivingAgency: dossier.receivingAgencyID != dossier.agencyID ? await names.agency(dossier.receivingAgencyID) : "")
        let account = actor.account
        var payment: DossierPage.Payment?
        if dossier.feeVND != nil {
            let owed = try await platform.fees.request(for: dossier)
            let collecting = owed.vietQR == nil ? nil : owed.account
            payment = .init(
                amount: Self.money(owed.amount, context.language), paid: owed.paid,
                account: collecting.map { "\($0.accountName) · \($0.account) · BIN \($0.bankBIN)" }, payload: collecting == nil ? nil : owed.vietQR,
                qr: collecting == nil ? "" : owed.vietQR.flatMap { try? QRCode($0).svg(moduleSize: 5) } ?? "",
                canRecord: !owed.paid && FeeDesk.mayRecordPayment(actor))
        }
        var rated: DossierPage.Rated?
        var canRate = false
        if dossier.finished, account?.kind == .citizen, dossier.applicantID == account?.id {
            if let rating = try await platform.desk.rating(of: dossier) {
                rated = .init(score: rating.score, comment: rating.comment ?? "")
            } else {
                canRate = true
            }
        }
        let model = DossierPage(
            dossier: shown,
            form: procedure.formFields.compactMap { field in dossier.form[field.key].map { .init(label: field.label, value: $0) } },
            files: dossier.files.map {
                .init(
                    href: "/dossiers/\(path)/files/\($0.id)", kind: $0.kind, filename: $0.filename, size: Self.size($0.size),
                    sha256: String($0.sha256.prefix(16)))
            },
            history: dossier.history.map {
                .init(
                    at: Self.localTime(Timestamp.string($0.at)), action: actionName($0.action), from: stateName($0.fromState),
                    to: stateName($0.toState), actor: $0.actor, reason: $0.reason ?? "")
            },
            actions: actions, noActions: actions.isEmpty && !dossier.finished, payment: payment,
            methods: payment == nil
                ? [] : ["cash", "transfer"].map { Choice(value: $0, label: t["paymentMethod.\($0)"], selected: false) },
            rated: rated, canRate: canRate, notice: notice, failure: refusal?.failure, fieldErrors: refusal?.fieldErrors ?? [])
        return pages.page("dossier", title: "\(t["dossier"]) \(dossier.code)", model: model, context: context, status: status)
    }

    @Sendable func actOnDossier(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await MultipartForm(request, context: context, limit: DossiersController.maxBody)
        try checkSession(token: form["_csrf"], context: context)
        let actor = try context.actor()
        let code = try context.parameters.require("code")
        let dossier = try await platform.desk.get(code, by: actor)
        let process = try await processes.get(dossier.processCode)
        let procedure = try await catalogue.get(dossier.procedureID)
        let chosen = form["action"]
        let required = process.actions(from: dossier.state).first { $0.code == chosen }?.requiredDocuments ?? []
        var files = required.enumerated().compactMap { index, kind in form.file("\(chosen).doc-\(index)").map { Self.upload($0, kind: kind) } }
        files += procedure.documents.enumerated().compactMap { index, document in
            form.file("\(chosen).extra-\(index)").map { Self.upload($0, kind: document.name) }
        }
        let reason = form["reason"]
        do {
            _ = try await platform.desk.act(on: dossier.id, action: chosen, reason: reason.isEmpty ? nil : reason, files: files, by: actor)
            return PageRenderer.redirect("/dossiers/\(Self.pathComponent(dossier.code))?done=1")
        } catch let error as AppError where error.kind != .internalError && error.kind != .unauthenticated {
            return try await dossierPage(
                request, context: context, status: .init(code: error.kind.status), notice: nil, refusal: FormRefusal(error, context.language))
        }
    }

    @Sendable func recordPayment(_ request: Request, context: AppContext) async throws -> Response {
        try await dossierForm(request, context: context) { code, form, actor in
            _ = try await platform.fees.record(
                for: code, amount: Int(form["amount"].filter(\.isNumber)) ?? -1, method: form["method"], paymentReference: form["reference"],
                by: actor)
        }
    }

    @Sendable func rateDossier(_ request: Request, context: AppContext) async throws -> Response {
        try await dossierForm(request, context: context) { code, form, actor in
            let comment = form["comment"]
            _ = try await platform.desk.rate(code, score: Int(form["score"]) ?? 0, comment: comment.isEmpty ? nil : comment, by: actor)
        }
    }

    /// A plain form posted from a dossier's page: done, then back to the page; refused, the page with why.
    private func dossierForm(
        _ request: Request, context: AppContext, _ change: (String, Form, Actor) async throws -> Void
    ) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let code = try context.parameters.require("code")
        do {
            try await change(code, form, try context.actor())
            return PageRenderer.redirect("/dossiers/\(Self.pathComponent(code))?done=1")
        } catch let error as AppError where error.kind != .internalError && error.kind != .unauthenticated && error.kind != .notFound {
            return try await dossierPage(
                request, context: context, status: .init(code: error.kind.status), notice: nil, refusal: FormRefusal(error, context.language))
        }
    }

    @Sendable func dossierFile(_ request: Request, context: AppContext) async throws -> Response {
        let (file, content) = try await platform.desk.file(
            try context.parameters.require("id"), of: try context.parameters.require("code"), by: try context.actor())
        let encoded = file.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "tep"
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .contentDisposition: "attachment; filename*=UTF-8''\(encoded)",
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(data: content)))
    }

    // MARK: Tracking and the index

    @Sendable func track(_ request: Request, context: AppContext) async throws -> Response {
        let t = Strings.words(context.language)
        let code = request.query("code")?.trimmingCharacters(in: .whitespaces) ?? ""
        var tracked: TrackPage.Status?
        var failure: String?
        var status = HTTPResponse.Status.ok
        if !code.isEmpty {
            do {
                let found = try await platform.desk.track(code)
                tracked = .init(
                    code: found.code, procedure: found.procedureName, step: found.stateName, receivedOn: Self.day(found.receivedOn),
                    dueOn: Self.day(found.dueOn), clockStopped: found.clockStopped, finished: found.finished, overdue: found.overdue)
            } catch let error as AppError where error.kind == .notFound {
                failure = error.detail?.text(context.language) ?? t["none"]
                status = .notFound
            }
        }
        return pages.page(
            "track", title: t["track"], model: TrackPage(code: code, status: tracked, failure: failure), context: context, status: status)
    }

    @Sendable func serviceQuality(_ request: Request, context: AppContext) async throws -> Response {
        let t = Strings.words(context.language)
        let today = platform.desk.today()
        let from = request.query("from").flatMap(CivilDate.init) ?? CivilDate(year: today.year, month: 1, day: 1)!
        let to = request.query("to").flatMap(CivilDate.init) ?? today
        let grouping = request.query("by").flatMap(ServiceQuality.Grouping.init) ?? .agency
        var lines: [ServiceQualityPage.Line] = []
        var chart: String?
        var exportLink: String?
        var refusal: FormRefusal?
        var status = HTTPResponse.Status.ok
        do {
            guard WorkingCalendarStore.years.contains(from.year), WorkingCalendarStore.years.contains(to.year) else {
                throw AppError(.validation, vi: "Ngày phải trong các năm 1900 đến 2100.", en: "Dates must lie in 1900 to 2100.")
            }
            let index = try await ServiceQuality(database: platform.database).index(from: from, to: to, today: today, by: grouping)
            func label(_ line: ServiceQuality.Line) -> String {
                if let agency = line.agencyID { return line.agencyName ?? agency }
                guard let unit = line.unitID else { return t["wholeProvince"] }
                return line.unitName ?? (unit.isEmpty ? t["noUnit"] : unit)
            }
            func percent(_ rate: Double?) -> String { rate.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
            lines = index.map { line in
                .init(
                    agency: label(line), province: line.agencyID == nil && line.unitID == nil, received: line.received,
                    onlineRate: percent(line.onlineRate), onTimeRate: percent(line.onTimeRate), overdue: line.overdue,
                    digitizationRate: percent(line.digitizationRate), resultDigitizationRate: percent(line.resultDigitizationRate),
                    satisfactionRate: percent(line.satisfactionRate))
            }
            let parts = index.dropFirst().compactMap { line in line.onTimeRate.map { (label(line), Int(($0 * 100).rounded())) } }
            if !parts.isEmpty { chart = SVGChart.bars(parts, unit: "%") }
            exportLink = "/api/v1/service-quality/export?from=\(from)&to=\(to)&by=\(grouping.rawValue)"
        } catch let error as AppError where error.kind == .validation {
            refusal = FormRefusal(error, context.language)
            status = .badRequest
        }
        let counts = try await catalogue.countByOnlineLevel()
        let model = ServiceQualityPage(
            from: from.description, to: to.description, byUnit: grouping == .unit,
            groupings: ServiceQuality.Grouping.allCases.map {
                Choice(value: $0.rawValue, label: t[$0 == .unit ? "groupUnit" : "groupAgency"], selected: $0 == grouping)
            },
            lines: lines, chart: chart, exportLink: exportLink, fullyOnline: "\(counts[.full] ?? 0)/\(counts.values.reduce(0, +))",
            failure: refusal?.failure, fieldErrors: refusal?.fieldErrors ?? [])
        return pages.page("service-quality", title: t["serviceQuality"], model: model, context: context, status: status)
    }

    // MARK: Formatting

    /// `200.000 đ` in Vietnamese, `200,000 đồng` in English.
    static func money(_ amount: Int, _ language: Language) -> String {
        let english = language == .en
        var digits = String(amount)
        var grouped = ""
        while digits.count > 3 {
            grouped = (english ? "," : ".") + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return digits + grouped + (english ? " đồng" : " đ")
    }

    /// `26/02/2026`.
    static func day(_ date: CivilDate) -> String { String(format: "%02d/%02d/%04d", date.day, date.month, date.year) }

    static func size(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1 << 20 ? "\(bytes / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }

    /// Names of agencies, procedures and workflow states, each looked up once a page.
    struct Names {
        let pages: PagesController
        let language: Language
        var agencies: [String: String] = [:]
        var procedures: [String: String] = [:]
        var processes: [String: ProcessDefinition] = [:]

        /// The agency's name ("" for none; its id if it is gone).
        mutating func agency(_ id: String?) async -> String {
            guard let id else { return "" }
            if let known = agencies[id] { return known }
            let name = (try? await pages.platform.agencies.get(id).name) ?? id
            agencies[id] = name
            return name
        }

        mutating func procedure(_ id: String) async throws -> String {
            if let known = procedures[id] { return known }
            let name = try await pages.catalogue.get(id).name
            procedures[id] = name
            return name
        }

        mutating func state(_ code: String, of process: String) async throws -> String {
            if processes[process] == nil { processes[process] = try await pages.processes.get(process) }
            return processes[process]?.state(code)?.name ?? code
        }
    }
}
