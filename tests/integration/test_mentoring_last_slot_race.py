"""The last place of a mentor, taken twice at the same moment, on the real servers.

A mentor with one free place has two open requests from two mentees and
accepts both at once: one by mail (a plain "ja" reply to the request mail,
or "accept <id>"), one by XMPP ("accept <id>" in a direct chat).  The mail
thread and the XMPP thread answer on their own SQLite connections, so the
two accepts race for the place.  Whatever the order: exactly one match, the
other mentee is told that the mentor's last place is gone, and the mentor is
told on the losing channel that there is no free place left.

Three rounds (the mentor's capacity raised by one each round, the mentees
joining a new programme), with the XMPP message sent at a different offset
from the mail each round, so that the two arrive together at least once.
"""
import re
import sqlite3
import subprocess
import time

import lib
import xmpp_lib as X

ROUNDS = 3


def answer(bot, who, mid, subject, key):
    """The one reply to mid, with template key (no other reply to the same mail)."""
    mb = lib.Mailbox(who)
    r = mb.wait_for(lambda m: m.in_reply_to == lib.norm_id(mid) and m.key == key, what="%s reply to %s" % (key, subject))[0]
    mb.expect_no_more(lambda m: m.in_reply_to == lib.norm_id(mid) and m.key != key, 0, seconds=1.0, what="other replies to %s" % subject)
    lib.ensure(len([m for m in mb.messages() if m.in_reply_to == lib.norm_id(mid) and m.key == key]) == 1,
               "one %s reply to %s" % (key, subject))
    return lib.assert_reply(r, mid, subject, key=key, to=who)


def ask_all(bot, items):
    """Send [(who, subject, key)] all at once, then check the one reply to each; returns the replies."""
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


def active_matches(bot, mentor):
    """Active matches of the mentor, read from the bot's database (read-only)."""
    db = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10)
    try:
        row = db.execute("SELECT count(*) FROM match m JOIN endpoint e ON e.person_id = m.mentor_id"
                         " WHERE e.kind = 'mail' AND e.address = ? AND m.status = 'active'", (mentor,)).fetchone()
        return row[0]
    finally:
        db.close()


def add_programme(bot, slug):
    subprocess.run([lib.mentorbot_path(), "programme", "-c", bot.config_path, "add", slug, "--name", slug],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)


@lib.timeout(420)
def test_mail_and_xmpp_accept_race_for_the_last_place():
    room = X.room()
    bot = X.start_bot(rooms=[room], extra={"bot": {"reply_limit": "200"}})
    mentor, ann, ben = lib.addr("mentor"), lib.addr("ann"), lib.addr("ben")
    join_all(bot, [(mentor, "mentor"), (ann, "mentoring"), (ben, "mentoring")])
    ask_all(bot, [(mentor, "profile topics pottery", "profile_set"),
                  (ann, "profile topics pottery", "profile_set"),
                  (ben, "profile topics pottery", "profile_set")])
    ask_all(bot, [(mentor, "profile capacity 1", "profile_set"),
                  (ann, "profile name Ann Apple", "profile_set"),
                  (ben, "profile name Ben Berry", "profile_set")])
    ask_all(bot, [(ann, "profile visible name yes", "profile_visibility_set"),
                  (ben, "profile visible name yes", "profile_visibility_set")])

    # the mentor links an XMPP account
    xm = X.Person("mentor")
    r = lib.ask(bot, mentor, "link xmpp:%s" % xm.jid, key="link_code_back")
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code")
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    xm.direct(bot.jid, "confirm %s" % code.group(0))
    xm.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")

    seen_requests = 0
    winners = {"mail": 0, "xmpp": 0}
    intros = {ann: 0, ben: 0}
    for rnd in range(1, ROUNDS + 1):
        if rnd > 1:
            slug = "race%d-%s" % (rnd, lib.RUN_ID.lower())
            slug = re.sub(r"[^a-z0-9-]", "", slug)[:30]
            add_programme(bot, slug)
            ask_all(bot, [(ann, "join " + slug, "join_done"), (ben, "join " + slug, "join_done"),
                          (mentor, "join mentor " + slug, "join_done")])
            # exactly one free place again
            ask_all(bot, [(mentor, "profile capacity %d" % rnd, "profile_set")])
        lib.ensure(active_matches(bot, mentor) == rnd - 1, "round %d starts with %d matches" % (rnd, rnd - 1))
        found = ask_all(bot, [(ann, "find mentor", "mentoring.find"), (ben, "find mentor", "mentoring.find")])
        for f in found:
            lib.ensure(re.search(r"(?m)^1\. ", f.text), "round %d: find mentor lists the mentor: %r" % (rnd, f.text[:400]))
        sent = ask_all(bot, [(ann, "request 1", "mentoring.request.sent"), (ben, "request 1", "mentoring.request.sent")])
        rid = {}
        for who, s in zip((ann, ben), sent):
            m = re.search(r"#(\d+)", s.text)
            lib.ensure(m, "request.sent names the request: %r" % s.text[:300])
            rid[who] = m.group(1)
        seen_requests += 2
        reqs = lib.Mailbox(mentor).wait_for(lambda m: m.key == "mentoring.mail.request", count=seen_requests,
                                            what="request mails")
        by_id = {}
        for m in reqs:
            i = re.search(r"#(\d+)", m.subject or "")
            if i:
                by_id[i.group(1)] = m
        # alternate who is answered by which channel, and how the mail answers
        mail_for, xmpp_for = (ann, ben) if rnd % 2 else (ben, ann)
        req_mail = by_id.get(rid[mail_for])
        lib.ensure(req_mail is not None, "the request mail for #%s reached the mentor" % rid[mail_for])
        if rnd == 2:
            raw = lib.make_mail(mentor, bot.address, "accept %s" % rid[mail_for], "")
        else:
            refs = " ".join(req_mail.references + [req_mail.message_id])
            raw = lib.make_mail(mentor, bot.address, "Re: " + req_mail.subject, "Ja, gerne.\n\n> Hello",
                                headers={"In-Reply-To": req_mail.message_id, "References": refs})
        # both at once: the mail goes out, and the XMPP message after an offset that differs per round
        # (mail takes SMTP, delivery and the IMAP fetch; XMPP is nearly instant)
        offset = [0.3, 0.5, 0.7][(rnd - 1) % 3]
        mid = lib.send(mentor, bot.address, raw=raw)
        time.sleep(offset)
        xm.direct(bot.jid, "accept %s" % rid[xmpp_for])

        # the mentor's two answers: one "accepted", one "no free place left"
        mail_ans = lib.Mailbox(mentor).exactly_one_reply(mid)
        chat_ans = xm.wait(lambda x: from_bot(x) and ("#%s" % rid[xmpp_for]) in x["body"] and
                           ("You accepted" in x["body"] or "no free place" in x["body"]),
                           what="answer to the XMPP accept")[0]["body"]
        mail_won = mail_ans.key == "mentoring.accept.done"
        chat_won = "You accepted" in chat_ans
        lib.ensure(mail_won != chat_won, "round %d: exactly one accept wins (mail %s, xmpp %r)" % (
            rnd, mail_ans.key, chat_ans[:200]))
        if mail_won:
            lib.ensure("no free place left" in chat_ans and "capacity %d" % rnd in chat_ans,
                       "round %d: the mentor is told clearly in XMPP: %r" % (rnd, chat_ans))
        else:
            lib.ensure(mail_ans.key == "mentoring.accept.full" and "no free place left" in mail_ans.text,
                       "round %d: the mentor is told clearly by mail: %s" % (rnd, mail_ans.describe()))
        winners["mail" if mail_won else "xmpp"] += 1
        winner, loser = (mail_for, xmpp_for) if mail_won else (xmpp_for, mail_for)

        # the winner is introduced; the loser is told the last place is gone (and nobody is left to ask)
        intros[winner] += 1
        lib.Mailbox(winner).wait_for(lambda m: m.key == "mentoring.mail.intro", count=intros[winner],
                                     what="round %d: introduction of the winner" % rnd)
        note = lib.Mailbox(loser).wait_for(
            lambda m: m.key == "mentoring.mail.notice" and ("#%s" % rid[loser]) in m.text, what="round %d: notice" % rnd)[0]
        lib.ensure("last free place" in note.text, "round %d: the loser learns why: %r" % (rnd, note.text[:400]))
        lib.ensure(active_matches(bot, mentor) == rnd, "round %d: exactly one new match (%d active)" % (
            rnd, active_matches(bot, mentor)))
        lib.Mailbox(loser).expect_no_more(lambda m: m.key == "mentoring.mail.intro", intros[loser], seconds=0.5,
                                          what="round %d: introductions of the loser" % rnd)
    # never over capacity, one match a round
    lib.ensure(active_matches(bot, mentor) == ROUNDS, "matches after %d rounds" % ROUNDS)
    print("# winners by channel: %r" % winners)
    xm.close()
