"""Mentoring sessions with the real servers.

A mentee and a mentor are matched (join, find mentor, request, the mentor
accepts in XMPP, as in test_mentoring_request_accept.py).  The mentee
proposes a session by mail; the mentor gets the proposal in XMPP and
confirms there; both mailboxes then hold a calendar invitation that the
independent parser (tests/integration/check_ical.py, python3-icalendar)
reads back with the right start, end, time zone and attendees.  The test
clock (MENTORBOT_TEST_CLOCK) then drives the reminder a day before and the
prompt after the end, and `done 1 45` logs the session.
"""
import datetime
import json
import os
import re
import subprocess
import zoneinfo

import lib
import xmpp_lib as X

HERE = os.path.dirname(os.path.abspath(__file__))
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def ask(bot, who, subject, key, lang="en"):
    return lib.ask(bot, who, subject, "", key=key, lang=lang)


set_clock = lib.set_clock


def check_ical(msg):
    """The calendar part of a fetched mail as check_ical.py (python3-icalendar) reads it."""
    p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "check_ical.py"), "-"], input=msg.raw,
                       capture_output=True, timeout=60)
    lib.ensure(p.returncode == 0, "check_ical.py failed (%d): %s %s" % (p.returncode, p.stdout[:300], p.stderr[:300]))
    return json.loads(p.stdout)


@lib.timeout(300)
def test_session_proposed_by_mail_confirmed_in_xmpp_invites_both_reminds_prompts_and_logs():
    lib.with_test_clock(story)


def story(clock, t0):
    bot = X.start_bot(rooms=[X.room()], extra={"bot": {"reply_limit": "100"}})
    mentee, mentor = lib.addr("mentee"), lib.addr("mentor")
    lib.join_programme(bot, mentee, "mentoring")
    for c in ["profile topics python, data science", "profile languages en", "profile name Ella Mentee",
              "profile visible name yes"]:
        ask(bot, mentee, c, "profile_visibility_set" if c.startswith("profile visible") else "profile_set")
    lib.join_programme(bot, mentor, "mentor")
    for c in ["profile name Mira Mentor", "profile visible name yes", "profile topics python",
              "profile languages en", "profile capacity 2"]:
        ask(bot, mentor, c, "profile_visibility_set" if c.startswith("profile visible") else "profile_set")

    # the mentor links XMPP; the match is made there
    xm = X.Person("mentor")
    r = ask(bot, mentor, "link xmpp:%s" % xm.jid, "link_code_back")
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code")
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    xm.direct(bot.jid, "confirm %s" % code.group(0))
    xm.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")
    ask(bot, mentee, "find mentor", "mentoring.find")
    ask(bot, mentee, "request 1", "mentoring.request.sent")
    req = lib.Mailbox(mentor).wait_for(lambda m: m.key == "mentoring.mail.request", what="request mail")[0]
    rid = re.search(r"#(\d+)", req.subject).group(1)
    xm.direct(bot.jid, "accept %s" % rid)
    xm.wait(lambda x: from_bot(x) and "You accepted" in x["body"], what="accept confirmation")

    # the mentee proposes a session by mail, ten days ahead, 15:00 Berlin time, 90 minutes
    day = datetime.datetime.fromtimestamp(t0, BERLIN).date() + datetime.timedelta(days=10)
    start = datetime.datetime(day.year, day.month, day.day, 15, 0, tzinfo=BERLIN)
    end = start + datetime.timedelta(minutes=90)
    p = ask(bot, mentee, "session 1 %s 15:00 90min Library, room 2" % day.strftime("%d.%m.%Y"), "session.proposed")
    lib.ensure("Session #1 with Mira Mentor" in p.text, "proposal acknowledged: %r" % p.text[:400])
    lib.Mailbox(mentor).wait_for(lambda m: m.key == "session.mail.proposal", what="proposal mail to the mentor")
    xm.wait(lambda x: from_bot(x) and "proposes session #1" in x["body"], what="proposal in XMPP")

    # the mentor confirms in XMPP
    xm.direct(bot.jid, "confirm 1")
    xm.wait(lambda x: from_bot(x) and "You confirmed session #1" in x["body"], what="confirmation in XMPP")

    for who in (mentee, mentor):
        inv = lib.Mailbox(who).wait_for(lambda m: m.key == "session.mail.invite", what="invitation to %s" % who)[0]
        lib.ensure("text/calendar" in inv.raw.decode("utf-8", "replace") and "method=REQUEST" in
                   inv.raw.decode("utf-8", "replace"), "invitation has a text/calendar; method=REQUEST part")
        ev = check_ical(inv)
        lib.ensure(ev["method"] == "REQUEST", "METHOD: %r" % ev["method"])
        lib.ensure(ev["tzid"] == "Europe/Berlin", "TZID: %r" % ev["tzid"])
        lib.ensure("Europe/Berlin" in ev["vtimezones"], "VTIMEZONE: %r" % ev["vtimezones"])
        lib.ensure(ev["dtstart"] == start.isoformat(), "DTSTART %r, expected %r" % (ev["dtstart"], start.isoformat()))
        lib.ensure(ev["dtend"] == end.isoformat(), "DTEND %r, expected %r" % (ev["dtend"], end.isoformat()))
        lib.ensure(sorted(a["addr"] for a in ev["attendees"]) == sorted([mentee, mentor]),
                   "attendees: %r" % ev["attendees"])
        lib.ensure(ev["organizer"] == bot.address.lower(), "organizer %r" % ev["organizer"])
        lib.ensure(ev["uid"] and ev["uid"].startswith("session-1@"), "UID %r" % ev["uid"])
        lib.ensure(ev["sequence"] == 0, "SEQUENCE %r" % ev["sequence"])
        lib.ensure(ev["location"] == "Library, room 2", "LOCATION %r" % ev["location"])

    # a day before: one reminder each
    ts = int(start.timestamp())
    set_clock(clock, ts - 86400 + 30)
    for who in (mentee, mentor):
        lib.Mailbox(who).wait_for(lambda m: m.key == "session.mail.reminder", what="reminder to %s" % who)
    xm.wait(lambda x: from_bot(x) and "Reminder" in x["body"], what="reminder in XMPP")

    # after the end: the prompt to log it
    set_clock(clock, ts + 90 * 60 + 30)
    for who in (mentee, mentor):
        lib.Mailbox(who).wait_for(lambda m: m.key == "session.mail.prompt", what="prompt to %s" % who)
    lib.Mailbox(mentee).expect_no_more(lambda m: m.key == "session.mail.reminder", 1, what="reminders")

    d = ask(bot, mentee, "done 1 45", "session.done")
    lib.ensure("Session #1 logged: 45 minutes" in d.text, "done: %r" % d.text[:300])
    xm.wait(lambda x: from_bot(x) and "logged session #1: 45 minutes" in x["body"], what="log notice in XMPP")
    xm.close()
