/// The words of the registry's pages, in Vietnamese and English.
enum CommunityTeamsStrings {
    static let table: [String: (vi: String, en: String)] = [
        "communityTeams": ("Tổ công nghệ số cộng đồng", "Community digital-technology teams"),
        "communityTeam": ("Tổ công nghệ số cộng đồng", "Community digital-technology team"),
        "communityTeamsIntro": (
            "Mỗi xã, phường có một tổ công nghệ số cộng đồng; mỗi thôn, tổ dân phố có tổ của mình. Các tổ hướng dẫn người dân dùng dịch vụ công trực tuyến, thanh toán số và kỹ năng số.",
            "Every commune has a community digital-technology team, and every village its own; they help people use online public services, digital payments and digital skills."
        ),
        "communesWithTeam": ("Xã, phường có tổ", "Communes with a team"),
        "teamMembers": ("Thành viên tổ cấp xã", "Commune team members"),
        "villageTeams": ("Tổ thôn, tổ dân phố", "Village teams"),
        "villageMembers": ("Thành viên tổ thôn, tổ dân phố", "Village team members"),
        "trainings": ("Tập huấn", "Trainings"),
        "communityTeamsChart": ("Thành viên các tổ theo huyện", "Team members by district"),
        "byDistrict": ("Theo huyện, thành phố", "By district"),
        "area": ("Địa bàn", "Area"),
        "commune": ("Xã, phường", "Commune"),
        "communeTeams": ("Tổ của các xã, phường", "The communes' teams"),
        "province": ("Tỉnh", "Province"),
        "noCommunityTeams": ("Chưa có tổ công nghệ số nào được ghi nhận.", "No community team is recorded yet."),
        "noCommunityTeam": ("Xã này chưa ghi nhận tổ công nghệ số cộng đồng.", "No community team is recorded for this commune yet."),
        "teamLeader": ("Tổ trưởng", "Team leader"),
        "updatedAt": ("Cập nhật lúc", "Updated at"),
        "heldOn": ("Ngày tập huấn", "Held on"),
        "topic": ("Nội dung", "Topic"),
        "participants": ("Số người tham gia", "Participants"),
        "recordTeam": ("Ghi nhận số liệu của tổ", "Record the team's figures"),
        "recordTraining": ("Ghi nhận một buổi tập huấn", "Record a training"),
    ]
}
