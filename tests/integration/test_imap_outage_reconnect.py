"""Dovecot stopped for 20 s while the bot runs; a mail sent meanwhile (queued
by OpenSMTPD) and one sent after Dovecot is back are both answered once,
and the mail from before the outage is not answered again."""
import time

from lib import Bot, Mailbox, addr, ask, dovecot_start, dovecot_stop, send, timeout

OUTAGE = 20


@timeout(180)
def test_bot_reconnects_after_imap_outage():
    bot = Bot()
    who = addr("patient")
    before = send(who, bot.address, "help", "")
    mb = Mailbox(who)
    mb.exactly_one_reply(before)
    t0 = time.monotonic()
    dovecot_stop()
    during = send(who, bot.address, "help", "")     # OpenSMTPD queues it
    time.sleep(max(0, OUTAGE - (time.monotonic() - t0)))
    dovecot_start()                                  # also: smtpctl schedule all
    after = send(who, bot.address, "help", "")
    mb.wait_reply(during, timeout=90)
    mb.wait_reply(after, timeout=30)
    for mid in (before, during, after):
        mb.expect_no_more(lambda m, mid=mid: m.in_reply_to == mid, 1, 1, "reply to %s" % mid)
    ask(bot, addr("later"), "help", "", key="help")  # still healthy
