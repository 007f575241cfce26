"""`kill -9` of a serving hub under load: every exchange whose answer reached the consumer is in the message log."""
import concurrent.futures
import http.server
import json
import os
import random
import subprocess
import sys
import threading
import time

import requests

from conftest import BINARY

VERIFY_PROOF = os.path.join(os.path.dirname(__file__), "../../scripts/verify-proof.py")


class Origin(http.server.ThreadingHTTPServer):
    """A provider's system on loopback: answers every GET with a small JSON body."""

    daemon_threads = True

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    def handle_error(self, request, client_address):
        pass  # connections cut by the killed gateway

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Origin.Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def register(server, origin_port):
    call = server.call
    call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.00.02.H38", "name": "Sở TTTT"})
    call("POST", "/hub/members", {"instance": "VN", "memberClass": "GOV", "memberCode": "000.00.07.H38", "name": "Sở Y tế"})
    call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.00.02.H38", "subsystemCode": "DATA", "name": "Kho dữ liệu"})
    call("POST", "/hub/subsystems", {"memberID": "VN/GOV/000.00.07.H38", "subsystemCode": "YTE", "name": "Hệ thống y tế"})
    call("POST", "/hub/services", {"subsystemID": "VN/GOV/000.00.02.H38/DATA", "serviceCode": "origin", "upstreamURL": f"http://127.0.0.1:{origin_port}"})
    call("PATCH", "/hub/services/VN:GOV:000.00.02.H38:DATA:origin", {"enabled": True})
    call("POST", "/hub/rights", {"consumerID": "VN/GOV/000.00.07.H38/YTE", "serviceID": "VN/GOV/000.00.02.H38/DATA/origin"})
    return call("POST", "/hub/subsystems/VN:GOV:000.00.07.H38:YTE/keys", {"name": "test"})["secret"]


def test_kill9_loses_no_answered_exchange(servers, data_dir):
    origin = Origin()
    server = servers(data_dir)
    key = register(server, origin.server_address[1])
    headers = {"X-Road-Client": "VN/GOV/000.00.07.H38/YTE", "X-Road-Client-Key": key}
    url = f"{server.hub_url}/r1/VN/GOV/000.00.02.H38/DATA/origin/items"
    deadline = time.time() + 10
    while requests.get(url, headers=headers, timeout=5).status_code != 200:  # the gateway reloads within a second
        assert time.time() < deadline
        time.sleep(0.1)

    answered, stop = [], threading.Event()

    def consumer():
        session = requests.Session()
        while not stop.is_set():
            try:
                reply = session.get(url, headers=headers, timeout=5)
            except requests.RequestException:
                continue
            if reply.status_code == 200 and reply.content == b'{"ok": true}':
                answered.append(reply.headers["X-Road-Id"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _ in range(8):
            pool.submit(consumer)
        time.sleep(random.uniform(2.0, 3.0))
        server.kill9()
        stop.set()
    assert len(answered) > 50, f"too few exchanges answered before the kill: {len(answered)}"
    # With the hub down, the command imports what its journal holds and checks the chain.
    offline = subprocess.run([BINARY, "messagelog", "verify", "--data-dir", data_dir], capture_output=True, text=True, timeout=60)
    assert offline.returncode == 0 and "Message log intact" in offline.stdout, offline.stdout + offline.stderr

    restarted = servers(data_dir)
    token = restarted.token("admin")
    logged = {record["messageID"] for record in restarted.every_item("/api/v1/hub/messages", token)}
    missing = set(answered) - logged
    assert not missing, f"{len(missing)} of {len(answered)} answered exchanges are not in the log"
    restarted.verified("/api/v1/hub/messages/verify", token, "recordsChecked")
    print(f"hub kill -9: {len(answered)} exchanges answered before the kill, all in the message log after restart")

    # The restarted hub seals what the killed one logged; a record's proof checks out outside the hub.
    chosen = random.choice(answered)
    deadline = time.time() + 20
    while True:
        result = subprocess.run([BINARY, "messagelog", "proof", chosen, "--data-dir", data_dir], capture_output=True, text=True, timeout=60)
        if result.returncode == 0 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert result.returncode == 0, result.stderr
    proof_file = os.path.join(data_dir, "proof.json")
    with open(proof_file, "w") as file:
        file.write(result.stdout)
    checked = subprocess.run([sys.executable, VERIFY_PROOF, proof_file], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout.startswith("proven"), checked.stdout + checked.stderr
    forged = json.loads(result.stdout)
    forged["record"]["status"] = 500
    with open(proof_file, "w") as file:
        json.dump(forged, file)
    refused = subprocess.run([sys.executable, VERIFY_PROOF, proof_file], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "NOT PROVEN" in refused.stdout
    verify = subprocess.run([BINARY, "messagelog", "verify", "--data-dir", data_dir], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and "signed seals checked" in verify.stdout, verify.stdout
    origin.shutdown()
