"""One bot with mail, XMPP and Matrix: commands in flight on all three transports, the
bot is killed with SIGKILL and started again; every command is answered exactly once
on each transport.

* Mail: N_MAIL mails ("whoami", one per sender) - the IMAP server keeps them until the
  bot moved them, so every one must get exactly one reply (matched by In-Reply-To).
* Matrix: N_MX people post "!whoami" in a room (the bot's sends are slowed by a few
  429s so that answers are in flight at the kill) - every one gets exactly one answer,
  and no txnId is used twice (the homeserver stores every event, so a resend under a
  new txnId would show).
* XMPP: N_XMPP "!kqNN" commands from one person in a room.  XMPP has no redelivery, so
  a command the bot had not journalled before the kill is lost with the connection;
  every journalled command must be answered exactly once, counted as distinct message
  ids (a resent copy of an unacknowledged answer keeps its id), as the XMPP kill test
  does.
"""
import re
import sqlite3
import time

import lib
import xmpp_lib as X
from matrix_lib import BOT_ID, Homeserver, body_of, matrix_bot, wait_listening

N_MAIL = 20
N_XMPP = 30
N_MX = 40


def _journalled_xmpp(db):
    c = sqlite3.connect(db, timeout=10)
    try:
        out = set()
        for (raw,) in c.execute("SELECT raw FROM inbound WHERE transport = 'xmpp'"):
            raw = raw.decode() if isinstance(raw, bytes) else raw
            m = re.search(r"kq\d\d", raw or "")
            if m:
                out.add(m.group(0))
        return out
    finally:
        c.close()


def _journal_count(db, transport):
    c = sqlite3.connect(db, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM inbound WHERE transport = ?", (transport,)).fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        c.close()


def _pending(db):
    c = sqlite3.connect(db, timeout=10)
    try:
        return dict(c.execute("SELECT transport, count(*) FROM outbox WHERE status = 'pending' GROUP BY transport"))
    except sqlite3.Error as e:
        return {"error": str(e)}
    finally:
        c.close()


@lib.timeout(240)
def test_kill9_with_commands_in_flight_on_mail_xmpp_and_matrix():
    people = ["k%02d" % i for i in range(N_MX)]
    hs = Homeserver(users=("alice",), rooms=())
    for p in people:
        hs.test("POST", "users", {"user": p, "password": "pw"})
    rid = hs.test("POST", "rooms", {"alias": "#all:localhost", "creator": "alice", "members": people})["room_id"]
    xroom = X.room("all")
    jid = X.account("bot")
    cfg = X.bot_config(jid, [xroom], extra={"bot": {"flood_rate": "100000", "flood_burst": "100000"}})
    bot = matrix_bot(hs, rooms=(rid,), config=cfg)
    bot.wait_log(r"xmpp: joined %s" % re.escape(xroom), timeout=20)
    wait_listening(bot)
    alice = X.Person("alice")
    alice.join(xroom, "alice")
    alice.wait_occupant(xroom, "MentorBot")

    # --- mail: one "whoami" per sender, all in one SMTP session
    senders = [lib.addr("m%02d" % i) for i in range(N_MAIL)]
    mails = [(w, [bot.address], lib.make_mail(w, bot.address, "whoami")) for w in senders]
    # --- Matrix: slow every send of the bot so that Matrix answers are in flight throughout
    hs.test("POST", "ratelimit", {"user": "mentorbot", "method": "PUT", "path": "/send/",
                                  "count": N_MX, "retry_after_ms": 120})
    words = ["kq%02d" % i for i in range(N_XMPP)]

    x_answer = lambda w: (lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
                          and '"%s"' % w in m["body"])
    x_any = lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
    mx_answers = lambda: hs.bot_messages(rid)  # noqa: E731
    mail_replies = lambda: sum(1 for w in senders if lib.maildir_count(w) > 0)  # noqa: E731

    def until(cond, what, timeout=60):
        deadline = time.monotonic() + timeout
        while not cond():
            lib.check_bots_alive()
            if time.monotonic() > deadline:
                raise lib.TestFailure("before the kill: no %s after %d s" % (what, timeout))
            time.sleep(0.01)

    for p in people:
        hs.say(rid, p, "!whoami")
    until(lambda: len(mx_answers()) >= 2, "first Matrix answers")
    # from now on every send of the bot gets 429 (retry_after 200 ms) until the rule is cleared after the
    # restart: the remaining Matrix answers stay in flight across the kill
    hs.test("POST", "ratelimit", {"user": "mentorbot", "method": "PUT", "path": "/send/",
                                  "duration_ms": 120000, "retry_after_ms": 200})
    # mail next: kill only once the bot is working on them (journalled), not after all replies went out
    mids = lib.send_many(mails)
    until(lambda: _journal_count(bot.database, "mail") >= 1, "mail journalled")
    alice.send_many([(xroom, "!" + w, "groupchat") for w in words])
    until(lambda: len(alice.messages(x_any)) >= 3, "first XMPP answers")
    bot.kill9()
    at_kill = {"mail": mail_replies(), "xmpp": len(alice.messages(x_any)), "matrix": len(mx_answers())}
    pending = _pending(bot.database)
    journalled_mail = _journal_count(bot.database, "mail")
    hs.test("DELETE", "ratelimit")
    bot.start()
    bot.wait_log(r"(?s)killed with SIGKILL.*xmpp: joined %s" % re.escape(xroom), timeout=30)

    # --- every answer arrives
    hs.wait(mx_answers, "Matrix answers after the restart", timeout=60, count=N_MX)
    accepted = _journalled_xmpp(bot.database)
    for w in sorted(accepted):
        alice.wait(x_answer(w), timeout=30, what="XMPP answer to %s" % w)
    deadline = time.monotonic() + 60
    while mail_replies() < N_MAIL:
        lib.check_bots_alive()
        if time.monotonic() > deadline:
            raise lib.TestFailure("only %d of %d mail senders got a reply after the restart" % (
                mail_replies(), N_MAIL))
        time.sleep(0.2)
    time.sleep(lib.SETTLE)

    problems = []
    # Matrix: one answer per person, one txnId per answer
    per = {p: 0 for p in people}
    for m in mx_answers():
        nick = body_of(m).split(":", 1)[0]
        per[nick] = per.get(nick, 0) + 1
    bad = {p: n for p, n in per.items() if n != 1}
    if bad:
        problems.append("Matrix: not exactly one answer: %s" % bad)
    txns = [e["txn_id"] for e in hs.rooms(rid)[rid]["events"] if e["sender"] == BOT_ID]
    if len(txns) != len(set(txns)) or len(txns) != N_MX:
        problems.append("Matrix: %d events with %d distinct txnIds (want %d)" % (len(txns), len(set(txns)), N_MX))
    # XMPP: each journalled command one distinct answer id, the others none
    if len(accepted) < at_kill["xmpp"]:
        problems.append("XMPP: %d answers seen before the kill but only %d commands journalled" % (
            at_kill["xmpp"], len(accepted)))
    for w in words:
        got = alice.messages(x_answer(w))
        ids = {m["origin_id"] or m["id"] for m in got}
        want = 1 if w in accepted else 0
        if len(ids) != want:
            problems.append("XMPP %s: %d distinct answers (want %d; ids %s)" % (w, len(ids), want, sorted(ids)))
    # mail: exactly one reply per mail, threaded to it
    for w, mid in zip(senders, mids):
        msgs = lib.Mailbox(w).messages()
        replies = [m for m in msgs if m.in_reply_to == lib.norm_id(mid)]
        if len(replies) != 1 or len(msgs) != 1:
            ids = sorted({m.message_id for m in replies})
            problems.append("mail %s: %d replies to %s (%d distinct Message-IDs: %s), %d mails in all" % (
                w, len(replies), mid, len(ids), " ".join(ids), len(msgs)))
        elif not (replies[0].key or "").startswith("whoami"):
            problems.append("mail %s: reply is %r, not whoami" % (w, replies[0].key))
    print("    kill9: answered before the kill: mail %d/%d, xmpp %d/%d, matrix %d/%d; outbox unsent at the kill %s; "
          "journalled at the kill: mail %d; xmpp journalled %d" % (
              at_kill["mail"], N_MAIL, at_kill["xmpp"], N_XMPP, at_kill["matrix"], N_MX, pending,
              journalled_mail, len(accepted)), flush=True)
    lib.ensure(not problems, "; ".join(problems[:12]))
    alice.close()
