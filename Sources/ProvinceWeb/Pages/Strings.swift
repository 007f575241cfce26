import ProvinceCore

/// The words of the pages, in Vietnamese and English: the platform's own (the layout, the home page, words several
/// modules share) here, each module's in its ``PlatformModule/strings``. Templates read them as `{{t.key}}`, code through
/// ``Words``; `StringsTests` fail on a key used and not defined, or defined twice.
enum Strings {
    static let table: [String: (vi: String, en: String)] = [
        "appName": ("OpenProvince", "OpenProvince"),
        "tagline": ("Nền tảng chính quyền số của tỉnh", "The province's digital-government platform"),
        "skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
        "home": ("Trang chủ", "Home"),
        "units": ("Đơn vị hành chính", "Administrative units"),
        "agencies": ("Cơ quan", "Agencies"),
        "accounts": ("Tài khoản", "Accounts"),
        "audit": ("Nhật ký kiểm toán", "Audit trail"),
        "signIn": ("Đăng nhập", "Sign in"),
        "signOut": ("Đăng xuất", "Sign out"),
        "register": ("Đăng ký tài khoản công dân", "Register as a citizen"),
        "username": ("Tên đăng nhập hoặc số CCCD", "Username or citizen ID"),
        "fullName": ("Họ và tên", "Full name"),
        "citizenID": ("Số CCCD (12 chữ số)", "Citizen ID (CCCD, 12 digits)"),
        "search": ("Tìm kiếm", "Search"),
        "name": ("Tên", "Name"),
        "code": ("Mã", "Code"),
        "type": ("Loại", "Type"),
        "kind": ("Loại", "Kind"),
        "agency": ("Cơ quan", "Agency"),
        "roles": ("Vai trò", "Roles"),
        "status": ("Trạng thái", "Status"),
        "save": ("Lưu", "Save"),
        "next": ("Trang sau", "Next page"),
        "time": ("Thời điểm (giờ Việt Nam)", "Time (Vietnam, UTC+7)"),
        "actor": ("Người thực hiện", "Actor"),
        "action": ("Thao tác", "Action"),
        "from": ("Từ ngày", "From"),
        "to": ("Đến ngày", "To"),
        "welcome": ("Xin chào", "Welcome"),
        "none": ("Không có", "None"),
        "error": ("Lỗi", "Error"),
        "backHome": ("Về trang chủ", "Back to the home page"),
        "language": ("English", "Tiếng Việt"),
        "saved": ("Đã lưu.", "Saved."),
        "show": ("Xem", "Show"),
        "homeAnonymous": (
            "Tra cứu đơn vị hành chính và cơ quan của tỉnh; đăng nhập để làm việc trên nền tảng.",
            "Look up the province's units and agencies; sign in to work on the platform."
        ),
        "homeCitizen": (
            "Tài khoản công dân của bạn. Các dịch vụ công trực tuyến và phản ánh kiến nghị sẽ xuất hiện tại đây.",
            "Your citizen account. Online public services and feedback will appear here."
        ),
        "homeAdmin": ("Quản trị nền tảng: cơ quan, tài khoản, nhật ký kiểm toán.", "Platform administration: agencies, accounts, the audit trail."),
        "homeAgencyAdmin": ("Quản trị tài khoản của cơ quan bạn.", "Manage your agency's accounts."),
        "homeOfficial": ("Không gian làm việc của cán bộ.", "Your workspace as an official."),
        "count": ("Số lượng", "Count"),
        "hub": ("Nền tảng tích hợp (LGSP)", "Integration hub (LGSP)"),
        "system": ("Hệ thống", "System"),
        "service": ("Dịch vụ", "Service"),
        "errors": ("Lỗi", "Errors"),
        "members": ("Thành viên", "Members"),
        "services": ("Dịch vụ", "Services"),
        "instance": ("Mã vùng (instance)", "Instance"),
        "version": ("Phiên bản", "Version"),
        "method": ("Phương thức", "Method"),
        "map": ("Gán", "Map"),
        "url": ("Địa chỉ (https://máy-chủ:cổng)", "Address (https://host:port)"),
        "publicServices": ("Dịch vụ công", "Public services"),
        "field": ("Lĩnh vực", "Field"),
        "submit": ("Nộp hồ sơ", "Submit"),
        "myDossiers": ("Hồ sơ của tôi", "My dossiers"),
        "inbox": ("Hồ sơ cần xử lý", "Dossiers to handle"),
        "track": ("Tra cứu hồ sơ", "Track a dossier"),
        "serviceQuality": ("Chỉ số phục vụ người dân, doanh nghiệp", "Service-quality index"),
        "received": ("Tiếp nhận", "Received"),
    ]

    /// The platform's words and every module's, in the order of ``PlatformModules/all`` (the first of a key twice wins).
    static let everyTable: [String: (vi: String, en: String)] = PlatformModules.all.reduce(into: table) { all, module in
        all.merge(module.strings) { first, _ in first }
    }
    private static let vietnamese = everyTable.mapValues(\.vi)
    private static let english = everyTable.mapValues(\.en)

    /// Every word in `language`, by key: what templates read.
    static func all(_ language: Language) -> [String: String] { language == .en ? english : vietnamese }

    /// The words in `language` for code.
    static func words(_ language: Language) -> Words { Words(table: all(language)) }
}

/// The pages' words in one language. A key with no words reads as itself, never a crash; `StringsTests` find every
/// key the code and the templates use and fail on one not defined.
struct Words: Sendable {
    let table: [String: String]

    subscript(_ key: String) -> String { table[key] ?? key }
}
