"""XMPP: a chat message whose handling kills the daemon is not retried forever.

The message is journalled before it is handled, so after a crash the next start
handles it again (nothing lost) -- and counts the attempt first.  After
DISPATCH_CRASH_LIMIT (3) crashes the next start sets it aside as quarantined, with
a log line and a short answer to its sender, and the bot keeps serving everyone.
The crash is real: the test hook MENTORBOT_TEST_CRASH makes the handler abort()
when the command's arguments contain the given word, as a handler bug would.
"""
import sqlite3
import time

import lib
import xmpp_lib as X

WORD = "crashme-q7x"


def _row(db):
    c = sqlite3.connect(db, timeout=10)
    try:
        r = c.execute("SELECT status, reason, attempts FROM inbound WHERE transport = 'xmpp' AND CAST(raw AS TEXT) LIKE ?",
                      ("%" + WORD + "%",)).fetchone()
        return r
    finally:
        c.close()


def _wait_exit(bot, seconds=30):
    deadline = time.monotonic() + seconds
    while bot.proc is not None and bot.proc.poll() is None:
        lib.ensure(time.monotonic() < deadline, "the bot did not crash on the poisoned message")
        time.sleep(0.05)
    rc = bot.proc.returncode
    bot.proc = None
    return rc


@lib.timeout(150)
def test_a_chat_message_that_crashes_three_times_is_quarantined_and_reported():
    bot = X.start_bot(rooms=[X.room("crash")])
    bot.stop()
    bot.env = {"MENTORBOT_TEST_CRASH": WORD}
    bot.exit_ok = True
    seen = len(bot.log())
    bot.start()
    # the room join follows the initial presence: before it, a direct message to the bot's bare
    # JID finds no available resource and the server (no offline storage) drops it.  Only this
    # run's join counts: the first run's line is in the same log.
    bot.wait_log(r"xmpp: joined ", timeout=20, since=seen)
    alice = X.Person("alice")
    from_bot = lambda m: m["type"] == "chat" and m["from"].split("/")[0] == bot.jid  # noqa: E731

    alice.direct(bot.jid, "help " + WORD)
    crashes = 0
    rc = _wait_exit(bot)
    crashes += 1
    lib.ensure(rc != 0, "the hook crashes the process (status %s)" % rc)
    # started again and again: each start handles the journalled message once more (and dies)
    for _ in range(2):
        bot.start()
        rc = _wait_exit(bot)
        crashes += 1
    status, _, attempts = _row(bot.database)
    lib.ensure(status == "new" and attempts == 3, "after %d crashes: status %s, %s attempts" % (crashes, status, attempts))
    # the fourth start sets it aside instead of running it, and tells the sender
    bot.start()
    bot.wait_log(r"event=crash_limit channel=xmpp inbound=\d+ attempts=3 action=quarantine", timeout=20)
    notice = alice.wait(from_bot, what="the quarantine notice")[0]
    lib.ensure("could not process your message" in notice["body"], "notice: %r" % notice["body"][:200])
    status, reason, _ = _row(bot.database)
    lib.ensure((status, reason) == ("quarantined", "crashed"), "journal row: %s / %s" % (status, reason))
    # and the bot keeps serving: an ordinary command is answered, the bot stays up
    alice.direct(bot.jid, "whoami")
    alice.wait(from_bot, count=2, what="an answer after the quarantine")
    lib.ensure(bot.alive(), "the bot keeps running")
    bot.exit_ok = False
    # a restart does not bring the message back
    bot.stop()
    bot.env = {}
    seen = len(bot.log())
    bot.start()
    deadline = time.monotonic() + 20
    while "event=connected transport=xmpp" not in bot.log()[seen:]:
        lib.ensure(time.monotonic() < deadline, "the bot reconnects after the restart")
        time.sleep(0.1)
    alice.expect_count(from_bot, 2, what="messages from the bot (no repeat after the restart)")
    lib.ensure(_row(bot.database)[0] == "quarantined", "still quarantined")
    alice.close()
