"""Matrix: a storm of 429 M_LIMIT_EXCEEDED answers (with retry_after_ms) on the
bot's sends: the bot waits as told and resends the same txnId, so every answer
arrives, and arrives exactly once."""
import time

from matrix_lib import ROOM, Homeserver, body_of, matrix_bot, wait_listening

PEOPLE = ["p%02d" % i for i in range(12)]


def test_429_storm_every_answer_exactly_once():
    hs = Homeserver(users=PEOPLE)
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    for p in PEOPLE:
        hs.client(p).join(rid)
    n0 = hs.test("GET", "requests")["last"]
    rule = hs.test("POST", "ratelimit", {"user": "mentorbot", "method": "PUT", "path": "/send/",
                                         "count": 30, "retry_after_ms": 150})
    for p in PEOPLE:
        hs.client(p).send(rid, "!whoami")
    hs.wait(lambda: hs.bot_messages(rid), "answers", timeout=60, count=len(PEOPLE))
    got = hs.settle(lambda: hs.bot_messages(rid), len(PEOPLE), what="answers in the room")
    per = {p: [m for m in got if body_of(m).startswith(p + ":")] for p in PEOPLE}
    bad = {p: len(v) for p, v in per.items() if len(v) != 1}
    assert not bad, "people without exactly one answer: %s" % bad
    rules = [r for r in hs.test("GET", "ratelimit")["rules"] if r["id"] == rule["id"]]
    assert rules and rules[0]["hits"] == 30, "the storm did not hit the bot: %s" % rules
    # it waited as told: no resend of a 429'd request sooner than retry_after_ms
    puts = [r for r in hs.test("GET", "requests", query={"since": n0})["requests"]
            if r["method"] == "PUT" and "/send/" in r["path"]]
    by_path = {}
    for r in puts:
        by_path.setdefault(r["path"], []).append(r)
    for path, rs in by_path.items():
        for a, b in zip(rs, rs[1:]):
            if a["status"] == 429:
                assert b["ts"] - a["ts"] >= 140, "resent after %d ms: %s" % (b["ts"] - a["ts"], path)
    txns = [e["txn_id"] for e in hs.rooms(rid)[rid]["events"] if e["sender"] == "@mentorbot:localhost"]
    assert len(set(txns)) == len(txns) == len(PEOPLE), txns


def test_429_for_a_while_then_everything_arrives_once():
    hs = Homeserver(users=("alice",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    alice = hs.client("alice")
    hs.test("POST", "ratelimit", {"user": "mentorbot", "method": "PUT", "path": "/send/", "duration_ms": 3000})
    t0 = time.monotonic()
    for cmd in ("!whoami", "!events", "!whoami please"):
        alice.send(rid, cmd)
    hs.wait(lambda: hs.bot_messages(rid), "answers", timeout=60, count=3)
    assert time.monotonic() - t0 >= 2.5, "answered during the 429 period?"
    hs.settle(lambda: hs.bot_messages(rid), 3, what="answers")
