"""Any subset of transports: an office that runs with chat only.

With only [xmpp] (no [imap], no [smtp]) the bot starts and answers "help" in
its room and directly; a command that needs mail ("link you@…", "my data")
gets the clear answer that the office sends no mail, and no outbox row for
the mail transport is ever written (it would wait for ever).  The same with
only [matrix].  A configuration with no transport that receives commands is
refused by check-config and by run, with the templated sentence.
"""
import os
import sqlite3
import subprocess

import lib
import xmpp_lib as X
from matrix_lib import BOT_ID, ROOM, Homeserver, body_of, joined, matrix_bot, wait_listening

NO_MAIL = "does not send mail"


def mail_rows(bot):
    """The outbox rows of the mail transport (read-only, while the bot runs)."""
    c = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM outbox WHERE transport = 'mail'").fetchone()[0]
    finally:
        c.close()


def all_rows(bot):
    c = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10)
    try:
        return c.execute("SELECT transport, count(*) FROM outbox GROUP BY transport").fetchall()
    finally:
        c.close()


@lib.timeout(180)
def test_xmpp_only_office_runs_and_says_mail_is_not_configured():
    room = X.room()
    jid = X.account("bot")
    cfg = X.bot_config(jid, [room])
    cfg.update({"imap": None, "smtp": None})
    bot = lib.Bot(config=cfg)
    bot.jid = jid
    bot.wait_log(r"xmpp: joined %s" % room.replace(".", r"\."), timeout=30)
    direct = lambda m: m["type"] == "chat" and m["from"].split("/")[0] == jid  # noqa: E731

    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    alice.say(room, "!help")
    d = alice.wait(direct, what="help from the room, answered directly")[0]
    lib.ensure("help" in d["body"].lower() and "\n" in d["body"], "help expected: %r" % d["body"][:200])
    alice.wait(lambda m: m["type"] == "groupchat" and m["room"] == room and m["nick"] == "MentorBot"
               and m["body"].startswith("alice:"), what="pointer in the room")

    alice.direct(jid, "help")
    alice.wait(direct, count=2, what="help in the direct chat")

    # a mail address cannot be linked: the code could not be sent
    alice.direct(jid, "link %s" % lib.addr("alice"))
    m = alice.wait(direct, count=3, what="answer to link by mail")[2]
    lib.ensure(NO_MAIL in m["body"], "'mail is not configured' expected: %r" % m["body"])
    # nor a Matrix account: this office has none
    alice.direct(jid, "link @alice:matrix.example.test")
    m = alice.wait(direct, count=4, what="answer to link by Matrix")[3]
    lib.ensure("no Matrix account" in m["body"], "'no Matrix account' expected: %r" % m["body"])

    # a member joins from the chat and asks for the data export, which is a mail
    alice.direct(jid, "join mentoring")
    m = alice.wait(direct, count=5, what="join confirmation code")[4]
    tok = lib.TOKEN_RE.search(m["body"])
    lib.ensure(tok, "join code expected: %r" % m["body"])
    alice.direct(jid, "confirm %s" % tok.group(0))
    alice.wait(direct, count=6, what="join done")
    alice.direct(jid, "my data")
    m = alice.wait(direct, count=7, what="answer to my data")[6]
    lib.ensure(NO_MAIL in m["body"], "'mail is not configured' expected for my data: %r" % m["body"])

    lib.ensure(mail_rows(bot) == 0, "outbox rows for mail: %r" % all_rows(bot))
    alice.close()


@lib.timeout(180)
def test_matrix_only_office_runs_and_says_mail_is_not_configured():
    hs = Homeserver(users=("carol",))
    bot = matrix_bot(hs, start=False)
    bot.configure({"imap": None, "smtp": None})
    bot.start()
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    carol = hs.client("carol")
    carol.send(rid, "!help")
    dm = hs.wait(lambda: hs.direct_messages("carol"), "direct help to carol")
    lib.ensure("Hello" in body_of(dm[0]) and "help" in body_of(dm[0]), body_of(dm[0])[:300])

    room = carol.open_direct(BOT_ID)
    joined(hs, room)
    carol.send(room, "help")
    hs.wait(lambda: hs.bot_messages(room), "help in the direct chat")
    carol.send(room, "link %s" % lib.addr("carol"))
    got = hs.wait(lambda: [m for m in hs.bot_messages(room) if NO_MAIL in body_of(m)],
                  "'mail is not configured' in the direct chat")
    lib.ensure(len(got) == 1, "one answer expected: %r" % [body_of(m) for m in got])

    lib.ensure(mail_rows(bot) == 0, "outbox rows for mail: %r" % all_rows(bot))


def test_no_inbound_transport_is_refused_by_check_config_and_run():
    bot = lib.Bot(config={"imap": None, "smtp": None}, start=False)
    for sub in ("check-config", "run"):
        p = subprocess.run([lib.mentorbot_path(), sub, "-c", bot.config_path], cwd=lib.REPO,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30)
        lib.ensure(p.returncode == 1, "%s: exit %d (expected 1): %s" % (sub, p.returncode, p.stderr))
        want = "%s: no transport to receive commands: configure [imap] (with [smtp]), [xmpp] or [matrix]" % (
            bot.config_path)
        lib.ensure(want in p.stderr, "%s: %r expected, got %r" % (sub, want, p.stderr))
    # [smtp] alone only sends: still no inbound transport; [imap] without [smtp] cannot answer
    bot.configure({"smtp": {"url": "smtp://127.0.0.1:1", "from": bot.address}})
    p = subprocess.run([lib.mentorbot_path(), "check-config", "-c", bot.config_path], cwd=lib.REPO,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    lib.ensure(p.returncode == 1 and "no transport to receive commands" in p.stderr, p.stderr)
    bot.configure({"smtp": None, "imap": {"url": "imap://127.0.0.1:1/INBOX", "user": "u", "password": "p"}})
    p = subprocess.run([lib.mentorbot_path(), "run", "-c", bot.config_path], cwd=lib.REPO,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    lib.ensure(p.returncode == 1 and "[imap] needs [smtp]" in p.stderr, p.stderr)
    lib.ensure(not os.path.exists(bot.database), "run must refuse before it opens the database")
