"""Fixtures for the end-to-end tests: real `province serve` processes, a PostgreSQL server, a browser.

scripts/test sets PROVINCE_BIN (the built executable) and PROVINCE_PG_ADMIN_URL (a throwaway cluster).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

BINARY = os.environ.get("PROVINCE_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/province"))
PG_ADMIN_URL = os.environ.get("PROVINCE_PG_ADMIN_URL")
# The token the metrics scraper presents on /metrics.
METRICS_TOKEN = "e2e-metrics-scraper-token"
DEMO_PASSWORD = "LamDong@2025"


class Server:
    """One `province serve` process on a free loopback port."""

    def __init__(self, data_dir, database_url=None, demo=True, extra=(), hub_port=0, today=None):
        """`today`: the day the server takes for today (`YYYY-MM-DD`), its clock started then by libfaketime."""
        self.data_dir = data_dir
        self.hub_port = hub_port
        self.today = today
        self.extra = list(extra)
        self.database_url = database_url
        self.demo = demo
        self.process = None
        self.url = None
        self.hub_url = None
        self.output = []

    def start(self, timeout=60):
        command = [BINARY, "serve", "--port", "0", "--hub-port", str(self.hub_port), "--hub-tls-port", "0", "--data-dir", self.data_dir, "--bcrypt-cost", "4"]
        if self.demo:
            command.append("--demo")
        if self.database_url:
            command += ["--database-url", self.database_url]
        command += self.extra
        environment = {**os.environ, "PROVINCE_METRICS_TOKEN": METRICS_TOKEN}
        if self.today:
            # Only the wall clock moves: the monotonic clock that timers use stays true.
            command = ["faketime", "-f", f"@{self.today} 09:00:00"] + command
            environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        # A group of its own: `faketime` runs the server as its child, and a signal to the group reaches both.
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment, start_new_session=True)
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                hub = re.search(r"^Hub gateway .* at (http://\S+?)/?$", line.strip())
                if hub:
                    self.hub_url = hub.group(1).rstrip("/")
                match = re.search(r"running at (http://\S+?)/?$", line.strip())
                if match:
                    self.url = match.group(1).rstrip("/")
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(timeout):
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.output))
        return self

    def token(self, username, password=DEMO_PASSWORD):
        reply = requests.post(f"{self.url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
        assert reply.status_code == 201, reply.text
        return reply.json()["token"]

    def call(self, method, path, body, username="admin"):
        """An API call that must succeed (2xx): its JSON answer."""
        reply = requests.request(method, f"{self.url}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {self.token(username)}"}, timeout=10)
        assert reply.status_code in (200, 201), reply.text
        return reply.json()

    def every_item(self, path, token, **params):
        """Every item of a paged API list, following nextCursor."""
        items, cursor = [], None
        while True:
            query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
            page = requests.get(f"{self.url}{path}", params=query, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
            items += page["items"]
            cursor = page.get("nextCursor")
            if not cursor:
                return items

    def verified(self, path, token, counted):
        """A verification endpoint's answer, which must be a 200 with a verification in it saying nothing is wrong:
        an error answer (401, 500) never passes for an intact log."""
        reply = requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert reply.status_code == 200, f"{path}: {reply.status_code} {reply.text[:300]}"
        assert reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers
        verification = reply.json()
        assert isinstance(verification.get(counted), int) and verification[counted] > 0, verification
        assert verification.get("firstBadSeq") is None and verification.get("problem") is None, verification
        return verification

    def signal(self, number):
        """Sends `number` to the server's process group (the server, and `faketime` when it runs under it)."""
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        if self.process:
            # Whatever is left of the group (a child the wrapper did not wait for) goes too.
            self.signal(signal.SIGKILL)


@pytest.fixture
def data_dir():
    path = tempfile.mkdtemp(prefix="op-e2e-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def servers():
    """Starts servers on demand and stops them all at the end."""
    started = []

    def start(*args, **kwargs):
        server = Server(*args, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database, dropped afterwards."""
    if not PG_ADMIN_URL:
        pytest.skip("PROVINCE_PG_ADMIN_URL is not set (scripts/test starts a cluster)")
    name = "op_e2e_" + uuid.uuid4().hex[:12]
    admin = urlsplit(PG_ADMIN_URL)
    psql = ["psql", "-q", "-h", admin.hostname, "-p", str(admin.port), "-U", admin.username or "postgres", "-d", "postgres"]
    subprocess.run(psql + ["-c", f"CREATE DATABASE {name}"], check=True)
    yield urlunsplit(admin._replace(path="/" + name))
    subprocess.run(psql + ["-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)




def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
