import Foundation

/// An administrative unit: a province, a district (before July 2025), a commune, ward or town.
public struct AdministrativeUnit: Sendable, Codable, Hashable {
    /// `{edition}:{code}`, e.g. `2025:68`: official codes are reused across the reform, so the edition of the
    /// unit list is part of the identity.
    public var id: String
    public var code: String
    public var name: String
    /// The official type as published: `tỉnh`, `thành phố trung ương`, `huyện`, `quận`, `xã`, `phường`, …
    public var type: String
    /// 1 for a province, 2 for a district, 3 for a commune before the reform; 2 for a commune after it.
    public var level: Int
    public var parentID: String?
    public var edition: String
    public var validFrom: String?
    public var validTo: String?

    public init(
        id: String, code: String, name: String, type: String, level: Int, parentID: String?, edition: String,
        validFrom: String?, validTo: String?
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.type = type
        self.level = level
        self.parentID = parentID
        self.edition = edition
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public static func id(edition: String, code: String) -> String { "\(edition):\(code)" }
}

/// The kinds of agency the platform knows.
public enum AgencyKind: String, Sendable, Codable, CaseIterable {
    /// A provincial department (Sở) or a body of equal rank.
    case department
    /// The People's Committee (UBND) of an administrative unit.
    case peoplesCommittee = "peoples_committee"
    /// A public-service unit (đơn vị sự nghiệp).
    case publicServiceUnit = "public_service_unit"
    /// Anything else: a central body, an enterprise connected to the hub.
    case other

    public func label(_ language: Language) -> String {
        switch (self, language) {
        case (.department, .vi): "Sở, ban, ngành"
        case (.department, .en): "Department"
        case (.peoplesCommittee, .vi): "Ủy ban nhân dân"
        case (.peoplesCommittee, .en): "People's Committee"
        case (.publicServiceUnit, .vi): "Đơn vị sự nghiệp"
        case (.publicServiceUnit, .en): "Public-service unit"
        case (.other, .vi): "Khác"
        case (.other, .en): "Other"
        }
    }
}

/// An agency: it has an identifier code, may belong to a parent agency and serves an administrative unit.
public struct Agency: Sendable, Codable, Hashable {
    public var id: String
    public var code: String
    public var name: String
    public var kind: AgencyKind
    public var parentID: String?
    public var unitID: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, code: String, name: String, kind: AgencyKind, parentID: String?, unitID: String?,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.parentID = parentID
        self.unitID = unitID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
