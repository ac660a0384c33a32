"""Mentoring with the real servers.

1. A mentee and a mentor join by mail (join + plain-reply confirm) and set
   their profiles; the mentor links an XMPP account.  The mentee sends
   `find mentor` and `request 1` by mail; the mentor gets the request by mail
   and in XMPP, accepts in XMPP, and both get the introduction mail.
2. Decline and cascade, then reminder and expiry, driven by the test clock
   (MENTORBOT_TEST_CLOCK) with a bot restart in between: the mentor declines
   by replying "nein" to the request mail, the next suggestion is asked, is
   reminded once at half the deadline, and at the deadline the request
   expires and the mentee is told there is nobody left.
"""
import re

import lib
import xmpp_lib as X

DAY = 86400


def ask(bot, who, subject, key):
    return lib.ask(bot, who, subject, "", key=key, lang="en")


def setup_person(bot, who, role_programme, profile):
    """join by mail (confirmed by a plain reply), then one profile command per item."""
    lib.join_programme(bot, who, role_programme)
    for cmd in profile:
        key = "profile_visibility_set" if cmd.startswith("profile visible") else "profile_set"
        ask(bot, who, cmd, key)


def request_mail(mentor, count=1, timeout=lib.REPLY_TIMEOUT):
    msgs = lib.Mailbox(mentor).wait_for(lambda m: m.key == "mentoring.mail.request", timeout=timeout, count=count,
                                        what="mentoring request mail")
    m = msgs[count - 1]
    rid = re.search(r"#(\d+)", m.subject or "")
    lib.ensure(rid, "request mail subject has no #id: %r" % m.subject)
    return m, rid.group(1)


MENTOR_PROFILE = ["profile name Mira Mentor", "profile visible name yes", "profile topics python, machine learning",
                  "profile visible topics yes", "profile languages en, de", "profile capacity 2",
                  "profile company HiddenCorp"]


@lib.timeout(240)
def test_find_request_and_accept_in_xmpp_introduces_both():
    room = X.room()
    bot = X.start_bot(rooms=[room], extra={"bot": {"reply_limit": "100"}})
    mentee, mentor = lib.addr("mentee"), lib.addr("mentor")
    setup_person(bot, mentee, "mentoring", ["profile topics python, data science", "profile languages en"])
    setup_person(bot, mentor, "mentor", MENTOR_PROFILE)

    # the mentor links an XMPP account (code back by mail, confirmed from XMPP)
    xm = X.Person("mentor")
    r = ask(bot, mentor, "link xmpp:%s" % xm.jid, "link_code_back")
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code")
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    xm.direct(bot.jid, "confirm %s" % code.group(0))
    xm.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")

    f = ask(bot, mentee, "find mentor", "mentoring.find")
    lib.ensure("1. Mira Mentor" in f.text, "find mentor lists Mira first: %r" % f.text[:600])
    lib.ensure("shared topics: python" in f.text, "reasons name the shared topic: %r" % f.text[:600])
    lib.ensure("HiddenCorp" not in f.text and mentor not in f.text, "hidden field or address leaked: %r" % f.text)

    ask(bot, mentee, "request 1", "mentoring.request.sent")
    req, rid = request_mail(mentor)
    lib.ensure("Mentoring request #%s" % rid in req.subject, "request subject: %r" % req.subject)
    xm.wait(lambda x: from_bot(x) and ("#%s" % rid) in x["body"], what="request in XMPP")

    xm.direct(bot.jid, "accept %s" % rid)
    done = xm.wait(lambda x: from_bot(x) and "You accepted" in x["body"], what="accept confirmation")[0]
    lib.ensure(mentee in done["body"], "the mentor learns the mentee's address: %r" % done["body"])

    intro_e = lib.Mailbox(mentee).wait_for(lambda m: m.key == "mentoring.mail.intro", what="mentee introduction")[0]
    intro_m = lib.Mailbox(mentor).wait_for(lambda m: m.key == "mentoring.mail.intro", what="mentor introduction")[0]
    lib.ensure(mentor in intro_e.text and "Mira Mentor" in intro_e.text, "mentee intro: %r" % intro_e.text[:600])
    lib.ensure(mentee in intro_m.text, "mentor intro: %r" % intro_m.text[:600])
    lib.Mailbox(mentee).expect_no_more(lambda m: m.key == "mentoring.mail.intro", 1, what="introductions")
    xm.close()


set_clock = lib.set_clock


@lib.timeout(300)
def test_decline_by_reply_cascades_then_reminder_and_expiry_across_a_restart():
    lib.with_test_clock(clock_driven_story)


def clock_driven_story(clock, t0):
    bot = lib.Bot(config={"bot": {"reply_limit": "100"}})
    mentee, first, second = lib.addr("mentee"), lib.addr("first"), lib.addr("second")
    setup_person(bot, mentee, "mentoring", ["profile topics chess, go", "profile languages en"])
    setup_person(bot, first, "mentor", ["profile name Fay First", "profile visible name yes",
                                         "profile topics chess, go", "profile languages en"])
    setup_person(bot, second, "mentor", ["profile name Sam Second", "profile visible name yes",
                                          "profile topics chess", "profile languages en"])

    f = ask(bot, mentee, "find mentor", "mentoring.find")
    lib.ensure(f.text.find("1. Fay First") >= 0 and f.text.find("2. Sam Second") > f.text.find("1. Fay First"),
               "Fay first, Sam second: %r" % f.text[:600])
    ask(bot, mentee, "request 1", "mentoring.request.sent")
    req, rid = request_mail(first)

    # Fay answers "nein" by replying to the request mail
    refs = " ".join(req.references + [req.message_id])
    mid = lib.send(first, bot.address, "Re: " + req.subject, "Nein, leider keine Zeit.\n\n> Hello",
                   headers={"In-Reply-To": req.message_id, "References": refs})
    ack = lib.Mailbox(first).exactly_one_reply(mid)
    lib.ensure(ack.key == "mentoring.decline.done", "decline acknowledged: %s" % ack.describe())
    note = lib.Mailbox(mentee).wait_for(lambda m: m.key == "mentoring.mail.notice", what="decline notice")[0]
    lib.ensure("keine Zeit" in note.text and "Sam Second" in note.text, "notice: %r" % note.text[:600])
    req2, rid2 = request_mail(second)

    # half the deadline (3 days): one reminder to Sam
    set_clock(clock, t0 + 3 * DAY // 2 + 60)
    lib.Mailbox(second).wait_for(lambda m: m.key == "mentoring.mail.reminder", what="reminder")
    bot.restart()
    lib.Mailbox(second).expect_no_more(lambda m: m.key == "mentoring.mail.reminder", 1, what="reminders")

    # the deadline: expired, nobody left
    set_clock(clock, t0 + 3 * DAY + 120)
    lib.Mailbox(second).wait_for(lambda m: m.key == "mentoring.mail.notice" and "expired" in m.text,
                                 what="expiry notice to the mentor")
    lib.Mailbox(mentee).wait_for(lambda m: m.key == "mentoring.mail.notice" and "nobody left" in m.text,
                                 what="expiry notice to the mentee")
    lib.Mailbox(second).expect_no_more(lambda m: m.key == "mentoring.mail.reminder", 1, what="reminders")
