import Directory
import Foundation
import ProvinceCore

/// The demo province, Lâm Đồng: its units before and after the 2025 reform with the links between them, its
/// departments and one ward's People's Committee, a few officials, citizens and a system account; then each module's
/// own demo data (``PlatformModule/loadDemo(by:)``: the one-stop shop's workflows, procedures and payment accounts, …).
public enum DemoProvince {
    /// The password of every demo account.
    public static let password = "LamDong@2025"

    /// One line per demo login, for the start-up banner.
    public struct Login: Sendable {
        public var username: String
        public var role: String
    }

    struct AgencySeed {
        var code: String
        var name: String
        var kind: AgencyKind
    }

    /// Departments of the Provincial People's Committee. Codes follow the shape of Decision 20/2020/QĐ-TTg and are
    /// illustrative.
    static let agencies: [AgencySeed] = [
        AgencySeed(code: "000.00.00.H38", name: "Ủy ban nhân dân tỉnh Lâm Đồng", kind: .peoplesCommittee),
        AgencySeed(code: "000.00.01.H38", name: "Văn phòng Ủy ban nhân dân tỉnh", kind: .department),
        AgencySeed(code: "000.00.02.H38", name: "Sở Thông tin và Truyền thông", kind: .department),
        AgencySeed(code: "000.00.03.H38", name: "Sở Tài nguyên và Môi trường", kind: .department),
        AgencySeed(code: "000.00.04.H38", name: "Sở Nông nghiệp và Phát triển nông thôn", kind: .department),
        AgencySeed(code: "000.00.05.H38", name: "Sở Văn hóa, Thể thao và Du lịch", kind: .department),
        AgencySeed(code: "000.00.06.H38", name: "Sở Khoa học và Công nghệ", kind: .department),
        AgencySeed(code: "000.00.07.H38", name: "Sở Y tế", kind: .department),
        AgencySeed(code: "000.00.08.H38", name: "Sở Giáo dục và Đào tạo", kind: .department),
        AgencySeed(code: "000.00.09.H38", name: "Công an tỉnh", kind: .department),
        AgencySeed(code: "000.00.10.H38", name: "Sở Kế hoạch và Đầu tư", kind: .department),
        AgencySeed(code: "000.00.11.H38", name: "Sở Tư pháp", kind: .department),
        AgencySeed(code: "000.00.12.H38", name: "Sở Xây dựng", kind: .department),
        AgencySeed(code: "000.00.13.H38", name: "Sở Tài chính", kind: .department),
        AgencySeed(code: "000.00.14.H38", name: "Sở Nội vụ", kind: .department),
        AgencySeed(code: "000.02.01.H38", name: "Trung tâm Công nghệ thông tin và Truyền thông", kind: .publicServiceUnit),
        AgencySeed(code: "000.03.01.H38", name: "Trung tâm Phục vụ hành chính công tỉnh", kind: .publicServiceUnit),
    ]

    /// Loads the demo into an empty database; does nothing when agencies already exist, so a second start keeps
    /// the data as it is. Returns the logins, or nil when nothing was loaded.
    public static func loadIfEmpty(into platform: Platform) async throws -> [Login]? {
        guard try await platform.agencies.list(search: nil, parentID: nil, afterCode: nil, limit: 1).isEmpty else { return nil }
        let actor = Actor(system: "system:demo")
        for (file, edition) in [("units-before-2025", UnitDirectory.Edition.beforeReform), ("units-2025", .afterReform)] {
            let data = try Data(contentsOf: try resource(file))
            let (_, units) = try UnitDirectory.parse(nestedDivisions: data, edition: edition)
            _ = try await platform.units.importUnits(units, edition: edition.name, by: actor)
        }
        _ = try await platform.units.importSuccessions(try successionLinks(from: Data(contentsOf: try resource("successions"))), by: actor)

        let province = AdministrativeUnit.id(edition: UnitDirectory.Edition.afterReform.name, code: "68")
        var ids: [String: String] = [:]
        for seed in agencies {
            let parent = seed.code == agencies[0].code ? nil : ids[agencies[0].code]
            let agency = try await platform.agencies.create(
                AgencyInput(code: seed.code, name: seed.name, kind: seed.kind.rawValue, parentID: parent, unitID: province), by: actor)
            ids[seed.code] = agency.id
        }
        let ward = try await platform.agencies.create(
            AgencyInput(
                code: commune.code, name: commune.name, kind: commune.kind.rawValue, parentID: nil,
                unitID: AdministrativeUnit.id(edition: UnitDirectory.Edition.afterReform.name, code: communeUnitCode)), by: actor)
        ids[commune.code] = ward.id
        let people: [(String, String, String, [Role])] = [
            ("admin", "Nguyễn Văn Quản", "000.00.02.H38", [.platformAdmin]),
            ("tttt.quantri", "Trần Thị Hạnh", "000.00.02.H38", [.agencyAdmin]),
            ("tttt.canbo", "Lê Minh Tuấn", "000.00.02.H38", [.officer]),
            ("tttt.giamdoc", "Phan Văn Đức", "000.00.02.H38", [.leader]),
            ("xuanhuong.motcua", "Ka Thị Nhung", commune.code, [.officer]),
            ("yte.quantri", "Phạm Thị Lan", "000.00.07.H38", [.agencyAdmin]),
            ("yte.canbo", "Hoàng Văn Nam", "000.00.07.H38", [.officer]),
            ("ubnd.lanhdao", "Đặng Quốc Bảo", "000.00.01.H38", [.leader]),
            ("tnmt.xem", "Võ Thị Mai", "000.00.03.H38", [.viewer]),
        ]
        var logins: [Login] = []
        for (username, name, agencyCode, roles) in people {
            _ = try await platform.accounts.create(
                AccountInput(
                    kind: "official", username: username, fullName: name, agencyID: ids[agencyCode],
                    roles: roles.map(\.rawValue), password: password), by: actor)
            logins.append(Login(username: username, role: roles.map(\.rawValue).joined(separator: ",")))
        }
        for (cccd, name) in [("068090001234", "Nguyễn Thị Hoa"), ("068195004321", "K'Brơi")] {
            _ = try await platform.accounts.register(CitizenRegistration(citizenID: cccd, fullName: name, password: password), by: actor)
            logins.append(Login(username: cccd, role: "citizen"))
        }
        _ = try await platform.accounts.create(
            AccountInput(kind: "system", username: "motcua.he-thong", fullName: "Hệ thống một cửa điện tử", agencyID: ids["000.03.01.H38"]),
            by: actor)
        for module in try PlatformModules.make(platform) { try await module.loadDemo(by: actor) }
        return logins
    }

    /// Reads `successions.json`: `{"links": [{"predecessor": id, "successor": id}, …]}`.
    public static func successionLinks(from data: Data) throws -> [(predecessor: String, successor: String)] {
        struct File: Decodable {
            struct Link: Decodable {
                var predecessor: String
                var successor: String
            }
            var links: [Link]
        }
        do {
            return try JSONDecoder().decode(File.self, from: data).links.map { ($0.predecessor, $0.successor) }
        } catch {
            throw AppError(.validation, vi: "Tệp liên kết kế thừa không hợp lệ.", en: "The succession file is not valid.")
        }
    }

    static func resource(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources/demo") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }
}
