"""bridge_relay.py - a tiny XMPP <-> Matrix room bridge, as real bridges behave
(matterbridge, bifrost, slidge): for the bridge tests.

    import bridge_relay as B
    relay = B.Relay(hs, xmpp_room, matrix_room_id, style="relayed")   # or "puppet"
    ...
    relay.carried(lambda c: ...)   # what it carried: [{"dir","nick","text","out","t"}]
    relay.close()                  # (also done by lib.end_test)

* XMPP side: one slixmpp client (xmpp_lib.Person) in the room with nick
  `xmpp_nick` (default "relay").  Matrix side: one Matrix account
  (`matrix_user`, default "relay") in the room, reading it with a real /sync
  long-poll loop (plain HTTP to the test homeserver) and posting with
  PUT /rooms/{id}/send (msgtype m.text, as matterbridge does).
* Every message on one side, except the relay's own and history (delayed)
  copies, is reposted on the other side by the relay's own account:
    style "relayed": "[nick] text" (matterbridge's default RemoteNickFormat
                      "[{NICK}] "); nick = the XMPP occupant nick, or the
                      Matrix display name (else the user id's localpart);
    style "puppet":   the text alone (a puppeting bridge's look, where the
                      author is shown by the puppet, not in the text).
  That includes the bot's own answers: the bridge does not know who is a bot.
  Matrix m.notice (what bots send) is carried as well, as real bridges do.
* delay: seconds the relay waits before reposting (simulated bridge latency).
"""
import json
import queue
import threading
import time
import urllib.parse

import lib
import matrix_lib  # noqa: F401 - its end_test hook first, so relays close before homeservers stop
import xmpp_lib as X

_relays = []


class _XmppSide(X.Person):
    """The relay's XMPP client: hands every fresh room message to the relay."""

    def __init__(self, relay, label):
        self._relay = relay
        super().__init__(label)

    def _on_message(self, msg):
        super()._on_message(msg)
        try:
            if msg["type"] != "groupchat" or not msg["body"]:
                return
            if msg.xml.find("{urn:xmpp:delay}delay") is not None:
                return                         # room history on join: never relayed
            frm = str(msg["from"])
            room_, _, nick = frm.partition("/")
            if room_ != self._relay.xmpp_room or not nick or nick == self.nicks.get(room_):
                return                         # not our room, the room itself, or our own repost
            self._relay._out.put(("x2m", nick, msg["body"]))
        except Exception as e:  # noqa: BLE001 - never break the shared slixmpp loop
            self._relay.errors.append("xmpp side: %r" % e)


class Relay:
    def __init__(self, hs, xmpp_room, matrix_room, style="relayed", xmpp_nick="relay", matrix_user="relay",
                 delay=0.0, fmt="[{nick}] {text}"):
        assert style in ("relayed", "puppet")
        self.hs, self.xmpp_room, self.style, self.delay, self.fmt = hs, xmpp_room, style, delay, fmt
        self.matrix_room = matrix_room if matrix_room.startswith("!") else hs.room_id(matrix_room)
        self.errors = []
        self.log = []                          # what was carried
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._out = queue.Queue()
        self._names = {}                       # Matrix user id -> display name
        self.mx = hs.client(matrix_user)
        self.mx.join(self.matrix_room)
        self._since = self._sync(None, 0)["next_batch"]
        self.xmpp = _XmppSide(self, "relay")
        self.xmpp.join(xmpp_room, xmpp_nick)
        self.xmpp_nick = xmpp_nick
        self._threads = [threading.Thread(target=self._sync_loop, name="relay-sync", daemon=True),
                         threading.Thread(target=self._send_loop, name="relay-send", daemon=True)]
        for t in self._threads:
            t.start()
        _relays.append(self)

    # ------------------------------------------------------------------ Matrix side
    def _sync(self, since, timeout_ms):
        flt = {"room": {"rooms": [self.matrix_room],
                        "timeline": {"types": ["m.room.message", "m.room.member"], "limit": 100}}}
        q = {"timeout": str(timeout_ms), "filter": json.dumps(flt)}
        if since:
            q["since"] = since
        st, out = self.hs.request("GET", "/_matrix/client/v3/sync?" + urllib.parse.urlencode(q),
                                  token=self.mx.token, timeout=timeout_ms / 1000.0 + 15)
        if st != 200:
            raise lib.TestFailure("relay sync: %s %s" % (st, out))
        room = out.get("rooms", {}).get("join", {}).get(self.matrix_room, {})
        for ev in room.get("state", {}).get("events", []):
            self._note_member(ev)
        if since is not None:
            for ev in room.get("timeline", {}).get("events", []):
                self._on_matrix_event(ev)
        else:
            for ev in room.get("timeline", {}).get("events", []):
                self._note_member(ev)
        return out

    def _note_member(self, ev):
        if ev.get("type") == "m.room.member" and ev.get("state_key"):
            dn = (ev.get("content") or {}).get("displayname")
            if dn:
                self._names[ev["state_key"]] = dn

    def _on_matrix_event(self, ev):
        self._note_member(ev)
        if ev.get("type") != "m.room.message" or ev.get("sender") == self.mx.user_id:
            return
        body = (ev.get("content") or {}).get("body")
        if not body:
            return
        sender = ev["sender"]
        nick = self._names.get(sender) or sender[1:].split(":", 1)[0]
        self._out.put(("m2x", nick, body))

    def _sync_loop(self):
        while not self._stop.is_set():
            try:
                self._since = self._sync(self._since, 1000)["next_batch"]
            except Exception as e:  # noqa: BLE001 - the homeserver may be gone at the end
                if self._stop.is_set():
                    return
                self.errors.append("sync: %r" % e)
                time.sleep(0.2)

    # ------------------------------------------------------------------ carrying
    def render(self, nick, text):
        return text if self.style == "puppet" else self.fmt.format(nick=nick, text=text)

    def _send_loop(self):
        while not self._stop.is_set():
            try:
                d, nick, text = self._out.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.delay:
                time.sleep(self.delay)
            out = self.render(nick, text)
            try:
                if d == "x2m":
                    self.mx.send(self.matrix_room, out)
                else:
                    self.xmpp.say(self.xmpp_room, out)
            except Exception as e:  # noqa: BLE001
                if self._stop.is_set():
                    return
                self.errors.append("%s: %r" % (d, e))
                continue
            with self._lock:
                self.log.append({"dir": d, "nick": nick, "text": text, "out": out, "t": time.monotonic()})

    def carried(self, pred=None):
        with self._lock:
            return [c for c in self.log if pred is None or pred(c)]

    def wait_carried(self, pred, what, timeout=lib.REPLY_TIMEOUT, count=1):
        deadline = time.monotonic() + timeout
        while True:
            got = self.carried(pred)
            if len(got) >= count:
                return got
            lib.check_bots_alive()
            if self.errors:
                raise lib.TestFailure("relay errors: %s" % "; ".join(self.errors[:3]))
            if time.monotonic() > deadline:
                raise lib.TestFailure("relay: %d of %d %s after %.0f s (carried: %s)" % (
                    len(got), count, what, timeout, [(c["dir"], c["out"][:50]) for c in self.carried()][-6:]))
            time.sleep(0.05)

    def close(self):
        if self._stop.is_set():
            return
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self.xmpp.close()


def close_all():
    while _relays:
        try:
            _relays.pop().close()
        except Exception:  # noqa: BLE001
            pass


def _end_test_with_relays(orig=lib.end_test):
    def end_test():
        close_all()                # before the homeserver (matrix_lib's end_test) goes away
        return orig()
    return end_test


if not getattr(lib.end_test, "_relay", False):
    _m = getattr(lib.end_test, "_matrix", False)
    lib.end_test = _end_test_with_relays()
    lib.end_test._relay = True
    lib.end_test._matrix = _m
