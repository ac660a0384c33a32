"""xmpp_lib.py - helpers for mentorbot's XMPP integration tests and bench.

Run with Debian's /usr/bin/python3 (python3-slixmpp) through runner.py.

    import lib, xmpp_lib as X
    X.prosody()                         # start the private Prosody once per run (lazily)
    bot = lib.Bot(config=X.bot_config(X.account("bot"), [room]))
    alice = X.Person("alice"); alice.join(room, "alice"); alice.wait_occupant(room, "MentorBot")
    i = alice.say(room, "!help"); alice.wait(lambda m: ..., what="...")

* Prosody: tests/servers/prosody.sh in <servers' $T>/xmpp-<run id>, on
  127.0.0.1:$XMPP_PORT (default: 15222 if free, else a free port), stopped at
  exit.  Domain localhost, MUC muc.localhost (non-anonymous rooms), STARTTLS
  optional (CA file: cafile()).  restart_prosody() stops and starts it (data kept).
* account(label): a fresh registered JID per test and run (password "pass").
* Person: one slixmpp client (all clients share one asyncio loop in a
  background thread); records every message it receives with its arrival
  time (time.perf_counter()).
"""
import asyncio
import atexit
import logging
import os
import re
import socket
import ssl
import subprocess
import threading
import time

import lib

DOMAIN = "localhost"
MUC = "muc.localhost"
PASSWORD = "pass"
PROSODY_SH = os.path.join(lib.SERVERS, "prosody.sh")

logging.getLogger("slixmpp").setLevel(logging.ERROR)

_prosody = {"dir": None, "port": None}


def _port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _pick_port():
    if os.environ.get("XMPP_PORT"):
        return int(os.environ["XMPP_PORT"])
    for p in [15222] + list(range(15230, 15330)):
        if _port_free(p):
            return p
    raise lib.TestFailure("no free port for Prosody")


def _sh(*args, timeout=60):
    env = dict(os.environ, T=_prosody["dir"], XMPP_PORT=str(_prosody["port"]))
    p = subprocess.run([PROSODY_SH] + list(args), env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        raise lib.TestFailure("prosody.sh %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr[-600:]))
    return p


def prosody():
    """Start the private Prosody once per run; returns its port."""
    if _prosody["dir"] is None:
        d = os.path.join(lib.runtime_dir(), "xmpp-" + lib.RUN_ID)
        os.makedirs(d, exist_ok=True)
        _prosody["dir"], _prosody["port"] = d, _pick_port()
        _sh("start")
        atexit.register(stop_prosody)
    return _prosody["port"]


def stop_prosody():
    if _prosody["dir"] and os.path.exists(os.path.join(_prosody["dir"], "prosody.pid")):
        _sh("stop")


def restart_prosody(down_seconds=0.0):
    """Stop Prosody (every client is disconnected), wait, start it again."""
    prosody()
    _sh("stop")
    if down_seconds:
        time.sleep(down_seconds)
    _sh("start")


def prosody_pid():
    with open(os.path.join(_prosody["dir"], "prosody.pid")) as f:
        return int(f.read().strip())


def cafile():
    prosody()
    return os.path.join(_prosody["dir"], "prosody", "certs", "localhost.crt")


def account(label="user"):
    """Register and return a fresh JID <label>-<test>-<run>@localhost (password "pass")."""
    prosody()
    local = re.sub(r"[^a-z0-9-]+", "-", ("%s-%s-%s" % (label, lib.test_slug(), lib.RUN_ID)).lower())[:60]
    _sh("register", local, PASSWORD)
    return "%s@%s" % (local, DOMAIN)


def room(label="room"):
    """A fresh room JID for this test and run."""
    local = re.sub(r"[^a-z0-9-]+", "-", ("%s-%s-%s" % (label, lib.test_slug(), lib.RUN_ID)).lower())[:60]
    return "%s@%s" % (local, MUC)


def bot_config(jid, rooms, nick="MentorBot", tls=False, extra=None):
    """The [xmpp] section for lib.Bot(config=...)."""
    port = prosody()
    x = {"jid": jid, "password": PASSWORD, "server": "127.0.0.1:%d" % port, "nick": nick,
         "rooms": ", ".join(rooms)}
    if tls:
        x["tls"] = "required"
        x["ca_file"] = cafile()
    else:
        x["tls"] = "off"
    cfg = {"xmpp": x}
    for sec, kv in (extra or {}).items():
        cfg.setdefault(sec, {}).update(kv)
    return cfg


# --------------------------------------------------------------------------
# slixmpp clients on one background asyncio loop

_loop = {"loop": None, "thread": None}


def _aloop():
    if _loop["loop"] is None:
        ready = threading.Event()

        def run():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            _loop["loop"] = loop
            ready.set()
            loop.run_forever()

        t = threading.Thread(target=run, name="slixmpp", daemon=True)
        t.start()
        ready.wait(10)
        _loop["thread"] = t
    return _loop["loop"]


def _call(coro_fn, timeout=30):
    """Run coro_fn() on the client loop and return its result."""
    fut = asyncio.run_coroutine_threadsafe(coro_fn(), _aloop())
    return fut.result(timeout)


def _origin_id(msg):
    e = msg.xml.find("{urn:xmpp:sid:0}origin-id")
    return e.get("id") if e is not None else None


class Person:
    """A person on XMPP: a slixmpp client with its own account (or jid=...)."""

    def __init__(self, label="person", jid=None, tls=False, timeout=20):
        import slixmpp
        port = prosody()
        self.jid = jid or account(label)
        self.msgs = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.nicks = {}       # room -> our nick
        self.occupants = {}   # room -> set of nicks present
        outer = self

        async def make():
            c = slixmpp.ClientXMPP(self.jid, PASSWORD)
            c.register_plugin("xep_0030")
            c.register_plugin("xep_0045")
            c.register_plugin("xep_0199")
            started = asyncio.get_running_loop().create_future()
            c.add_event_handler("session_start", lambda _e: (c.send_presence(), started.done() or started.set_result(1)))
            c.add_event_handler("failed_auth", lambda _e: started.done() or started.set_exception(
                lib.TestFailure("XMPP auth failed for %s" % outer.jid)))
            c.add_event_handler("message", outer._on_message)
            c.add_event_handler("presence", outer._on_presence)
            c.add_event_handler("groupchat_presence", outer._on_presence)
            if tls:
                ctx = ssl.create_default_context(cafile=cafile())
                c.ssl_context = ctx
                c.connect(("127.0.0.1", port), force_starttls=True)
            else:
                c.connect(("127.0.0.1", port), force_starttls=False, disable_starttls=True)
            await asyncio.wait_for(started, timeout)
            return c

        self.c = _call(make, timeout + 5)

    # ---- events (on the loop thread)
    def _on_message(self, msg):
        body = msg["body"]
        if not body:
            return
        frm = str(msg["from"])
        typ = msg["type"]
        room_, _, nick = frm.partition("/")
        rec = {"t": time.perf_counter(), "type": typ, "from": frm, "body": body, "id": msg["id"],
               "origin_id": _origin_id(msg),
               "room": room_ if typ == "groupchat" else None, "nick": nick if typ == "groupchat" else None,
               "delayed": bool(msg.xml.find("{urn:xmpp:delay}delay") is not None)}
        if typ == "groupchat" and self.nicks.get(room_) == nick:
            rec["own"] = True
        with self.cond:
            self.msgs.append(rec)
            self.cond.notify_all()

    def _on_presence(self, pres):
        frm = str(pres["from"])
        room_, _, nick = frm.partition("/")
        if not nick or room_ not in self.occupants and room_ not in self.nicks:
            return
        with self.cond:
            s = self.occupants.setdefault(room_, set())
            if pres["type"] == "unavailable":
                s.discard(nick)
            elif pres["type"] != "error":
                s.add(nick)
            self.cond.notify_all()

    # ---- actions
    def join(self, room_, nick, timeout=15):
        self.nicks[room_] = nick
        with self.cond:
            self.occupants.setdefault(room_, set())

        async def j():
            self.c.plugin["xep_0045"].join_muc(room_, nick)
        _call(j)
        self.wait_occupant(room_, nick, timeout)

    def wait_occupant(self, room_, nick, timeout=20, present=True):
        deadline = time.monotonic() + timeout
        def here():
            try:
                roster = set(self.c.plugin["xep_0045"].get_roster(room_) or ())
            except Exception:  # noqa: BLE001 - room not known to the plugin yet
                roster = set()
            return nick in self.occupants.get(room_, set()) or (present and nick in roster)

        with self.cond:
            while here() != present:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise lib.TestFailure("%s: %s %s in %s after %.0f s (present: %s)" % (
                        self.jid, nick, "not" if present else "still", room_, timeout,
                        sorted(self.occupants.get(room_, set()))))
                self.cond.wait(min(left, 0.5))
                lib.check_bots_alive()

    def say(self, room_, text):
        """Send a groupchat message; returns (id, perf_counter time)."""
        return self._send(room_, text, "groupchat")

    def direct(self, to, text):
        return self._send(to, text, "chat")

    def _send(self, to, text, typ):
        lib.note_text(text)
        out = {}

        async def s():
            m = self.c.make_message(mto=to, mbody=text, mtype=typ)
            out["id"] = m["id"] or self.c.new_id()
            m["id"] = out["id"]
            out["t"] = time.perf_counter()
            m.send()
        _call(s)
        return out["id"], out["t"]

    def send_many(self, items):
        """items: [(to, text, type)] sent back to back in one loop call."""
        for _, text, _ in items:
            lib.note_text(text)

        async def s():
            for to, text, typ in items:
                self.c.make_message(mto=to, mbody=text, mtype=typ).send()
        _call(s)

    def messages(self, pred=None):
        with self.lock:
            ms = list(self.msgs)
        return [m for m in ms if not m.get("own") and (pred is None or pred(m))]

    def wait(self, pred, timeout=lib.REPLY_TIMEOUT, count=1, what="message"):
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(pred)
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                recent = "; ".join("%s %s: %r" % (m["type"], m["from"], m["body"][:80]) for m in self.messages()[-6:])
                raise lib.TestFailure("%s: %d of %d %s after %.0f s (last: %s)" % (
                    self.jid, len(found), count, what, timeout, recent or "none"))
            lib.check_bots_alive()
            with self.cond:
                self.cond.wait(min(left, 0.2))

    def expect_count(self, pred, expected, seconds=lib.SETTLE, what="messages"):
        """Watch for `seconds` that the number of pred-matching messages stays `expected`."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.messages(pred)
            if len(found) != expected:
                raise lib.TestFailure("%s: expected exactly %d %s, got %d: %s" % (
                    self.jid, expected, what, len(found), "; ".join(repr(m["body"][:60]) for m in found[:10])))
            if time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def close(self):
        async def d():
            self.c.disconnect()
        try:
            _call(d, 5)
        except Exception:  # noqa: BLE001 - best effort
            pass


def from_bot(room_=None, nick="MentorBot", bot_jid=None):
    """Predicate: a message from the bot (in room_ by nick, or direct from bot_jid)."""
    def pred(m):
        if m["type"] == "groupchat":
            return (room_ is None or m["room"] == room_) and m["nick"].startswith(nick)
        return bot_jid is not None and m["from"].split("/")[0] == bot_jid
    return pred


def start_bot(label="bot", rooms=(), tls=False, extra=None, nick="MentorBot"):
    """A lib.Bot with an [xmpp] section and a fresh XMPP account; waits until it joined every room."""
    jid = account(label)
    bot = lib.Bot(config=bot_config(jid, list(rooms), nick=nick, tls=tls, extra=extra))
    bot.jid = jid
    for r in rooms:
        bot.wait_log(r"xmpp: joined %s" % re.escape(r), timeout=20)
    return bot
