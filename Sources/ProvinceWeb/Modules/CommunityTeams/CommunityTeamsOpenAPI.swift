/// The registry's part of the OpenAPI document, written in code.
enum CommunityTeamsOpenAPI {
    typealias P = OpenAPIPieces

    static let tags: JSONValue = ["community-teams"]
    static let unit = P.path("unit", "The commune's unit id (2008:24781).")
    static let province = P.query("province", "A province's unit id (2008:68); by default the first with teams recorded.")

    static let part = OpenAPIPart(
        paths: [
            "/api/v1/community-teams": [
                "get": [
                    "summary": "The community digital-technology teams of a province's communes", "operationId": "listCommunityTeams",
                    "tags": tags, "security": [], "parameters": [province],
                    "responses": .object(["200": P.items("OK", schema: "CommunityTeam")].merging(P.problems([400, 401, 404])) { $1 }),
                ]
            ],
            "/api/v1/community-teams/report": [
                "get": [
                    "summary":
                        "A province's figures, whole and by district: communes with a team out of all, members, village teams and their members, trainings",
                    "operationId": "communityTeamsReport", "tags": tags, "security": [], "parameters": [province],
                    "responses": .object(["200": P.json("OK", schema: "CommunityTeamsReport")].merging(P.problems([400, 401, 404])) { $1 }),
                ]
            ],
            "/api/v1/community-teams/{unit}": [
                "get": [
                    "summary": "A commune's team", "operationId": "getCommunityTeam", "tags": tags, "security": [], "parameters": [unit],
                    "responses": .object(["200": P.json("OK", schema: "CommunityTeam")].merging(P.problems([400, 401, 404])) { $1 }),
                ],
                "put": [
                    "summary":
                        "Record a commune's figures (a platform administrator, or an officer or agency administrator of an agency of the commune or an area above it); 201 the first time",
                    "operationId": "recordCommunityTeam", "tags": tags, "parameters": [unit], "requestBody": P.body("CommunityTeamInput"),
                    "responses": .object(
                        ["201": P.json("Created", schema: "CommunityTeam"), "200": P.json("OK", schema: "CommunityTeam")]
                            .merging(P.problems([400, 401, 403, 404, 413, 415])) { $1 }),
                ],
            ],
            "/api/v1/community-teams/{unit}/trainings": [
                "get": [
                    "summary": "A commune's trainings, the latest first", "operationId": "listCommunityTrainings", "tags": tags,
                    "security": [], "parameters": [unit],
                    "responses": .object(["200": P.items("OK", schema: "CommunityTraining")].merging(P.problems([400, 401, 404])) { $1 }),
                ],
                "post": [
                    "summary": "Record a training the commune's teams held (whoever may record the commune's figures)",
                    "operationId": "recordCommunityTraining", "tags": tags, "parameters": [unit], "requestBody": P.body("CommunityTrainingInput"),
                    "responses": .object(
                        ["201": P.json("Created", schema: "CommunityTraining")].merging(P.problems([400, 401, 403, 404, 409, 413, 415])) { $1 }),
                ],
            ],
        ],
        schemas: [
            "CommunityTeam": [
                "type": "object",
                "required": ["unitID", "communeName", "parentID", "parentName", "members", "villageTeams", "villageMembers", "leader", "updatedAt"],
                "properties": [
                    "unitID": ["type": "string"], "communeName": ["type": "string"], "parentID": ["type": "string"],
                    "parentName": ["type": "string"], "members": ["type": "integer"], "villageTeams": ["type": "integer"],
                    "villageMembers": ["type": "integer"], "leader": ["type": "string"], "updatedAt": ["type": "string", "format": "date-time"],
                ],
            ],
            "CommunityTeamInput": [
                "type": "object", "required": ["members", "villageTeams", "villageMembers"],
                "properties": [
                    "members": ["type": "integer", "minimum": 1, "maximum": 100_000],
                    "villageTeams": ["type": "integer", "minimum": 0, "maximum": 100_000],
                    "villageMembers": [
                        "type": "integer", "minimum": 0, "maximum": 100_000,
                        "description": "At least one a village team; none without village teams.",
                    ],
                    "leader": ["type": ["string", "null"], "maxLength": 200],
                ],
            ],
            "CommunityTraining": [
                "type": "object", "required": ["id", "unitID", "heldOn", "topic", "participants", "recordedAt"],
                "properties": [
                    "id": ["type": "string"], "unitID": ["type": "string"], "heldOn": ["type": "string", "format": "date"],
                    "topic": ["type": "string"], "participants": ["type": "integer"], "recordedAt": ["type": "string", "format": "date-time"],
                ],
            ],
            "CommunityTrainingInput": [
                "type": "object", "required": ["heldOn", "topic", "participants"],
                "properties": [
                    "heldOn": ["type": "string", "format": "date"], "topic": ["type": "string", "minLength": 1, "maxLength": 300],
                    "participants": ["type": "integer", "minimum": 1, "maximum": 100_000],
                ],
            ],
            "CommunityTeamFigures": [
                "type": "object",
                "required": [
                    "unitID", "name", "communes", "communesWithTeam", "members", "villageTeams", "villageMembers", "trainings",
                    "trainingParticipants",
                ],
                "properties": [
                    "unitID": ["type": "string"], "name": ["type": "string"], "communes": ["type": "integer"],
                    "communesWithTeam": ["type": "integer"], "members": ["type": "integer"], "villageTeams": ["type": "integer"],
                    "villageMembers": ["type": "integer"], "trainings": ["type": "integer"], "trainingParticipants": ["type": "integer"],
                ],
            ],
            "CommunityTeamsReport": [
                "type": "object", "required": ["province", "districts"],
                "properties": [
                    "province": ["$ref": "#/components/schemas/CommunityTeamFigures"],
                    "districts": ["type": "array", "items": ["$ref": "#/components/schemas/CommunityTeamFigures"]],
                ],
            ],
        ])
}
