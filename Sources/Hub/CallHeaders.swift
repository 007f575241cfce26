/// The headers of a call the gateway reads, found in one pass over its lines when the call's head is read: the
/// exchange consults them several times (authentication, the route kept by the connection, the log), and each look
/// would otherwise be a pass over every line.
struct CallHeaders {
    /// The first `X-Road-Client` line, and how many there are (the gateway refuses two).
    var client: String?
    var clientLines = 0
    /// The last non-empty-valued `X-Road-Id`: X-Road reads a header sent twice by its last line.
    var messageID: String?
    /// The first `X-Road-Client-Key`.
    var clientKey: String?
    /// The first `Authorization` line's value, when it is a hub key (`Bearer hub_…`).
    var bearerKey: String?
    /// What X-Road's operational monitoring keeps: the first `X-Road-UserId`, `X-Road-Issue` and
    /// `X-Road-Represented-Party`, up to 1024 characters each.
    var userID: String?
    var issue: String?
    var representedParty: String?
    /// Whether the call waits for `100 Continue`.
    var expectsContinue = false

    init(_ raw: UnsafeRawBufferPointer, _ lines: HeaderLines) {
        var authorizationSeen = false
        var lastMessageID: HeaderLines.Field?
        for field in lines.fields {
            let (start, length) = (field.nameStart, field.nameLength)
            // By length first: most names are compared with none of these.
            switch length {
            case 6:
                if HeaderName.equals(raw, start, length, "expect") { expectsContinue = true }
            case 9:
                if HeaderName.equals(raw, start, length, "x-road-id") { lastMessageID = field }
            case 12:
                if issue == nil, HeaderName.equals(raw, start, length, "x-road-issue") { issue = Self.logged(raw, field) }
            case 13:
                if HeaderName.equals(raw, start, length, "x-road-client") {
                    clientLines += 1
                    if client == nil { client = HeaderLines.value(raw, field) }
                } else if !authorizationSeen, HeaderName.equals(raw, start, length, "authorization") {
                    authorizationSeen = true
                    let value = HeaderLines.value(raw, field)
                    if value.hasPrefix("Bearer hub_") { bearerKey = String(value.dropFirst(7)) }
                } else if userID == nil, HeaderName.equals(raw, start, length, "x-road-userid") {
                    userID = Self.logged(raw, field)
                }
            case 17:
                if clientKey == nil, HeaderName.equals(raw, start, length, "x-road-client-key") { clientKey = HeaderLines.value(raw, field) }
            case 24:
                if representedParty == nil, HeaderName.equals(raw, start, length, "x-road-represented-party") {
                    representedParty = Self.logged(raw, field)
                }
            default:
                break
            }
        }
        if let lastMessageID, lastMessageID.valueLength > 0 { messageID = HeaderLines.value(raw, lastMessageID) }
    }

    /// The key the client presents: `X-Road-Client-Key`, else a hub key as a bearer token.
    var credential: String? { clientKey ?? bearerKey }

    private static func logged(_ raw: UnsafeRawBufferPointer, _ field: HeaderLines.Field) -> String {
        String(HeaderLines.value(raw, field).prefix(1024))
    }
}
