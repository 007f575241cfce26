"""Dossiers' status changes reach a stand-in national portal on loopback once in effect, in order for each dossier:
while the portal fails, loses its answers and is down, across a `kill -9` of OpenProvince and its restart; and
through the province's hub, which logs each push."""
import http.server
import json
import threading
import time

import requests

from conftest import free_port, wait_for

PDF = "JVBERi0xLjQKJSVFT0YK"  # %PDF-1.4 %%EOF


class Portal(http.server.ThreadingHTTPServer):
    """The national portal's status endpoint: records every change it takes; `mode` makes it refuse (`down`),
    or take a change and lose the answer (`lose`)."""

    daemon_threads = True

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            portal = self.server
            if portal.mode == "down":
                status = 503
            else:
                with portal.lock:
                    portal.received.append((self.headers.get("Idempotency-Key"), json.loads(body)))
                status = 500 if portal.mode == "lose" else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    def handle_error(self, request, client_address):
        pass

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Portal.Handler)
        self.mode = "up"
        self.lock = threading.Lock()
        self.received = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/api/dossier-status"

    def keys(self):
        with self.lock:
            return [key for key, _ in self.received]


def submission(key):
    return {
        "procedure": "1.005423", "form": {"ten_mien": f"{key}.lamdong.gov.vn", "muc_dich": "Tin tức địa phương"},
        "files": [
            {"kind": "Đơn đề nghị", "filename": "don.pdf", "contentType": "application/pdf", "content": PDF},
            {"kind": "Đề án hoạt động", "filename": "de-an.pdf", "contentType": "application/pdf", "content": PDF},
        ],
        "submissionKey": key,
    }


def every_change(server, codes):
    """The keys of every change the platform holds for these dossiers, read back through its API."""
    officer = {"Authorization": f"Bearer {server.token('tttt.canbo')}"}
    keys = set()
    for code in codes:
        reply = requests.get(f"{server.url}/api/v1/dossiers/{code}", headers=officer, timeout=10)
        assert reply.status_code == 200, reply.text
        keys |= {f"{code}/{event['seq']}" for event in reply.json()["history"]}
    return keys


def assert_in_order(portal):
    """The first arrival of each change comes after the first arrival of the change before it, dossier by dossier."""
    first = {}
    for position, key in enumerate(portal.keys()):
        first.setdefault(key, position)
    for key, position in first.items():
        code, seq = key.rsplit("/", 1)
        if int(seq) > 1:
            assert first[f"{code}/{int(seq) - 1}"] < position, key


def test_every_change_once_in_effect_across_kill9_and_an_outage(servers, data_dir):
    portal = Portal()
    server = servers(data_dir, extra=["--portal-url", portal.url])
    citizen = {"Authorization": f"Bearer {server.token('068090001234')}"}
    officer = {"Authorization": f"Bearer {server.token('tttt.canbo')}"}
    codes, answered, stop = set(), set(), threading.Event()
    base = {"url": server.url}

    def worker(number):
        session = requests.Session()
        serial = 0
        while not stop.is_set():
            serial += 1
            try:
                reply = session.post(f"{base['url']}/api/v1/dossiers", json=submission(f"w{number}-{serial}"), headers=citizen, timeout=10)
                if reply.status_code != 201:
                    continue
                code = reply.json()["code"]
                codes.add(code)
                answered.add(f"{code}/1")
                for action in ["thu-ly", "trinh-ky"]:
                    moved = session.post(f"{base['url']}/api/v1/dossiers/{code}/actions", json={"action": action}, headers=officer, timeout=10)
                    if moved.status_code != 200:
                        break
                    answered.add(f"{code}/{len(moved.json()['history'])}")
            except requests.RequestException:
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    portal.mode = "lose"  # takes changes but its answers are lost: each is sent again
    time.sleep(1.5)
    portal.mode = "down"
    time.sleep(1.5)
    server.kill9()
    restarted = servers(data_dir, extra=["--portal-url", portal.url])
    citizen["Authorization"] = f"Bearer {restarted.token('068090001234')}"
    officer["Authorization"] = f"Bearer {restarted.token('tttt.canbo')}"
    base["url"] = restarted.url
    time.sleep(1.5)
    portal.mode = "up"
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()

    expected = every_change(restarted, codes)
    assert answered <= expected, "a change the API answered was lost in the crash"
    assert len(codes) >= 4, "the workers made too few dossiers to tell anything"
    assert wait_for(lambda: set(portal.keys()) >= expected, timeout=90, interval=0.5), sorted(expected - set(portal.keys()))[:5]
    time.sleep(2)  # anything more still to come arrives
    received = portal.keys()
    # A dossier committed as the server was killed, its answer lost, is known to the portal but not to the workers.
    everything = every_change(restarted, codes | {key.rsplit("/", 1)[0] for key in received})
    assert set(received) == everything, "the portal got a change that does not exist, or missed one"
    assert_in_order(portal)
    # Sent again after lost answers: the same key, the same content.
    with portal.lock:
        payloads = {}
        for key, payload in portal.received:
            assert payloads.setdefault(key, payload) == payload
    assert len(received) > len(everything), "the lost answers were retried under the same key"
    print(f"{len(codes)} dossiers answered, {len(everything)} changes, {len(received)} deliveries")


def test_pushes_go_through_the_hub_and_are_logged(servers, data_dir):
    portal = Portal()
    hub_port = free_port()
    setup = servers(data_dir, hub_port=hub_port)
    call = setup.call
    call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.00.00.G22", "name": "Văn phòng Chính phủ"})
    call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.03.01.H38", "name": "Trung tâm Phục vụ hành chính công"})
    call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.00.00.G22", "subsystemCode": "DVCQG", "name": "Cổng Dịch vụ công quốc gia"})
    call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.03.01.H38", "subsystemCode": "MOTCUA", "name": "Hệ thống một cửa điện tử"})
    call("POST", "/hub/services", {"subsystemID": "VN/GOV/000.00.00.G22/DVCQG", "serviceCode": "dossier-status", "upstreamURL": portal.url.rsplit("/api", 1)[0]})
    call("PATCH", "/hub/services/VN:GOV:000.00.00.G22:DVCQG:dossier-status", {"enabled": True})
    call("POST", "/hub/rights", {"consumerID": "VN/GOV/000.03.01.H38/MOTCUA", "serviceID": "VN/GOV/000.00.00.G22/DVCQG/dossier-status"})
    key = call("POST", "/hub/subsystems/VN:GOV:000.03.01.H38:MOTCUA/keys", {"name": "portal-sync"})["secret"]
    setup.stop()

    through_hub = f"http://127.0.0.1:{hub_port}/r1/VN/GOV/000.00.00.G22/DVCQG/dossier-status/api/dossier-status"
    server = servers(
        data_dir, hub_port=hub_port,
        extra=["--portal-url", through_hub, "--portal-hub-client", "VN/GOV/000.03.01.H38/MOTCUA", "--portal-hub-key", key])
    citizen = {"Authorization": f"Bearer {server.token('068090001234')}"}
    reply = requests.post(f"{server.url}/api/v1/dossiers", json=submission("qua-hub"), headers=citizen, timeout=10)
    assert reply.status_code == 201, reply.text
    code = reply.json()["code"]
    assert wait_for(lambda: f"{code}/1" in portal.keys(), timeout=30, interval=0.2), "".join(server.output[-20:])
    with portal.lock:
        change = next(payload for key, payload in portal.received if key == f"{code}/1")
    assert change["dossierCode"] == code and change["toState"] == "tiep-nhan"

    admin = {"Authorization": f"Bearer {server.token('admin')}"}

    def logged():
        reply = requests.get(
            f"{server.url}/api/v1/hub/messages", params={"service": "VN/GOV/000.00.00.G22/DVCQG/dossier-status"}, headers=admin, timeout=10)
        assert reply.status_code == 200, reply.text
        return [m for m in reply.json()["items"] if m["consumer"] == "VN/GOV/000.03.01.H38/MOTCUA" and m["status"] == 200 and m["method"] == "POST"]

    assert wait_for(lambda: logged(), timeout=15, interval=0.3), "the hub's message log has no push"
