"""matrix_lib.py - Matrix helpers for mentorbot's integration tests (stdlib only).

    from matrix_lib import Homeserver, matrix_bot

* Homeserver: tests/matrix/homeserver.py on a free loopback port, one per
  test (stopped by lib.end_test, which this module extends).  People talk to
  it as real clients do (login, createRoom, send) or through /_test/ controls.
* matrix_bot(hs): a lib.Bot whose config has a [matrix] section for hs.
* Counting: everything the bot posted is read back from /_test/events, so a
  duplicate (two events for one reply) is visible.
"""
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import lib
from lib import REPO, TestFailure, check_bots_alive

HOMESERVER = os.path.join(REPO, "tests", "matrix", "homeserver.py")
PY = "/usr/bin/python3"
SERVER_NAME = "localhost"
BOT_USER = "mentorbot"
BOT_ID = "@%s:%s" % (BOT_USER, SERVER_NAME)
ROOM = "#mentoring:" + SERVER_NAME
POLL = 0.1

_servers = []


class Homeserver:
    """One test homeserver.  users: names (password "pw"); the bot gets a fixed token."""

    def __init__(self, users=("alice", "bob"), rooms=(ROOM,), bot_token=None):
        self.bot_token = bot_token or "tok-%s-%s" % (lib.test_slug(), lib.RUN_ID)
        spec = ["%s:pw" % u for u in users] + ["%s:pw:%s" % (BOT_USER, self.bot_token)]
        # the first user creates the rooms: a person, not the bot
        args = [PY, HOMESERVER, "--port", "0", "--server-name", SERVER_NAME, "--users", ",".join(spec)]
        if rooms:
            args += ["--rooms", ",".join(rooms)]
        self.log_path = os.path.join(lib.runtime_dir(), "homeserver-%s-%s.log" % (lib.test_slug(), lib.RUN_ID))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        line = self.proc.stdout.readline().decode()
        m = re.match(r"READY (\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("homeserver did not start: %r" % line)
        self.port = int(m.group(1))
        self.url = "http://127.0.0.1:%d" % self.port
        self._clients = {}
        _servers.append(self)

    # -- raw HTTP ----------------------------------------------------------------
    def request(self, method, path, body=None, token=None, timeout=30):
        """(status, json) for a request to path (full path after the host)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw or b"{}")
            except ValueError:
                return e.code, {"raw": raw.decode("utf-8", "replace")}

    def test(self, method, name, body=None, query=None):
        path = "/_test/" + name + ("?" + urllib.parse.urlencode(query) if query else "")
        st, out = self.request(method, path, body)
        if st != 200:
            raise TestFailure("/_test/%s: %s %s" % (name, st, out))
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    # -- people ------------------------------------------------------------------
    def client(self, name):
        """A logged-in client for user `name` (created with password "pw" if unknown)."""
        if name not in self._clients:
            st, out = self.request("POST", "/_matrix/client/v3/login",
                                   {"type": "m.login.password",
                                    "identifier": {"type": "m.id.user", "user": name}, "password": "pw"})
            if st == 403:
                self.test("POST", "users", {"user": name, "password": "pw"})
                st, out = self.request("POST", "/_matrix/client/v3/login",
                                       {"type": "m.login.password",
                                        "identifier": {"type": "m.id.user", "user": name}, "password": "pw"})
            if st != 200:
                raise TestFailure("login %s: %s %s" % (name, st, out))
            self._clients[name] = Client(self, out["user_id"], out["access_token"])
        return self._clients[name]

    def room_id(self, alias=ROOM):
        st, out = self.request("GET", "/_matrix/client/v3/directory/room/" + urllib.parse.quote(alias, safe=""))
        if st != 200:
            raise TestFailure("alias %s: %s %s" % (alias, st, out))
        return out["room_id"]

    def say(self, room, sender, body):
        """Post as `sender` through the test control (fast; no client session needed)."""
        lib.note_text(body)
        return self.test("POST", "send", {"room": room, "sender": sender, "body": body})["event_id"]

    # -- reading back --------------------------------------------------------------
    def rooms(self, room=None):
        q = {"type": "m.room.message"}
        if room:
            q["room"] = room
        return self.test("GET", "events", query=q)["rooms"]

    def bot_messages(self, room=None):
        """[(room_id, event)] of every m.room.message the bot posted (in room, or anywhere)."""
        out = []
        for rid, r in self.rooms(room).items():
            out += [(rid, e) for e in r["events"] if e["sender"] == BOT_ID]
        return out

    def direct_messages(self, user):
        """Bot messages in rooms that hold only the bot and `user` (joined or invited) and no alias."""
        uid = user if user.startswith("@") else "@%s:%s" % (user, SERVER_NAME)
        out = []
        for rid, r in self.rooms().items():
            people = set(r["members"]) | set(r["invited"])
            if r["aliases"] or people != {BOT_ID, uid}:
                continue
            out += [e for e in r["events"] if e["sender"] == BOT_ID]
        return out

    def wait(self, fn, what, timeout=lib.REPLY_TIMEOUT, count=1):
        """Poll fn() (a list) until it has at least count items; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            got = fn()
            if len(got) >= count:
                return got
            check_bots_alive()
            if time.monotonic() > deadline:
                raise TestFailure("%d of %d %s after %.0f s: %s" % (
                    len(got), count, what, timeout, [g for g in got][-3:]))
            time.sleep(POLL)

    def settle(self, fn, expected, seconds=lib.SETTLE, what="messages"):
        """Watch for `seconds` that len(fn()) stays `expected`."""
        deadline = time.monotonic() + seconds
        while True:
            got = fn()
            if len(got) != expected:
                raise TestFailure("expected exactly %d %s, got %d: %s" % (
                    expected, what, len(got), [body_of(g) for g in got][:8]))
            if time.monotonic() > deadline:
                return got
            time.sleep(0.2)


def body_of(x):
    ev = x[1] if isinstance(x, tuple) else x
    return (ev.get("content") or {}).get("body", "")


class Client:
    """A person's client session (Authorization: Bearer)."""

    def __init__(self, hs, user_id, token):
        self.hs, self.user_id, self.token = hs, user_id, token
        self.txn = 0

    def api(self, method, path, body=None):
        st, out = self.hs.request(method, "/_matrix/client/v3" + path, body, self.token)
        if st != 200:
            raise TestFailure("%s %s %s: %s %s" % (self.user_id, method, path, st, out))
        return out

    def join(self, room):
        return self.api("POST", "/join/" + urllib.parse.quote(room, safe=""))["room_id"]

    def send(self, room_id, body, msgtype="m.text"):
        lib.note_text(body)
        self.txn += 1
        txn = "t%d.%d" % (time.time_ns(), self.txn)
        return self.api("PUT", "/rooms/%s/send/m.room.message/%s" % (urllib.parse.quote(room_id, safe=""), txn),
                        {"msgtype": msgtype, "body": body})["event_id"]

    def open_direct(self, other=BOT_ID):
        """Open a direct chat as a Matrix client does: createRoom is_direct + invite."""
        return self.api("POST", "/createRoom", {"is_direct": True, "invite": [other],
                                                "preset": "trusted_private_chat"})["room_id"]


def joined(hs, room_id, user=BOT_ID, timeout=lib.REPLY_TIMEOUT):
    """Wait until user is a joined member of room_id."""
    hs.wait(lambda: [1] if user in hs.test("GET", "state")["rooms"].get(room_id, {}).get("members", []) else [],
            "%s joined to %s" % (user, room_id), timeout)


def matrix_bot(hs, rooms=(ROOM,), config=None, start=True, name=None):
    """A lib.Bot with a [matrix] section for hs (token inline)."""
    cfg = {"matrix": {"homeserver": hs.url, "user": BOT_ID, "access_token": hs.bot_token,
                      "rooms": ", ".join(rooms)}}
    for sec, kv in (config or {}).items():
        cfg.setdefault(sec, {}).update(kv)
    return lib.Bot(name=name, config=cfg, start=start)


def wait_listening(bot, timeout=lib.REPLY_TIMEOUT):
    """The bot's Matrix side is past its first sync: what is posted from now on is answered."""
    bot.wait_log(r"matrix: listening", timeout)


def _end_test_with_homeservers(orig=lib.end_test):
    def end_test():
        problems = orig()          # bots first: they must not see the server vanish mid-test
        while _servers:
            try:
                _servers.pop().stop()
            except Exception as e:  # noqa: BLE001
                problems.append("could not stop the homeserver: %s" % e)
        return problems
    return end_test


if not getattr(lib.end_test, "_matrix", False):
    lib.end_test = _end_test_with_homeservers()
    lib.end_test._matrix = True
