import Audit
import Directory
import Foundation
import Hummingbird
import ProvinceCore
import ProvinceStore

/// The directory's pages: signing in and registering, units, agencies, accounts and their sessions.
extension PagesController {
    func addDirectoryRoutes(to router: RouterGroup<AppContext>) {
        router.get("sign-in", use: signInForm)
        router.post("sign-in", use: signIn)
        router.post("sign-out", use: signOut)
        router.get("register", use: registerForm)
        router.post("register", use: register)
        router.get("units", use: units)
        router.get("units/{id}", use: unit)
        router.get("agencies", use: agencies)
        router.post("agencies", use: createAgency)
        router.get("agencies/{id}", use: agency)
        router.post("agencies/{id}", use: updateAgency)
        router.get("admin/accounts", use: accounts)
        router.post("admin/accounts", use: createAccount)
        router.get("admin/accounts/{id}", use: account)
        router.post("admin/accounts/{id}/disable", use: disableAccount)
        router.post("admin/accounts/{id}/enable", use: enableAccount)
        router.post("admin/accounts/{id}/password", use: resetPassword)
        router.post("sessions/{id}/end", use: endSession)
    }

    // MARK: Signing in and registering

    @Sendable func signInForm(_ request: Request, context: AppContext) async throws -> Response {
        formPage("sign-in", title: "signIn", request: request, context: context) { token in
            SignInPage(formToken: token, registered: request.query("registered") != nil, username: "", failure: nil)
        }
    }

    @Sendable func signIn(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkFormToken(form, request: request)
        let username = form["username"].trimmingCharacters(in: .whitespaces)
        do {
            let account = try await platform.accounts.authenticate(username: username, password: form["password"], address: context.remoteAddress)
            let (token, _) = try await platform.sessions.open(for: account, kind: .web, address: context.remoteAddress)
            var response = PageRenderer.redirect("/")
            response.setCookie(
                Cookie(
                    name: AuthMiddleware.sessionCookie, value: token, maxAge: Int(SessionStore.webLifetime), path: "/",
                    secure: context.overHTTPS, httpOnly: true, sameSite: .strict))
            return response
        } catch let error as AppError {
            return formPage("sign-in", title: "signIn", request: request, context: context, status: .init(code: error.kind.status)) { token in
                SignInPage(formToken: token, registered: false, username: username, failure: error.detail?.text(context.language) ?? "")
            }
        }
    }

    @Sendable func signOut(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        if let token = request.cookies[AuthMiddleware.sessionCookie]?.value { try await platform.sessions.close(token: token) }
        var response = PageRenderer.redirect("/")
        response.setCookie(
            Cookie(name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: context.overHTTPS, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func registerForm(_ request: Request, context: AppContext) async throws -> Response {
        formPage("register", title: "register", request: request, context: context) { token in
            RegisterPage(formToken: token, citizenID: "", fullName: "", email: "", failure: nil, fieldErrors: [])
        }
    }

    @Sendable func register(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkFormToken(form, request: request)
        let registration = CitizenRegistration(
            citizenID: form["citizenID"], fullName: form["fullName"], email: form["email"], password: form["password"])
        do {
            _ = try await platform.accounts.register(registration, by: Actor(system: "anonymous", address: context.remoteAddress))
            return PageRenderer.redirect("/sign-in?registered=1")
        } catch let error as AppError {
            let refusal = FormRefusal(error, context.language)
            return formPage("register", title: "register", request: request, context: context, status: .init(code: error.kind.status)) { token in
                RegisterPage(
                    formToken: token, citizenID: form["citizenID"], fullName: form["fullName"], email: form["email"], failure: refusal.failure,
                    fieldErrors: refusal.fieldErrors)
            }
        }
    }

    // MARK: Units and agencies

    @Sendable func units(_ request: Request, context: AppContext) async throws -> Response {
        let search = request.query("q")
        let list = try await platform.units.list(parentID: nil, topLevelOnly: search == nil, edition: nil, search: search, after: nil, limit: 200)
        let model = UnitsPage(q: search ?? "", units: list.map { UnitRow($0, context.language) })
        return pages.page("units", title: Strings.words(context.language)["units"], model: model, context: context)
    }

    @Sendable func unit(_ request: Request, context: AppContext) async throws -> Response {
        let detail = try await platform.units.detail(try context.parameters.require("id"))
        let children = try await platform.units.children(of: detail.unit.id)
        let row = { (unit: AdministrativeUnit) in UnitRow(unit, context.language) }
        let model = UnitPage(
            unit: row(detail.unit), parent: detail.parent.map(row), children: children.map(row), predecessors: detail.predecessors.map(row),
            successors: detail.successors.map(row), hasChildren: !children.isEmpty, hasPredecessors: !detail.predecessors.isEmpty,
            hasSuccessors: !detail.successors.isEmpty)
        return pages.page("unit", title: detail.unit.name, model: model, context: context)
    }

    @Sendable func agencies(_ request: Request, context: AppContext) async throws -> Response {
        try await agenciesPage(request, context: context, status: .ok, refusal: nil, sent: nil)
    }

    private func agenciesPage(
        _ request: Request, context: AppContext, status: HTTPResponse.Status, refusal: FormRefusal?, sent: AgenciesPage.Sent?
    ) async throws -> Response {
        let search = request.query("q")
        let list = try await platform.agencies.list(search: search, parentID: nil, afterCode: nil, limit: 200)
        var canRegister = false
        var parents: [RecordLink] = []
        if let actor = context.optionalActor, Access.canAdministerPlatform(actor) {
            canRegister = true
            let all = search == nil ? list : try await platform.agencies.list(search: nil, parentID: nil, afterCode: nil, limit: 500)
            parents = all.map { RecordLink(id: $0.id, name: $0.name) }
        }
        let model = AgenciesPage(
            q: search ?? "", agencies: list.map { .init(id: $0.id, code: $0.code, name: $0.name, kind: $0.kind.label(context.language)) },
            canRegister: canRegister, kinds: canRegister ? kindOptions(context.language, selected: nil) : [], parents: parents, form: sent,
            failure: refusal?.failure, fieldErrors: refusal?.fieldErrors ?? [])
        return pages.page("agencies", title: Strings.words(context.language)["agencies"], model: model, context: context, status: status)
    }

    @Sendable func createAgency(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let input = AgencyInput(
            code: form["code"], name: form["name"], kind: form["kind"], parentID: form["parentID"].isEmpty ? nil : form["parentID"],
            unitID: form["unitID"].isEmpty ? nil : form["unitID"])
        do {
            let agency = try await platform.agencies.create(input, by: try context.actor())
            return PageRenderer.redirect("/agencies/\(agency.id)?saved=1")
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            return try await agenciesPage(
                request, context: context, status: .init(code: error.kind.status), refusal: FormRefusal(error, context.language),
                sent: .init(code: form["code"], name: form["name"]))
        }
    }

    @Sendable func agency(_ request: Request, context: AppContext) async throws -> Response {
        try await agencyPage(request, context: context, status: .ok, refusal: nil)
    }

    private func agencyPage(_ request: Request, context: AppContext, status: HTTPResponse.Status, refusal: FormRefusal?) async throws -> Response {
        let agency = try await platform.agencies.get(try context.parameters.require("id"))
        var parent: RecordLink?
        if let parentID = agency.parentID, let found = try? await platform.agencies.get(parentID) {
            parent = RecordLink(id: found.id, name: found.name)
        }
        var unit: RecordLink?
        if let unitID = agency.unitID, let found = try? await platform.units.detail(unitID) {
            unit = RecordLink(id: found.unit.id, name: found.unit.name)
        }
        var members: [AccountRow] = []
        if let actor = context.optionalActor, Access.canManageAccounts(of: agency.id, actor) {
            members = try await platform.accounts.list(agencyID: agency.id, kind: nil, search: nil, afterUsername: nil, limit: 200)
                .map { AccountRow($0, context.language) }
        }
        var edit: AgencyPage.Edit?
        if let actor = context.optionalActor, Access.canEditAgency(agency.id, actor) {
            edit = .init(name: agency.name, kinds: kindOptions(context.language, selected: agency.kind))
        }
        let model = AgencyPage(
            agency: .init(id: agency.id, code: agency.code, name: agency.name, kind: agency.kind.label(context.language)),
            saved: request.query("saved") != nil, parent: parent, unit: unit, members: members, hasMembers: !members.isEmpty, edit: edit,
            failure: refusal?.failure, fieldErrors: refusal?.fieldErrors ?? [])
        return pages.page("agency", title: agency.name, model: model, context: context, status: status)
    }

    @Sendable func updateAgency(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let id = try context.parameters.require("id")
        do {
            _ = try await platform.agencies.update(id, AgencyInput(name: form["name"], kind: form["kind"]), by: try context.actor())
            return PageRenderer.redirect("/agencies/\(id)?saved=1")
        } catch let error as AppError where error.kind == .validation {
            return try await agencyPage(request, context: context, status: .badRequest, refusal: FormRefusal(error, context.language))
        }
    }

    private func kindOptions(_ language: Language, selected: AgencyKind?) -> [Choice] {
        AgencyKind.allCases.map { Choice(value: $0.rawValue, label: $0.label(language), selected: $0 == selected) }
    }

    // MARK: Accounts

    @Sendable func accounts(_ request: Request, context: AppContext) async throws -> Response {
        try await accountsPage(request, context: context, status: .ok, refusal: nil, sent: nil)
    }

    private func accountsPage(
        _ request: Request, context: AppContext, status: HTTPResponse.Status, refusal: FormRefusal?, sent: AccountsPage.Sent?
    ) async throws -> Response {
        let actor = try context.actor()
        let scope: String?
        if Access.canAdministerPlatform(actor) {
            scope = nil
        } else if let own = actor.account?.agencyID, Access.canManageAccounts(of: own, actor) {
            scope = own
        } else {
            throw AppError.forbidden
        }
        let search = request.query("q")
        let list = try await platform.accounts.list(agencyID: scope, kind: nil, search: search, afterUsername: nil, limit: 200)
        let agencies: [Agency]
        if let scope {
            agencies = [try await platform.agencies.get(scope)]
        } else {
            agencies = try await platform.agencies.list(search: nil, parentID: nil, afterCode: nil, limit: 500)
        }
        let grantable = Role.allCases.filter { Access.canGrant($0, actor) }
        let model = AccountsPage(
            q: search ?? "", accounts: list.map { AccountRow($0, context.language) },
            agencies: agencies.map { RecordLink(id: $0.id, name: $0.name) },
            roles: grantable.map { Choice(value: $0.rawValue, label: $0.label(context.language), selected: false) }, form: sent,
            failure: refusal?.failure, fieldErrors: refusal?.fieldErrors ?? [])
        return pages.page("accounts", title: Strings.words(context.language)["accounts"], model: model, context: context, status: status)
    }

    @Sendable func createAccount(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let input = AccountInput(
            kind: "official", username: form["username"], fullName: form["fullName"], email: form["email"],
            agencyID: form["agencyID"].isEmpty ? nil : form["agencyID"], roles: form.all("roles"), password: form["password"])
        do {
            let created = try await platform.accounts.create(input, by: try context.actor())
            return PageRenderer.redirect("/admin/accounts/\(created.id)")
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            return try await accountsPage(
                request, context: context, status: .init(code: error.kind.status), refusal: FormRefusal(error, context.language),
                sent: .init(username: form["username"], fullName: form["fullName"], email: form["email"]))
        }
    }

    @Sendable func account(_ request: Request, context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let account = try await platform.accounts.get(try context.parameters.require("id"))
        guard Access.canView(account, actor) else { throw AppError.forbidden }
        var sessions: [AccountPage.SessionRow] = []
        if account.id == actor.account?.id {
            let current = request.cookies[AuthMiddleware.sessionCookie]?.value
            sessions = try await platform.sessions.sessions(of: account.id, currentToken: current).map {
                .init(
                    id: $0.id, kind: $0.kind, created: Self.localTime(Timestamp.string($0.createdAt)),
                    lastSeen: Self.localTime(Timestamp.string($0.lastSeenAt)), address: $0.address ?? "", current: $0.current)
            }
        }
        var agency: RecordLink?
        if let agencyID = account.agencyID, let found = try? await platform.agencies.get(agencyID) {
            agency = RecordLink(id: found.id, name: found.name)
        }
        let model = AccountPage(
            subject: AccountRow(account, context.language), saved: request.query("saved") != nil,
            canManage: Access.canManage(account, actor) && account.id != actor.account?.id,
            isSelf: account.id == actor.account?.id && account.kind != .system, sessions: sessions, agency: agency)
        return pages.page("account", title: account.fullName, model: model, context: context)
    }

    @Sendable func disableAccount(_ request: Request, context: AppContext) async throws -> Response {
        try await changeAccount(request, context: context) { id, actor, _ in _ = try await platform.accounts.setDisabled(id, true, by: actor) }
    }

    @Sendable func enableAccount(_ request: Request, context: AppContext) async throws -> Response {
        try await changeAccount(request, context: context) { id, actor, _ in _ = try await platform.accounts.setDisabled(id, false, by: actor) }
    }

    @Sendable func resetPassword(_ request: Request, context: AppContext) async throws -> Response {
        try await changeAccount(request, context: context) { id, actor, form in
            let current = form["currentPassword"]
            try await platform.accounts.resetPassword(id, to: form["password"], currentPassword: current.isEmpty ? nil : current, by: actor)
        }
    }

    /// Ends one of the signed-in person's sessions; ending this one signs out.
    @Sendable func endSession(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let account = try context.actor().account!
        guard try await platform.sessions.end(try context.parameters.require("id"), of: account.id) else {
            throw AppError.notFound("phiên / session")
        }
        return PageRenderer.redirect("/admin/accounts/\(account.id)?saved=1")
    }

    private func changeAccount(
        _ request: Request, context: AppContext, _ change: (String, Actor, Form) async throws -> Void
    ) async throws -> Response {
        let form = try await Form(request, context: context)
        try checkSession(form, context: context)
        let id = try context.parameters.require("id")
        try await change(id, try context.actor(), form)
        return PageRenderer.redirect("/admin/accounts/\(id)?saved=1")
    }
}
