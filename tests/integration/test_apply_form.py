"""Applying by mail with the fill-in form, and approval by staff.

1. A mentee joins and confirms: the welcome carries the form.  They reply
   with the form quoted ("> ") and filled in inside the quote, one value
   invalid and one left empty: one answer names what is missing and what was
   not understood, and is itself the next form.  Typing the rest above the
   quote completes the application; only changed values are taken.
2. Policy "approve" (programme added by a staff mail): a German applicant's
   complete form waits in "ausstehend"; staff get a notice; "freigeben" tells
   the applicant; "zurückweisen" with a reason tells another; a non-staff
   sender cannot approve.  Staff mail is believed because the test MTA verifies
   its DKIM signature (lib.send signs) and stamps Authentication-Results.
"""
import re

from lib import Bot, Mailbox, addr, ask, ensure, expected_subject, join_programme, send, assert_reply

def reply_to(who, msg, body, subject=None):
    """Reply to msg from who, as a mail client would (threading headers)."""
    refs = " ".join(msg.references + ["<%s>" % msg.message_id])
    subject = subject or expected_subject(msg.subject)
    mid = send(who, msg.from_addr, subject, body,
               headers={"In-Reply-To": "<%s>" % msg.message_id, "References": refs})
    return mid, subject


def join_german(bot, who, programme):
    """beitreten <programme> -> join_confirm -> reply "ok" -> join_done, all in German."""
    mb = Mailbox(who)
    subject = "beitreten " + programme
    mid = send(who, bot.address, subject, "Hallo, ich möchte mitmachen.")
    confirm = assert_reply(mb.exactly_one_reply(mid), mid, subject, key="join_confirm", lang="de", to=who)
    mid2, subj2 = reply_to(who, confirm, "ok\n")
    return assert_reply(mb.exactly_one_reply(mid2), mid2, subj2, key="join_done", lang="de", to=who)


def quoted(text):
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def form_lines(text):
    return {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"(?m)^([A-Za-zÄÖÜäöüß ]{3,40}):[ \t]*(.*)$", text)}


def test_form_quoted_reply_names_missing_and_invalid_then_completes():
    bot = Bot()
    who = addr("applicant")
    _, done = join_programme(bot, who, "mentoring")
    lines = form_lines(done.text)
    for label in ("Field of study", "Topics", "Languages", "Goals", "Availability", "Visible to others"):
        ensure(label in lines, "the welcome has no form line %r: %r" % (label, done.text[:1500]))

    # filled in inside the quoted form; Goals left empty, Visible names an unknown field
    filled = done.text.replace("Field of study:", "Field of study: Informatik", 1) \
                      .replace("Topics:", "Topics: data science, career", 1) \
                      .replace("Languages:", "Languages: German, English", 1) \
                      .replace("Visible to others:", "Visible to others: topics, shoe size", 1)
    mid, subj = reply_to(who, done, "Here you go!\n\n" + "On Mon, the bot wrote:\n" + quoted(filled) + "\n")
    r = assert_reply(Mailbox(who).exactly_one_reply(mid), mid, subj, key="apply.incomplete", lang="en", to=who)
    t = r.text.replace("\r\n", "\n")
    ensure("Goals" in t.split("Please reply")[0] and "Availability" in t.split("Please reply")[0],
           "the answer does not name the missing fields: %r" % t[:1200])
    ensure("shoe size" in t, "the answer does not name the invalid value: %r" % t[:1200])
    ensure(re.search(r"(?m)^Field of study: Informatik$", t), "the next form lacks the saved value: %r" % t[:1500])

    # the rest typed above the quoted (second) form: completes; unchanged quoted lines count for nothing
    body = "Goals: find an internship in industry\nAvailability: Tuesday evenings\n" \
           "Visible to others: topics, languages\n\n" + quoted(r.text)
    mid, subj = reply_to(who, r, body)
    c = assert_reply(Mailbox(who).exactly_one_reply(mid), mid, subj, key="apply.complete", lang="en", to=who)
    ensure("find mentor" in c.text, "the completion does not say what comes next: %r" % c.text[:800])

    p = ask(bot, who, "profile", key="profile")
    pt = p.text
    for v in ("Informatik", "data science, career", "German, English", "find an internship in industry",
              "Tuesday evenings"):
        ensure(v in pt, "profile lacks %r: %r" % (v, pt[:1200]))

    # a later form reply changes only what changed
    mid, subj = reply_to(who, c, "Availability: Thursday mornings\n\n" + quoted(r.text))
    u = assert_reply(Mailbox(who).exactly_one_reply(mid), mid, subj, lang="en", to=who)
    ensure(u.key in ("apply.updated",), "expected apply.updated, got %s" % u.key)
    p = ask(bot, who, "profile", key="profile")
    ensure("Thursday mornings" in p.text and "Informatik" in p.text, "update lost values: %r" % p.text[:1200])


def test_policy_approve_pending_approve_reject_in_german():
    staff = addr("staff")
    bot = Bot(config={"bot": {"staff": staff, "reply_limit": "100"}})
    # staff adds a programme with policy approve, by mail
    r = ask(bot, staff, "programme add wistem Women in STEM approve", key="programme.added")
    ensure("approve" in r.text, "programme.added does not show the policy: %r" % r.text[:600])

    anna, ben = addr("anna"), addr("ben")
    mb_staff = Mailbox(staff)
    for who in (anna, ben):
        done = join_german(bot, who, "wistem")
        ensure("Themen:" in done.text and "Verfügbarkeit:" in done.text, "German form? %r" % done.text[:1200])
        # answered fully in German labels, typed above the quote
        body = ("Fach: Elektrotechnik\nThemen: Halbleiter, Karriere\nSprachen: Deutsch\n"
                "Ziele: Promotion planen\nVerfügbarkeit: montags\n\n" + quoted(done.text))
        mid, subj = reply_to(who, done, body)
        rr = Mailbox(who).exactly_one_reply(mid)
        ensure(rr.lang == "de", "the answer to a German form is not German: %s" % rr.lang)
        ensure(rr.key == "apply.pending", "expected apply.pending, got %s: %r" % (rr.key, rr.text[:800]))
        notice = mb_staff.wait_for(lambda m, w=who: m.key == "apply.staff_notice" and w in m.text,
                                   what="staff notice for %s" % who)[0]
        ensure("Halbleiter" in notice.text, "the staff notice lacks the profile: %r" % notice.text[:800])
    ids = {}
    for who in (anna, ben):
        m = re.search(r"#(\d+) [^\n]*<%s>" % re.escape(who), mb_staff.wait_for(
            lambda m, w=who: m.key == "apply.staff_notice" and w in m.text)[0].text)
        ensure(m, "no application id in the notice for %s" % who)
        ids[who] = m.group(1)

    # a pending mentee cannot look for mentors yet
    fm = ask(bot, anna, "mentor finden", lang="de")
    ensure(fm.key != "mentoring.find", "a pending applicant got mentor suggestions")

    lst = ask(bot, staff, "ausstehend", key="apply.pending_list", lang="de")
    ensure(anna in lst.text and ben in lst.text, "pending list lacks an applicant: %r" % lst.text[:1200])

    # non-staff cannot approve (and learns nothing about the command)
    ask(bot, ben, "freigeben " + ids[ben], key="unknown_command", lang="de")

    ask(bot, staff, "freigeben " + ids[anna], key="apply.staff.approved", lang="de")
    ok = Mailbox(anna).wait_for(lambda m: m.key == "apply.approved", what="approval notice")[0]
    ensure(ok.lang == "de" and "freigegeben" in ok.text, "approval not in German: %r" % ok.text[:600])
    ask(bot, staff, "zurückweisen %s Programm ist voll" % ids[ben], key="apply.staff.rejected", lang="de")
    no = Mailbox(ben).wait_for(lambda m: m.key == "apply.rejected", what="rejection notice")[0]
    ensure("Programm ist voll" in no.text, "the rejection lacks the reason: %r" % no.text[:600])
    # deciding twice is refused clearly
    ask(bot, staff, "freigeben " + ids[ben], key="apply.staff.not_pending", lang="de")
    ask(bot, staff, "ausstehend", key="apply.pending_none", lang="de")
    # the approved member is active now
    w = ask(bot, anna, "wer bin ich", key="whoami", lang="de")
    ensure("Women in STEM" in w.text and "aktiv" in w.text.lower(), "whoami after approval: %r" % w.text[:800])


def test_join_in_xmpp_lists_the_missing_fields_and_profile_completes():
    import xmpp_lib as X
    bot = X.start_bot(rooms=[X.room()], extra={"bot": {"reply_limit": "100"}})
    p = X.Person("chatjoiner")
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    p.direct(bot.jid, "join mentoring")
    m = p.wait(lambda x: from_bot(x) and re.search(r"confirm [a-z2-7]{26}", x["body"]), what="join code")[0]
    p.direct(bot.jid, re.search(r"confirm [a-z2-7]{26}", m["body"]).group(0))
    w = p.wait(lambda x: from_bot(x) and "registered" in x["body"], what="welcome")[0]["body"]
    for label in ("Field of study", "Topics", "Languages", "Goals", "Availability"):
        ensure(label in w, "the chat welcome does not name the missing %r: %r" % (label, w))
    # nothing mailed: the person has no mail address yet
    for c in ("profile field Physics", "profile topics optics", "profile languages English",
              "profile goals research career", "profile availability Fridays"):
        p.direct(bot.jid, c)
    p.wait(lambda x: from_bot(x) and "Fridays" in x["body"], what="last profile answer")
    done = p.wait(lambda x: from_bot(x) and "application to \"Mentoring\" is complete" in x["body"],
                  what="application complete")[0]["body"]
    ensure("find mentor" in done and "optics" in done, "completion in chat: %r" % done)
    p.direct(bot.jid, "find mentor")
    p.wait(lambda x: from_bot(x) and ("mentor" in x["body"].lower()), what="find mentor answer")
    p.close()
