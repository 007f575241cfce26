"""The hub's gateway under a fuzzer: a few thousand calls made from a seed and sent byte for byte over plain sockets,
their request lines and headers bent every way a path or a client could slip past the access check (dot-segments
plain and percent-encoded, escaped slashes and backslashes, overlong UTF-8, broken escapes, duplicated, folded and
padded X-Road-Client lines, conflicting framing, smuggled second requests). Whatever it answers, four things hold:

1. no 5xx without `X-Road-Error`: the gateway's own errors are 500 by the protocol, and the provider here never fails;
2. the provider is called only where a right allows: never on the `secret` service (no right at all), only
   `GET /public/{name}` on the `partial` one (one endpoint granted), and on no path with a dot-segment (plain, or with
   parameters once percent-decoded), an escaped slash or backslash, or a control character; it hears of exactly one
   client, the consumer, and never of the consumer's key;
3. no 2xx unless X-Road-Client names exactly the consumer whose key was presented (and none from `secret`);
4. the server is still running afterwards and answers a well-formed call with 200.

A connection the gateway closes without an answer passes only for bytes that are not HTTP/1.1.
FUZZ_SEED replays a run (the seed is printed); FUZZ_CASES sets how many connections are made.
"""
import collections
import concurrent.futures
import http.server
import json
import os
import random
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import requests

from conftest import wait_for
from gateway_fuzzer import CONSUMER, PROVIDER, Call, Fuzzer
from test_hub_durability import register

# All three services live on one upstream, each under its own base path. `origin` (registered by `register`) has the
# upstream's root, so every path is its own except these two: the fuzzer's words never spell them.
SECRET_BASE = "/upstream-secret"
PARTIAL_BASE = "/upstream-partial"

SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
CASES = int(os.environ.get("FUZZ_CASES", "4000"))
# Past this, cases not yet sent are skipped, so that the run stays under a minute on a slow machine.
BUDGET_SECONDS = 50
WORKERS = 4
TIMEOUT = 5


# MARK: The provider


@dataclass
class Received:
    """A request as the upstream read it."""

    method: str
    target: str
    headers: list
    x_road_id: str


class RecordingOrigin(http.server.ThreadingHTTPServer):
    """The providers' system on loopback, behind all three services: answers every method with 200 and a small JSON
    body echoing what it was asked, and keeps every request line and header it receives."""

    daemon_threads = True

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name):
            # Every method the gateway forwards (`do_PATCH`, `do_TRACE`, `do_FOO`) is answered alike: the stock 501 for
            # an unknown one would be a 5xx from the provider, which this test keeps out.
            if name.startswith("do_"):
                return self.answer
            raise AttributeError(name)

        def answer(self):
            # The request line as it came: `self.path` is rewritten by the standard library (`//x` becomes `/x`).
            method, _, rest = self.raw_requestline.decode("latin-1").rstrip("\r\n").partition(" ")
            target = rest.rpartition(" ")[0]
            self.server.received.append(Received(method, target, list(self.headers.items()), self.headers.get("X-Road-Id", "")))
            try:
                self.read_body()
            except (ValueError, OSError):
                self.close_connection = True  # a body the gateway cut off: nothing to answer
                return
            body = json.dumps({"method": method, "target": target}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)

        def read_body(self):
            """Reads the body whole, so that the gateway's pooled connection is ready for its next call."""
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                while True:
                    size = int(self.rfile.readline(1 << 16).split(b";")[0].strip() or b"-", 16)
                    if size == 0:
                        while self.rfile.readline(1 << 16) not in (b"\r\n", b"\n", b""):
                            pass
                        return
                    self.rfile.read(size)
                    self.rfile.readline(1 << 16)
            elif self.headers.get("Content-Length"):
                self.rfile.read(int(self.headers["Content-Length"]))

        def log_message(self, *args):
            pass

    def handle_error(self, request, client_address):
        pass  # connections the gateway closes mid-call

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingOrigin.Handler)
        self.received = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


def register_services(server, origin_port):
    """`register`'s members, subsystems, `origin` service (every path granted) and key, then two more services of the
    same provider on the same upstream: `secret`, granted to no one, and `partial`, of which the consumer may call
    only `GET /public/{name}`. Returns the consumer's key."""
    key = register(server, origin_port)
    for code, base in (("secret", SECRET_BASE), ("partial", PARTIAL_BASE)):
        server.call("POST", "/hub/services", {"subsystemID": PROVIDER, "serviceCode": code, "upstreamURL": f"http://127.0.0.1:{origin_port}{base}"})
        server.call("PATCH", f"/hub/services/{PROVIDER.replace('/', ':')}:{code}", {"enabled": True})
    server.call("POST", "/hub/rights", {"consumerID": CONSUMER, "serviceID": f"{PROVIDER}/partial", "method": "GET", "path": "/public/{name}"})
    return key


def upstream_faults(received, key):
    """What is wrong with a request that reached the upstream (property 2): a path no right allows, or one a server
    could read as another; a client other than the consumer; the consumer's credential passed on."""
    faults = []
    path = received.target.split("?", 1)[0]
    if not path.startswith("/"):
        faults.append("a path that is not absolute")
    for segment in path.split("/")[1:]:
        decoded = unquote_to_bytes(segment)
        stem = decoded.split(b";")[0]
        if stem == decoded and stem in (b".", b".."):
            faults.append(f"a dot-segment ({segment})")
        elif stem in (b".", b".."):
            # The gateway refuses `..;x`; escaped, it is the same segment to a server that decodes before it cuts
            # parameters off (Spring's firewall refuses `%3B` for this reason).
            faults.append(f"a dot-segment with parameters once percent-decoded ({segment})")
        if b"/" in decoded or b"\\" in decoded or "#" in segment:
            faults.append(f"an escaped slash, a backslash or '#' ({segment})")
        if any(byte < 0x20 or byte == 0x7F for byte in decoded):
            faults.append(f"a control character ({segment})")
    words = [word for word in path.split("/") if word]
    if words[:1] == [SECRET_BASE[1:]]:
        faults.append("the secret service, which the consumer has no right to")
    elif words[:1] == [PARTIAL_BASE[1:]] and (received.method != "GET" or len(words) != 3 or words[1] != "public"):
        faults.append("a path of the partial service outside GET /public/{name}")
    clients = [value for name, value in received.headers if name.lower() == "x-road-client"]
    if clients != [CONSUMER]:
        faults.append(f"X-Road-Client {clients}")
    for name, value in received.headers:
        lower = name.lower()
        if lower == "x-road-client-key" or key in value:
            faults.append(f"the consumer's key, in {name}")
        if "_" in lower and lower.replace("_", "-").startswith("x-road-"):
            faults.append(f"an underscored X-Road header ({name})")
    return faults


class Garbled(Exception):
    """Bytes from the gateway that are not an HTTP answer."""


@dataclass
class Answer:
    status: int
    headers: list
    body: bytes
    # For an answer to HEAD: bytes came after its head, which a HEAD answer must not carry.
    head_with_body: bool = False

    def header(self, name):
        return next((value for n, value in self.headers if n == name), None)


class Wire:
    """One connection to the gateway; answers are read by their own framing, so that several may come on it."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""
        self.began = False

    def send(self, data):
        try:
            self.socket.sendall(data)
        except OSError:
            pass  # the gateway closed early (after refusing the head, say): its answer may still be there to read

    def fill(self):
        chunk = self.socket.recv(1 << 16)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def line(self):
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > 1 << 17:
                raise Garbled(self.buffer[:80])
            self.fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def take(self, count):
        while len(self.buffer) < count:
            self.fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def answer(self, head_request):
        """The next answer. Raises EOFError, OSError (a reset, a timeout) or Garbled; `began` tells whether any of its
        bytes had come."""
        self.began = False
        while True:
            if not self.buffer:
                self.fill()
            self.began = True
            status_line = self.line()
            match = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: .*)?", status_line, re.S)
            if not match:
                raise Garbled(status_line[:80])
            status = int(match.group(1))
            headers = []
            while line := self.line():
                name, colon, value = line.partition(b":")
                if not colon:
                    raise Garbled(line[:80])
                headers.append((name.decode("latin-1").lower(), value.decode("latin-1").strip(" \t")))
            if not (100 <= status < 200 and status != 101):
                break
        answer = Answer(status, headers, b"")
        encoding = (answer.header("transfer-encoding") or "").lower()
        if head_request or status in (204, 304):
            answer.head_with_body = head_request and bool(self.buffer)
        elif "chunked" in encoding:
            while (size := int(self.line().split(b";")[0].strip() or b"-", 16)) > 0:
                answer.body += self.take(size)
                self.take(2)
            while self.line():
                pass
        elif answer.header("content-length") is not None:
            answer.body = self.take(int(answer.header("content-length")))
        else:
            try:
                while True:
                    self.fill()
            except EOFError:
                answer.body, self.buffer = self.buffer, b""
        return answer

    def close(self):
        self.socket.close()


@dataclass
class Outcome:
    call: Call
    case: int
    result: str  # the status, or what happened instead: closed, reset, timeout, truncated, garbled, not sent
    answer: Answer = None
    # Whether the gateway owed this call an answer: it is HTTP, and every call before it on the connection was too
    # and was answered with the connection kept.
    owed: bool = True


def run_case(index, calls, pipelined, port, deadline):
    """Sends one case's calls on one connection and reads their answers; None when the time is up."""
    if time.monotonic() > deadline:
        return None
    outcomes = []
    try:
        wire = Wire(port)
    except OSError as error:
        return [Outcome(calls[0], index, f"connect failed ({error.__class__.__name__})")]
    try:
        if pipelined:
            wire.send(b"".join(call.bytes() for call in calls))
        open_, owed = True, True
        for call in calls:
            if not open_:
                outcomes.append(Outcome(call, index, "not sent", owed=False))
                continue
            if not pipelined:
                wire.send(call.bytes())
            owed = owed and call.http
            try:
                answer = wire.answer(head_request=call.method == b"HEAD")
            except EOFError:
                outcomes.append(Outcome(call, index, "truncated" if wire.began else "closed", owed=owed))
                break
            except socket.timeout:
                outcomes.append(Outcome(call, index, "truncated" if wire.began else "timeout", owed=owed))
                break
            except OSError:
                outcomes.append(Outcome(call, index, "truncated" if wire.began else "reset", owed=owed))
                break
            except (Garbled, ValueError):
                outcomes.append(Outcome(call, index, "garbled", owed=owed))
                break
            outcomes.append(Outcome(call, index, str(answer.status), answer, owed=owed))
            if (answer.header("connection") or "").lower() == "close" or answer.head_with_body:
                open_, owed = False, False
        # A smuggled call hidden in the last one's body is answered on the same connection, if at all: read on to
        # the close, so that it has gone wherever it was going to go before the provider's log is checked.
        if any(tag.startswith("framing:smuggle") for tag in calls[-1].tags):
            try:
                while wire.answer(head_request=False):
                    pass
            except (EOFError, OSError, Garbled, ValueError):
                pass
    finally:
        wire.close()
    return outcomes


# MARK: The test


class Report:
    """What the run gave, as figures for the summary, and what broke a property."""

    def __init__(self):
        self.failures = []
        self.results = collections.Counter()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.errors = collections.Counter()
        self.reached = collections.Counter()
        self.observations = collections.Counter()
        self.examples = collections.defaultdict(list)

    def fail(self, outcome, why):
        call = outcome.call
        self.failures.append(f"case {outcome.case} [{', '.join(call.tags)}] {outcome.result}: {why}\n    sent {call.bytes()[:400]!r}")

    def observe(self, outcome, what):
        """Something worth a figure that no property forbids."""
        self.observations[what] += 1
        if len(self.examples[what]) < 3:
            self.examples[what].append(f"case {outcome.case} [{', '.join(outcome.call.tags)}]")

    def check_answer(self, outcome, key):
        """Properties 1 and 3, and the rule on unanswered calls, for one call and what came back."""
        call, answer = outcome.call, outcome.answer
        self.results[outcome.result] += 1
        self.by_kind[call.kind][outcome.result] += 1
        if answer is None:
            # Closed, reset or silent: only bytes that are not HTTP may go unanswered (and a call after them on the
            # same connection, since where it begins is lost).
            if outcome.result == "not sent":
                return
            if outcome.owed:
                self.fail(outcome, "a well-formed call got no answer")
            else:
                self.observe(outcome, f"bytes that are not HTTP left unanswered ({outcome.result})")
            return
        error = answer.header("x-road-error")
        if error:
            self.errors[error] += 1
        if answer.head_with_body:
            self.observe(outcome, "HEAD answered with a body after its head")
        # Property 1: a 5xx is the gateway's own X-Road error, never anything else.
        if answer.status >= 500 and error is None:
            self.fail(outcome, "a 5xx without X-Road-Error")
        if 200 <= answer.status < 300:
            # Property 3: a success only for the consumer, named once and proved by its key, on a service it may call.
            if not call.names_consumer():
                self.fail(outcome, "a 2xx for a call whose X-Road-Client is not exactly the consumer")
            if not call.presents(key):
                self.fail(outcome, "a 2xx for a call that did not present the consumer's key")
            if answer.header("x-road-client") != CONSUMER:
                self.fail(outcome, f"a 2xx naming the client {answer.header('x-road-client')!r}")
            if call.kind == "secret":
                self.fail(outcome, "a 2xx from the secret service")
            if not call.http:
                self.observe(outcome, "bytes that are not HTTP answered 2xx")

    def check_provider(self, origin, cases, key):
        """Property 2, over everything the upstream received: fuzzed, smuggled or well-formed."""
        for received in list(origin.received):
            words = [word for word in received.target.split("?")[0].split("/") if word]
            self.reached[{SECRET_BASE[1:]: "secret", PARTIAL_BASE[1:]: "partial"}.get(words[0] if words else "", "origin")] += 1
            for fault in upstream_faults(received, key):
                case = re.match(r"fuzz-(\d+)-", received.x_road_id)
                sent = ""
                if case:
                    sent = "\n    sent " + " | ".join(repr(call.bytes()[:300]) for call in cases[int(case.group(1))][0])
                self.failures.append(f"the provider received {received.method} {received.target[:300]} ({received.x_road_id}): {fault}{sent}")

    def print(self, outcomes):
        print("  outcomes: " + ", ".join(f"{result} {count}" for result, count in sorted(self.results.items())))
        for kind, counter in sorted(self.by_kind.items()):
            print(f"  aimed at {kind}: " + ", ".join(f"{result} {count}" for result, count in sorted(counter.items())))
        print("  X-Road-Error: " + ", ".join(f"{error} {count}" for error, count in self.errors.most_common()))
        print("  reached the provider: " + ", ".join(f"{service} {count}" for service, count in sorted(self.reached.items())))
        print(f"  well-formed calls {sum(1 for o in outcomes if o.call.http)}, not HTTP {sum(1 for o in outcomes if not o.call.http)}")
        for observation, count in self.observations.items():
            print(f"  observed: {observation} ({count}), e.g. " + "; ".join(self.examples[observation]))
        print(f"  failures: {len(self.failures)}")


def test_gateway_survives_fuzzing_and_keeps_every_right(servers, data_dir):
    print(f"\ngateway fuzz: seed {SEED} (FUZZ_SEED={SEED} replays it), {CASES} cases")
    origin = RecordingOrigin()
    try:
        server = servers(data_dir)
        key = register_services(server, origin.server_address[1])
        hub_port = int(server.hub_url.rsplit(":", 1)[1])
        good = {"X-Road-Client": CONSUMER, "X-Road-Client-Key": key}
        base = f"{server.hub_url}/r1/{PROVIDER}"
        # The gateway reloads the registry within a second: the last right granted is there once partial answers.
        assert wait_for(lambda: requests.get(f"{base}/partial/public/alice", headers=good, timeout=5).status_code == 200, timeout=15)
        assert requests.get(f"{base}/origin/items", headers=good, timeout=5).status_code == 200
        for denied in (f"{base}/secret/items", f"{base}/partial/private", f"{base}/partial/public/a/b"):
            reply = requests.get(denied, headers=good, timeout=5)
            assert reply.headers.get("X-Road-Error") == "Server.ServerProxy.AccessDenied", (denied, reply.status_code, reply.text)

        cases = Fuzzer(SEED, key, hub_port).cases(CASES)
        started = time.monotonic()
        deadline = started + BUDGET_SECONDS
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(lambda item: run_case(item[0], *item[1], hub_port, deadline), enumerate(cases)))
        elapsed = time.monotonic() - started
        outcomes = [outcome for result in results if result for outcome in result]
        ran = sum(1 for result in results if result is not None)

        report = Report()
        for outcome in outcomes:
            report.check_answer(outcome, key)
        time.sleep(0.5)  # calls cut off mid-body may still be being read by the upstream
        report.check_provider(origin, cases, key)
        skipped = "" if ran == len(cases) else f", {len(cases) - ran} skipped past the time budget"
        print(f"gateway fuzz: {ran} of {len(cases)} cases ({len(outcomes)} calls) in {elapsed:.1f} s{skipped}")
        report.print(outcomes)

        # Property 4: the server is alive and answers well-formed calls as before.
        assert server.process.poll() is None, "the server died:\n" + "".join(server.output[-40:])
        after = requests.get(f"{base}/origin/items", headers=good, timeout=10)
        assert after.status_code == 200 and after.headers.get("X-Road-Client") == CONSUMER, (after.status_code, after.text)
        assert requests.get(f"{base}/partial/public/bob", headers=good, timeout=10).status_code == 200
        denied = requests.get(f"{base}/secret/items", headers=good, timeout=10)
        assert denied.headers.get("X-Road-Error") == "Server.ServerProxy.AccessDenied", (denied.status_code, denied.text)

        assert not report.failures, f"seed {SEED}: {len(report.failures)} failures, the first:\n" + "\n".join(report.failures[:15])
        # The run meant something: enough cases ran, and calls went through to both services the consumer may call.
        assert ran >= min(len(cases), 300), f"only {ran} cases ran in {BUDGET_SECONDS} s"
        assert report.reached["origin"] >= 20 and report.reached["partial"] >= 5, report.reached
    finally:
        origin.shutdown()
        origin.server_close()
