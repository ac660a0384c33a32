#!/usr/bin/python3
"""Check tests/matrix/homeserver.py against an independent Matrix client (python3-matrix-nio).

Starts the homeserver on a free loopback port, drives it with nio's AsyncClient
(and a few raw HTTP requests for what nio cannot show: the Bearer header, the
Retry-After header, unknown endpoints), prints "PASS name" / "FAIL name: reason"
lines and a last line "N passed, N failed"; exits 1 on any failure.

    /usr/bin/python3 tests/matrix/check_with_nio.py [--r0] [--keep-log]

nio 0.20 talks to /_matrix/client/r0/...; by default this script points it at
the spec's /_matrix/client/v3/... instead (--r0 keeps nio's own prefix).
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = "localhost"
BOT_TOKEN = "mentorbot-fixed-token"

try:
    import nio
except ImportError:
    print("FAIL nio_import: python3-matrix-nio is not installed (apt-get install python3-matrix-nio)")
    print("0 passed, 1 failed")
    sys.exit(1)

if "--r0" not in sys.argv:
    nio.Api._build_path.__defaults__ = (None, "/_matrix/client/v3")

PASSED, FAILED = 0, 0


def report(name, ok, reason=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("PASS %s" % name, flush=True)
    else:
        FAILED += 1
        print("FAIL %s: %s" % (name, reason), flush=True)


def expect(cond, reason):
    if not cond:
        raise AssertionError(reason)


class Homeserver:
    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="matrix-hs-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "homeserver.py"), "--port", "0",
             "--server-name", SERVER,
             "--users", "alice:alicepw,bob:bobpw,mentorbot:botpw:" + BOT_TOKEN,
             "--rooms", "#mentoring:localhost"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError("homeserver did not print READY (got %r)" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def raw(self, method, path, body=None, token=None, headers=None):
        """-> (status, json body, response headers)"""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), e.headers

    def test(self, method, name, body=None, query=""):
        st, b, _ = self.raw(method, "/_test/" + name + query, body)
        if st != 200:
            raise RuntimeError("test control %s %s -> %s %s" % (method, name, st, b))
        return b

    def stop(self):
        try:
            self.raw("POST", "/_test/shutdown", {})
        except Exception:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def client(hs, user, **cfg):
    cfg.setdefault("encryption_enabled", False)
    return nio.AsyncClient(hs.url, "@%s:%s" % (user, SERVER), config=nio.AsyncClientConfig(**cfg))


def room_events(hs, room_id, etype=None):
    q = "?room=" + urllib.request.quote(room_id) + ("&type=" + etype if etype else "")
    return hs.test("GET", "events", query=q)["rooms"][room_id]["events"]


async def run(hs):
    st = {}
    alice, bob = client(hs, "alice"), client(hs, "bob")
    bot = client(hs, "mentorbot")
    bot.restore_login("@mentorbot:localhost", "FIXED", BOT_TOKEN)   # --users mentorbot:botpw:TOKEN
    clients = [alice, bob, bot]

    async def t_login():
        r = await alice.login("alicepw", device_name="nio-check")
        expect(isinstance(r, nio.LoginResponse), "login: %r" % r)
        expect(r.user_id == "@alice:localhost" and r.access_token and r.device_id, "login fields %r" % r)
        r = await bob.login("bobpw")
        expect(isinstance(r, nio.LoginResponse), "bob login: %r" % r)
        bad = client(hs, "alice")
        clients.append(bad)
        r = await bad.login("wrong")
        expect(isinstance(r, nio.LoginError) and r.status_code == "M_FORBIDDEN", "bad password: %r" % r)

    async def t_whoami():
        r = await alice.whoami()
        expect(isinstance(r, nio.responses.WhoamiResponse), "whoami: %r" % r)
        expect(r.user_id == "@alice:localhost", "whoami: %r" % r)
        # nio 0.20 keeps only user_id; check the device_id of the spec's response on the wire
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/account/whoami", token=alice.access_token)
        expect(s == 200 and b.get("device_id") == alice.device_id and b.get("is_guest") is False,
               "whoami body %s" % b)
        r = await bot.whoami()
        expect(isinstance(r, nio.responses.WhoamiResponse) and r.user_id == "@mentorbot:localhost",
               "fixed-token whoami: %r" % r)

    async def t_create_room_alias():
        r = await alice.room_create(alias="niocheck", name="nio check", visibility=nio.RoomVisibility.public,
                                    preset=nio.RoomPreset.public_chat)
        expect(isinstance(r, nio.RoomCreateResponse), "createRoom: %r" % r)
        st["room"] = r.room_id
        r2 = await alice.room_create(alias="niocheck")
        expect(isinstance(r2, nio.RoomCreateError) and r2.status_code == "M_ROOM_IN_USE",
               "duplicate alias: %r" % r2)
        r = await bob.room_resolve_alias("#niocheck:localhost")
        expect(isinstance(r, nio.RoomResolveAliasResponse) and r.room_id == st["room"]
               and r.servers == [SERVER], "resolve alias: %r" % r)
        r = await bob.room_resolve_alias("#nosuch:localhost")
        expect(isinstance(r, nio.RoomResolveAliasError) and r.status_code == "M_NOT_FOUND",
               "unknown alias: %r" % r)

    async def t_join_by_alias():
        r = await bob.join("#niocheck:localhost")
        expect(isinstance(r, nio.JoinResponse) and r.room_id == st["room"], "join alias: %r" % r)
        r = await bot.join("#mentoring:localhost")
        expect(isinstance(r, nio.JoinResponse), "bot join #mentoring: %r" % r)
        st["mentoring"] = r.room_id
        r = await bob.joined_rooms()
        expect(isinstance(r, nio.JoinedRoomsResponse) and st["room"] in r.rooms, "joined_rooms: %r" % r)
        r = await bob.joined_members(st["room"])
        expect(isinstance(r, nio.JoinedMembersResponse)
               and sorted(m.user_id for m in r.members) == ["@alice:localhost", "@bob:localhost"],
               "joined_members: %r" % r)

    async def t_send_txn_idempotent():
        content = {"msgtype": "m.text", "body": "once only"}
        r1 = await alice.room_send(st["room"], "m.room.message", content, tx_id="txn-same-1")
        r2 = await alice.room_send(st["room"], "m.room.message", content, tx_id="txn-same-1")
        expect(isinstance(r1, nio.RoomSendResponse) and isinstance(r2, nio.RoomSendResponse),
               "send: %r %r" % (r1, r2))
        expect(r1.event_id == r2.event_id, "same txn id gave two event ids %s %s" % (r1.event_id, r2.event_id))
        n = [e for e in room_events(hs, st["room"], "m.room.message") if e["content"].get("body") == "once only"]
        expect(len(n) == 1, "server stored %d events for one txn id" % len(n))
        st["txn_event"] = r1.event_id

    async def t_sync_initial_filter():
        flt = {"room": {"timeline": {"limit": 3}}}
        r = await alice.sync(timeout=0, sync_filter=flt, full_state=True)
        expect(isinstance(r, nio.SyncResponse), "sync: %r" % r)
        room = r.rooms.join.get(st["room"])
        expect(room is not None, "room missing from rooms.join")
        tl = room.timeline
        expect(len(tl.events) == 3 and tl.limited and tl.prev_batch, "timeline.limit=3 not applied: %r" % (tl,))
        mine = [e for e in tl.events if e.event_id == st["txn_event"]]
        expect(mine and mine[0].transaction_id == "txn-same-1",
               "own event lacks unsigned.transaction_id: %r" % mine)
        expect(any(isinstance(e, nio.RoomCreateEvent) for e in room.state),
               "state lacks m.room.create")
        st["alice_batch"] = r.next_batch
        st["alice_prev"] = tl.prev_batch

    async def t_sync_longpoll_wakes():
        fr = await alice.upload_filter(room={"timeline": {"limit": 5, "types": ["m.room.message"]}})
        expect(isinstance(fr, nio.UploadFilterResponse) and fr.filter_id, "upload_filter: %r" % fr)

        async def bob_speaks():
            await asyncio.sleep(1.0)
            # an event of another type first: the filter keeps it out, so the long-poll keeps waiting
            await bob.room_send(st["room"], "org.example.ping", {"n": 1})
            await asyncio.sleep(0.3)
            return await bob.room_send(st["room"], "m.room.message", {"msgtype": "m.text", "body": "hello alice"})
        t0 = time.monotonic()
        sync_task = asyncio.ensure_future(alice.sync(timeout=15000, sync_filter=fr.filter_id,
                                                     since=st["alice_batch"]))
        sent = await bob_speaks()
        r = await sync_task
        dt = time.monotonic() - t0
        expect(isinstance(r, nio.SyncResponse), "sync: %r" % r)
        expect(1.2 <= dt < 10, "long-poll returned after %.2fs (expected when bob spoke, ~1.3s)" % dt)
        evs = r.rooms.join[st["room"]].timeline.events
        expect([e.body for e in evs] == ["hello alice"] and evs[0].sender == "@bob:localhost"
               and evs[0].event_id == sent.event_id, "timeline: %r" % evs)
        expect(r.next_batch != st["alice_batch"], "next_batch did not advance")
        st["alice_batch"] = r.next_batch

    async def t_sync_timeout_empty():
        t0 = time.monotonic()
        r = await alice.sync(timeout=1500, since=st["alice_batch"],
                             sync_filter={"room": {"timeline": {"types": ["m.room.message"]}}})
        dt = time.monotonic() - t0
        expect(isinstance(r, nio.SyncResponse), "sync: %r" % r)
        expect(1.4 <= dt < 5, "empty long-poll took %.2fs, want ~1.5s" % dt)
        expect(not r.rooms.join and r.next_batch == st["alice_batch"], "unexpected content: %r" % r.rooms)

    async def t_messages():
        r = await alice.room_messages(st["room"], start=st["alice_batch"], direction=nio.MessageDirection.back,
                                      limit=3)
        expect(isinstance(r, nio.RoomMessagesResponse), "messages: %r" % r)
        expect(len(r.chunk) == 3 and r.end, "chunk %d end %r" % (len(r.chunk), r.end))
        expect(getattr(r.chunk[0], "body", None) == "hello alice", "newest first expected: %r" % r.chunk[0])
        r2 = await alice.room_messages(st["room"], start=r.end, direction=nio.MessageDirection.back, limit=100)
        expect(isinstance(r2, nio.RoomMessagesResponse) and not r2.end
               and isinstance(r2.chunk[-1], nio.RoomCreateEvent), "paging back to m.room.create: %r" % r2)
        r3 = await alice.room_messages(st["room"], start="t0", direction=nio.MessageDirection.front, limit=1)
        expect(isinstance(r3, nio.RoomMessagesResponse) and isinstance(r3.chunk[0], nio.RoomCreateEvent),
               "dir=f from t0: %r" % r3)

    async def t_ratelimit_429_then_retry():
        strict = client(hs, "mentorbot", max_limit_exceeded=0)
        clients.append(strict)
        strict.restore_login("@mentorbot:localhost", "FIXED", BOT_TOKEN)
        hs.test("POST", "ratelimit", {"user": "mentorbot", "path": "/send/", "count": 1, "retry_after_ms": 700})
        content = {"msgtype": "m.text", "body": "after 429"}
        r = await strict.room_send(st["mentoring"], "m.room.message", content, tx_id="rl-1")
        expect(isinstance(r, nio.RoomSendError) and r.status_code == "M_LIMIT_EXCEEDED"
               and r.retry_after_ms == 700, "expected 429 M_LIMIT_EXCEEDED retry_after_ms=700: %r" % r)
        await asyncio.sleep(0.7)
        r = await strict.room_send(st["mentoring"], "m.room.message", content, tx_id="rl-1")
        expect(isinstance(r, nio.RoomSendResponse), "retry after retry_after_ms failed: %r" % r)
        n = [e for e in room_events(hs, st["mentoring"], "m.room.message") if e["content"]["body"] == "after 429"]
        expect(len(n) == 1, "%d events after 429 + retry" % len(n))

    async def t_ratelimit_storm_nio_backoff():
        hs.test("POST", "ratelimit", {"user": "mentorbot", "path": "/send/", "count": 3, "retry_after_ms": 250})
        t0 = time.monotonic()
        r = await bot.room_send(st["mentoring"], "m.room.message", {"msgtype": "m.text", "body": "storm"})
        dt = time.monotonic() - t0
        expect(isinstance(r, nio.RoomSendResponse), "send through storm: %r" % r)
        expect(dt >= 0.75, "nio did not wait retry_after_ms 3x (%.2fs)" % dt)
        n = [e for e in room_events(hs, st["mentoring"], "m.room.message") if e["content"]["body"] == "storm"]
        expect(len(n) == 1, "%d events after storm" % len(n))
        rules = hs.test("GET", "ratelimit")["rules"]
        expect(rules[-1]["hits"] == 3 and rules[-1]["remaining"] == 0, "rule %r" % rules[-1])
        hs.test("DELETE", "ratelimit", {})

    async def t_invite_direct():
        r = await alice.room_create(is_direct=True, invite=["@bob:localhost"],
                                    preset=nio.RoomPreset.trusted_private_chat)
        expect(isinstance(r, nio.RoomCreateResponse), "DM create: %r" % r)
        dm = st["dm"] = r.room_id
        r = await bob.sync(timeout=5000)   # bob's first (initial) sync: the invite is in it
        expect(isinstance(r, nio.SyncResponse) and dm in r.rooms.invite, "invite not in sync: %r" % r.rooms)
        inv = r.rooms.invite[dm].invite_state
        me = [e for e in inv if isinstance(e, nio.InviteMemberEvent) and e.state_key == "@bob:localhost"]
        expect(me and me[0].membership == "invite" and me[0].content.get("is_direct") is True
               and me[0].sender == "@alice:localhost", "invite_state member event: %r" % inv)
        st["bob_batch"] = r.next_batch
        r = await bob.join(dm)
        expect(isinstance(r, nio.JoinResponse), "accept invite: %r" % r)
        r = await bob.sync(timeout=5000, since=st["bob_batch"])
        expect(dm in r.rooms.join and dm not in r.rooms.invite, "joined DM not in rooms.join: %r" % r.rooms)
        members = [e for e in r.rooms.join[dm].timeline.events if isinstance(e, nio.RoomMemberEvent)]
        expect(any(e.state_key == "@bob:localhost" and e.membership == "join" for e in members),
               "own join event missing from timeline")
        st["bob_batch"] = r.next_batch
        r = await bob.room_leave(dm)
        expect(isinstance(r, nio.RoomLeaveResponse), "leave: %r" % r)
        r = await bob.sync(timeout=5000, since=st["bob_batch"])
        expect(dm in r.rooms.leave and dm not in r.rooms.join, "left room not in rooms.leave: %r" % r.rooms)
        r = await bob.room_send(dm, "m.room.message", {"msgtype": "m.text", "body": "x"})
        expect(isinstance(r, nio.RoomSendError) and r.status_code == "M_FORBIDDEN", "send after leave: %r" % r)

    async def t_revoked_token_401():
        hs.test("POST", "revoke", {"access_token": alice.access_token})
        r = await alice.whoami()
        expect(isinstance(r, nio.responses.WhoamiError) and r.status_code == "M_UNKNOWN_TOKEN" and r.soft_logout is False,
               "expected 401 M_UNKNOWN_TOKEN: %r" % r)
        r = await alice.sync(timeout=0, since=st["alice_batch"])
        expect(isinstance(r, nio.SyncError) and r.status_code == "M_UNKNOWN_TOKEN", "sync after revoke: %r" % r)

    async def t_logout():
        old = bob.access_token
        r = await bob.logout()
        expect(isinstance(r, nio.LogoutResponse), "logout: %r" % r)
        st_, b, _ = hs.raw("GET", "/_matrix/client/v3/account/whoami", token=old)
        expect(st_ == 401 and b.get("errcode") == "M_UNKNOWN_TOKEN", "token valid after logout: %s %s" % (st_, b))

    tests = [t_login, t_whoami, t_create_room_alias, t_join_by_alias, t_send_txn_idempotent,
             t_sync_initial_filter, t_sync_longpoll_wakes, t_sync_timeout_empty, t_messages,
             t_ratelimit_429_then_retry, t_ratelimit_storm_nio_backoff, t_invite_direct,
             t_revoked_token_401, t_logout]
    for t in tests:
        name = "nio_" + t.__name__[2:]
        try:
            await asyncio.wait_for(t(), 30)
            report(name, True)
        except Exception as e:
            report(name, False, "%s: %s" % (type(e).__name__, e))
    for c in clients:
        await c.close()


def raw_checks(hs):
    """What nio does not show: nio sends the token as ?access_token=, ignores headers."""
    def t_versions():
        s, b, _ = hs.raw("GET", "/_matrix/client/versions")
        expect(s == 200 and "v1.1" in b["versions"] and isinstance(b.get("unstable_features"), dict), b)

    def t_bearer_header():
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/account/whoami", token=BOT_TOKEN)
        expect(s == 200 and b == {"user_id": "@mentorbot:localhost", "device_id": "FIXED", "is_guest": False}, b)

    def t_missing_token():
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/account/whoami")
        expect(s == 401 and b["errcode"] == "M_MISSING_TOKEN" and b["error"], (s, b))

    def t_unknown_token():
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/joined_rooms", token="nope")
        expect(s == 401 and b == {"errcode": "M_UNKNOWN_TOKEN", "error": b["error"], "soft_logout": False}, (s, b))

    def t_unrecognized():
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/no/such/endpoint", token=BOT_TOKEN)
        expect(s == 404 and b["errcode"] == "M_UNRECOGNIZED", (s, b))
        s, b, _ = hs.raw("DELETE", "/_matrix/client/v3/account/whoami", token=BOT_TOKEN)
        expect(s == 405 and b["errcode"] == "M_UNRECOGNIZED", (s, b))

    def t_not_json():
        req = urllib.request.Request(hs.url + "/_matrix/client/v3/createRoom", data=b"{nope", method="POST")
        req.add_header("Authorization", "Bearer " + BOT_TOKEN)
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("accepted bad JSON")
        except urllib.error.HTTPError as e:
            b = json.loads(e.read())
            expect(e.code == 400 and b["errcode"] == "M_NOT_JSON", b)

    def t_retry_after_header():
        hs.test("POST", "ratelimit", {"user": "mentorbot", "path": "^/joined_rooms$", "count": 1,
                                      "retry_after_ms": 1500})
        s, b, h = hs.raw("GET", "/_matrix/client/v3/joined_rooms", token=BOT_TOKEN)
        expect(s == 429 and b == {"errcode": "M_LIMIT_EXCEEDED", "error": b["error"], "retry_after_ms": 1500}
               and h.get("Retry-After") == "2", (s, b, dict(h)))
        s, b, h = hs.raw("GET", "/_matrix/client/v3/joined_rooms", token=BOT_TOKEN)
        expect(s == 200, (s, b))

    def t_r0_prefix():
        s, b, _ = hs.raw("GET", "/_matrix/client/r0/account/whoami", token=BOT_TOKEN)
        expect(s == 200 and b["user_id"] == "@mentorbot:localhost", (s, b))

    def t_pause_resume():
        hs.test("POST", "pause", {"mode": "error"})
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/joined_rooms", token=BOT_TOKEN)
        hs.test("POST", "resume", {})
        expect(s == 503, (s, b))
        s, b, _ = hs.raw("GET", "/_matrix/client/v3/joined_rooms", token=BOT_TOKEN)
        expect(s == 200, (s, b))

    for t in (t_versions, t_bearer_header, t_missing_token, t_unknown_token, t_unrecognized, t_not_json,
              t_retry_after_header, t_r0_prefix, t_pause_resume):
        name = "raw_" + t.__name__[2:]
        try:
            t()
            report(name, True)
        except Exception as e:
            report(name, False, "%s: %s" % (type(e).__name__, e))


def main():
    hs = None
    try:
        hs = Homeserver()
        asyncio.run(run(hs))
        raw_checks(hs)
    except Exception as e:
        report("harness", False, "%s: %s" % (type(e).__name__, e))
    finally:
        if hs is not None:
            hs.stop()
            if FAILED or "--keep-log" in sys.argv:
                print("homeserver log: %s" % hs.log.name, file=sys.stderr)
            else:
                os.unlink(hs.log.name)
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
