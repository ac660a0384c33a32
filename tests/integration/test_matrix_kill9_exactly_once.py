"""Matrix: the bot is killed with SIGKILL while answers are in flight and
started again: every command gets exactly one answer.  Answers sent but not
yet marked sent go out again with the same txnId (the homeserver deduplicates
per device and txnId); commands journalled but not yet handled are handled
after the restart; the stored next_batch replays the rest, deduplicated by
event id."""
import time

from lib import TestFailure, check_bots_alive, timeout
from matrix_lib import BOT_ID, Homeserver, body_of, matrix_bot, wait_listening

N = 120
ROOM_ALIAS = "#kill:localhost"


def answers(hs, rid):
    return [m for m in hs.bot_messages(rid)]


@timeout(240)
def test_kill9_with_answers_in_flight_each_answer_once():
    people = ["k%03d" % i for i in range(N)]
    hs = Homeserver(users=("alice",), rooms=())
    for p in people:
        hs.test("POST", "users", {"user": p, "password": "pw"})
    rid = hs.test("POST", "rooms", {"alias": ROOM_ALIAS, "creator": "alice", "members": people})["room_id"]
    bot = matrix_bot(hs, rooms=(ROOM_ALIAS,), config={"bot": {"flood_rate": "100000", "flood_burst": "100000"}})
    wait_listening(bot)
    # slow every send a little so that a good part of the answers is in flight at the kill
    hs.test("POST", "ratelimit", {"user": "mentorbot", "method": "PUT", "path": "/send/",
                                  "count": N // 2, "retry_after_ms": 30})
    for p in people:
        hs.say(rid, p, "!whoami")
    deadline = time.monotonic() + 60
    while len(answers(hs, rid)) < N // 4:
        check_bots_alive()
        if time.monotonic() > deadline:
            raise TestFailure("only %d answers before the kill" % len(answers(hs, rid)))
        time.sleep(0.02)
    bot.kill9()
    at_kill = len(answers(hs, rid))
    print("    killed with -9 after %d of %d answers" % (at_kill, N), flush=True)
    hs.test("DELETE", "ratelimit")
    bot.start()
    got = hs.wait(lambda: answers(hs, rid), "answers after the restart", timeout=90, count=N)
    time.sleep(2)
    got = answers(hs, rid)
    per = {p: 0 for p in people}
    for m in got:
        nick = body_of(m).split(":", 1)[0]
        per[nick] = per.get(nick, 0) + 1
    bad = {p: n for p, n in per.items() if n != 1}
    assert not bad, "people without exactly one answer (killed after %d): %s" % (at_kill, bad)
    txns = [e["txn_id"] for e in hs.rooms(rid)[rid]["events"] if e["sender"] == BOT_ID]
    assert len(txns) == len(set(txns)) == N, "%d events, %d txnIds" % (len(txns), len(set(txns)))
