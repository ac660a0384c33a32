"""Whole-cohort matching by a staff member, on the real servers.

Two mentees and three mentors join "mentoring".  Staff (a [bot] staff address
whose DKIM-signed mail the test MTA stamps dkim=pass under our authserv-id)
sends `match mentoring`: the preview names both pairs with their scores and
changes nothing.  `zuordnen mentoring veröffentlichen` sends the offers: each
side gets a mail (the XMPP-linked mentor also a chat message).  One pair
accepts, the mentee by a plain "ja" reply to the offer mail and the mentor
with `accept <id>` in XMPP: a match, both introduced.  In the other pair the
mentor replies "no" with a reason: the offer is closed and the mentee told.
Finally `mentorbot match -c FILE mentoring publish` on the command line sends
the offer for a third mentee who joined later.
"""
import re
import subprocess

import lib
import xmpp_lib as X

def staff_mail(bot, staff, subject, key, body=""):
    mid = lib.send(staff, bot.address, subject, body)
    r = lib.Mailbox(staff).exactly_one_reply(mid)
    return lib.assert_reply(r, mid, subject, key=key, to=staff)


def answer(bot, who, mid, subject, key):
    """The one reply to mid, with template key (no other reply to the same mail)."""
    mb = lib.Mailbox(who)
    r = mb.wait_for(lambda m: m.in_reply_to == lib.norm_id(mid) and m.key == key, what="%s reply to %s" % (key, subject))[0]
    mb.expect_no_more(lambda m: m.in_reply_to == lib.norm_id(mid) and m.key != key, 0, seconds=1.0, what="other replies to %s" % subject)
    lib.ensure(len([m for m in mb.messages() if m.in_reply_to == lib.norm_id(mid) and m.key == key]) == 1,
               "one %s reply to %s" % (key, subject))
    return lib.assert_reply(r, mid, subject, key=key, to=who)


def ask_all(bot, items):
    """Send [(who, subject, key)] at once, then check the one reply to each."""
    sent = [(who, subject, key, lib.send(who, bot.address, subject, "")) for who, subject, key in items]
    return [answer(bot, who, mid, subject, key) for who, subject, key, mid in sent]


def join_all(bot, items):
    """[(who, programme)]: all join at once and confirm by a plain reply."""
    sent = [(who, "join " + prog, lib.send(who, bot.address, "join " + prog, "")) for who, prog in items]
    confirms = []
    for who, subject, mid in sent:
        c = answer(bot, who, mid, subject, "join_confirm")
        refs = " ".join(c.references + [c.message_id])
        confirms.append((who, lib.expected_subject(c.subject),
                         lib.send(who, bot.address, lib.expected_subject(c.subject), "ok\n",
                                  headers={"In-Reply-To": c.message_id, "References": refs})))
    for who, subject, mid in confirms:
        answer(bot, who, mid, subject, "join_done")


def profiles(bot, people):
    """people: {addr: [profile commands]}; one command of each person at a time."""
    rounds = max(len(v) for v in people.values())
    for i in range(rounds):
        items = []
        for who, cmds in people.items():
            if i < len(cmds):
                cmd = cmds[i]
                items.append((who, cmd, "profile_visibility_set" if cmd.startswith("profile visible") else "profile_set"))
        ask_all(bot, items)


def offer_of(who, count=1):
    m = lib.Mailbox(who).wait_for(lambda x: x.key == "match.mail.offer", count=count, what="offer mail")[count - 1]
    i = re.search(r"#(\d+)", m.subject)
    lib.ensure(i, "offer subject names the offer: %r" % m.subject)
    return m, i.group(1)


@lib.timeout(300)
def test_staff_match_preview_publish_both_accept_and_one_declines():
    room = X.room()
    staff = lib.addr("staff")
    bot = X.start_bot(rooms=[room], extra={"bot": {"reply_limit": "200", "staff": staff}})
    e1, e2, m1, m2, m3 = (lib.addr(x) for x in ("erna", "emil", "pia", "paul", "pat"))
    join_all(bot, [(staff, "alumni"), (e1, "mentoring"), (e2, "mentoring"), (m1, "mentor"), (m2, "mentor"),
                   (m3, "mentor")])
    profiles(bot, {
        e1: ["profile name Erna Eins", "profile visible name yes", "profile topics astronomy, telescopes",
             "profile visible topics yes"],
        e2: ["profile name Emil Zwei", "profile visible name yes", "profile topics botany"],
        m1: ["profile name Pia Mentor", "profile visible name yes", "profile topics astronomy",
             "profile company HiddenCorp"],
        m2: ["profile name Paul Mentor", "profile visible name yes", "profile topics botany, trees"],
        m3: ["profile name Pat Mentor", "profile visible name yes", "profile topics cooking"],
    })
    # Pia links XMPP
    xm = X.Person("pia")
    r = lib.ask(bot, m1, "link xmpp:%s" % xm.jid, key="link_code_back")
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code")
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    xm.direct(bot.jid, "confirm %s" % code.group(0))
    xm.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")

    # unsigned (dkim=none from our MTA) the staff address proves nothing: its owner is asked first
    mid = lib.send(staff, bot.address, "match mentoring", "", dkim=False)
    lib.ensure(lib.Mailbox(staff).exactly_one_reply(mid).key == "confirm_command", "staff without dkim=pass")

    # the preview: both pairs with scores, nothing sent
    p = staff_mail(bot, staff, "match mentoring", "match.preview")
    lib.ensure(re.search(r"Erna Eins <%s> \+ Pia Mentor <%s> \(score \d+\)" % (re.escape(e1), re.escape(m1)), p.text),
               "preview pairs Erna with Pia: %r" % p.text[:800])
    lib.ensure(re.search(r"Emil Zwei <%s> \+ Paul Mentor <%s> \(score \d+\)" % (re.escape(e2), re.escape(m2)), p.text),
               "preview pairs Emil with Paul: %r" % p.text[:800])
    lib.ensure("Pat Mentor" not in p.text, "nobody for Pat: %r" % p.text[:800])
    u = staff_mail(bot, staff, "match nosuch", "match.unknown_programme")
    lib.ensure("mentoring" in u.text, "the unknown programme answer lists the programmes: %r" % u.text)
    lib.Mailbox(e1).expect_no_more(lambda m: m.key == "match.mail.offer", 0, seconds=1, what="offers after a preview")

    # publish (German words)
    pub = staff_mail(bot, staff, "zuordnen mentoring veröffentlichen", "match.published")
    lib.ensure(pub.text.startswith("2 ") or "\n2 " in pub.text or " 2 " in pub.text[:40],
               "two offers went out: %r" % pub.text[:400])
    o_e1, a = offer_of(e1)
    o_m1, a2 = offer_of(m1)
    o_e2, b = offer_of(e2)
    o_m2, b2 = offer_of(m2)
    lib.ensure(a == a2 and b == b2 and a != b, "one offer per pair: %s %s %s %s" % (a, a2, b, b2))
    lib.ensure("Pia Mentor" in o_e1.text and "HiddenCorp" not in o_e1.text and m1 not in o_e1.text,
               "the mentee sees the mentor's visible details only: %r" % o_e1.text[:800])
    lib.ensure("Erna Eins" in o_m1.text and "astronomy" in o_m1.text, "the mentor sees the mentee: %r" % o_m1.text[:800])
    xm.wait(lambda x: from_bot(x) and ("#%s" % a) in x["body"] and "suggest" in x["body"], what="offer in XMPP")
    lib.Mailbox(m3).expect_no_more(lambda m: m.key == "match.mail.offer", 0, seconds=0.5, what="offers to Pat")

    # pair 1: the mentee says "ja" to the offer mail, the mentor accepts in XMPP
    refs = " ".join(o_e1.references + [o_e1.message_id])
    mid = lib.send(e1, bot.address, "Re: " + o_e1.subject, "Ja, gerne!\n\n> Hello",
                   headers={"In-Reply-To": o_e1.message_id, "References": refs})
    ack = lib.Mailbox(e1).exactly_one_reply(mid)
    lib.ensure(ack.key == "match.offer.agreed", "the mentee's yes is noted: %s" % ack.describe())
    xm.wait(lambda x: from_bot(x) and ("#%s" % a) in x["body"] and "has accepted" in x["body"],
            what="Pia learns Erna accepted")
    xm.direct(bot.jid, "accept %s" % a)
    done = xm.wait(lambda x: from_bot(x) and "both accepted" in x["body"], what="match confirmation in XMPP")[0]
    lib.ensure(e1 in done["body"], "Pia learns Erna's address: %r" % done["body"])
    ie = lib.Mailbox(e1).wait_for(lambda m: m.key == "mentoring.mail.intro", what="Erna's introduction")[0]
    lib.Mailbox(m1).wait_for(lambda m: m.key == "mentoring.mail.intro", what="Pia's introduction")
    lib.ensure(m1 in ie.text and "Pia Mentor" in ie.text, "Erna's introduction: %r" % ie.text[:600])

    # pair 2: the mentor replies "no" with a reason: closed, the mentee told, no cascade
    refs = " ".join(o_m2.references + [o_m2.message_id])
    mid = lib.send(m2, bot.address, "Re: " + o_m2.subject, "No, sorry - not this term.\n\n> Hello",
                   headers={"In-Reply-To": o_m2.message_id, "References": refs})
    ack = lib.Mailbox(m2).exactly_one_reply(mid)
    lib.ensure(ack.key == "match.offer.declined.done", "the mentor's no is confirmed: %s" % ack.describe())
    note = lib.Mailbox(e2).wait_for(lambda m: m.key == "mentoring.mail.notice" and ("#%s" % b) in m.text,
                                    what="Emil told")[0]
    lib.ensure("declined" in note.text and "not this term" in note.text, "Emil's notice: %r" % note.text[:600])
    mid = lib.send(e2, bot.address, "accept %s" % b, "")
    lib.ensure(lib.Mailbox(e2).exactly_one_reply(mid).key == "mentoring.answer.closed", "a closed offer stays closed")
    lib.Mailbox(e2).expect_no_more(lambda m: m.key == "mentoring.mail.intro", 0, seconds=0.5, what="Emil's intros")

    # the command line: a third mentee, published from the CLI
    e3 = lib.addr("ida")
    join_all(bot, [(e3, "mentoring")])
    profiles(bot, {e3: ["profile topics cooking"]})
    out = subprocess.run([lib.mentorbot_path(), "match", "-c", bot.config_path, "mentoring"], capture_output=True,
                         text=True, timeout=60)
    lib.ensure(out.returncode == 0 and "Whole-cohort matching for" in out.stdout and "Pat Mentor" in out.stdout,
               "CLI preview: %r %r" % (out.stdout, out.stderr[-300:]))
    out = subprocess.run([lib.mentorbot_path(), "match", "-c", bot.config_path, "mentoring", "--ids"],
                         capture_output=True, text=True, timeout=60)
    lib.ensure(out.returncode == 0 and "pair\tmentee " in out.stdout, "CLI --ids: %r %r" % (out.stdout, out.stderr[-300:]))
    out = subprocess.run([lib.mentorbot_path(), "match", "-c", bot.config_path, "mentoring", "publish"],
                         capture_output=True, text=True, timeout=60)
    lib.ensure(out.returncode == 0, "CLI publish failed: %r" % out.stderr[-500:])
    m = re.search(r"(\d+) suggestions sent", out.stdout)
    lib.ensure(m and int(m.group(1)) >= 1, "CLI publish output: %r" % out.stdout)
    o_e3, c = offer_of(e3)
    lib.ensure("Pat Mentor" in o_e3.text, "Ida is offered Pat: %r" % o_e3.text[:600])
    lib.Mailbox(m3).wait_for(lambda x: x.key == "match.mail.offer" and ("#%s" % c) in x.subject, what="Pat's offer")
    xm.close()
