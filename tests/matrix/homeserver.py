#!/usr/bin/python3
"""A small in-memory Matrix homeserver for mentorbot's tests.

Implements the part of the Matrix Client-Server API (spec v1.x,
/_matrix/client/v3/..., also served under the legacy /r0/ prefix) that a bot
uses, with the spec's request/response shapes and error bodies, plus test
controls under /_test/ (no auth, loopback only).  Standard library only; run it
with Debian's /usr/bin/python3.  See tests/matrix/README.md for the endpoint list
and the shapes of the test controls.

    homeserver.py --port 18448 --server-name localhost \
        [--users alice:pw,bob:pw,mentorbot:pw:TOKEN] [--rooms '#mentoring:localhost,...']

Prints "READY <port>" on stdout once listening on 127.0.0.1; logs one line per
request to stderr.  All state is in memory.
"""

import argparse
import base64
import hashlib
import json
import math
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SPEC_VERSIONS = ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6"]
ROOM_VERSION = "10"
DEFAULT_TIMELINE_LIMIT = 10
MAX_SYNC_TIMEOUT_MS = 60_000
STRIPPED_STATE_TYPES = ("m.room.create", "m.room.join_rules", "m.room.name",
                        "m.room.canonical_alias", "m.room.topic", "m.room.avatar",
                        "m.room.encryption")


def now_ms():
    return int(time.time() * 1000)


class MatrixError(Exception):
    def __init__(self, status, errcode, error, **extra):
        super().__init__(error)
        self.status, self.errcode, self.error, self.extra = status, errcode, error, extra
        self.headers = {}

    def body(self):
        b = {"errcode": self.errcode, "error": self.error}
        b.update(self.extra)
        return b


def rate_limited(retry_after_ms):
    e = MatrixError(429, "M_LIMIT_EXCEEDED", "Too Many Requests", retry_after_ms=int(retry_after_ms))
    e.headers["Retry-After"] = str(max(0, math.ceil(retry_after_ms / 1000)))
    return e


# ----------------------------------------------------------------------------
# state
# ----------------------------------------------------------------------------

class Room:
    def __init__(self, room_id):
        self.room_id = room_id
        self.events = []          # events in stream order (dicts, see Server.add_event)
        self.state = {}           # (type, state_key) -> event (current state)
        self.aliases = []

    def membership(self, user_id):
        ev = self.state.get(("m.room.member", user_id))
        return ev["content"].get("membership", "leave") if ev else None

    def members(self, membership="join"):
        return sorted(sk for (t, sk), ev in self.state.items()
                      if t == "m.room.member" and ev["content"].get("membership") == membership)

    def state_at(self, pos):
        """State (type, state_key) -> event after all events with stream pos <= pos."""
        st = {}
        for ev in self.events:
            if ev["_pos"] > pos:
                break
            if "state_key" in ev:
                st[(ev["type"], ev["state_key"])] = ev
        return st

    def membership_at(self, user_id, pos):
        m = None
        for ev in self.events:
            if ev["_pos"] > pos:
                break
            if ev["type"] == "m.room.member" and ev.get("state_key") == user_id:
                m = ev["content"].get("membership")
        return m

    def join_rule(self):
        ev = self.state.get(("m.room.join_rules", ""))
        return ev["content"].get("join_rule", "invite") if ev else "invite"


class State:
    def __init__(self, server_name):
        self.server_name = server_name
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.pos = 0                  # stream position of the newest event
        self.users = {}               # user_id -> {"password": str}
        self.tokens = {}              # access_token -> {"user_id", "device_id"}
        self.rooms = {}               # room_id -> Room
        self.aliases = {}             # alias -> room_id
        self.txns = {}                # (user_id, device_id, path) -> event_id
        self.filters = {}             # (user_id, filter_id) -> filter dict
        self.account_data = {}        # user_id -> {type: (pos, content)}
        self.ratelimits = []          # dict rules, see ratelimit_check
        self.next_rule_id = 1
        self.paused = None            # None | "hang" | "error"
        self.shutting_down = False
        self.requests = []            # request log for /_test/requests
        self.request_seq = 0

    # -- ids ---------------------------------------------------------------
    def user_id(self, name):
        name = name.strip()
        if name.startswith("@"):
            return name if ":" in name else name + ":" + self.server_name
        return "@%s:%s" % (name.lower(), self.server_name)

    def alias(self, name):
        name = name.strip()
        if not name.startswith("#"):
            name = "#" + name
        return name if ":" in name else name + ":" + self.server_name

    def new_room_id(self):
        while True:
            rid = "!%s:%s" % ("".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                      for _ in range(18)), self.server_name)
            if rid not in self.rooms:
                return rid

    def new_event_id(self, seed):
        h = hashlib.sha256(("%s|%d|%s" % (seed, self.pos, secrets.token_hex(8))).encode()).digest()
        return "$" + base64.urlsafe_b64encode(h).decode().rstrip("=")

    # -- users / tokens ------------------------------------------------------
    def add_user(self, name, password, token=None, device_id=None):
        uid = self.user_id(name)
        self.users[uid] = {"password": password}
        out = {"user_id": uid}
        if token:
            dev = device_id or "FIXED"
            self.tokens[token] = {"user_id": uid, "device_id": dev}
            out.update(access_token=token, device_id=dev)
        return out

    def new_login(self, uid, device_id=None):
        dev = device_id or "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(10))
        # a login with an existing device_id invalidates that device's old tokens
        for t in [t for t, s in self.tokens.items() if s["user_id"] == uid and s["device_id"] == dev]:
            del self.tokens[t]
        tok = "syt_" + secrets.token_urlsafe(24)
        self.tokens[tok] = {"user_id": uid, "device_id": dev}
        return tok, dev

    # -- events ----------------------------------------------------------------
    def add_event(self, room, sender, etype, content, state_key=None, txn=None):
        """Append an event to room; txn = (device_id, txnId) of the sending device."""
        self.pos += 1
        ev = {"event_id": self.new_event_id(room.room_id), "room_id": room.room_id,
              "sender": sender, "type": etype, "content": content,
              "origin_server_ts": now_ms(), "_pos": self.pos, "_txn": txn}
        if state_key is not None:
            ev["state_key"] = state_key
            prev = room.state.get((etype, state_key))
            if prev is not None:
                ev["_prev_content"] = prev["content"]
                ev["_replaces_state"] = prev["event_id"]
            room.state[(etype, state_key)] = ev
        room.events.append(ev)
        self.cond.notify_all()
        return ev

    def set_membership(self, room, sender, target, membership, extra=None):
        content = {"membership": membership}
        if membership in ("join", "invite"):
            content["displayname"] = target[1:].split(":", 1)[0]
        if extra:
            content.update(extra)
        return self.add_event(room, sender, "m.room.member", content, state_key=target)

    def create_room(self, creator, body):
        preset = body.get("preset")
        if preset is None:
            preset = "public_chat" if body.get("visibility") == "public" else "private_chat"
        if preset not in ("private_chat", "public_chat", "trusted_private_chat"):
            raise MatrixError(400, "M_INVALID_PARAM", "Unknown preset: %s" % preset)
        alias = None
        if body.get("room_alias_name") is not None:
            ran = body["room_alias_name"]
            if not isinstance(ran, str) or not ran or re.search(r"[\s:]", ran):
                raise MatrixError(400, "M_INVALID_PARAM", "Invalid characters in room alias")
            alias = "#%s:%s" % (ran, self.server_name)
            if alias in self.aliases:
                raise MatrixError(400, "M_ROOM_IN_USE", "Room alias already taken")
        invite = body.get("invite") or []
        if not isinstance(invite, list) or not all(isinstance(u, str) for u in invite):
            raise MatrixError(400, "M_BAD_JSON", "invite must be a list of user IDs")
        room = Room(self.new_room_id())
        self.rooms[room.room_id] = room
        cc = {"room_version": str(body.get("room_version") or ROOM_VERSION), "creator": creator}
        cc.update(body.get("creation_content") or {})
        self.add_event(room, creator, "m.room.create", cc, state_key="")
        self.set_membership(room, creator, creator, "join")
        users = {creator: 100}
        if preset == "trusted_private_chat":
            for u in invite:
                users[u] = 100
        pl = {"users": users, "users_default": 0, "events": {}, "events_default": 0,
              "state_default": 50, "ban": 50, "kick": 50, "redact": 50, "invite": 0}
        pl.update(body.get("power_level_content_override") or {})
        self.add_event(room, creator, "m.room.power_levels", pl, state_key="")
        if alias:
            self.add_event(room, creator, "m.room.canonical_alias", {"alias": alias}, state_key="")
        self.add_event(room, creator, "m.room.join_rules",
                       {"join_rule": "public" if preset == "public_chat" else "invite"}, state_key="")
        self.add_event(room, creator, "m.room.history_visibility", {"history_visibility": "shared"},
                       state_key="")
        if preset != "public_chat":
            self.add_event(room, creator, "m.room.guest_access", {"guest_access": "can_join"}, state_key="")
        for st in body.get("initial_state") or []:
            if isinstance(st, dict) and "type" in st:
                self.add_event(room, creator, st["type"], st.get("content") or {},
                               state_key=st.get("state_key", ""))
        if body.get("name") is not None:
            self.add_event(room, creator, "m.room.name", {"name": body["name"]}, state_key="")
        if body.get("topic") is not None:
            self.add_event(room, creator, "m.room.topic", {"topic": body["topic"]}, state_key="")
        for u in invite:
            self.set_membership(room, creator, u, "invite",
                                {"is_direct": True} if body.get("is_direct") else None)
        if alias:
            self.aliases[alias] = room.room_id
            room.aliases.append(alias)
        return room

    def resolve_room(self, room_id_or_alias):
        if room_id_or_alias.startswith("#"):
            rid = self.aliases.get(room_id_or_alias)
            if rid is None:
                raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % room_id_or_alias)
            return self.rooms[rid]
        room = self.rooms.get(room_id_or_alias)
        if room is None:
            raise MatrixError(404, "M_NOT_FOUND", "Unknown room %s" % room_id_or_alias)
        return room

    def join(self, room, uid):
        m = room.membership(uid)
        if m == "join":
            return
        if m == "ban":
            raise MatrixError(403, "M_FORBIDDEN", "You are banned from this room")
        if m != "invite" and room.join_rule() != "public":
            raise MatrixError(403, "M_FORBIDDEN", "You are not invited to this room.")
        self.set_membership(room, uid, uid, "join")

    # -- rate limiting (test controlled) ---------------------------------------
    def ratelimit_check(self, uid, method, path):
        t = time.monotonic()
        for r in self.ratelimits:
            if r["user_id"] and r["user_id"] != uid:
                continue
            if r["method"] and r["method"] != method:
                continue
            if r["_re"] and not r["_re"].search(path):
                continue
            if r["remaining"] is not None:
                if r["remaining"] <= 0:
                    continue
                r["remaining"] -= 1
                r["hits"] += 1
                raise rate_limited(r["retry_after_ms"])
            if r["_until"] is not None:
                if t >= r["_until"]:
                    continue
                r["hits"] += 1
                raise rate_limited(r["retry_after_ms"] if r["retry_after_ms"] is not None
                                   else int((r["_until"] - t) * 1000) + 1)


# ----------------------------------------------------------------------------
# event serialisation and filters
# ----------------------------------------------------------------------------

def client_event(ev, viewer_device=None, with_room_id=True):
    out = {k: v for k, v in ev.items() if not k.startswith("_")}
    if not with_room_id:
        out.pop("room_id", None)
    unsigned = {"age": max(0, now_ms() - ev["origin_server_ts"])}
    if "_prev_content" in ev:
        unsigned["prev_content"] = ev["_prev_content"]
        unsigned["replaces_state"] = ev["_replaces_state"]
    if ev["_txn"] and viewer_device == (ev["sender"], ev["_txn"][0]):
        unsigned["transaction_id"] = ev["_txn"][1]
    out["unsigned"] = unsigned
    return out


def stripped(ev):
    return {"type": ev["type"], "state_key": ev["state_key"], "content": ev["content"],
            "sender": ev["sender"]}


def _glob_match(pattern, value):
    if "*" not in pattern:
        return pattern == value
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), value) is not None


def event_filter_ok(f, ev):
    """Apply an EventFilter / RoomEventFilter (types, not_types, senders, not_senders)."""
    if not f:
        return True
    t = ev["type"]
    if "not_types" in f and any(_glob_match(p, t) for p in f["not_types"]):
        return False
    if "types" in f and f["types"] is not None and not any(_glob_match(p, t) for p in f["types"]):
        return False
    if "not_senders" in f and ev["sender"] in f["not_senders"]:
        return False
    if "senders" in f and f["senders"] is not None and ev["sender"] not in f["senders"]:
        return False
    if "not_rooms" in f and ev["room_id"] in f["not_rooms"]:
        return False
    if "rooms" in f and f["rooms"] is not None and ev["room_id"] not in f["rooms"]:
        return False
    return True


def parse_token(tok, what="from"):
    if tok is None:
        return None
    m = re.fullmatch(r"[st](\d+)", tok)
    if not m:
        raise MatrixError(400, "M_INVALID_PARAM", "Invalid %s token" % what)
    return int(m.group(1))


# ----------------------------------------------------------------------------
# HTTP layer
# ----------------------------------------------------------------------------

ROUTES = []   # (method, compiled regex over the path after the client prefix, handler name, needs auth)


def route(method, pattern, auth=True):
    def deco(fn):
        ROUTES.append((method, re.compile("^" + pattern + "$"), fn, auth))
        return fn
    return deco


SEG = r"([^/]+)"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mentorbot-test-homeserver/1"
    S: State = None   # set in main

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK add ~40 ms to every keep-alive answer (real homeservers set it)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):   # silence the default per-request log; we log ourselves
        pass

    # -- plumbing ------------------------------------------------------------------
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            data = b""
            while True:
                line = self.rfile.readline().strip()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                data += self.rfile.read(n)
                self.rfile.readline()
            return data
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def json_body(self):
        raw = self.raw_body
        if not raw.strip():
            return {}
        try:
            b = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise MatrixError(400, "M_NOT_JSON", "Content not JSON.")
        if not isinstance(b, dict):
            raise MatrixError(400, "M_BAD_JSON", "Content must be a JSON object.")
        return b

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.status_sent = status

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_OPTIONS(self):
        self.raw_body = self.read_body()
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "X-Requested-With, Content-Type, Authorization")
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.log_line("OPTIONS", self.path, 200, None, 0)

    def log_line(self, method, path, status, uid, ms):
        safe = re.sub(r"(access_token=)[^&]*", r"\1<redacted>", path)
        sys.stderr.write('%s %s "%s %s" %s %dms %s\n' % (
            time.strftime("%H:%M:%S"), self.client_address[0], method, safe, status, ms, uid or "-"))
        sys.stderr.flush()
        with self.S.lock:
            self.S.request_seq += 1
            self.S.requests.append({"n": self.S.request_seq, "ts": now_ms(), "method": method,
                                    "path": urllib.parse.urlsplit(safe).path, "status": status,
                                    "user_id": uid})
            if len(self.S.requests) > 5000:
                del self.S.requests[:1000]

    def dispatch(self, method):
        t0 = time.monotonic()
        self.status_sent = None
        self.uid = self.token = self.device_id = None
        split = urllib.parse.urlsplit(self.path)
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        raw_path = split.path
        try:
            self.raw_body = self.read_body()
            if raw_path.startswith("/_test/"):
                if not self.client_address[0].startswith("127."):
                    raise MatrixError(403, "M_FORBIDDEN", "test controls are loopback only")
                self.dispatch_test(method, raw_path[len("/_test/"):])
            else:
                self.wait_unpaused()
                self.dispatch_client(method, raw_path)
        except MatrixError as e:
            self.send_json(e.status, e.body(), e.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:   # a bug in this server: say so loudly, answer M_UNKNOWN
            import traceback
            traceback.print_exc()
            try:
                self.send_json(500, {"errcode": "M_UNKNOWN", "error": "Internal error: %r" % e})
            except OSError:
                pass
        self.log_line(method, self.path, self.status_sent, self.uid, int((time.monotonic() - t0) * 1000))

    def wait_unpaused(self):
        S = self.S
        with S.lock:
            while S.paused == "hang" and not S.shutting_down:
                S.cond.wait(1.0)
            if S.paused == "error":
                raise MatrixError(503, "M_UNKNOWN", "Server paused by test control")

    def dispatch_client(self, method, raw_path):
        m = re.match(r"^/_matrix/client/(?:v3|r0)(/.*)$", raw_path)
        if raw_path in ("/_matrix/client/versions", "/_matrix/client/versions/"):
            if method != "GET":
                raise MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request")
            return self.send_json(200, {"versions": SPEC_VERSIONS, "unstable_features": {}})
        if not m:
            raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")
        sub = m.group(1)
        path_matched = False
        for rmethod, rx, fn, auth in ROUTES:
            mm = rx.match(sub)
            if not mm:
                continue
            path_matched = True
            if rmethod != method:
                continue
            args = [urllib.parse.unquote(a) for a in mm.groups()]
            with self.S.lock:
                if auth:
                    self.authenticate()
                self.S.ratelimit_check(self.uid, method, sub)
                if fn is not h_sync:   # sync releases the lock while it waits
                    status, body = fn(self, *args)
            if fn is h_sync:
                status, body = fn(self, *args)
            return self.send_json(status, body)
        if path_matched:
            raise MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request")
        raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")

    def authenticate(self):
        tok = None
        h = self.headers.get("Authorization")
        if h:
            parts = h.split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "bearer":
                tok = parts[1].strip()
        if tok is None:
            tok = self.query.get("access_token")
        if not tok:
            raise MatrixError(401, "M_MISSING_TOKEN", "Missing access token")
        sess = self.S.tokens.get(tok)
        if sess is None:
            raise MatrixError(401, "M_UNKNOWN_TOKEN", "Unknown access token", soft_logout=False)
        self.token = tok
        self.uid = sess["user_id"]
        self.device_id = sess["device_id"]

    # -- test controls ------------------------------------------------------------------
    def dispatch_test(self, method, name):
        S = self.S
        name = name.rstrip("/")
        b = self.json_body() if method in ("POST", "PUT", "DELETE") else {}
        with S.lock:
            if (method, name) == ("POST", "users"):
                if not b.get("user") or not isinstance(b.get("password", ""), str):
                    raise MatrixError(400, "M_BAD_JSON", "need user, password")
                return self.send_json(200, S.add_user(b["user"], b.get("password", ""),
                                                      b.get("access_token"), b.get("device_id")))
            if (method, name) == ("POST", "revoke"):
                n = 0
                if b.get("access_token"):
                    n += 1 if S.tokens.pop(b["access_token"], None) else 0
                if b.get("user"):
                    uid = S.user_id(b["user"])
                    for t in [t for t, s in S.tokens.items() if s["user_id"] == uid]:
                        del S.tokens[t]
                        n += 1
                S.cond.notify_all()      # long-polling syncs of a revoked token answer 401 now
                return self.send_json(200, {"revoked": n})
            if (method, name) == ("POST", "ratelimit"):
                rule = {"id": S.next_rule_id,
                        "user_id": S.user_id(b["user"]) if b.get("user") else None,
                        "method": b.get("method"), "path": b.get("path"),
                        "_re": re.compile(b["path"]) if b.get("path") else None,
                        "remaining": None, "_until": None,
                        "retry_after_ms": b.get("retry_after_ms"), "hits": 0}
                if b.get("duration_ms") is not None:
                    rule["_until"] = time.monotonic() + b["duration_ms"] / 1000
                else:
                    rule["remaining"] = int(b.get("count", 1))
                    if rule["retry_after_ms"] is None:
                        rule["retry_after_ms"] = 1000
                S.next_rule_id += 1
                S.ratelimits.append(rule)
                return self.send_json(200, {"id": rule["id"]})
            if (method, name) == ("GET", "ratelimit"):
                return self.send_json(200, {"rules": [{k: v for k, v in r.items() if not k.startswith("_")}
                                                      for r in S.ratelimits]})
            if (method, name) == ("DELETE", "ratelimit"):
                S.ratelimits.clear()
                return self.send_json(200, {})
            if (method, name) == ("GET", "events"):
                want = self.query.get("room")
                out = {}
                for rid, room in S.rooms.items():
                    if want and want != rid and want not in room.aliases:
                        continue
                    evs = []
                    for ev in room.events:
                        if self.query.get("type") and ev["type"] != self.query["type"]:
                            continue
                        e = client_event(ev)
                        e["stream_pos"] = ev["_pos"]
                        if ev["_txn"]:
                            e["device_id"], e["txn_id"] = ev["_txn"]
                        evs.append(e)
                    out[rid] = {"aliases": room.aliases, "members": room.members("join"),
                                "invited": room.members("invite"), "events": evs}
                return self.send_json(200, {"rooms": out})
            if (method, name) == ("POST", "rooms"):
                creator = S.user_id(b.get("creator") or next(iter(S.users)))
                if creator not in S.users:
                    raise MatrixError(400, "M_INVALID_PARAM", "unknown creator")
                body = {k: v for k, v in b.items() if k not in ("creator", "alias", "members")}
                if b.get("alias"):
                    a = S.alias(b["alias"])
                    if not a.endswith(":" + S.server_name):
                        raise MatrixError(400, "M_INVALID_PARAM", "alias not on this server")
                    body["room_alias_name"] = a[1:].rsplit(":", 1)[0]
                body["invite"] = [S.user_id(u) for u in b.get("invite") or []]
                body.setdefault("preset", "public_chat")
                room = S.create_room(creator, body)
                for u in b.get("members") or []:
                    S.set_membership(room, S.user_id(u), S.user_id(u), "join")
                return self.send_json(200, {"room_id": room.room_id, "aliases": room.aliases})
            if (method, name) == ("POST", "send"):
                room = S.resolve_room(b.get("room", ""))
                sender = S.user_id(b.get("sender", ""))
                if room.membership(sender) != "join":
                    raise MatrixError(403, "M_FORBIDDEN", "%s is not in room %s" % (sender, room.room_id))
                content = b.get("content") or {"msgtype": "m.text", "body": b.get("body", "")}
                ev = S.add_event(room, sender, b.get("type", "m.room.message"), content)
                return self.send_json(200, {"event_id": ev["event_id"]})
            if (method, name) == ("GET", "requests"):
                since = int(self.query.get("since", 0))
                return self.send_json(200, {"requests": [r for r in S.requests if r["n"] > since],
                                            "last": S.request_seq})
            if (method, name) == ("GET", "state"):
                return self.send_json(200, {
                    "server_name": S.server_name, "stream_pos": S.pos, "paused": S.paused,
                    "users": sorted(S.users),
                    "sessions": [{"user_id": s["user_id"], "device_id": s["device_id"]}
                                 for s in S.tokens.values()],
                    "aliases": S.aliases,
                    "rooms": {rid: {"aliases": r.aliases, "join_rule": r.join_rule(),
                                    "members": r.members("join"), "invited": r.members("invite")}
                              for rid, r in S.rooms.items()}})
            if (method, name) == ("POST", "pause"):
                mode = b.get("mode", "hang")
                if mode not in ("hang", "error"):
                    raise MatrixError(400, "M_INVALID_PARAM", "mode is hang or error")
                S.paused = mode
                S.cond.notify_all()
                return self.send_json(200, {"paused": mode})
            if (method, name) == ("POST", "resume"):
                S.paused = None
                S.cond.notify_all()
                return self.send_json(200, {"paused": None})
            if (method, name) == ("POST", "shutdown"):
                S.shutting_down = True
                S.paused = None
                S.cond.notify_all()
                self.send_json(200, {})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return
        raise MatrixError(404, "M_UNRECOGNIZED", "Unknown test control %s %s" % (method, name))


# ----------------------------------------------------------------------------
# client-server endpoints (called with S.lock held, except h_sync)
# ----------------------------------------------------------------------------

@route("GET", "/login", auth=False)
def h_login_flows(h):
    return 200, {"flows": [{"type": "m.login.password"}]}


@route("POST", "/login", auth=False)
def h_login(h):
    S, b = h.S, h.json_body()
    if b.get("type") != "m.login.password":
        raise MatrixError(400, "M_UNKNOWN", "Unknown login type %s" % b.get("type"))
    ident = b.get("identifier")
    if isinstance(ident, dict):
        if ident.get("type") != "m.id.user" or not isinstance(ident.get("user"), str):
            raise MatrixError(400, "M_UNKNOWN", "Unknown identifier type or missing user")
        user = ident["user"]
    elif isinstance(b.get("user"), str):      # deprecated top-level "user"
        user = b["user"]
    else:
        raise MatrixError(400, "M_BAD_JSON", "Missing identifier")
    uid = S.user_id(user)
    h.uid = uid
    acct = S.users.get(uid)
    if acct is None or b.get("password") != acct["password"]:
        raise MatrixError(403, "M_FORBIDDEN", "Invalid username or password")
    dev = b.get("device_id") if isinstance(b.get("device_id"), str) and b.get("device_id") else None
    tok, dev = S.new_login(uid, dev)
    return 200, {"user_id": uid, "access_token": tok, "device_id": dev, "home_server": S.server_name}


@route("POST", "/logout")
def h_logout(h):
    h.S.tokens.pop(h.token, None)
    h.S.cond.notify_all()
    return 200, {}


@route("POST", "/logout/all")
def h_logout_all(h):
    for t in [t for t, s in h.S.tokens.items() if s["user_id"] == h.uid]:
        del h.S.tokens[t]
    h.S.cond.notify_all()
    return 200, {}


@route("GET", "/account/whoami")
def h_whoami(h):
    return 200, {"user_id": h.uid, "device_id": h.device_id, "is_guest": False}


@route("POST", "/createRoom")
def h_create_room(h):
    room = h.S.create_room(h.uid, h.json_body())
    return 200, {"room_id": room.room_id}


@route("GET", "/directory/room/" + SEG, auth=False)   # the spec requires no auth here
def h_get_alias(h, alias):
    rid = h.S.aliases.get(alias)
    if rid is None:
        raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % alias)
    return 200, {"room_id": rid, "servers": [h.S.server_name]}


@route("PUT", "/directory/room/" + SEG)
def h_put_alias(h, alias):
    S, b = h.S, h.json_body()
    if not re.fullmatch(r"#[^:\s]+:" + re.escape(S.server_name), alias):
        raise MatrixError(400, "M_INVALID_PARAM", "Invalid room alias")
    if alias in S.aliases:
        raise MatrixError(409, "M_UNKNOWN", "Room alias %s already exists" % alias)
    room = S.rooms.get(b.get("room_id", ""))
    if room is None:
        raise MatrixError(404, "M_NOT_FOUND", "Unknown room")
    S.aliases[alias] = room.room_id
    room.aliases.append(alias)
    return 200, {}


@route("DELETE", "/directory/room/" + SEG)
def h_del_alias(h, alias):
    rid = h.S.aliases.pop(alias, None)
    if rid is None:
        raise MatrixError(404, "M_NOT_FOUND", "Room alias %s not found" % alias)
    h.S.rooms[rid].aliases.remove(alias)
    return 200, {}


@route("POST", "/join/" + SEG)
def h_join_any(h, rid_or_alias):
    h.json_body()
    room = h.S.resolve_room(rid_or_alias)
    h.S.join(room, h.uid)
    return 200, {"room_id": room.room_id}


@route("POST", "/rooms/" + SEG + "/join")
def h_join(h, rid):
    h.json_body()
    room = h.S.resolve_room(rid)
    h.S.join(room, h.uid)
    return 200, {"room_id": room.room_id}


@route("POST", "/rooms/" + SEG + "/invite")
def h_invite(h, rid):
    S, b = h.S, h.json_body()
    target = b.get("user_id")
    if not isinstance(target, str) or not target.startswith("@"):
        raise MatrixError(400, "M_MISSING_PARAM", "Missing user_id")
    room = S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "You are not in room %s." % rid)
    m = room.membership(target)
    if m == "join":
        raise MatrixError(403, "M_FORBIDDEN", "%s is already in the room." % target)
    if m == "ban":
        raise MatrixError(403, "M_FORBIDDEN", "%s is banned from the room" % target)
    if m != "invite":
        extra = {"reason": b["reason"]} if isinstance(b.get("reason"), str) else None
        S.set_membership(room, h.uid, target, "invite", extra)
    return 200, {}


@route("POST", "/rooms/" + SEG + "/leave")
def h_leave(h, rid):
    S = h.S
    h.json_body()
    room = S.rooms.get(rid)
    if room is None:
        raise MatrixError(404, "M_NOT_FOUND", "Unknown room %s" % rid)
    m = room.membership(h.uid)
    if m in ("join", "invite"):
        S.set_membership(room, h.uid, h.uid, "leave")
    elif m is None:
        raise MatrixError(403, "M_FORBIDDEN", "User %s not in room %s" % (h.uid, rid))
    return 200, {}


@route("POST", "/rooms/" + SEG + "/forget")
def h_forget(h, rid):
    return 200, {}


@route("GET", "/joined_rooms")
def h_joined_rooms(h):
    return 200, {"joined_rooms": [rid for rid, r in h.S.rooms.items() if r.membership(h.uid) == "join"]}


@route("GET", "/rooms/" + SEG + "/joined_members")
def h_joined_members(h, rid):
    room = h.S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "You aren't a member of the room.")
    return 200, {"joined": {u: {"display_name": room.state[("m.room.member", u)]["content"].get("displayname"),
                                "avatar_url": None} for u in room.members("join")}}


@route("GET", "/rooms/" + SEG + "/members")
def h_members(h, rid):
    room = h.S.rooms.get(rid)
    if room is None or room.membership(h.uid) is None:
        raise MatrixError(403, "M_FORBIDDEN", "You aren't a member of the room.")
    return 200, {"chunk": [client_event(ev) for (t, _), ev in room.state.items() if t == "m.room.member"]}


@route("GET", "/rooms/" + SEG + "/state")
def h_state_all(h, rid):
    room = h.S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "You aren't a member of the room.")
    return 200, [client_event(ev) for ev in room.state.values()]


def _state_get(h, rid, etype, skey):
    room = h.S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "You aren't a member of the room.")
    ev = room.state.get((etype, skey))
    if ev is None:
        raise MatrixError(404, "M_NOT_FOUND", "Event not found.")
    return 200, ev["content"]


def _state_put(h, rid, etype, skey):
    S, b = h.S, h.json_body()
    room = S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "You are not in room %s." % rid)
    if etype == "m.room.member":
        raise MatrixError(403, "M_FORBIDDEN", "use the membership endpoints")
    ev = S.add_event(room, h.uid, etype, b, state_key=skey)
    return 200, {"event_id": ev["event_id"]}


@route("GET", "/rooms/" + SEG + "/state/" + SEG)
def h_state_get0(h, rid, etype):
    return _state_get(h, rid, etype, "")


@route("GET", "/rooms/" + SEG + "/state/" + SEG + "/([^/]*)")
def h_state_get(h, rid, etype, skey):
    return _state_get(h, rid, etype, skey)


@route("PUT", "/rooms/" + SEG + "/state/" + SEG)
def h_state_put0(h, rid, etype):
    return _state_put(h, rid, etype, "")


@route("PUT", "/rooms/" + SEG + "/state/" + SEG + "/([^/]*)")
def h_state_put(h, rid, etype, skey):
    return _state_put(h, rid, etype, skey)


@route("PUT", "/rooms/" + SEG + "/send/" + SEG + "/" + SEG)
def h_send(h, rid, etype, txn_id):
    S = h.S
    key = (h.uid, h.device_id, "send", rid, etype, txn_id)
    if key in S.txns:
        return 200, {"event_id": S.txns[key]}
    content = h.json_body()
    room = S.rooms.get(rid)
    if room is None or room.membership(h.uid) != "join":
        raise MatrixError(403, "M_FORBIDDEN", "User %s not in room %s" % (h.uid, rid))
    ev = S.add_event(room, h.uid, etype, content, txn=(h.device_id, txn_id))
    S.txns[key] = ev["event_id"]
    return 200, {"event_id": ev["event_id"]}


@route("PUT", "/rooms/" + SEG + "/typing/" + SEG)
def h_typing(h, rid, uid):
    h.json_body()
    return 200, {}


@route("POST", "/rooms/" + SEG + "/receipt/" + SEG + "/" + SEG)
def h_receipt(h, rid, rtype, eid):
    h.json_body()
    return 200, {}


@route("POST", "/rooms/" + SEG + "/read_markers")
def h_read_markers(h, rid):
    h.json_body()
    return 200, {}


@route("GET", "/rooms/" + SEG + "/messages")
def h_messages(h, rid):
    S, q = h.S, h.query
    room = S.rooms.get(rid)
    if room is None or room.membership(h.uid) is None:
        raise MatrixError(403, "M_FORBIDDEN", "User %s not in room %s" % (h.uid, rid))
    direction = q.get("dir", "f")
    if direction not in ("b", "f"):
        raise MatrixError(400, "M_INVALID_PARAM", "dir must be b or f")
    try:
        limit = min(max(int(q.get("limit", 10)), 0), 1000)
    except ValueError:
        raise MatrixError(400, "M_INVALID_PARAM", "limit must be an integer")
    frm = parse_token(q.get("from"))
    if frm is None:
        frm = S.pos if direction == "b" else 0
    to = parse_token(q.get("to"), "to")
    flt = {}
    if q.get("filter"):
        try:
            flt = json.loads(q["filter"])
        except ValueError:
            raise MatrixError(400, "M_NOT_JSON", "filter is not JSON")
    # visible: everything while joined; up to the leave event after leaving
    upper = S.pos
    if room.membership(h.uid) != "join":
        upper = room.state[("m.room.member", h.uid)]["_pos"]
    if direction == "b":
        cands = [e for e in reversed(room.events) if e["_pos"] <= min(frm, upper) and (to is None or e["_pos"] > to)]
    else:
        cands = [e for e in room.events if frm < e["_pos"] <= upper and (to is None or e["_pos"] <= to)]
    chunk, last = [], None
    for e in cands:
        if len(chunk) >= limit:
            break
        last = e
        if event_filter_ok(flt, e):
            chunk.append(client_event(e, (h.uid, h.device_id)))
    resp = {"chunk": chunk, "start": "t%d" % frm}
    if last is not None and (len(chunk) >= limit and limit > 0):
        resp["end"] = "t%d" % (last["_pos"] - 1 if direction == "b" else last["_pos"])
    return 200, resp


@route("POST", "/user/" + SEG + "/filter")
def h_filter_post(h, uid):
    if uid != h.uid:
        raise MatrixError(403, "M_FORBIDDEN", "Cannot create filters for other users")
    b = h.json_body()
    fid = str(sum(1 for (u, _) in h.S.filters if u == uid))
    h.S.filters[(uid, fid)] = b
    return 200, {"filter_id": fid}


@route("GET", "/user/" + SEG + "/filter/" + SEG)
def h_filter_get(h, uid, fid):
    f = h.S.filters.get((uid, fid))
    if uid != h.uid or f is None:
        raise MatrixError(404, "M_NOT_FOUND", "No such filter")
    return 200, f


@route("PUT", "/user/" + SEG + "/account_data/" + SEG)
def h_account_data_put(h, uid, typ):
    if uid != h.uid:
        raise MatrixError(403, "M_FORBIDDEN", "Cannot add account data for other users.")
    b = h.json_body()
    h.S.pos += 1
    h.S.account_data.setdefault(uid, {})[typ] = (h.S.pos, b)
    h.S.cond.notify_all()
    return 200, {}


@route("GET", "/user/" + SEG + "/account_data/" + SEG)
def h_account_data_get(h, uid, typ):
    if uid != h.uid:
        raise MatrixError(403, "M_FORBIDDEN", "Cannot get account data for other users.")
    ent = h.S.account_data.get(uid, {}).get(typ)
    if ent is None:
        raise MatrixError(404, "M_NOT_FOUND", "Account data not found")
    return 200, ent[1]


@route("GET", "/profile/" + SEG, auth=False)
def h_profile(h, uid):
    if uid not in h.S.users:
        raise MatrixError(404, "M_NOT_FOUND", "Profile was not found")
    return 200, {"displayname": uid[1:].split(":", 1)[0]}


@route("GET", "/profile/" + SEG + "/displayname", auth=False)
def h_profile_dn(h, uid):
    if uid not in h.S.users:
        raise MatrixError(404, "M_NOT_FOUND", "Profile was not found")
    return 200, {"displayname": uid[1:].split(":", 1)[0]}


@route("GET", "/capabilities")
def h_capabilities(h):
    return 200, {"capabilities": {"m.change_password": {"enabled": False},
                                  "m.room_versions": {"default": ROOM_VERSION,
                                                      "available": {ROOM_VERSION: "stable"}}}}


@route("GET", "/pushrules/")
def h_pushrules(h):
    return 200, {"global": {"override": [], "content": [], "room": [], "sender": [], "underride": []}}


# -- sync ---------------------------------------------------------------------------------

def _load_filter(h):
    f = h.query.get("filter")
    if not f:
        return {}
    if f.lstrip().startswith("{"):
        try:
            v = json.loads(f)
        except ValueError:
            raise MatrixError(400, "M_NOT_JSON", "filter is not valid JSON")
        if not isinstance(v, dict):
            raise MatrixError(400, "M_BAD_JSON", "filter must be a JSON object")
        return v
    v = h.S.filters.get((h.uid, f))
    if v is None:
        raise MatrixError(400, "M_INVALID_PARAM", "No such filter: %s" % f)
    return v


def _room_filter_ok(rf, rid):
    if "not_rooms" in rf and rid in rf["not_rooms"]:
        return False
    if rf.get("rooms") is not None and rid not in rf["rooms"]:
        return False
    return True


def build_sync(S, uid, device, since, flt, full_state):
    """Build a /sync response for events after stream position `since` (None = initial)."""
    rf = flt.get("room") or {}
    tf = rf.get("timeline") or {}
    sf = rf.get("state") or {}
    limit = tf.get("limit", DEFAULT_TIMELINE_LIMIT)
    try:
        limit = max(0, int(limit))
    except (TypeError, ValueError):
        limit = DEFAULT_TIMELINE_LIMIT
    viewer = (uid, device)
    join, invite, leave = {}, {}, {}
    for rid, room in S.rooms.items():
        if not _room_filter_ok(rf, rid):
            continue
        cur = room.membership(uid)
        if cur is None:
            continue
        my_ev = room.state[("m.room.member", uid)]
        before = room.membership_at(uid, since) if since is not None else None
        if cur == "invite":
            if since is None or my_ev["_pos"] > since:
                evs = [stripped(room.state[(t, "")]) for t in STRIPPED_STATE_TYPES if (t, "") in room.state]
                inviter = room.state.get(("m.room.member", my_ev["sender"]))
                if inviter is not None:
                    evs.append(stripped(inviter))
                me = stripped(my_ev)
                me.update(event_id=my_ev["event_id"], origin_server_ts=my_ev["origin_server_ts"])
                evs.append(me)
                invite[rid] = {"invite_state": {"events": evs}}
            continue
        if cur == "join":
            upper = S.pos
            newly = since is None or before != "join"
        else:   # leave / ban
            if since is None:
                if not rf.get("include_leave"):
                    continue
            elif my_ev["_pos"] <= since or before not in ("join", "invite"):
                continue
            upper = my_ev["_pos"]
            newly = since is None or before != "join"
        lower = -1 if newly else since
        if cur != "join" and before == "invite" and since is not None:
            cands = [my_ev]         # a rejected / withdrawn invite: only the leave event
            lower = my_ev["_pos"] - 1
        else:
            cands = [e for e in room.events if lower < e["_pos"] <= upper]
        cands = [e for e in cands if event_filter_ok(tf, e)]
        limited = len(cands) > limit
        tl = cands[-limit:] if limit else []
        start = tl[0]["_pos"] - 1 if tl else upper
        # state between `since` (or the start of the room) and the start of the timeline
        st_start = room.state_at(start)
        if newly or full_state:
            st_events = list(st_start.values())
        else:
            st_since = room.state_at(since)
            st_events = [ev for k, ev in st_start.items() if st_since.get(k) is not ev]
        in_tl = {e["event_id"] for e in tl}
        st_events = [e for e in st_events if e["event_id"] not in in_tl and event_filter_ok(sf, e)]
        if cur == "join" and not (tl or st_events or full_state or newly):
            continue
        entry = {
            "timeline": {"events": [client_event(e, viewer, False) for e in tl],
                         "limited": limited, "prev_batch": "t%d" % start},
            "state": {"events": [client_event(e, viewer, False) for e in st_events]},
            "account_data": {"events": []},
        }
        if cur == "join":
            heroes = [u for u in room.members("join") + room.members("invite") if u != uid][:5]
            entry["ephemeral"] = {"events": []}
            entry["summary"] = {"m.heroes": heroes,
                                "m.joined_member_count": len(room.members("join")),
                                "m.invited_member_count": len(room.members("invite"))}
            join[rid] = entry
        else:
            leave[rid] = entry
    acc = [{"type": t, "content": c} for t, (p, c) in S.account_data.get(uid, {}).items()
           if since is None or p > since]
    resp = {"next_batch": "s%d" % S.pos,
            "rooms": {"join": join, "invite": invite, "leave": leave, "knock": {}},
            "account_data": {"events": acc},
            "presence": {"events": []},
            "to_device": {"events": []},
            "device_lists": {"changed": [], "left": []},
            "device_one_time_keys_count": {}}
    empty = not (join or invite or leave or acc)
    return resp, empty


@route("GET", "/sync")
def h_sync(h):
    """Called WITHOUT the state lock held (it long-polls)."""
    S, q = h.S, h.query
    with S.lock:
        since = parse_token(q.get("since"), "since") if q.get("since") else None
        if since is not None and since > S.pos:
            since = S.pos
        flt = _load_filter(h)
        full_state = q.get("full_state", "false").lower() == "true"
        try:
            timeout_ms = int(q.get("timeout", 0))
        except ValueError:
            raise MatrixError(400, "M_INVALID_PARAM", "timeout must be an integer")
        timeout_ms = max(0, min(timeout_ms, MAX_SYNC_TIMEOUT_MS))
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            if h.token not in S.tokens:          # revoked while waiting
                raise MatrixError(401, "M_UNKNOWN_TOKEN", "Unknown access token", soft_logout=False)
            resp, empty = build_sync(S, h.uid, h.device_id, since, flt, full_state)
            left = deadline - time.monotonic()
            if since is None or full_state or not empty or left <= 0 or S.shutting_down:
                break
            if S.paused != "hang":
                S.cond.wait(left)
            else:
                S.cond.wait(1.0)
        while S.paused == "hang" and not S.shutting_down:
            S.cond.wait(1.0)
        return 200, resp


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=18448, help="TCP port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--server-name", default="localhost")
    p.add_argument("--users", default="", help="alice:pw,bob:pw,mentorbot:pw:TOKEN")
    p.add_argument("--rooms", default="",
                   help="'#mentoring:localhost,#other' - public rooms created by the first user; "
                        "'#room=bob+carol' makes bob the creator and carol a joined member")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    S = State(args.server_name)
    first = None
    for spec in filter(None, (s.strip() for s in args.users.split(","))):
        parts = spec.split(":")
        if len(parts) < 2:
            sys.exit("homeserver.py: bad --users entry %r (want name:password[:token])" % spec)
        out = S.add_user(parts[0], parts[1], parts[2] if len(parts) > 2 and parts[2] else None)
        first = first or out["user_id"]
    with S.lock:
        for spec in filter(None, (s.strip() for s in args.rooms.split(","))):
            alias, _, who = spec.partition("=")
            people = [S.user_id(u) for u in who.split("+") if u] if who else []
            creator = people[0] if people else first
            if creator is None:
                sys.exit("homeserver.py: --rooms needs --users (the first user creates the rooms)")
            a = S.alias(alias)
            room = S.create_room(creator, {"preset": "public_chat",
                                           "room_alias_name": a[1:].rsplit(":", 1)[0],
                                           "name": a[1:].rsplit(":", 1)[0]})
            for u in people[1:]:
                S.join(room, u)
    Handler.S = S
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.request_queue_size = 128
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True

    def on_signal(signum, frame):
        with S.lock:
            S.shutting_down = True
            S.paused = None
            S.cond.notify_all()
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stdout.write("READY %d\n" % httpd.server_address[1])
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    sys.stderr.write("homeserver.py: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
