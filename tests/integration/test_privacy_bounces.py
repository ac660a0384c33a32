"""Bounces (issue 12, point 6) with the real OpenSMTPD of the harness.

1. A stranger whose address does not exist (nosuchuser-…@example.test: the
   harness's OpenSMTPD fails its delivery for good, tests/servers/smtpd.conf.in)
   writes "help".  The answer goes out with the VERP return path of its outbox
   row; OpenSMTPD bounces it there, the bounce comes back to the bot's mailbox
   over IMAP, and the address is marked undeliverable (bounce_event names the
   row).  Staff see it in `stats` (English and German mail) and in
   `mentorbot report`.
2. A member linked to XMPP: their mail carries a VERP Return-Path; a bounce of
   another shape (Gmail's text, no report part) sent to it marks the address.
   An event invitation then reaches them in the XMPP direct chat instead of by
   mail.  A later real mail from the address clears the mark.
"""
import datetime
import email.utils
import re
import time

import event_lib as E
import lib
import xmpp_lib as X

VERP_RE = r"%s\+bounce-(\d+)\.[a-z2-7]{16}@%s"


def undeliverable(bot, addr):
    return E.db_query(bot, "SELECT status, reason FROM undeliverable WHERE address = ?", (addr,))


def wait_marked(bot, addr, timeout=90):
    end = time.time() + timeout
    while time.time() < end:
        rows = undeliverable(bot, addr)
        if rows:
            return rows[0]
        bot.check_alive()
        time.sleep(0.3)
    raise lib.TestFailure("%s was not marked undeliverable within %ds; log:\n%s" % (
        addr, timeout, bot.log()[-3000:]))


def verp_re(bot):
    local, domain = bot.address.split("@")
    return re.compile(VERP_RE % (re.escape(local), re.escape(domain)), re.I)


def gmail_bounce(verp, victim):
    return ("From: Mail Delivery Subsystem <mailer-daemon@example.test>\r\n"
            "To: %s\r\nSubject: Delivery Status Notification (Failure)\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "** Address not found **\r\n\r\nYour message wasn't delivered to %s because the address "
            "couldn't be found, or is unable to receive mail.\r\n\r\nThe response from the remote server "
            "was:\r\n550 5.1.1 The email account that you tried to reach does not exist.\r\n") % (
        verp, email.utils.formatdate(), victim)


@lib.timeout(300)
def test_real_bounce_marks_then_chat_instead_then_mail_clears():
    staff, staff_de = lib.addr("chef"), lib.addr("chefin")
    room = X.room()
    bot = E.event_bot([staff, staff_de], xmpp_rooms=[room])
    vre = verp_re(bot)

    # 1. a real OpenSMTPD bounce of the answer to an address that does not exist
    gone = lib.addr("nosuchuser")
    lib.send(gone, bot.address, "help", "")
    status, reason = wait_marked(bot, gone)
    ev = E.db_query(bot, "SELECT e.hard, e.outbox_id, o.rcpt FROM bounce_event e JOIN outbox o ON o.id = e.outbox_id"
                         " WHERE e.address = ?", (gone,))
    lib.ensure(ev and ev[0][0] == 1 and ev[0][2] == gone, "bounce_event does not name the answer's row: %r" % ev)
    bot.wait_log(r"hard bounce of outbox row %d" % ev[0][1])
    r = lib.ask(bot, staff, "stats", "", key="staff.stats", lang="en")
    lib.ensure("Undeliverable mail addresses" in r.text and gone in r.text,
               "stats does not list the bounced address: %r" % r.text[-1200:])
    r = lib.ask(bot, staff_de, "statistik", "", key="staff.stats", lang="de")
    lib.ensure("Unzustellbare Mailadressen" in r.text and gone in r.text,
               "statistik does not list the bounced address: %r" % r.text[-1200:])
    out = E.cli(bot, "report")
    lib.ensure(re.search(r"(?m)^Undeliverable mail addresses.*: 1$", out) and gone in out,
               "mentorbot report does not list the bounced address: %r" % out[-1500:])

    # 2. a member linked to XMPP; their mail carries the VERP return path of its row
    alice = E.make_members(bot, ["alice"])[0]
    person = X.Person("alice")
    E.link_xmpp(bot, alice, person)
    paths = [m.header("Return-Path") or "" for m in lib.Mailbox(alice).messages()]
    verps = [vre.search(p) for p in paths]
    lib.ensure(verps and all(verps), "mail to %s without a VERP Return-Path: %r" % (alice, paths))
    rows = {int(v.group(1)) for v in verps}
    lib.ensure(len(rows) == len(verps), "two mails share one return path: %r" % paths)
    verp = verps[-1].group(0)
    lib.send("", verp, raw=gmail_bounce(verp, "someone.else@example.test"), envelope_from="")
    status, reason = wait_marked(bot, alice)
    lib.ensure(status == "5.1.1" and "gmail" in (reason or ""), "undeliverable row: %r %r" % (status, reason))

    # an invitation goes to the XMPP direct chat instead of the dead address
    title = "Bounce-Abend %s" % lib.RUN_ID
    date = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    eid = E.event_add(bot, title, date, "18:00", "19:00", audience="mentoring")
    E.event_send(bot, eid)
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid and title in x["body"]  # noqa: E731
    person.wait(from_bot, what="the invitation in the XMPP direct chat")
    lib.Mailbox(alice).expect_no_more(lambda m: title in m.subject or title in m.text, 0, what="invitations by mail")

    # a real mail from the address clears the mark (and is answered by mail)
    lib.ask(bot, alice, "whoami", "", key="whoami", lang="en")
    lib.ensure(not undeliverable(bot, alice), "the mark was not cleared by a real mail")
    lib.ensure(undeliverable(bot, gone), "the other address lost its mark")
    person.close()
