"""XMPP: the bot is killed with SIGKILL while it is answering a burst of
commands and started again: every command it had accepted (journalled) is
answered exactly once.

XMPP offers no server-side idempotency.  The bot records a reply as sent as
soon as it has left the process (libstrophe's send queue, see bot/xmpp.c), and
such a reply is never sent again.  A reply still queued inside the process at
the kill is sent again after the restart with the same id (mb-<row>, also the
XEP-0359 origin-id), so a receiver sees one message per id.  The test checks
both: one distinct id per accepted command, and a second copy only for
replies that were not yet recorded as sent."""
import re
import sqlite3
import time

import lib
import xmpp_lib as X

N = 30


def _outbox_status(db):
    """word -> status of its reply row ('pending' / 'sent'); the payload of a chat row is its text."""
    c = sqlite3.connect(db, timeout=10)
    try:
        out = {}
        for payload, status in c.execute("SELECT payload, status FROM outbox WHERE transport = 'xmpp'"):
            p = payload.decode() if isinstance(payload, bytes) else payload
            m = re.search(r'"(kq\d\d)"', p or "")
            if m:
                out[m.group(1)] = status
        return out
    finally:
        c.close()


def _journalled(db):
    c = sqlite3.connect(db, timeout=10)
    try:
        return {r[0].decode() if isinstance(r[0], bytes) else r[0]
                for r in c.execute("SELECT raw FROM inbound WHERE transport = 'xmpp'")}
    finally:
        c.close()


@lib.timeout(120)
def test_kill9_mid_burst_every_accepted_command_answered_exactly_once():
    room = X.room()
    bot = X.start_bot(rooms=[room], extra={"bot": {"flood_rate": "1000", "flood_burst": "1000"}})
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    words = ["kq%02d" % i for i in range(N)]
    answer = lambda w: (lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
                        and '"%s"' % w in m["body"])
    any_answer = lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
    alice.send_many([(room, "!" + w, "groupchat") for w in words])
    alice.wait(any_answer, count=3, timeout=20, what="first answers")
    bot.kill9()
    before = len(alice.messages(any_answer))
    status_at_kill = _outbox_status(bot.database)
    bot.start()
    bot.wait_log(r"(?s)killed with SIGKILL.*xmpp: joined %s" % re.escape(room), timeout=30)

    accepted = {w for w in words if "!" + w in _journalled(bot.database) or w in _journalled(bot.database)}
    lib.ensure(len(accepted) >= 3, "at least the answered commands were journalled: %r" % sorted(accepted))
    for w in sorted(accepted):
        alice.wait(answer(w), timeout=20, what="answer to %s" % w)
    time.sleep(2.0)
    problems = []
    for w in words:
        got = alice.messages(answer(w))
        ids = {m["origin_id"] or m["id"] for m in got}
        want = 1 if w in accepted else 0
        if len(ids) != want:
            problems.append("%s: %d distinct answers (ids %s)" % (w, len(ids), [m["origin_id"] for m in got]))
        elif len(got) > 1 and status_at_kill.get(w) == "sent":
            problems.append("%s: marked sent before the kill but sent again" % w)
        elif len(got) > 2:
            problems.append("%s: %d copies" % (w, len(got)))
    resent = [w for w in words if len(alice.messages(answer(w))) > 1]
    print("    kill9: %d answered before the kill, %d accepted, %d pending at the kill, %d resent copies seen" % (
        before, len(accepted), sum(1 for v in status_at_kill.values() if v == "pending"), len(resent)))
    lib.ensure(not problems, "answered %d before the kill, %d accepted; not exactly once: %s" % (
        before, len(accepted), "; ".join(problems)))
    alice.close()
