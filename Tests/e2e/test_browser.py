"""The pages in a real headless Chromium, with JavaScript switched off: what a person does, step by step."""
import os
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import DEMO_PASSWORD

SCREENSHOTS = os.environ.get("PROVINCE_SCREENSHOTS")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import Server

    server = Server(str(tmp_path_factory.mktemp("browser"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(argument)
    # Every page must work without JavaScript.
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def go(browser, by, value):
    """Clicks the link or submit button found by `by`/`value` and waits until the next page has replaced this one.

    Chromium can still be swapping in the document from the previous step when the element is looked up; the click
    then fails before anything is sent ("does not belong to the document"), so the lookup and click are tried again."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    for attempt in range(5):
        try:
            page = browser.find_element(By.TAG_NAME, "html")
            browser.find_element(by, value).click()
            break
        except (StaleElementReferenceException, WebDriverException) as error:
            swapped = isinstance(error, StaleElementReferenceException) or "document" in str(error).lower()
            if attempt == 4 or not swapped:
                raise
            time.sleep(0.3)
    WebDriverWait(browser, 10).until(lambda _: gone(page))
    # The footer closes every page: once it is there, the new page has been parsed whole.
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "footer.site")))


def gone(element):
    """Whether the element's document has been replaced. Chromium says so either as a stale element or, while it
    swaps documents, as a node that "does not belong to the document"."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "document" in str(error).lower():
            return True
        raise


def shot(browser, name):
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))


def settled(step):
    """Runs a step that starts from a freshly loaded page, again if Chromium swapped the document under it
    (a navigation still landing from the previous step)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    for attempt in range(3):
        try:
            return step()
        except (StaleElementReferenceException, WebDriverException) as error:
            if attempt == 2 or "document" not in str(error).lower() and not isinstance(error, StaleElementReferenceException):
                raise
            time.sleep(0.3)


def sign_in(browser, site, username, password=DEMO_PASSWORD):
    def step():
        browser.get(f"{site.url}/sign-in")
        browser.find_element(By.ID, "username").send_keys(username)
        browser.find_element(By.ID, "password").send_keys(password)
        go(browser, By.CSS_SELECTOR, "form.stacked button[type=submit]")

    settled(step)


def sign_out(browser):
    settled(lambda: go(browser, By.CSS_SELECTOR, "form[action='/sign-out'] button"))


def heading(browser):
    return browser.find_element(By.TAG_NAME, "h1").text


def test_home_is_vietnamese_and_keyboard_usable(browser, site):
    browser.delete_all_cookies()
    browser.get(site.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert "Đăng nhập" in browser.page_source
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    shot(browser, "home")


def test_wrong_password_is_explained(browser, site):
    browser.delete_all_cookies()
    sign_in(browser, site, "admin", "not-the-password1")
    assert browser.find_element(By.ID, "failure").text == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert browser.find_element(By.ID, "username").get_attribute("value") == "admin"


def test_administrator_creates_and_disables_an_account(browser, site):
    browser.delete_all_cookies()
    sign_in(browser, site, "admin")
    assert heading(browser) == "Xin chào, Nguyễn Văn Quản"
    go(browser, By.LINK_TEXT, "Tài khoản")
    assert heading(browser) == "Tài khoản"
    # A form with a mistake keeps what was typed and says what is wrong.
    browser.find_element(By.ID, "new-username").send_keys("yte.duoc")
    browser.find_element(By.ID, "new-fullName").send_keys("Bùi Thị Dược")
    from selenium.webdriver.support.select import Select

    Select(browser.find_element(By.ID, "new-agency")).select_by_visible_text("Sở Y tế")
    # Long enough for the browser's own check, refused by the server: it holds the platform's name.
    browser.find_element(By.ID, "new-password").send_keys("openprovince2026")
    go(browser, By.CSS_SELECTOR, "form[method=post][action='/admin/accounts'] button")
    failure = browser.find_element(By.ID, "failure").text
    assert "Mật khẩu không được chứa tên của nền tảng." in failure
    assert "Cán bộ phải có ít nhất một vai trò." in failure
    assert browser.find_element(By.ID, "new-fullName").get_attribute("value") == "Bùi Thị Dược"

    Select(browser.find_element(By.ID, "new-agency")).select_by_visible_text("Sở Y tế")
    browser.find_element(By.CSS_SELECTOR, "input[name=roles][value=officer]").click()
    browser.find_element(By.ID, "new-password").send_keys("DuocSi@2026!")
    go(browser, By.CSS_SELECTOR, "form[method=post][action='/admin/accounts'] button")
    assert heading(browser) == "Bùi Thị Dược"
    assert browser.find_element(By.ID, "status").text == "Đang hoạt động"
    shot(browser, "account")
    go(browser, By.XPATH, "//button[text()='Vô hiệu hoá']")
    assert browser.find_element(By.ID, "status").text == "Đã vô hiệu hoá"

    go(browser, By.LINK_TEXT, "Nhật ký kiểm toán")
    assert "Chuỗi băm nguyên vẹn" in browser.find_element(By.ID, "verification").text
    assert "account.disable" in browser.page_source
    shot(browser, "audit")

    # The English switch keeps the page.
    go(browser, By.LINK_TEXT, "English")
    assert heading(browser) == "Audit trail"
    assert "Hash chain intact" in browser.find_element(By.ID, "verification").text
    go(browser, By.LINK_TEXT, "Tiếng Việt")
    assert heading(browser) == "Nhật ký kiểm toán"
    sign_out(browser)
    assert "Đăng nhập" in browser.page_source


def test_units_before_and_after_the_reform(browser, site):
    browser.delete_all_cookies()
    browser.get(site.url + "/units")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 4
    go(browser, By.LINK_TEXT, "Lâm Đồng")
    assert heading(browser) == "Lâm Đồng"
    assert "từ 2025-07-01" in browser.page_source
    go(browser, By.LINK_TEXT, "Phường Xuân Hương - Đà Lạt")
    predecessors = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "main ul li a")]
    assert predecessors, "the new ward lists the old wards it took over"
    go(browser, By.LINK_TEXT, predecessors[0])
    assert "đến 2025-06-30" in browser.page_source
    shot(browser, "unit")


def test_citizen_registers_signs_in_and_is_kept_out_of_administration(browser, site):
    browser.delete_all_cookies()
    browser.get(site.url + "/register")
    browser.find_element(By.ID, "citizenID").send_keys("068390000001")  # born in 2090: not valid
    browser.find_element(By.ID, "fullName").send_keys("Ka Thị Nhung")
    browser.find_element(By.ID, "password").send_keys("CongDan@2026")
    go(browser, By.CSS_SELECTOR, "form.stacked button")
    assert "Số CCCD phải gồm 12 chữ số hợp lệ." in browser.find_element(By.ID, "failure").text
    browser.find_element(By.ID, "citizenID").clear()
    browser.find_element(By.ID, "citizenID").send_keys("068200000001")
    browser.find_element(By.ID, "password").send_keys("CongDan@2026")
    go(browser, By.CSS_SELECTOR, "form.stacked button")
    assert heading(browser) == "Đăng nhập"
    sign_in(browser, site, "068200000001", "CongDan@2026")
    assert heading(browser) == "Xin chào, Ka Thị Nhung"
    assert "Tài khoản công dân của bạn" in browser.page_source
    browser.get(site.url + "/admin/accounts")
    assert "Không có quyền" in heading(browser)
    sign_out(browser)


def test_forms_without_their_token_are_refused(site):
    refused = requests.post(f"{site.url}/sign-in", data={"username": "admin", "password": DEMO_PASSWORD}, allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.text
    # A signed-in user's form needs the session's token too.
    session = requests.Session()
    form = session.get(f"{site.url}/sign-in", timeout=10)
    token = form.text.split('name="_csrf" value="')[1].split('"')[0]
    signed_in = session.post(f"{site.url}/sign-in", data={"_csrf": token, "username": "admin", "password": DEMO_PASSWORD}, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 303
    assert "HttpOnly" in signed_in.headers["set-cookie"] and "SameSite=Strict" in signed_in.headers["set-cookie"]
    forged = session.post(f"{site.url}/admin/accounts", data={"username": "evil.user", "fullName": "Evil", "password": "Evil@123456", "roles": "officer"}, allow_redirects=False, timeout=10)
    assert forged.status_code == 403
    anonymous = requests.get(f"{site.url}/admin/accounts", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/sign-in"


def test_agencies_are_registered_and_edited_on_their_pages(browser, site):
    from selenium.webdriver.support.select import Select

    browser.delete_all_cookies()
    sign_in(browser, site, "admin")
    go(browser, By.LINK_TEXT, "Cơ quan")
    browser.find_element(By.ID, "agency-code").send_keys("000.00.7")
    browser.find_element(By.ID, "agency-name").send_keys("Sở Ngoại vụ")
    go(browser, By.CSS_SELECTOR, "form[method=post][action='/agencies'] button")
    assert "Mã định danh phải có dạng 000.00.00.H00." in browser.find_element(By.ID, "failure").text
    assert browser.find_element(By.ID, "agency-name").get_attribute("value") == "Sở Ngoại vụ"
    browser.find_element(By.ID, "agency-code").clear()
    browser.find_element(By.ID, "agency-code").send_keys("000.00.70.H38")
    Select(browser.find_element(By.ID, "agency-parent")).select_by_visible_text("Ủy ban nhân dân tỉnh Lâm Đồng")
    go(browser, By.CSS_SELECTOR, "form[method=post][action='/agencies'] button")
    assert heading(browser) == "Sở Ngoại vụ"
    assert "Ủy ban nhân dân tỉnh Lâm Đồng" in browser.page_source
    sign_out(browser)

    # An agency's administrator edits their own agency, and only theirs.
    sign_in(browser, site, "yte.quantri")
    browser.get(site.url + "/agencies?q=so+y+te")
    go(browser, By.LINK_TEXT, "Sở Y tế")
    name = browser.find_element(By.ID, "edit-name")
    name.clear()
    name.send_keys("Sở Y tế tỉnh Lâm Đồng")
    go(browser, By.CSS_SELECTOR, "form[method=post][action^='/agencies/'] button")
    assert heading(browser) == "Sở Y tế tỉnh Lâm Đồng"
    assert browser.find_element(By.CSS_SELECTOR, "p.notice").text == "Đã lưu."
    browser.get(site.url + "/agencies?q=ngoai+vu")
    go(browser, By.LINK_TEXT, "Sở Ngoại vụ")
    assert not browser.find_elements(By.ID, "edit-name")
    sign_out(browser)


def test_an_official_changes_their_own_password(browser, site):
    browser.delete_all_cookies()
    sign_in(browser, site, "tnmt.xem")
    go(browser, By.CSS_SELECTOR, "a.who")
    assert heading(browser) == "Võ Thị Mai"
    browser.find_element(By.ID, "current-password").send_keys("not-my-password1")
    browser.find_element(By.ID, "own-password").send_keys("MatKhauMoi2026")
    go(browser, By.XPATH, "//button[text()='Đổi mật khẩu']")
    assert "Mật khẩu hiện tại không đúng." in browser.page_source
    go(browser, By.CSS_SELECTOR, "a.who")
    browser.find_element(By.ID, "current-password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.ID, "own-password").send_keys("MatKhauMoi2026")
    go(browser, By.XPATH, "//button[text()='Đổi mật khẩu']")
    # Changing the password ends every session, this one too: sign in again with the new one.
    browser.get(site.url + "/")
    assert "Đăng nhập" in browser.page_source
    sign_in(browser, site, "tnmt.xem", "MatKhauMoi2026")
    assert heading(browser) == "Xin chào, Võ Thị Mai"


def test_official_sees_the_hub_board(browser, site):
    browser.delete_all_cookies()
    sign_in(browser, site, "yte.canbo")
    go(browser, By.LINK_TEXT, "Nền tảng tích hợp (LGSP)")
    assert heading(browser) == "Nền tảng tích hợp (LGSP)"
    assert browser.find_element(By.ID, "national-count").text == "0/17"
    rows = browser.find_elements(By.CSS_SELECTOR, "#national-systems tbody tr")
    assert len(rows) == 17
    assert "Cơ sở dữ liệu quốc gia về dân cư" in rows[0].text
    assert "Chưa khai báo dịch vụ" in rows[0].text
    shot(browser, "hub")
    sign_out(browser)


def test_operator_registers_a_service_grants_it_and_issues_a_key(browser, site):
    from selenium.webdriver.support.select import Select

    browser.delete_all_cookies()
    sign_in(browser, site, "admin")
    go(browser, By.LINK_TEXT, "Nền tảng tích hợp (LGSP)")
    go(browser, By.LINK_TEXT, "Danh mục kết nối của nền tảng tích hợp")
    # A member code with a space is refused, with the reason, and nothing is added.
    for field, value in [("member-code", "000 00"), ("member-name", "Sở Tài chính")]:
        browser.find_element(By.ID, field).send_keys(value)
    go(browser, By.CSS_SELECTOR, "#new-member button")
    assert "Chỉ dùng chữ, số" in browser.find_element(By.ID, "failure").text
    for code, name in [("000.00.04.H38", "Sở Tài chính"), ("000.00.07.H38", "Sở Y tế")]:
        browser.find_element(By.ID, "member-code").clear()
        browser.find_element(By.ID, "member-code").send_keys(code)
        browser.find_element(By.ID, "member-name").clear()
        browser.find_element(By.ID, "member-name").send_keys(name)
        go(browser, By.CSS_SELECTOR, "#new-member button")
        assert "Đã lưu." in browser.page_source
    for member, code, name in [("VN/GOV/000.00.04.H38", "KHOBAC", "Hệ thống kho bạc"), ("VN/GOV/000.00.07.H38", "YTE", "Hệ thống y tế")]:
        Select(browser.find_element(By.ID, "subsystem-member")).select_by_visible_text(member)
        browser.find_element(By.ID, "subsystem-code").send_keys(code)
        browser.find_element(By.ID, "subsystem-name").send_keys(name)
        go(browser, By.CSS_SELECTOR, "#new-subsystem button")
        assert heading(browser) == f"{member}/{code}"
        go(browser, By.LINK_TEXT, "Danh mục kết nối của nền tảng tích hợp")
    Select(browser.find_element(By.ID, "service-subsystem")).select_by_visible_text("VN/GOV/000.00.04.H38/KHOBAC")
    browser.find_element(By.ID, "service-code").send_keys("thanhtoan")
    browser.find_element(By.ID, "service-upstream").send_keys(site.url + "/health")
    go(browser, By.CSS_SELECTOR, "#new-service button")
    assert heading(browser) == "VN/GOV/000.00.04.H38/KHOBAC/thanhtoan"
    assert not browser.find_element(By.ID, "enabled").is_selected()  # new services start disabled
    browser.find_element(By.ID, "enabled").click()
    go(browser, By.CSS_SELECTOR, "#service-settings button")
    assert browser.find_element(By.ID, "enabled").is_selected()
    Select(browser.find_element(By.ID, "grant-consumer")).select_by_visible_text("VN/GOV/000.00.07.H38/YTE")
    go(browser, By.CSS_SELECTOR, "#grant button")
    assert "VN/GOV/000.00.07.H38/YTE" in browser.find_element(By.ID, "rights").text
    # An address that gives no OpenAPI description is refused, in words that tell nothing of what lies behind the hub.
    browser.find_element(By.ID, "openapi-address").send_keys(site.url + "/no-such-description")
    go(browser, By.CSS_SELECTOR, "#openapi-url button")
    assert "Không tải được mô tả OpenAPI từ địa chỉ này." in browser.find_element(By.ID, "failure").text
    browser.find_element(By.ID, "openapi-address").clear()
    browser.find_element(By.ID, "openapi-address").send_keys(site.url + "/openapi.json")
    go(browser, By.CSS_SELECTOR, "#openapi-url button")
    assert "/api/v1/hub/members" in browser.find_element(By.ID, "endpoints").text
    shot(browser, "hub-service")

    go(browser, By.LINK_TEXT, "Danh mục kết nối của nền tảng tích hợp")
    go(browser, By.LINK_TEXT, "VN/GOV/000.00.07.H38/YTE")
    browser.find_element(By.ID, "key-name").send_keys("máy chủ y tế")
    go(browser, By.CSS_SELECTOR, "#issue-key button")
    secret = browser.find_element(By.ID, "secret").text
    assert secret.startswith("hub_")
    # The key works at the gateway: the consumer's call is forwarded to the provider (the platform's /health).
    headers = {"X-Road-Client": "VN/GOV/000.00.07.H38/YTE", "X-Road-Client-Key": secret}
    url = f"{site.hub_url}/r1/VN/GOV/000.00.04.H38/KHOBAC/thanhtoan"
    from conftest import wait_for

    assert wait_for(lambda: requests.get(url, headers=headers, timeout=5).status_code == 200)

    # A group of systems: created, given a member; rights can then be granted to group:so-nganh.
    go(browser, By.LINK_TEXT, "Nền tảng tích hợp (LGSP)")
    go(browser, By.LINK_TEXT, "Danh mục kết nối của nền tảng tích hợp")
    browser.find_element(By.ID, "group-code").send_keys("so-nganh")
    browser.find_element(By.ID, "group-name").send_keys("Các sở, ngành")
    go(browser, By.CSS_SELECTOR, "#new-group button")
    Select(browser.find_element(By.ID, "group-so-nganh")).select_by_visible_text("VN/GOV/000.00.07.H38/YTE")
    go(browser, By.CSS_SELECTOR, "form[action='/hub/registry/groups/so-nganh/members'] button")
    assert "VN/GOV/000.00.07.H38/YTE" in browser.find_element(By.ID, "groups").text

    # The national board: the operator maps a national system to the service.
    go(browser, By.LINK_TEXT, "Nền tảng tích hợp (LGSP)")
    Select(browser.find_element(By.ID, "map-treasury")).select_by_visible_text("VN/GOV/000.00.04.H38/KHOBAC/thanhtoan")
    go(browser, By.CSS_SELECTOR, "form[action='/hub/national/treasury'] button")
    assert "Đã lưu." in browser.page_source
    go(browser, By.LINK_TEXT, "Nhật ký kiểm toán")
    for action in ["hub.member.create", "hub.service.update", "hub.right.grant", "hub.credential.add", "hub.group.add", "hub.national.map"]:
        assert action in browser.page_source, action
    sign_out(browser)


def test_community_teams_are_read_by_anyone_and_kept_by_an_administrator(browser, site):
    browser.delete_all_cookies()
    browser.get(site.url + "/")
    go(browser, By.LINK_TEXT, "Tổ công nghệ số cộng đồng")
    assert heading(browser) == "Tổ công nghệ số cộng đồng"
    # The figures Lâm Đồng reported: every commune has a team.
    assert browser.find_element(By.ID, "coverage").text == "141/141"
    assert browser.find_element(By.ID, "members").text == "2538"
    assert browser.find_element(By.ID, "village-teams").text == "1367"
    assert browser.find_element(By.ID, "village-members").text == "9088"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#by-district tbody tr")) == 10
    assert browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    shot(browser, "community-teams")
    go(browser, By.CSS_SELECTOR, "a[href='/community-teams/2008:24781']")
    assert browser.find_element(By.ID, "members").text == "18"
    assert not browser.find_elements(By.ID, "team-form")

    sign_in(browser, site, "admin")
    browser.get(site.url + "/community-teams/2008:24781")
    members = browser.find_element(By.ID, "members-input")
    members.clear()
    members.send_keys("20")
    village = browser.find_element(By.ID, "village-members-input")
    village.clear()
    village.send_keys("3")
    go(browser, By.CSS_SELECTOR, "#team-form button")
    # Ten village teams cannot have three members between them: said, and the form keeps what was typed.
    assert "ít nhất một thành viên" in browser.find_element(By.ID, "failure").text
    assert browser.find_element(By.ID, "members-input").get_attribute("value") == "20"
    village = browser.find_element(By.ID, "village-members-input")
    village.clear()
    village.send_keys("64")
    go(browser, By.CSS_SELECTOR, "#team-form button")
    assert "Đã lưu." in browser.page_source
    assert browser.find_element(By.ID, "members").text == "20"
    # A date field takes the day in the browser's own order (month first in en-US): whichever gives 19 November 2024.
    for keys in ["11192024", "19112024"]:
        held_on = browser.find_element(By.ID, "held-on")
        held_on.clear()
        held_on.send_keys(keys)
        if held_on.get_attribute("value") == "2024-11-19":
            break
    assert browser.find_element(By.ID, "held-on").get_attribute("value") == "2024-11-19"
    browser.find_element(By.ID, "topic").send_keys("Cài đặt và dùng VNeID")
    browser.find_element(By.ID, "participants").send_keys("35")
    go(browser, By.CSS_SELECTOR, "#training-form button")
    assert "Cài đặt và dùng VNeID" in browser.find_element(By.ID, "trainings").text
    go(browser, By.LINK_TEXT, "Nhật ký kiểm toán")
    for action in ["community-team.update", "community-training.create"]:
        assert action in browser.page_source, action
    sign_out(browser)
