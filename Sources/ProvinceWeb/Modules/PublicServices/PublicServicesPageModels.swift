/// A procedure as the one-stop shop's pages show it.
struct ProcedureRow: Sendable {
    let code: String
    let name: String
    let field: String
    let level: String
    let online: String
    let fullyOnline: Bool
    let deadline: Int
    let fee: String
    let agency: String
    /// The receiving agency's name when another than the resolving one receives its dossiers ("" otherwise).
    let receivingAgency: String
    let path: String
}

/// `/services`: the catalogue, searched and filtered.
struct ProceduresPage: Sendable {
    let q: String
    let procedures: [ProcedureRow]
    let levels: [Choice]
    let onlineLevels: [Choice]
}

/// `/services/{code}`: a procedure and, for whoever may, the form that submits a dossier.
struct ProcedurePage: Sendable {
    struct Document: Sendable {
        let index: Int
        let name: String
        let required: Bool
    }

    struct Field: Sendable {
        struct Option: Sendable {
            let value: String
            let selected: Bool
        }

        let key: String
        let label: String
        let required: Bool
        let value: String
        let isTextarea: Bool
        let isSelect: Bool
        let inputType: String
        let inputMode: String
        let options: [Option]
    }

    struct Applicant: Sendable {
        let name: String
        let citizenID: String
    }

    let procedure: ProcedureRow
    let documents: [Document]
    let fields: [Field]
    let submissionKey: String
    let takesDossiers: Bool
    let canSubmit: Bool
    let atCounter: Bool
    let channels: [Choice]
    let mustSignIn: Bool
    let failure: String?
    let fieldErrors: [String]
    /// A refused submission's files must be chosen again (a browser does not keep them).
    let filesAgain: Bool
    let applicant: Applicant?
}

/// `/dossiers`: an applicant's own, or an official's inbox.
struct DossiersPage: Sendable {
    struct Row: Sendable {
        let code: String
        let path: String
        let procedure: String
        let applicant: String
        let step: String
        let receivedOn: String
        let dueOn: String
        let overdue: Bool
        let clockStopped: Bool
        let finished: Bool
    }

    let dossiers: [Row]
    let isCitizen: Bool
}

/// `/dossiers/{code}`: a dossier, its payment, the actions the viewer may take, its rating and history.
struct DossierPage: Sendable {
    struct Shown: Sendable {
        let code: String
        let trackingCode: String
        let path: String
        let procedure: String
        let procedureCode: String
        let procedurePath: String
        let applicant: String
        let channel: String
        let step: String
        let receivedOn: String
        let dueOn: String
        let overdue: Bool
        let clockStopped: Bool
        let finished: Bool
        let heldBy: String
        let resolvingAgency: String
        /// The receiving agency when another than the resolving one ("" otherwise).
        let receivingAgency: String
    }

    struct Action: Sendable {
        struct Document: Sendable {
            let index: Int
            let kind: String
            let action: String
        }

        let code: String
        let name: String
        let requiresReason: Bool
        let documents: [Document]
        let extraDocuments: [Document]
    }

    struct FormValue: Sendable {
        let label: String
        let value: String
    }

    struct File: Sendable {
        let href: String
        let kind: String
        let filename: String
        let size: String
        let sha256: String
    }

    struct Event: Sendable {
        let at: String
        let action: String
        let from: String
        let to: String
        let actor: String
        let reason: String
    }

    struct Payment: Sendable {
        let amount: String
        let paid: Bool
        let account: String?
        let payload: String?
        let qr: String
        let canRecord: Bool
    }

    struct Rated: Sendable {
        let score: Int
        let comment: String
    }

    let dossier: Shown
    let form: [FormValue]
    let files: [File]
    let history: [Event]
    let actions: [Action]
    let noActions: Bool
    let payment: Payment?
    let methods: [Choice]
    let rated: Rated?
    let canRate: Bool
    let notice: String?
    let failure: String?
    let fieldErrors: [String]
}

/// `/track`: a dossier's status by its code, for anyone holding it.
struct TrackPage: Sendable {
    struct Status: Sendable {
        let code: String
        let procedure: String
        let step: String
        let receivedOn: String
        let dueOn: String
        let clockStopped: Bool
        let finished: Bool
        let overdue: Bool
    }

    let code: String
    let status: Status?
    let failure: String?
}

/// `/service-quality`: Decision 766's figures for a period, by agency or unit.
struct ServiceQualityPage: Sendable {
    struct Line: Sendable {
        let agency: String
        let province: Bool
        let received: Int
        let onlineRate: String
        let onTimeRate: String
        let overdue: Int
        let digitizationRate: String
        let resultDigitizationRate: String
        let satisfactionRate: String
    }

    let from: String
    let to: String
    let byUnit: Bool
    let groupings: [Choice]
    let lines: [Line]
    let chart: String?
    let exportLink: String?
    let fullyOnline: String
    let failure: String?
    let fieldErrors: [String]
}
