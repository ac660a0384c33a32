"""Calendar answers marked as automatic (issue 11), on the real servers.

Google Calendar sends a guest's Accept/Decline as a mail of its own, marked
"Auto-Submitted: auto-generated" and DKIM-signed for the guest's domain.  Such a
mail must never be answered (RFC 3834), but its iTIP REPLY is the guest's answer.

An event is announced to three members.  Through OpenSMTPD into Dovecot:
* Anna's Google-style Accept (German subject "Zugesagt: …", multipart/alternative
  with text/calendar METHOD:REPLY, Auto-Submitted: auto-generated) is recorded as
  "yes" via itip, and nothing comes back to her;
* Ben's Google-style Decline (English) likewise, "no";
* Carl's automatic mail without a calendar part (an auto-generated notice that even
  says "rsvp <id> yes" and "leave all") changes nothing and gets nothing back;
* a forged automatic Accept for Carl, unsigned, records nothing and asks nobody.
A control mail from a fourth address is answered afterwards, which proves the bot
has read everything before it.  The mailboxes are read back over IMAP.
"""
import email.header
import time

import event_lib as E
import lib
from lib import Mailbox, send, timeout


def answer(bot, eid, who):
    rows = E.db_query(bot, "SELECT r.answer, r.via FROM rsvp r JOIN endpoint e ON e.person_id = r.person_id "
                           "WHERE r.event_id = ? AND e.kind = 'mail' AND e.address = ?", (eid, who.lower()))
    return tuple(rows[0]) if rows else None


def google(frm, to, uid, seq, partstat, title, start, end, subject_word):
    """A Google Calendar answer: event_lib's Google shape, marked automatic as Google marks it."""
    msg = E.itip_reply("google", frm, to, uid, seq, partstat, summary=title, dtstart=start, dtend=end)
    del msg["Subject"]
    subject = "%s: %s @ Di. 10. Dez. 2030 18:00 - 20:00 (MEZ) (%s)" % (subject_word, title, to)
    msg["Subject"] = email.header.Header(subject, "utf-8").encode()
    msg["Auto-Submitted"] = "auto-generated"
    msg["Sender"] = "Google Calendar <calendar-notification@google.com>"
    msg["Reply-To"] = frm
    return msg


@timeout(180)
def test_google_calendar_answers_marked_automatic_are_recorded_and_never_answered():
    staff = lib.addr("koord")
    bot = E.event_bot([staff])
    anna, ben, carl = E.make_members(bot, ["anna", "ben", "carl"])
    title = "Karriereabend %s" % lib.RUN_ID
    eid = E.event_add(bot, title, "2030-12-10", "18:00", "20:00", place="Aula", audience="mentoring")
    E.event_send(bot, eid)
    inv = {w: E.md_wait(w, lambda m: m.key == "event.invite", 1, what="invitation")[0] for w in (anna, ben, carl)}
    ev = E.parse_ical(inv[anna].raw)
    uid, seq = ev["uid"], ev["sequence"]
    boxes = {w: Mailbox(w) for w in (anna, ben, carl)}
    before = {w: len(b.messages()) for w, b in boxes.items()}
    in_box = lib.maildir_count(bot.address, all_folders=True)

    acc = send(anna, bot.address, raw=google(anna, bot.address, uid, seq, "ACCEPTED", title, ev["dtstart"],
                                             ev["dtend"], "Zugesagt"))
    dec = send(ben, bot.address, raw=google(ben, bot.address, uid, seq, "DECLINED", title, ev["dtstart"],
                                            ev["dtend"], "Declined"))
    note = send(carl, bot.address, "Benachrichtigung", "rsvp %d yes\nleave all\n" % eid,
                headers={"Auto-Submitted": "auto-generated"})
    forged = send(carl, bot.address, raw=google(carl, bot.address, uid, seq, "ACCEPTED", title, ev["dtstart"],
                                                ev["dtend"], "Accepted"), dkim=False)

    # the bot has read all four once it answers a later mail from someone else
    deadline = time.monotonic() + 20
    while lib.maildir_count(bot.address, all_folders=True) < in_box + 4:
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "the four mails did not reach the bot's mailbox")
        time.sleep(0.05)
    control = lib.addr("control")
    lib.ask(bot, control, "help", "", key="help", lang="en")
    lib.ensure(answer(bot, eid, anna) == ("yes", "itip"), "Anna's automatic Accept: %r" % (answer(bot, eid, anna),))
    lib.ensure(answer(bot, eid, ben) == ("no", "itip"), "Ben's automatic Decline: %r" % (answer(bot, eid, ben),))
    lib.ensure(answer(bot, eid, carl) is None, "an automatic mail changed Carl's answer: %r"
               % (answer(bot, eid, carl),))
    rows = E.db_query(bot, "SELECT count(*) FROM membership m JOIN endpoint e ON e.person_id = m.person_id "
                           "WHERE e.kind = 'mail' AND e.address = ? AND m.status = 'active'", (carl.lower(),))
    lib.ensure(rows[0][0] == 1, "an automatic mail's 'leave all' ended Carl's membership")

    # nothing went back: no confirmation, no question, no notice
    for w, b in boxes.items():
        b.expect_no_more(lambda m: True, before[w], 2, "mails after the automatic ones")
    for mid in (acc, dec, note, forged):
        for b in boxes.values():
            lib.ensure(not b.replies_to(mid), "%s was answered" % mid)
    log = bot.log()
    lib.ensure("event=calendar_reply channel=mail" in log and "answered=no" in log, "the bot's log does not show the automatic calendar REPLY read")
