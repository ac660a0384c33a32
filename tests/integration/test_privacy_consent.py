"""Consent records on the real servers (issue 12, point 1).

- join by mail, confirmed by a plain reply: one 'given' consent row with the
  programme's consent version and the channel "mail";
- whoami lists the consent (programme, version, date) in English, and
  "wer bin ich" in German;
- a new consent version (mentorbot programme set … --consent V): the next
  contact's answer, and only the first answer of it, carries the new text and
  how to agree ("agree mentoring" / "zustimmen mentoring"); no mail is sent by
  itself; after "agree" the note is gone and whoami shows the new version;
- leave writes a 'withdrawn' row, and whoami lists no consent.
"""
import re
import sqlite3
import subprocess
import time

import lib
from lib import Bot, Mailbox, addr, ask, send, timeout


def rows(bot, who):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return c.execute("SELECT c.purpose, c.version, c.channel, c.action FROM consent c"
                         " JOIN endpoint e ON e.person_id = c.person_id WHERE e.address = ? ORDER BY c.id",
                         (who.lower(),)).fetchall()


def cli(bot, *args):
    p = subprocess.run([lib.mentorbot_path(), args[0], args[1], "-c", bot.config_path] + list(args[2:]),
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    lib.ensure(p.returncode == 0, "%r failed: %r %r" % (args, p.stdout, p.stderr))


def join_de(bot, who, programme):
    mb = Mailbox(who)
    subject = "beitreten " + programme
    mid = send(who, bot.address, subject, "")
    confirm = lib.assert_reply(mb.exactly_one_reply(mid), mid, subject, key="join_confirm", lang="de", to=who)
    resubj = lib.expected_subject(confirm.subject)
    refs = " ".join(confirm.references + [confirm.message_id])
    mid2 = send(who, bot.address, resubj, "ja\n", headers={"In-Reply-To": confirm.message_id, "References": refs})
    lib.assert_reply(mb.exactly_one_reply(mid2), mid2, resubj, key="join_done", lang="de", to=who)


@timeout(240)
def test_consent_given_listed_renewed_and_withdrawn():
    bot = Bot(config={"bot": {"reply_limit": "100"}})
    en, de = addr("anna"), addr("bernd")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    lib.join_programme(bot, en, "mentoring")
    join_de(bot, de, "mentoring")
    for who in (en, de):
        got = rows(bot, who)
        lib.ensure(got == [("mentoring", "2026-11-1", "mail", "given")], "consent rows of %s: %r" % (who, got))

    r = ask(bot, en, "whoami", "", key="whoami", lang="en")
    lib.ensure("Consents:" in r.text and "Mentoring: version 2026-11-1, given on %s (mail)" % today in r.text,
               "whoami consents (en): %r" % r.text[:900])
    lib.ensure("consent text has changed" not in r.text, "no note before a change: %r" % r.text[:900])
    r = ask(bot, de, "wer bin ich", "", key="whoami", lang="de")
    lib.ensure("Einwilligungen:" in r.text and "Mentoring: Version 2026-11-1, erteilt am %s (mail)" % today in r.text,
               "whoami consents (de): %r" % r.text[:900])

    # a new version of the consent text: nobody is mailed for it
    before = len(Mailbox(en).messages()) + len(Mailbox(de).messages())
    cli(bot, "programme", "set", "mentoring", "--consent", "2026-12-1")
    time.sleep(3)
    lib.ensure(len(Mailbox(en).messages()) + len(Mailbox(de).messages()) == before, "a mass mail was sent")

    # the next contact asks, in the answer to it, once
    r = ask(bot, en, "profile", "", key="profile", lang="en")
    lib.ensure(r.text.count("consent text has changed") == 1 and "version 2026-12-1" in r.text
               and 'send "agree mentoring"' in r.text and "(consent text version 2026-12-1)" in r.text,
               "re-confirmation note (en): %r" % r.text[:1500])
    r = ask(bot, de, "profil", "", key="profile", lang="de")
    lib.ensure(r.text.count("Einwilligungstext hat sich geändert") == 1 and 'senden Sie "zustimmen mentoring"' in r.text,
               "re-confirmation note (de): %r" % r.text[:1500])
    # asked again on the contact after (not agreed yet)
    r = ask(bot, en, "whoami", "", key="whoami", lang="en")
    lib.ensure("consent text has changed" in r.text, "asked again on the next contact: %r" % r.text[:1500])

    # agreeing clears it (a state change: the signed mail proves the address)
    r = ask(bot, en, "agree mentoring", "", key="agree_done", lang="en")
    lib.ensure("consent text has changed" not in r.text, "note after agreeing: %r" % r.text[:900])
    r = ask(bot, de, "zustimmen", "", key="agree_done", lang="de")
    r = ask(bot, en, "whoami", "", key="whoami", lang="en")
    lib.ensure("consent text has changed" not in r.text and "Mentoring: version 2026-12-1, given on" in r.text,
               "whoami after agreeing: %r" % r.text[:900])
    r = ask(bot, en, "agree", "", key="agree_nothing", lang="en")
    got = rows(bot, en)
    lib.ensure(got == [("mentoring", "2026-11-1", "mail", "given"), ("mentoring", "2026-12-1", "mail", "given")],
               "consent rows after agreeing: %r" % got)

    # leave: one withdrawal, and whoami lists no consent
    ask(bot, en, "leave mentoring", "", key="leave_done", lang="en")
    got = rows(bot, en)
    lib.ensure(got[-1] == ("mentoring", "2026-12-1", "mail", "withdrawn") and len(got) == 3,
               "consent rows after leaving: %r" % got)
    r = ask(bot, en, "whoami", "", key="whoami", lang="en")
    lib.ensure(re.search(r"Consents:\n  \(none\)", r.text.replace("\r\n", "\n")), "whoami after leave: %r" % r.text[:900])
    ask(bot, de, "austreten alle", "", key="leave_done", lang="de")
    lib.ensure(rows(bot, de)[-1][3] == "withdrawn", "withdrawal of leave all: %r" % rows(bot, de))
