#!/usr/bin/env python3
"""Makes the upgrade tests' fixture: a database written by a released `province`, with a row in most tables.

    Tests/Fixtures/make-upgrade-fixture.py PROVINCE_BINARY OUT_DIRECTORY [POSTGRES_URL]

Starts the binary with the demo province on a fresh data directory (or on the empty PostgreSQL database named),
signs in, registers a process, a procedure with a fee and an agency's payment account, submits a dossier as the demo
citizen, registers a hub member, subsystems, a service with a right and a key, calls it three times
through the gateway (a local provider answers), has the message log imported and verified, and stops. On SQLite,
OUT_DIRECTORY gets `province.sqlite.gz`; on PostgreSQL, `province.postgres.sql.gz` (pg_dump --inserts).
"""
import base64
import gzip
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

binary, out = sys.argv[1], sys.argv[2]
postgres = sys.argv[3] if len(sys.argv) > 3 else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


provider = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Provider)
threading.Thread(target=provider.serve_forever, daemon=True).start()

data = tempfile.mkdtemp(prefix="upgrade-fixture-")
web, hub = free_port(), free_port()
command = [binary, "serve", "--demo", "--data-dir", data, "--port", str(web), "--hub-port", str(hub), "--hub-tls-port", "0"]
if postgres:
    command += ["--database-url", postgres]
server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{web}"
for _ in range(300):
    try:
        urllib.request.urlopen(f"{base}/health", timeout=1)
        break
    except OSError:
        time.sleep(0.1)


def call(method, path, body=None, token=None, headers=None, url=None):
    request = urllib.request.Request(url or f"{base}/api/v1{path}", method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as reply:
        text = reply.read()
        return json.loads(text) if text and reply.headers.get_content_type().endswith("json") else text


def token(username):
    return call("POST", "/auth/token", {"username": username, "password": "LamDong@2025"})["token"]


admin, citizen = token("admin"), token("068090001234")


def state(code, start=False, end=False):
    return {"code": code, "name": code, "isStart": start, "isTerminal": end, "isUpdatable": False, "stopsClock": False}


call("PUT", "/processes/nang-cap.le-phi", {
    "code": "nang-cap.le-phi", "name": "Có lệ phí", "states": [state("tiep-nhan", start=True), state("da-tra", end=True)],
    "actions": [{"code": "tra", "name": "Trả", "from": "tiep-nhan", "to": "da-tra", "roles": ["officer"], "requiredDocuments": [],
                 "requiresReason": False}],
}, admin)
call("POST", "/procedures", {
    "code": "9.000001", "name": "Thủ tục của bản nâng cấp", "field": "Hộ tịch", "level": "province", "agencyCode": "000.00.02.H38",
    "onlineLevel": "full", "deadlineDays": 1, "feeVND": 8000, "documents": [{"name": "Tờ khai", "required": True}], "formFields": [],
    "processCode": "nang-cap.le-phi",
}, admin)
agency = call("GET", "/agencies?q=000.00.02.H38")["items"][0]["id"]
call("PUT", f"/agencies/{agency}/payment-account", {"bankBIN": "970415", "account": "113366668888", "accountName": "SO TTTT"}, admin)
pdf = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
dossier = call("POST", "/dossiers", {
    "procedure": "9.000001", "form": {}, "files": [{"kind": "Tờ khai", "filename": "to-khai.pdf", "contentType": "application/pdf", "content": pdf}],
}, citizen)

call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.00.02.H38", "name": "Sở TTTT"}, admin)
call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.00.07.H38", "name": "Sở Y tế"}, admin)
call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.00.02.H38", "subsystemCode": "DATA", "name": "Kho dữ liệu"}, admin)
call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.00.07.H38", "subsystemCode": "YTE", "name": "Hệ thống y tế"}, admin)
upstream = f"http://127.0.0.1:{provider.server_address[1]}"
call("POST", "/hub/services", {"subsystemID": "VN/GOV/000.00.02.H38/DATA", "serviceCode": "origin", "upstreamURL": upstream, "logBodies": True}, admin)
call("PATCH", "/hub/services/VN:GOV:000.00.02.H38:DATA:origin", {"enabled": True}, admin)
call("POST", "/hub/rights", {"consumerID": "VN/GOV/000.00.07.H38/YTE", "serviceID": "VN/GOV/000.00.02.H38/DATA/origin"}, admin)
key = call("POST", "/hub/subsystems/VN:GOV:000.00.07.H38:YTE/keys", {"name": "upgrade"}, admin)["secret"]
time.sleep(1.5)  # the gateway reloads the registry within a second
for number in range(3):
    call("GET", "", url=f"http://127.0.0.1:{hub}/r1/VN/GOV/000.00.02.H38/DATA/origin/item/{number}",
         headers={"X-Road-Client": "VN/GOV/000.00.07.H38/YTE", "X-Road-Client-Key": key})
print("verify:", call("GET", "/hub/messages/verify", token=admin))
time.sleep(3)  # a seal of the log
server.send_signal(signal.SIGTERM)
server.wait(timeout=30)
provider.shutdown()

os.makedirs(out, exist_ok=True)
if postgres:
    dump = subprocess.run(["pg_dump", "--inserts", "--no-owner", "--no-privileges", postgres], check=True, capture_output=True).stdout
    with gzip.open(os.path.join(out, "province.postgres.sql.gz"), "wb") as file:
        file.write(dump)
else:
    with open(os.path.join(data, "province.sqlite"), "rb") as source, gzip.open(os.path.join(out, "province.sqlite.gz"), "wb") as file:
        shutil.copyfileobj(source, file)
shutil.rmtree(data)
print("written to", out)
