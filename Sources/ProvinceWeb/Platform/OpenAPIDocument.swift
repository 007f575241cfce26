import Foundation

/// A JSON value, for the parts of the OpenAPI document modules bring and the document assembled from them.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The members of an object (none for any other value).
    public var members: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}

/// A module's part of the OpenAPI document: its paths (each with its operations) and the schemas they refer to.
public struct OpenAPIPart: Sendable {
    public var paths: [String: JSONValue]
    public var schemas: [String: JSONValue]

    public init(paths: [String: JSONValue], schemas: [String: JSONValue] = [:]) {
        self.paths = paths
        self.schemas = schemas
    }

    /// A part kept as a JSON file in the bundle's `Resources/openapi`: an object with `paths` and `schemas`.
    static func resource(_ name: String) throws -> OpenAPIPart {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources/openapi") else {
            throw OpenAPIDocument.AssemblyError(reason: "no OpenAPI part \(name).json in the bundle")
        }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        return OpenAPIPart(paths: value.members["paths"]?.members ?? [:], schemas: value.members["schemas"]?.members ?? [:])
    }
}

/// The platform's OpenAPI 3.1 document, assembled from the modules' parts over the platform's own frame (title,
/// servers, security schemes).
public enum OpenAPIDocument {
    struct AssemblyError: Error, CustomStringConvertible {
        let reason: String
        var description: String { "OpenAPI document: \(reason)" }
    }

    /// Puts the parts together; two parts describing the same path, or the same schema differently, is an error.
    public static func assemble(_ parts: [OpenAPIPart]) throws -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var shapes: [String: String] = [:]
        var schemas: [String: JSONValue] = [:]
        for part in parts {
            for (path, operations) in part.paths {
                // `/a/{id}` and `/a/{code}` are one route to the router.
                let shape = path.split(separator: "/").map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
                if let other = shapes[shape] { throw AssemblyError(reason: "\(path) and \(other) are described by two modules") }
                shapes[shape] = path
                paths[path] = operations
            }
            for (name, schema) in part.schemas {
                if let existing = schemas[name], existing != schema {
                    throw AssemblyError(reason: "two modules describe the schema \(name) differently")
                }
                schemas[name] = schema
            }
        }
        var document = frame.members
        document["paths"] = .object(paths)
        var components = document["components"]?.members ?? [:]
        components["schemas"] = .object(schemas)
        document["components"] = .object(components)
        return .object(document)
    }

    /// The document as served: JSON with its keys sorted, so that it reads the same from one start to the next.
    public static func encoded(_ document: JSONValue) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    /// What the document says about the platform as a whole.
    static let frame: JSONValue = .object([
        "openapi": .string("3.1.0"),
        "info": .object([
            "title": .string("OpenProvince API"),
            "version": .string("1.0.0"),
            "description": .string(
                "The province's digital-government platform. Errors are RFC 9457 problem details in Vietnamese or English "
                    + "(Accept-Language). Lists use cursor pagination. Every response carries X-Request-Id. The hub's registry and "
                    + "message log are under /api/v1/hub; calls between information systems go through the gateway's own port "
                    + "(X-Road message protocol for REST)."),
        ]),
        "servers": .array([.object(["url": .string("/")])]),
        "security": .array([.object(["bearer": .array([])])]),
        "components": .object([
            "securitySchemes": .object([
                "bearer": .object([
                    "type": .string("http"), "scheme": .string("bearer"),
                    "description": .string("A token from POST /api/v1/auth/token, or an API key (opk_…) of a system account."),
                ]),
                "metricsToken": .object([
                    "type": .string("http"), "scheme": .string("bearer"),
                    "description": .string("The token set in PROVINCE_METRICS_TOKEN for the metrics scraper."),
                ]),
            ])
        ]),
    ])
}

/// Literals, so that a module's OpenAPI part can be written in code as it reads in JSON.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A key written twice is a mistake in the code: it stops the process at the first assembly (and so the tests).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
}

/// The pieces every operation's description repeats.
public enum OpenAPIPieces {
    /// A JSON answer of the schema named `schema`.
    public static func json(_ description: String, schema: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(schema)")]]]]
    }

    /// A JSON answer `{"items": [schema]}`.
    public static func items(_ description: String, schema: String) -> JSONValue {
        [
            "description": .string(description),
            "content": [
                "application/json": [
                    "schema": [
                        "type": "object", "required": ["items"],
                        "properties": ["items": ["type": "array", "items": ["$ref": .string("#/components/schemas/\(schema)")]]],
                    ]
                ]
            ],
        ]
    }

    /// A JSON request body of the schema named `schema`.
    public static func body(_ schema: String) -> JSONValue {
        ["required": true, "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(schema)")]]]]
    }

    /// A path parameter.
    public static func path(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"], "description": .string(description)]
    }

    /// A query parameter, not required.
    public static func query(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "schema": ["type": "string"], "description": .string(description)]
    }

    /// The problem answers for the statuses given (`400`, `401`, …), and 500, as the platform words them.
    public static func problems(_ statuses: [Int]) -> [String: JSONValue] {
        var answers: [String: JSONValue] = [:]
        for status in statuses + [500] {
            answers[String(status)] = [
                "description": .string(problemDescriptions[status] ?? "An error."),
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
        }
        return answers
    }

    static let problemDescriptions: [Int: String] = [
        400: "The request is malformed or fails validation.", 401: "No valid credentials were presented.",
        403: "The caller may not do this.", 404: "No such resource.", 409: "The change conflicts with existing data.",
        413: "The request body is larger than 1 MiB.", 415: "The body is not application/json.",
        500: "An unexpected error; the request id names it in the logs.",
    ]
}
