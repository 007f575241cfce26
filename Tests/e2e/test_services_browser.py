"""A dossier's whole life in the real browser, JavaScript off, for a procedure crossing two levels, on Thursday
4 February 2027, the day before Tết's days off: a citizen finds the procedure and submits with attachments (its due
date counted past Tết), pays by a VietQR code drawn on the server (read back by an independent
decoder), the ward's one-stop desk hands the dossier to the department, which asks for more documents (the clock
stops), the citizen adds them, the director approves with the result, the ward returns it; the citizen rates it,
anyone tracks it by code, the leader reads the index."""
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from test_browser import browser, go, heading, settled, shot, sign_in, sign_out  # noqa: F401 (fixtures)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import Server

    server = Server(str(tmp_path_factory.mktemp("services-browser")), today="2027-02-04").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    made = {}
    for name, content in [("don.pdf", PDF), ("gcn.pdf", PDF), ("anh-diem.png", PNG), ("giay-chung-nhan.pdf", PDF), ("gia-mao.pdf", PNG)]:
        path = folder / name
        path.write_bytes(content)
        made[name] = str(path)
    return made


def decode_qr(svg):
    """Reads the server's SVG QR code with zxing-cpp, as a phone's camera would read the picture."""
    import zxingcpp
    from PIL import Image

    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 4
    image = Image.new("L", (side * scale, side * scale), 255)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        image.paste(0, (int(x) * scale, int(y) * scale, int(x) * scale + scale, int(y) * scale + scale))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def open_dossier(browser, site, username, code):
    sign_in(browser, site, username)
    settled(lambda: go(browser, By.CSS_SELECTOR, "header nav a[href='/dossiers']"))
    assert code in [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#dossiers a")], username
    go(browser, By.LINK_TEXT, code)
    assert browser.find_element(By.ID, "dossier-code").text == code


def act(browser, action, reason=None, uploads=()):
    form = browser.find_element(By.ID, f"action-{action}")
    if reason:
        form.find_element(By.NAME, "reason").send_keys(reason)
    for name, path in uploads:
        form.find_element(By.NAME, name).send_keys(path)
    go(browser, By.CSS_SELECTOR, f"#action-{action} button[type=submit]")
    assert browser.find_element(By.ID, "notice").text == "Đã ghi nhận."


def test_a_dossier_across_two_levels_in_the_browser(browser, site, files):
    browser.delete_all_cookies()
    sign_in(browser, site, "068090001234")
    go(browser, By.LINK_TEXT, "Dịch vụ công")
    assert heading(browser) == "Dịch vụ công"
    # Found without diacritics.
    browser.find_element(By.ID, "q").send_keys("tro choi dien tu cong cong")
    go(browser, By.CSS_SELECTOR, "form.search button")
    titles = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#procedures a")]
    assert titles == ["Cấp Giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử công cộng"]
    go(browser, By.LINK_TEXT, titles[0])
    facts = browser.find_element(By.ID, "procedure-facts").text
    assert "Ủy ban nhân dân phường Xuân Hương - Đà Lạt" in facts and "200.000 đ" in facts
    shot(browser, "procedure")

    browser.find_element(By.ID, "field-ten_diem").send_keys("Điểm Internet Hoà Bình")
    browser.find_element(By.ID, "field-dia_chi").send_keys("12 Khu Hoà Bình, Xuân Hương - Đà Lạt")
    browser.find_element(By.ID, "field-so_may").send_keys("20")
    # A picture passed off as a PDF is refused; what was typed stays.
    browser.find_element(By.ID, "doc-0").send_keys(files["gia-mao.pdf"])
    browser.find_element(By.ID, "doc-1").send_keys(files["gcn.pdf"])
    go(browser, By.CSS_SELECTOR, "#submit-dossier button[type=submit]")
    failure = browser.find_element(By.ID, "failure").text
    assert "gia-mao.pdf khai là application/pdf nhưng thực ra là image/png" in failure
    assert "Hãy chọn lại các tệp đính kèm." in failure
    assert browser.find_element(By.ID, "field-ten_diem").get_attribute("value") == "Điểm Internet Hoà Bình"
    browser.find_element(By.ID, "doc-0").send_keys(files["don.pdf"])
    browser.find_element(By.ID, "doc-1").send_keys(files["gcn.pdf"])
    go(browser, By.CSS_SELECTOR, "#submit-dossier button[type=submit]")
    assert browser.find_element(By.ID, "notice").text.startswith("Đã nộp hồ sơ.")
    code = browser.find_element(By.ID, "dossier-code").text
    tracking_code = browser.find_element(By.ID, "tracking-code").text
    assert tracking_code.startswith(code + "-") and len(tracking_code) == len(code) + 7
    assert code.startswith("000.31.01.H38-")
    assert browser.find_element(By.ID, "dossier-holder").text == "Ủy ban nhân dân phường Xuân Hương - Đà Lạt"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#files tbody tr")) == 2
    # Received Thursday 4 February 2027, five working days: Tết takes Friday 5 to Tuesday 9 (30 Tết, mùng 1 to 4),
    # and gives back Wednesday 10 and Thursday 11 for the two that fall on the weekend; the days run Friday 12, then
    # Monday 15 to Thursday 18. Without Tết the dossier would be due Thursday 11.
    assert browser.find_element(By.ID, "dossier-due").text == "18/02/2027"

    # The fee as a VietQR code: the picture reads back as the payload shown under it.
    payload = browser.find_element(By.ID, "vietqr-payload").text
    assert code in payload and "5406200000" in payload
    svg = browser.find_element(By.CSS_SELECTOR, "#vietqr svg").get_attribute("outerHTML")
    assert decode_qr(svg) == [payload]
    shot(browser, "dossier-submitted")
    sign_out(browser)

    # The ward's desk takes the fee at the counter and hands the dossier to the department.
    open_dossier(browser, site, "xuanhuong.motcua", code)
    browser.find_element(By.ID, "payment-amount").send_keys("200000")
    browser.find_element(By.ID, "payment-reference").send_keys("BL-0001")
    go(browser, By.CSS_SELECTOR, "#record-payment button")
    assert browser.find_element(By.ID, "payment-status").text == "Đã thanh toán"
    act(browser, "chuyen-xu-ly")
    assert browser.find_element(By.ID, "dossier-holder").text == "Sở Thông tin và Truyền thông"
    assert "Bạn không có thao tác nào" in browser.page_source
    sign_out(browser)

    # The department asks for more documents: the clock stops.
    open_dossier(browser, site, "tttt.canbo", code)
    act(browser, "yeu-cau-bo-sung", reason="Cần ảnh chụp điểm kinh doanh")
    assert "Tạm dừng tính thời hạn" in browser.find_element(By.ID, "dossier-step").text
    sign_out(browser)

    open_dossier(browser, site, "068090001234", code)
    act(browser, "nop-bo-sung", uploads=[("nop-bo-sung.extra-2", files["anh-diem.png"])])
    assert browser.find_element(By.ID, "dossier-step").text == "Đang giải quyết"
    sign_out(browser)

    open_dossier(browser, site, "tttt.canbo", code)
    act(browser, "trinh-ky")
    sign_out(browser)

    open_dossier(browser, site, "tttt.giamdoc", code)
    act(browser, "phe-duyet", uploads=[("phe-duyet.doc-0", files["giay-chung-nhan.pdf"])])
    assert browser.find_element(By.ID, "dossier-holder").text == "Ủy ban nhân dân phường Xuân Hương - Đà Lạt"
    sign_out(browser)

    open_dossier(browser, site, "xuanhuong.motcua", code)
    act(browser, "tra-ket-qua")
    assert "Đã kết thúc" in browser.find_element(By.ID, "dossier-step").text
    history = [row.find_elements(By.TAG_NAME, "td")[1].text for row in browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")]
    assert history == [
        "Nộp hồ sơ", "Chuyển cơ quan giải quyết", "Yêu cầu bổ sung giấy tờ", "Nộp bổ sung", "Trình lãnh đạo phê duyệt",
        "Phê duyệt, ký kết quả", "Trả kết quả cho người nộp",
    ]
    shot(browser, "dossier-returned")
    sign_out(browser)

    # The citizen downloads the result and rates the service.
    open_dossier(browser, site, "068090001234", code)
    result = browser.find_element(By.LINK_TEXT, "giay-chung-nhan.pdf").get_attribute("href")
    import requests

    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    assert session.get(result, timeout=10).content == PDF
    Select(browser.find_element(By.ID, "score")).select_by_visible_text("5")
    go(browser, By.CSS_SELECTOR, "#rate button")
    assert browser.find_element(By.ID, "rated").text.startswith("Bạn đã đánh giá hồ sơ này: 5/5")
    sign_out(browser)

    # Anyone with the tracking code follows it; the dossier's code alone, which can be guessed, finds nothing.
    browser.delete_all_cookies()
    browser.get(f"{site.url}/track?code={code}")
    assert browser.find_element(By.ID, "failure").text == f"Không tìm thấy hồ sơ {code}."
    browser.get(f"{site.url}/track")
    browser.find_element(By.ID, "code").clear()
    browser.find_element(By.ID, "code").send_keys(tracking_code)
    go(browser, By.CSS_SELECTOR, "form.search button")
    assert browser.find_element(By.ID, "tracked-step").text.startswith("Đã trả kết quả")
    browser.get(f"{site.url}/track?code=000.31.01.H38-000000-9999")
    assert browser.find_element(By.ID, "failure").text == "Không tìm thấy hồ sơ 000.31.01.H38-000000-9999."

    # The leader reads the index, in Vietnamese and in English.
    sign_in(browser, site, "ubnd.lanhdao")
    go(browser, By.LINK_TEXT, "Chỉ số phục vụ người dân, doanh nghiệp")
    rows = {row.find_element(By.TAG_NAME, "th").text: [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in browser.find_elements(By.CSS_SELECTOR, "#quality tbody tr")}
    department = rows["Sở Thông tin và Truyền thông"]
    assert department[0] == "1" and department[1] == "100.0%" and department[2] == "100.0%" and department[6] == "100.0%"
    assert browser.find_element(By.ID, "fully-online").text == "3/5"
    assert browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    shot(browser, "service-quality")
    Select(browser.find_element(By.ID, "by")).select_by_visible_text("Đơn vị hành chính")
    go(browser, By.CSS_SELECTOR, "form.search button")
    units = [row.find_element(By.TAG_NAME, "th").text for row in browser.find_elements(By.CSS_SELECTOR, "#quality tbody tr")]
    assert units == ["Toàn tỉnh", "Lâm Đồng"]
    go(browser, By.LINK_TEXT, "English")
    assert heading(browser) == "Service-quality index"
    go(browser, By.LINK_TEXT, "Tiếng Việt")
    sign_out(browser)
