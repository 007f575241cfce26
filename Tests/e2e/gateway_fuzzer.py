"""The calls of the gateway fuzz run (test_gateway_fuzz.py): each case's requests made as bytes from one seeded
generator, their request lines and headers bent every way a path or a client could slip past the access check."""
import random
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

CONSUMER = "VN/GOV/000.00.07.H38/YTE"
PROVIDER = "VN/GOV/000.00.02.H38/DATA"


# MARK: Calls as bytes


@dataclass
class Call:
    """One request being made: its request line, header lines (a None name is a raw line, not a field) and body;
    and what the checks need to know of it."""

    method: bytes
    target: bytes
    kind: str  # the service it aims at: origin, secret, partial, or elsewhere
    version: bytes = b"HTTP/1.1"
    separator: bytes = b" "
    headers: list = field(default_factory=list)
    body: bytes = b""
    # Whether the bytes are HTTP/1.1 a server must answer; cleared by every mutation that makes them something else.
    http: bool = True
    tags: list = field(default_factory=list)

    def bytes(self):
        line = self.method + self.separator + self.target + (self.separator + self.version if self.version else b"") + b"\r\n"
        fields = b"".join((name + b": " + value if name is not None else value) + b"\r\n" for name, value in self.headers)
        return line + fields + b"\r\n" + self.body

    def replace(self, name, *values):
        """Puts `values` (each a value, or a (name, value) pair) where the header `name` was, or at the end."""
        lines = [value if isinstance(value, tuple) else (name, value) for value in values]
        index = next((i for i, (n, _) in enumerate(self.headers) if n is not None and n.lower() == name.lower()), len(self.headers))
        self.headers[index : index + 1] = lines

    def values(self, name):
        return [value for n, value in self.headers if n is not None and n.lower() == name.lower()]

    def names_consumer(self):
        """Whether exactly one field is X-Road-Client and it names the consumer, each part percent-decoded as X-Road
        reads it (leniently: the gateway may refuse more, never less). A value folded onto the next line is longer than
        its first line says."""
        clients = self.values(b"X-Road-Client")
        if len(clients) != 1:
            return False
        index = next(i for i, (n, _) in enumerate(self.headers) if n is not None and n.lower() == b"x-road-client")
        if index + 1 < len(self.headers) and self.headers[index + 1][0] is None and self.headers[index + 1][1][:1] in (b" ", b"\t"):
            return False
        try:
            parts = [unquote_to_bytes(part).decode("utf-8") for part in clients[0].strip(b" \t").split(b"/")]
        except UnicodeDecodeError:
            return False
        return parts == CONSUMER.split("/")

    def presents(self, key):
        """Whether some credential field carries the consumer's key."""
        key = key.encode()
        return key in [value.strip(b" \t") for value in self.values(b"X-Road-Client-Key")] or b"Bearer " + key in [
            value.strip(b" \t") for value in self.values(b"Authorization")
        ]


# The fuzzer's material. Dot-segments as servers behind a gateway have been known to read them.
DOT_SEGMENTS = [
    "..", ".", "%2e%2e", "%2E%2E", "%2E.", ".%2e", "%2e", "%2E", "..;", "..;x=1", ".;", "%2e%2e;", "%2e%2e%2f", "..%2f", "..%2F",
    "..%5c", "..\\", "%252e%252e", "%252e", "%c0%ae%c0%ae", "%c0%ae", "%e0%80%ae%e0%80%ae", "%u002e%u002e", "...", ".%00.", "..%00",
    "..%23", "%2e%2e#", "..%3b", "%2e%2e%5c",
]
# Escapes and characters that mean something to some server: encoded separators, NUL, double and overlong encodings,
# broken escapes, and the characters that end a path or begin parameters.
ESCAPES = [
    "%2f", "%2F", "%5c", "%5C", "%00", "%0a", "%0d%0a", "%09", "%7f", "%252e", "%252f", "%255c", "%25", "%c0%ae", "%c0%af", "%c1%9c",
    "%e0%80%af", "%zz", "%", "%2", "%g1", "%%32%65", "%%2e", "\\", "#", "#x", "?", "??", ";", ";a=b", ";jsessionid=1", "~", "%7e",
    "%7E", "%41", "%61", "%2d", "%5f", "%e1%bb%87", "%23", "%3f", "%3F", "@", ":", "!", "$", "'", "(", ")", "*", "+", ",", "=", "&",
    "%20", "%ff", "%fe%ff", "<", ">", '"', "{", "}", "|", "^", "`", "[", "]",
]
# Bytes a request target may not carry at all: the request line is no longer HTTP.
RAW_BYTES = [b" ", b"\t", "ệ".encode(), b"\xff", b"\x00", b"\x7f", b"\r", b"\x0b"]
WORDS = ["items", "public", "private", "secret", "origin", "partial", "x", "name", "a.b", "admin", "etc", "passwd", "DATA", "r1", "VN",
         "index.html", "~root", "12345", "public.json", "..data", "alice"]
NAMES = ["alice", "x", "12", "a.b", "%41lice", "%e1%bb%87", "_", "-", "~", "a;b", "x.json", "..x", "x.."]
PROVIDER_PARTS = PROVIDER.split("/")
METHODS = [
    (b"GET", 40), (b"POST", 8), (b"PUT", 5), (b"DELETE", 5), (b"PATCH", 5), (b"HEAD", 5), (b"OPTIONS", 4), (b"TRACE", 3),
    (b"CONNECT", 3), (b"get", 3), (b"Get", 1), (b"FOO", 2), (b"PROPFIND", 1), (b"M-SEARCH", 1), (b"GETGETGETGETGETGET", 1),
]
# Methods that are not tokens: not HTTP.
BAD_METHODS = [b"G\x00T", b"", b"GET\x7f", b"G(T", b"GE T", "GÉT".encode()]
VERSIONS = [b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.2", b"HTTP/0.9", b"http/1.1", b"HTTP/11", b"HTTP/1", b"HTTP/1.1 ", b"HTTP/1.1x", b"FOO", b""]
OTHER_CLIENTS = [PROVIDER.encode(), b"VN/GOV/000.00.02.H38", b"VN/GOV/000.00.07.H38/OTHER", b"VN/COM/000.00.07.H38/YTE"]


class Fuzzer:
    """Makes the calls of each case from one seeded generator, before any is sent: a seed gives the same bytes."""

    def __init__(self, seed, key, hub_port):
        self.rng = random.Random(seed)
        self.key = key.encode()
        self.host = b"127.0.0.1:%d" % hub_port

    def cases(self, count):
        return [self.case(index) for index in range(count)]

    def case(self, index):
        """The calls of one connection, and whether they go out at once (pipelined) or one after another's answer."""
        rng = self.rng
        calls = []
        if rng.random() < 0.2:
            # Well-formed calls first, so that the connection has authenticated the consumer and routed a call (the
            # gateway keeps both per connection) before the bent one comes.
            for _ in range(rng.randint(1, 2)):
                calls.append(self.valid(rng.choice(["origin", "partial"]), index, len(calls)))
        calls.append(self.fuzzed(index, len(calls)))
        return calls, rng.random() < 0.3

    def headers(self, call, index, number):
        call.headers = [
            (b"Host", self.host),
            (b"X-Road-Client", CONSUMER.encode()),
            (b"X-Road-Client-Key", self.key),
            (b"X-Road-Id", b"fuzz-%d-%d" % (index, number)),
        ]

    def valid(self, kind, index, number):
        target = f"/r1/{PROVIDER}/origin/items" if kind == "origin" else f"/r1/{PROVIDER}/partial/public/{self.rng.choice(['alice', 'x'])}"
        call = Call(b"GET", target.encode(), kind, tags=["valid"])
        self.headers(call, index, number)
        return call

    def fuzzed(self, index, number):
        rng = self.rng
        kind = rng.choice(["origin", "origin", "secret", "partial", "partial", "elsewhere"])
        target, tags, http = self.target(kind, mutations=rng.choice([0, 0, 1, 1, 2, 3, 4]))
        call = Call(b"GET", target, kind, tags=tags, http=http)
        self.headers(call, index, number)
        call.method, _ = self.pick(METHODS)
        # Each dimension bent with some chance, so that most calls differ from a good one in one or two ways.
        for chance, bend in ((0.15, self.bend_request_line), (0.3, self.bend_client), (0.2, self.bend_key), (0.1, self.bend_host),
                             (0.15, self.bend_noise), (0.25, self.bend_framing)):
            if rng.random() < chance:
                bend(call, index)
        framed = any(tag.startswith("framing:") for tag in call.tags)
        if call.method in (b"POST", b"PUT", b"PATCH") and not framed and rng.random() < 0.6:
            call.body = rng.choice([b"{}", b'{"a": 1}', b"x" * rng.randint(1, 300)])
            call.headers.append((b"Content-Length", b"%d" % len(call.body)))
        if rng.random() < 0.1:
            call.headers.append((b"Accept", rng.choice([b"text/xml", b"application/json", b"text/*", b"*/*;q=0.1, application/xml"])))
        if rng.random() < 0.7 and not call.values(b"Connection"):
            call.headers.append((b"Connection", b"close"))
        return call

    def pick(self, weighted):
        return self.rng.choices(weighted, weights=[weight for _, weight in weighted])[0]

    # MARK: Paths

    def target(self, kind, mutations):
        """A request target for a call to `kind`, its path bent `mutations` times. Returns it with its tags and whether it
        is still a target HTTP allows."""
        rng = self.rng
        tags, http = [], True
        parts = list(PROVIDER_PARTS) + [{"origin": "origin", "secret": "secret", "partial": "partial"}.get(kind, rng.choice(
            ["nothing", "Origin", "SECRET", "listMethods2", "origin%2f..%2fsecret", "origin;x", "..", ".", "%2e%2e", "secret%00", "origin%20",
             "partial%2fpublic"]))]
        if kind == "elsewhere":
            tags.append("unknown-service")
            if rng.random() < 0.3:
                parts[:4] = CONSUMER.split("/")  # the consumer as the provider
        if rng.random() < 0.1:
            # An identifier part percent-encoded (X-Road decodes each part), or its case changed.
            where = rng.randrange(len(parts))
            parts[where] = self.escape_one(parts[where]) if rng.random() < 0.7 else parts[where].swapcase()
            tags.append("identifier-escaped")
        protocol = "r1" if rng.random() < 0.93 else rng.choice(["R1", "r2", "r1;", "%72%31", "r1.0", "r", ""])
        if kind == "partial":
            segments = rng.choice([["public", rng.choice(NAMES)]] * 6 + [["private"], ["public"], ["public", "x", "y"], ["PUBLIC", "x"], ["publicx"], []])
        else:
            segments = [rng.choice(WORDS) for _ in range(rng.randint(0, 4))]
        bends = [(self.insert_dots, 6), (self.replace_with_dots, 4), (self.attach_escape, 6), (self.join_segments, 4),
                 (self.escape_segment, 4), (self.empty_segment, 2), (self.raw_byte, 1), (self.climb_to_secret, 4)]
        for _ in range(mutations):
            bend = self.pick(bends)[0]
            bent = bend(segments)
            tags.append(bend.__name__)
            if bent is False:
                http = False
        # With no segment after the service code, the call goes to the service's URL exactly.
        path = "/" + "/".join([protocol] + parts + segments)
        if rng.random() < 0.1:
            path += "/"
        if rng.random() < 0.15:
            path += "?" + rng.choice(["a=1", "../../secret", "x=%2e%2e%2f", "#frag", "a=b?c", "", "q=%zz", "path=/upstream-secret"])
            tags.append("query")
        if rng.random() < 0.04:
            path += "#" + rng.choice(["", "x", "/../../secret"])
            tags.append("fragment")
        target = path.encode("utf-8", "surrogateescape")
        if any(byte <= 0x20 or byte >= 0x7F for byte in target):
            http = False
        if rng.random() < 0.05:
            # Long paths, below and beyond the gateway's 4096 bytes.
            length = rng.choice([rng.randint(500, 3000), rng.randint(3900, 4096), rng.randint(4097, 5000)])
            filler = rng.choice([b"/a", b"/..", b"/%2e%2e", b"/public", b"/x" * 3 + b"/.."])
            target = target.split(b"?")[0] + filler * ((length - len(target)) // len(filler) + 1)
            target = target[:length]
            tags.append("long")
        return target, tags, http

    def escape_one(self, text):
        """One character of `text` as a percent-escape: in upper or lower case, or encoded twice."""
        if not text:
            return text
        where = self.rng.randrange(len(text))
        code = "%{:02X}".format(ord(text[where])) if ord(text[where]) < 128 else text[where]
        code = self.rng.choice([code, code.lower(), code.replace("%", "%25")])
        return text[:where] + code + text[where + 1 :]

    def insert_dots(self, segments):
        segments.insert(self.rng.randint(0, len(segments)), self.rng.choice(DOT_SEGMENTS))

    def replace_with_dots(self, segments):
        if segments:
            segments[self.rng.randrange(len(segments))] = self.rng.choice(DOT_SEGMENTS)
        else:
            segments.append(self.rng.choice(DOT_SEGMENTS))

    def attach_escape(self, segments):
        escape = self.rng.choice(ESCAPES)
        if not segments:
            segments.append(escape)
            return
        where = self.rng.randrange(len(segments))
        segments[where] = escape + segments[where] if self.rng.random() < 0.4 else segments[where] + escape

    def join_segments(self, segments):
        """Two segments joined by an escaped separator, which one server reads as one segment and another as two."""
        separator = self.rng.choice(["%2f", "%2F", "%5c", "%5C", "\\", "%252f", "%c0%af", "/./", "/../", "//", ";/"])
        while len(segments) < 2:
            segments.append(self.rng.choice(WORDS))
        where = self.rng.randrange(len(segments) - 1)
        segments[where : where + 2] = [segments[where] + separator + segments[where + 1]]

    def escape_segment(self, segments):
        if segments:
            where = self.rng.randrange(len(segments))
            segments[where] = self.escape_one(segments[where])

    def empty_segment(self, segments):
        segments.insert(self.rng.randint(0, len(segments)), "")

    def raw_byte(self, segments):
        """A byte a request target may not carry: the call is no longer HTTP."""
        raw = self.rng.choice(RAW_BYTES).decode("utf-8", "surrogateescape")
        if not segments:
            segments.append("x")
        where = self.rng.randrange(len(segments))
        segments[where] += raw
        return False

    def climb_to_secret(self, segments):
        """A way up and over to the secret service or to a path of the partial one outside its right."""
        dots = self.rng.choice(DOT_SEGMENTS[:20])
        way = self.rng.choice(["/", "%2f", "%2F", "\\", "%5c", "/./"])
        depth = self.rng.randint(1, 8)
        aim = self.rng.choice(["secret", "secret/items", "private", "public/x/../../private", "partial/private", "DATA/secret"])
        segments.append(way.join([dots] * depth).strip("/") + way + aim)

    # MARK: Request line and headers

    def bend_request_line(self, call, index):
        rng = self.rng
        choice = rng.randrange(7)
        if choice == 0:
            call.method = rng.choice(BAD_METHODS)
            call.http = False
            call.tags.append("bad-method")
        elif choice == 1:
            call.version = rng.choice(VERSIONS)
            if call.version != b"HTTP/1.0":
                call.http = False
            call.tags.append("version:" + call.version.decode("latin-1"))
        elif choice == 2:
            call.separator = rng.choice([b"  ", b"\t", b" \t"])
            call.http = False
            call.tags.append("separator")
        else:
            form = rng.choice(["absolute", "absolute-foreign", "asterisk", "authority", "empty", "relative", "double-slash"])
            path = call.target
            call.target = {
                "absolute": b"http://" + self.host + path, "absolute-foreign": b"http://evil.example" + path, "asterisk": b"*",
                "authority": b"127.0.0.1:80", "empty": b"", "relative": path.lstrip(b"/"), "double-slash": b"/" + path,
            }[form]
            if form in ("empty", "relative"):
                call.http = False
            call.tags.append("target:" + form)

    def bend_client(self, call, index):
        rng = self.rng
        consumer = CONSUMER.encode()
        other = rng.choice(OTHER_CLIENTS)
        variants = {
            "duplicated": lambda: call.replace(b"X-Road-Client", consumer, consumer),
            "duplicated-other": lambda: call.replace(b"X-Road-Client", consumer, other),
            "duplicated-other-first": lambda: call.replace(b"X-Road-Client", other, consumer),
            "duplicated-case": lambda: call.replace(b"X-Road-Client", consumer, (b"x-road-client", other)),
            "empty": lambda: call.replace(b"X-Road-Client", b""),
            "missing": lambda: call.replace(b"X-Road-Client"),
            "huge": lambda: call.replace(b"X-Road-Client", consumer + b"/" + b"Y" * rng.randint(16 << 10, 40 << 10)),
            "huge-padding": lambda: call.replace(b"X-Road-Client", consumer + b" " * rng.randint(16 << 10, 40 << 10)),
            "percent": lambda: call.replace(b"X-Road-Client", self.escape_one(CONSUMER).encode()),
            "percent-slash": lambda: call.replace(b"X-Road-Client", consumer.replace(b"/", rng.choice([b"%2F", b"%2f"]), rng.randint(1, 3))),
            "three-part": lambda: call.replace(b"X-Road-Client", rng.choice([b"VN/GOV/000.00.07.H38", b"VN/GOV/000.00.02.H38"])),
            "five-part": lambda: call.replace(b"X-Road-Client", consumer + rng.choice([b"/extra", b"/", b"/YTE"])),
            "dot-dot": lambda: call.replace(b"X-Road-Client", rng.choice([
                consumer + b"/..", b"VN/GOV/000.00.07.H38/../000.00.02.H38/DATA", consumer + b"/../YTE", b"VN/GOV/000.00.07.H38/..",
                b"VN/GOV/000.00.07.H38/%2e%2e", b"../" + consumer, b"VN/GOV/000.00.07.H38/./YTE", consumer + b"/%2e%2e/DATA"])),
            "other": lambda: call.replace(b"X-Road-Client", other),
            "lowercase": lambda: call.replace(b"X-Road-Client", consumer.lower()),
            "slashes": lambda: call.replace(b"X-Road-Client", rng.choice([b"/" + consumer, b"VN//GOV/000.00.07.H38/YTE", b"VN/GOV/000.00.07.H38//YTE"])),
            "padded": lambda: call.replace(b"X-Road-Client", b"\t " + consumer + b" \t"),
            "underscored-extra": lambda: call.replace(b"X-Road-Client", consumer, (rng.choice([b"X_Road_Client", b"X-Road_Client", b"x_road_client"]), other)),
            "underscored-only": lambda: call.replace(b"X-Road-Client", (b"X_Road_Client", consumer)),
            "obs-text": lambda: call.replace(b"X-Road-Client", consumer + "ệ".encode()),
        }
        # Lines that are not fields: the head is no longer HTTP.
        malformed = {
            "space-before-colon": lambda: call.replace(b"X-Road-Client", (None, b"X-Road-Client : " + consumer)),
            "folded": lambda: call.replace(b"X-Road-Client", b"VN/GOV", (None, b" /000.00.07.H38/YTE")),
            "folded-after": lambda: call.replace(b"X-Road-Client", consumer, (None, b"\t/" + other)),
            "nul": lambda: call.replace(b"X-Road-Client", consumer + b"\x00" + other),
            "cr": lambda: call.replace(b"X-Road-Client", consumer + b"\rX-Road-Client: " + other),
            "lf": lambda: call.replace(b"X-Road-Client", consumer + b"\nX-Road-Client: " + other),
        }
        name = rng.choice(list(variants) * 2 + list(malformed))
        (variants.get(name) or malformed[name])()
        if name in malformed:
            call.http = False
        call.tags.append("client:" + name)

    def bend_key(self, call, index):
        rng = self.rng
        key, wrong = self.key, rng.choice([b"hub_wrong", self.key[:-1] + b"A", b"", self.key.upper()])
        variants = {
            "duplicated": lambda: call.replace(b"X-Road-Client-Key", key, key),
            "wrong-first": lambda: call.replace(b"X-Road-Client-Key", wrong, key),
            "right-first": lambda: call.replace(b"X-Road-Client-Key", key, wrong),
            "empty": lambda: call.replace(b"X-Road-Client-Key", b""),
            "wrong": lambda: call.replace(b"X-Road-Client-Key", wrong),
            "missing": lambda: call.replace(b"X-Road-Client-Key"),
            "bearer": lambda: call.replace(b"X-Road-Client-Key", (b"Authorization", b"Bearer " + key)),
            "bearer-and-wrong": lambda: call.replace(b"X-Road-Client-Key", wrong, (b"Authorization", b"Bearer " + key)),
            "padded": lambda: call.replace(b"X-Road-Client-Key", b" " + key + b"\t"),
            "underscored": lambda: call.replace(b"X-Road-Client-Key", (b"X_Road_Client_Key", key)),
            "space-before-colon": lambda: call.replace(b"X-Road-Client-Key", (None, b"X-Road-Client-Key : " + key)),
        }
        name = rng.choice(list(variants))
        variants[name]()
        if name == "space-before-colon":
            call.http = False
        call.tags.append("key:" + name)

    def bend_host(self, call, index):
        name = self.rng.choice(["missing", "duplicated", "empty", "foreign", "huge"])
        call.replace(b"Host", *{
            "missing": [], "duplicated": [self.host, b"evil.example"], "empty": [b""], "foreign": [b"evil.example"],
            "huge": [b"h" * (17 << 10)],
        }[name])
        call.tags.append("host:" + name)

    def bend_noise(self, call, index):
        """Other header lines, fields or not."""
        rng = self.rng
        name = rng.choice(["nul", "cr", "space-before-colon", "empty-name", "no-colon", "folded", "odd-name", "x-road-id-twice",
                           "x-road-headers", "forwarded"])
        lines = {
            "nul": [(b"X-Note", b"a\x00b")],
            "cr": [(b"X-Note", b"a\rX-Road-Client: " + PROVIDER.encode())],
            "space-before-colon": [(None, b"X-Note : x")],
            "empty-name": [(None, b": x")],
            "no-colon": [(None, b"X-Note")],
            "folded": [(b"X-Note", b"a"), (None, b" X-Road-Client: " + PROVIDER.encode())],
            "odd-name": [(rng.choice([b"X(Note)", b"X-Note\"", b"X@Note"]), b"x")],
            "x-road-id-twice": [(b"X-Road-Id", b"fuzz-%d-again" % index)],
            "x-road-headers": [(b"X-Road-Service", PROVIDER.encode() + b"/secret"), (b"X-Road-Request-Hash", b"AAAA"),
                               (b"X-Road-Request-Id", b"forged")],
            "forwarded": [(b"X-Forwarded-For", b"10.0.0.1"), (b"Forwarded", b"for=10.0.0.1;host=evil.example")],
        }[name]
        where = rng.randint(1, len(call.headers))
        call.headers[where:where] = lines
        if name in ("nul", "cr", "space-before-colon", "empty-name", "no-colon", "folded", "odd-name"):
            call.http = False
        call.tags.append("noise:" + name)

    def bend_framing(self, call, index):
        """The body's framing: lengths duplicated, conflicting or not numbers, chunked beside a length, and requests
        smuggled behind a body one server would read one way and another the other."""
        rng = self.rng
        body = rng.choice([b"hello", b'{"a": 1}', b"x" * 40])
        chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        smuggled = self.smuggled(index)
        name = rng.choice(["length", "length-twice", "length-conflicting", "length-list", "length-negative", "length-plus", "length-hex",
                           "length-huge", "chunked", "chunked-listed", "chunked-and-length", "chunked-unknown", "chunked-malformed",
                           "gzip", "smuggle-cl-te", "smuggle-te-cl", "smuggle-te-folded", "smuggle-te-space"])
        length = b"%d" % len(body)
        framing = {
            "length": ([(b"Content-Length", length)], body, True),
            "length-twice": ([(b"Content-Length", length), (b"Content-Length", length)], body, True),
            "length-conflicting": ([(b"Content-Length", length), (b"Content-Length", b"%d" % (len(body) + 1))], b"", False),
            "length-list": ([(b"Content-Length", length + b", " + length)], b"", False),
            "length-negative": ([(b"Content-Length", b"-" + length)], b"", False),
            "length-plus": ([(b"Content-Length", b"+" + length)], b"", False),
            "length-hex": ([(b"Content-Length", b"0x%x" % len(body))], b"", False),
            "length-huge": ([(b"Content-Length", b"9" * 25)], b"", False),
            "chunked": ([(b"Transfer-Encoding", b"chunked")], chunked, call.version == b"HTTP/1.1"),
            "chunked-listed": ([(b"Transfer-Encoding", b"gzip, chunked")], chunked, call.version == b"HTTP/1.1"),
            "chunked-and-length": ([(b"Transfer-Encoding", b"chunked"), (b"Content-Length", length)], chunked, False),
            "chunked-unknown": ([(b"Transfer-Encoding", b"xchunked")], b"", False),
            "chunked-malformed": ([(b"Transfer-Encoding", b"chunked")], b"zz\r\n" + body + b"\r\n0\r\n\r\n", False),
            "gzip": ([(b"Transfer-Encoding", b"gzip")], b"", False),
            "smuggle-cl-te": ([(b"Content-Length", b"%d" % (5 + len(smuggled))), (b"Transfer-Encoding", b"chunked")], b"0\r\n\r\n" + smuggled, False),
            "smuggle-te-cl": ([(b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"4")],
                              b"%x\r\n" % len(smuggled) + smuggled + b"\r\n0\r\n\r\n", False),
            "smuggle-te-folded": ([(b"Content-Length", b"5"), (b"Transfer-Encoding", b""), (None, b" chunked")], b"0\r\n\r\n" + smuggled, False),
            "smuggle-te-space": ([(b"Content-Length", b"5"), (None, b"Transfer-Encoding : chunked")], b"0\r\n\r\n" + smuggled, False),
        }
        lines, call.body, http = framing[name]
        call.headers = [(n, v) for n, v in call.headers if n is None or n.lower() not in (b"content-length", b"transfer-encoding")] + lines
        if not http:
            call.http = False
        if name.startswith("smuggle"):
            call.headers.append((b"Connection", b"keep-alive"))
        call.tags.append("framing:" + name)

    def smuggled(self, index):
        """A well-formed call, with the consumer's own credentials, to where it has no right."""
        target = self.rng.choice([f"/r1/{PROVIDER}/secret/items", f"/r1/{PROVIDER}/partial/private", f"/r1/{PROVIDER}/secret"])
        return (
            b"GET " + target.encode() + b" HTTP/1.1\r\nHost: " + self.host + b"\r\nX-Road-Client: " + CONSUMER.encode()
            + b"\r\nX-Road-Client-Key: " + self.key + b"\r\nX-Road-Id: fuzz-%d-smuggled\r\n\r\n" % index
        )


# MARK: Answers
