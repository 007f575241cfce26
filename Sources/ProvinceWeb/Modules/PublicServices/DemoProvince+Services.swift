import Directory
import Foundation
import ProvinceCore
import PublicServices
import Workflow

extension DemoProvince {
    /// The one-stop desk of Xuân Hương - Đà Lạt ward, which receives dossiers of procedures the province resolves.
    static let commune = AgencySeed(code: "000.31.01.H38", name: "Ủy ban nhân dân phường Xuân Hương - Đà Lạt", kind: .peoplesCommittee)

    /// The ward's unit in the 2025 catalogue.
    static let communeUnitCode = "24781"

    /// Two workflows: one agency receiving and resolving, and two levels (the ward receives and hands back, the
    /// department resolves).
    static var processes: [ProcessDefinition] {
        [
            process(code: "ho-so.mot-cap", name: "Một cấp: tiếp nhận và giải quyết tại một cơ quan", acrossLevels: false),
            process(code: "ho-so.lien-thong", name: "Liên thông hai cấp: phường, xã tiếp nhận; tỉnh giải quyết", acrossLevels: true),
        ]
    }

    static func process(code: String, name: String, acrossLevels: Bool) -> ProcessDefinition {
        typealias State = ProcessDefinition.State
        typealias Action = ProcessDefinition.Action
        let received = acrossLevels ? ProcessDefinition.Desk.receiving : nil
        let resolving = acrossLevels ? ProcessDefinition.Desk.resolving : nil
        return ProcessDefinition(
            code: code, name: name,
            states: [
                State(code: "tiep-nhan", name: "Đã tiếp nhận", isStart: true, handledBy: received),
                State(code: "xu-ly", name: "Đang giải quyết", handledBy: resolving),
                State(code: "cho-bo-sung", name: "Chờ bổ sung giấy tờ", isUpdatable: true, stopsClock: true),
                State(code: "cho-ky", name: "Chờ lãnh đạo phê duyệt"),
                State(code: "co-ket-qua", name: "Có kết quả, chờ trả", handledBy: received),
                State(code: "da-tra", name: "Đã trả kết quả", isTerminal: true),
                State(code: "tu-choi", name: "Từ chối giải quyết", isTerminal: true),
            ],
            actions: [
                Action(
                    code: acrossLevels ? "chuyen-xu-ly" : "thu-ly", name: acrossLevels ? "Chuyển cơ quan giải quyết" : "Thụ lý", from: "tiep-nhan",
                    to: "xu-ly", roles: ["officer"]),
                Action(
                    code: "tu-choi-tiep-nhan", name: "Từ chối tiếp nhận", from: "tiep-nhan", to: "tu-choi", roles: ["officer"], requiresReason: true),
                Action(
                    code: "yeu-cau-bo-sung", name: "Yêu cầu bổ sung giấy tờ", from: "xu-ly", to: "cho-bo-sung", roles: ["officer"],
                    requiresReason: true),
                Action(code: "nop-bo-sung", name: "Nộp bổ sung", from: "cho-bo-sung", to: "xu-ly", roles: ["citizen", "officer"]),
                Action(code: "trinh-ky", name: "Trình lãnh đạo phê duyệt", from: "xu-ly", to: "cho-ky", roles: ["officer"]),
                Action(
                    code: "phe-duyet", name: "Phê duyệt, ký kết quả", from: "cho-ky", to: "co-ket-qua", roles: ["leader"],
                    requiredDocuments: ["ket-qua"]),
                Action(code: "tra-lai", name: "Trả lại để xử lý tiếp", from: "cho-ky", to: "xu-ly", roles: ["leader"], requiresReason: true),
                Action(code: "tu-choi", name: "Từ chối giải quyết", from: "cho-ky", to: "tu-choi", roles: ["leader"], requiresReason: true),
                Action(code: "tra-ket-qua", name: "Trả kết quả cho người nộp", from: "co-ket-qua", to: "da-tra", roles: ["officer"]),
            ])
    }

    /// A few procedures of the catalogue, their national codes illustrative.
    static let procedures: [ProcedureInput] = [
        ProcedureInput(
            code: "2.001805",
            name: "Cấp Giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử công cộng",
            field: "Phát thanh, truyền hình và thông tin điện tử", level: "province", agencyCode: "000.00.02.H38",
            receivingAgencyCode: commune.code, onlineLevel: "full", deadlineDays: 5, feeVND: 200_000,
            documents: [
                RequiredDocument(name: "Đơn đề nghị"), RequiredDocument(name: "Giấy chứng nhận đăng ký kinh doanh"),
                RequiredDocument(name: "Ảnh chụp điểm kinh doanh", required: false),
            ],
            formFields: [
                FormField(key: "ten_diem", label: "Tên điểm cung cấp dịch vụ"), FormField(key: "dia_chi", label: "Địa chỉ"),
                FormField(key: "so_may", label: "Số máy tính", kind: .number),
                FormField(key: "ngay_hoat_dong", label: "Ngày dự kiến hoạt động", kind: .date, required: false),
            ],
            processCode: "ho-so.lien-thong"),
        ProcedureInput(
            code: "1.005423", name: "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp",
            field: "Phát thanh, truyền hình và thông tin điện tử", level: "province", agencyCode: "000.00.02.H38", onlineLevel: "full",
            deadlineDays: 10, documents: [RequiredDocument(name: "Đơn đề nghị"), RequiredDocument(name: "Đề án hoạt động")],
            formFields: [
                FormField(key: "ten_mien", label: "Tên miền"), FormField(key: "muc_dich", label: "Mục đích, nội dung thông tin", kind: .textarea),
            ],
            processCode: "ho-so.mot-cap"),
        ProcedureInput(
            code: "1.002425", name: "Cấp lại giấy phép hành nghề khám bệnh, chữa bệnh", field: "Khám bệnh, chữa bệnh", level: "province",
            agencyCode: "000.00.07.H38", onlineLevel: "partial", deadlineDays: 20, feeVND: 360_000,
            documents: [RequiredDocument(name: "Đơn đề nghị cấp lại"), RequiredDocument(name: "Giấy phép đã cấp", required: false)],
            formFields: [
                FormField(key: "so_giay_phep", label: "Số giấy phép đã cấp"),
                FormField(key: "ly_do", label: "Lý do cấp lại", kind: .select, options: ["Bị mất", "Bị hỏng", "Thay đổi thông tin"]),
            ],
            processCode: "ho-so.mot-cap"),
        ProcedureInput(
            code: "1.008899", name: "Cấp giấy phép xây dựng nhà ở riêng lẻ", field: "Hoạt động xây dựng", level: "province",
            agencyCode: "000.00.12.H38", onlineLevel: "partial", deadlineDays: 15, feeVND: 75_000,
            documents: [RequiredDocument(name: "Đơn đề nghị"), RequiredDocument(name: "Bản vẽ thiết kế"), RequiredDocument(name: "Giấy tờ về đất")],
            formFields: [
                FormField(key: "dia_diem", label: "Địa điểm xây dựng"), FormField(key: "dien_tich", label: "Diện tích sàn (m²)", kind: .number),
                FormField(key: "so_tang", label: "Số tầng", kind: .number),
            ],
            processCode: "ho-so.mot-cap"),
        ProcedureInput(
            code: "1.000894", name: "Đăng ký khai sinh", field: "Hộ tịch", level: "commune", agencyCode: commune.code, onlineLevel: "full",
            deadlineDays: 1, documents: [RequiredDocument(name: "Giấy chứng sinh")],
            formFields: [
                FormField(key: "ho_ten_tre", label: "Họ, chữ đệm, tên của trẻ"), FormField(key: "ngay_sinh", label: "Ngày sinh", kind: .date),
                FormField(key: "gioi_tinh", label: "Giới tính", kind: .select, options: ["Nam", "Nữ"]),
                FormField(key: "cccd_me", label: "Số CCCD của mẹ", kind: .citizenID),
            ],
            processCode: "ho-so.mot-cap"),
    ]

    /// Where the departments collect their fees (accounts illustrative).
    static let paymentAccounts: [(agencyCode: String, account: PaymentAccount)] = [
        ("000.00.02.H38", PaymentAccount(bankBIN: "970436", account: "0071000888888", accountName: "SO THONG TIN VA TRUYEN THONG LAM DONG")),
        ("000.00.07.H38", PaymentAccount(bankBIN: "970415", account: "113000666666", accountName: "SO Y TE LAM DONG")),
        ("000.00.12.H38", PaymentAccount(bankBIN: "970418", account: "6310000777777", accountName: "SO XAY DUNG LAM DONG")),
    ]

    /// Loads the workflows, procedures and payment accounts of the one-stop shop.
    static func loadServices(into platform: Platform, by actor: Actor) async throws {
        let store = ProcessStore(database: platform.database)
        for process in processes { try await store.save(process, by: actor) }
        _ = try await ProcedureCatalogue(database: platform.database).save(procedures, by: actor)
        for (code, account) in paymentAccounts {
            guard let agency = try await platform.agencies.find(code: code) else { continue }
            _ = try await platform.fees.setAccount(account, for: agency.id, by: actor)
        }
    }
}
