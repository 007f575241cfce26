/// What a page says above its content after a form: saved, refused (and why), or a key to be shown once.
struct PageNotice: Sendable {
    let saved: Bool
    let failure: String?
    let fieldErrors: [String]
    let secret: String?

    init(saved: Bool = false, refusal: FormRefusal? = nil, secret: String? = nil) {
        self.saved = saved
        failure = refusal?.failure
        fieldErrors = refusal?.fieldErrors ?? []
        self.secret = secret
    }
}

/// An identifier offered in a `<select>`.
struct IdentifierOption: Sendable {
    let id: String
    var selected = false
}

/// `/hub`: the national systems the province must reach, traffic and providers' health.
struct HubBoardPage: Sendable {
    struct System: Sendable {
        let code: String
        let name: String
        let owner: String
        let service: String
        let state: String
        let stateText: String
        let checkedAt: String
        let options: [IdentifierOption]
    }

    struct Board: Sendable {
        let connected: Int
        let total: Int
        let systems: [System]
    }

    struct Traffic: Sendable {
        let service: String
        let consumer: String
        let calls: Int
        let errors: String
        let latency: String
    }

    struct Provider: Sendable {
        let serviceID: String
        let upstream: String
        let state: String
        let stateText: String
        let problem: String
        let checkedAt: String
    }

    let notice: PageNotice
    let board: Board
    let canMap: Bool
    let traffic: [Traffic]
    let providers: [Provider]
    let chart: String?
}

/// `/hub/registry`: members, subsystems, services, peers and groups, and the forms that add them.
struct HubRegistryPage: Sendable {
    struct Member: Sendable {
        let id: String
        let name: String
        let peer: String
    }

    struct Subsystem: Sendable {
        let id: String
        let path: String
        let name: String
        let limit: String
    }

    struct Service: Sendable {
        let id: String
        let path: String
        let upstream: String
        let enabled: Bool
        let logBodies: Bool
    }

    struct Peer: Sendable {
        let id: String
        let name: String
        let url: String
        let fingerprint: String
    }

    struct Group: Sendable {
        let code: String
        let name: String
        let members: String
    }

    let notice: PageNotice
    let members: [Member]
    let subsystems: [Subsystem]
    let services: [Service]
    let peers: [Peer]
    let groups: [Group]
    let memberOptions: [IdentifierOption]
    let subsystemOptions: [IdentifierOption]
    let peerOptions: [IdentifierOption]
    let isOperator: Bool
}

/// `/hub/registry/services/{id}`: a service, its rights and endpoints.
struct HubServicePage: Sendable {
    struct Shown: Sendable {
        let id: String
        let path: String
        let upstream: String
        let timeout: Int
        let enabled: Bool
        let logBodies: Bool
        let retention: Int
    }

    struct Right: Sendable {
        let id: String
        let consumer: String
        let endpoint: String
    }

    struct Endpoint: Sendable {
        let method: String
        let path: String
    }

    let notice: PageNotice
    let service: Shown
    let rights: [Right]
    let endpoints: [Endpoint]
    let subsystemOptions: [IdentifierOption]
    let isOperator: Bool
}

/// `/hub/registry/subsystems/{id}`: a subsystem, its keys and certificates.
struct HubSubsystemPage: Sendable {
    struct Shown: Sendable {
        let id: String
        let path: String
        let name: String
        let limit: String
    }

    let notice: PageNotice
    let subsystem: Shown
}
