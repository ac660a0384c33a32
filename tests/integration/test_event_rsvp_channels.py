"""Events (issue 5): RSVP by every channel, each person counted once.

An event (guests allowed: +1) is announced to the members of "mentoring".  Then:
* text replies with the invitation quoted below the answer, German and English, in the
  quoting styles of Outlook ("-----Ursprüngliche Nachricht-----", "From:/Sent:" blocks,
  no ">"), Gmail ("Am … schrieb …:", "On … wrote:") and plain "> " quoting; matched by
  In-Reply-To (sent to the plain address), by the Reply-To plus-address alone (no
  threading headers) and by "#<id>" in the subject alone;
* a reply whose new text is no answer (the quoted invitation says yes/no/maybe):
  one question back (event.rsvp.ambiguous), no answer recorded;
* iTIP REPLY mails built with python3-icalendar in the shapes of Exchange/Outlook
  (German subjects Akzeptiert:/Abgelehnt:/Mit Vorbehalt:, Windows time zone name,
  MAILTO:), Thunderbird, Apple Calendar and Google, sent to the bot's plain address
  (the plus-address dropped): PARTSTAT -> yes/no/maybe, COMMENT kept;
* the Apple CalendarServer corpus REPLYs (good_reply, good_reply_future) adapted to the
  event's UID and attendee, when ../shared/corpus/ccs_calendarserver exists;
* chat: XMPP "!rsvp <id> yes" in the room, Matrix "!zusage <id>" in the room,
  "!veranstaltungen" lists the event with the asker's answer.
Each gets exactly one confirmation with the right key.  Changes of mind (chat then mail,
text then iTIP) replace the answer; the same answer again is `event.rsvp.unchanged`.
The database, `mentorbot export attendees --csv` and the staff's `attendees <id>` mail
all show one row per person with the last answer.
"""
import datetime
import re
import time
import zoneinfo

import event_lib as E
import lib
import xmpp_lib as X
from matrix_lib import BOT_ID, Homeserver, body_of, joined


def future_date(days):
    return (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)).isoformat()


def answers(bot, eid):
    """{address: (answer, status, guests, comment, via)} from the database (one row per person)."""
    rows = E.db_query(bot, "SELECT r.person_id, r.answer, r.status, r.guests, r.comment, r.via FROM rsvp r "
                           "WHERE r.event_id = ?", (eid,))
    addr = dict(E.db_query(bot, "SELECT person_id, address FROM endpoint WHERE kind = 'mail'"))
    out = {}
    for pid, a, s, g, c, v in rows:
        k = (addr.get(pid) or "person %d" % pid).lower()
        lib.ensure(k not in out, "two rsvp rows for %s" % k)
        out[k] = (a, s, g, c, v)
    return out


@lib.timeout(240)
def test_rsvp_by_text_itip_corpus_and_chat_each_person_once():
    hs = Homeserver(users=("carol", "dora"), rooms=())
    rid = hs.test("POST", "rooms", {"alias": "#events-rsvp:localhost", "creator": "carol"})["room_id"]
    xroom = X.room("rsvp")
    staff = lib.addr("staff")
    bot = E.event_bot([staff], xmpp_rooms=[xroom], hs=hs, matrix_rooms=[rid],
                      groups={"mentoring": "xmpp:%s, matrix:%s, members:mentoring" % (xroom, rid)})
    labels_de = ["t-de1", "t-de2", "t-amb", "i-ex1", "i-ex2", "i-ex3"]
    labels_en = ["t-en1", "t-en2", "t-en3", "i-tb", "i-ap", "i-go", "ccs1", "ccs2", "chat-x", "chat-m", "staff"]
    E.make_members(bot, labels_de, lang="de")
    E.make_members(bot, labels_en, lang="en")
    a = {l: lib.addr(l) for l in labels_de + labels_en}

    # chat accounts linked to two members
    xp = X.Person("xavier")
    xp.join(xroom, "xavier")
    xp.wait_occupant(xroom, "MentorBot")
    E.link_xmpp(bot, a["chat-x"], xp)
    dora = hs.client("dora")
    dora.join(rid)
    dm = dora.open_direct(BOT_ID)
    joined(hs, dm)
    E.link_matrix(bot, hs, a["chat-m"], dora, dm)

    date = future_date(14)
    title = "Karriereabend %s" % lib.RUN_ID
    eid = E.event_add(bot, title, date, "18:00", "20:00", place="Aula", audience="mentoring", guests=1)
    mails, _ = E.event_send(bot, eid)
    lib.ensure(mails == len(a), "event send: %d mails for %d members" % (mails, len(a)))
    inv = {}
    for l, who in a.items():
        inv[l] = E.md_wait(who, lambda m: m.key == "event.invite", 1, what="invitation")[0]
    xp.wait(lambda m: m["type"] == "groupchat" and title in m["body"], what="announcement in the XMPP room")
    hs.wait(lambda: [e for _, e in hs.bot_messages(rid) if title in body_of(e)], "announcement in the Matrix room")
    ev = E.check_invitation(inv["t-de1"], bot, a["t-de1"], eid, date, "18:00", "20:00", title)
    uid, seq = ev["uid"], ev["sequence"]
    plain = bot.address

    sent = {}   # label -> (message id, expected confirmation key)

    def send(label, msg, key, to=None):
        to = to or [plain]
        sent[label] = (lib.send_many([(a[label], to, msg)])[0], key)

    # ---- text replies with the invitation quoted below
    send("t-de1", E.text_reply(inv["t-de1"], a["t-de1"], "Ja, ich komme +1\nIch bringe meine Kollegin mit.",
                               "outlook_de", to=plain), "event.rsvp.yes")
    send("t-de2", E.text_reply(inv["t-de2"], a["t-de2"], "Nein, leider bin ich verreist.", "gmail_de", to=plain),
         "event.rsvp.no")
    send("t-en1", E.text_reply(inv["t-en1"], a["t-en1"], "Yes", "gt", to=plain), "event.rsvp.yes")
    rt = E.text_reply(inv["t-en2"], a["t-en2"], "Maybe - depends on my exam schedule.", "outlook_en",
                      thread=False)     # to the Reply-To plus-address, no In-Reply-To/References
    plus = re.search(r"<?([^<>\s]+)>?$", inv["t-en2"].header("Reply-To")).group(1)
    send("t-en2", rt, "event.rsvp.maybe", to=[plus])
    subj = E.text_reply(inv["t-en3"], a["t-en3"], "yes, I'll be there", "gmail", to=plain, thread=False,
                        subject="Re: %s #%d" % (title, eid))
    send("t-en3", subj, "event.rsvp.yes")
    send("t-amb", E.text_reply(inv["t-amb"], a["t-amb"], "Danke für die Einladung!", "gt", to=plain),
         "event.rsvp.ambiguous")

    # ---- iTIP REPLYs from calendar clients (to the plain address: the plus-address dropped)
    kw = dict(summary=title, dtstart=ev["dtstart"], dtend=ev["dtend"])
    send("i-ex1", E.itip_reply("exchange", a["i-ex1"], plain, uid, seq, "ACCEPTED", "Ich freue mich!", **kw),
         "event.rsvp.yes")
    send("i-ex2", E.itip_reply("exchange", a["i-ex2"], plain, uid, seq, "DECLINED", "Leider krank.", **kw),
         "event.rsvp.no")
    send("i-ex3", E.itip_reply("exchange", a["i-ex3"], plain, uid, seq, "TENTATIVE", None, **kw),
         "event.rsvp.maybe")
    send("i-tb", E.itip_reply("thunderbird", a["i-tb"], plain, uid, seq, "ACCEPTED", "See you there", **kw),
         "event.rsvp.yes")
    send("i-ap", E.itip_reply("apple", a["i-ap"], plain, uid, seq, "DECLINED", None, **kw), "event.rsvp.no")
    send("i-go", E.itip_reply("google", a["i-go"], plain, uid, seq, "TENTATIVE", "Might be late", **kw),
         "event.rsvp.maybe")
    if E.ccs_available():
        send("ccs1", E.ccs_reply("good_reply", a["ccs1"], plus, uid, plus), "event.rsvp.yes", to=[plus])
        send("ccs2", E.ccs_reply("good_reply_future", a["ccs2"], plain, uid, plain, partstat="DECLINED"),
             "event.rsvp.no")
    else:
        print("    ../shared/corpus/ccs_calendarserver is absent: the CalendarServer REPLY files were not used",
              flush=True)

    # ---- chat
    bot_x = lambda m: (m["type"] == "groupchat" and m["room"] == xroom and m["nick"] == "MentorBot"  # noqa: E731
                       or m["type"] == "chat" and m["from"].split("/")[0] == bot.jid)
    n_x = len(xp.messages(bot_x))
    n_m = len(hs.bot_messages(rid)) + len(hs.bot_messages(dm))
    xp.say(xroom, "!rsvp %d yes" % eid)
    hs.say(rid, dora.user_id, "!zusage %d" % eid)

    # ---- one confirmation each, with the right key
    problems = []
    for label, (mid, key) in sent.items():
        try:
            r = E.wait_reply_md(a[label], mid, settle=0.3)
        except lib.TestFailure as e:
            problems.append(str(e))
            continue
        if r.key != key:
            problems.append("%s: confirmation %r, expected %r (%r)" % (label, r.key, key, r.text[:160]))
    lib.ensure(not problems, "; ".join(problems))

    want = {
        "t-de1": ("yes", 1), "t-de2": ("no", None), "t-en1": ("yes", 0), "t-en2": ("maybe", None),
        "t-en3": ("yes", 0), "i-ex1": ("yes", 0), "i-ex2": ("no", None), "i-ex3": ("maybe", None),
        "i-tb": ("yes", 0), "i-ap": ("no", None), "i-go": ("maybe", None), "chat-x": ("yes", 0),
        "chat-m": ("yes", 0),
    }
    if E.ccs_available():
        want.update({"ccs1": ("yes", 0), "ccs2": ("no", None)})
    deadline = time.monotonic() + 20
    while True:
        got = answers(bot, eid)
        if all(got.get(a[l], (None,))[0] == w[0] for l, w in want.items()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for l, (ans, guests) in want.items():
        row = got.get(a[l])
        if not row or row[0] != ans:
            problems.append("%s: answer %r, expected %s" % (l, row, ans))
        elif guests is not None and (row[2] or 0) != guests:
            problems.append("%s: guests %r, expected %d" % (l, row[2], guests))
    if a["t-amb"] in got:
        problems.append("t-amb (no answer in the new text) has an answer: %r" % (got[a["t-amb"]],))
    vias = {"t-de1": "mail", "i-ex1": "itip", "i-tb": "itip", "chat-x": "xmpp", "chat-m": "matrix"}
    for l, v in vias.items():
        if got.get(a[l]) and got[a[l]][4] != v:
            problems.append("%s: via %r, expected %s" % (l, got[a[l]][4], v))
    comments = {"i-ex1": "Ich freue mich!", "i-tb": "See you there", "i-go": "Might be late"}
    for l, c in comments.items():
        if got.get(a[l]) and c not in (got[a[l]][3] or ""):
            problems.append("%s: comment %r, expected %r (iTIP COMMENT kept)" % (l, got[a[l]][3], c))
    if got.get(a["t-de1"]) and "Kollegin" not in (got[a["t-de1"]][3] or ""):
        problems.append("t-de1: comment %r lacks the rest of the text" % (got[a["t-de1"]][3],))
    # Outlook's "Mit freundlichen Grüßen" and the name below it are not part of the comment
    if got.get(a["t-de1"]) and (got[a["t-de1"]][3] or "").strip() != "Ich bringe meine Kollegin mit.":
        problems.append("t-de1: comment %r, expected only the text above the sign-off" % (got[a["t-de1"]][3],))
    lib.ensure(not problems, "; ".join(problems))

    # ---- chat confirmations arrived in the chat
    xp.wait(bot_x, count=n_x + 1, what="XMPP confirmation of !rsvp")
    hs.wait(lambda: hs.bot_messages(rid) + hs.bot_messages(dm), "Matrix confirmation of !zusage", count=n_m + 1)

    # ---- changes of mind replace the answer; the same answer again is "unchanged"
    r1 = lib.send(a["chat-x"], plain, "Re: %s #%d" % (title, eid), "nein, doch nicht")
    r2 = lib.send_many([(a["t-en1"], [plain], E.itip_reply("thunderbird", a["t-en1"], plain, uid, seq, "DECLINED",
                                                           "Sorry, something came up", **kw))])[0]
    r3 = E.text_reply(inv["i-tb"], a["i-tb"], "yes", "gt", to=plain)
    r3 = lib.send_many([(a["i-tb"], [plain], r3)])[0]
    for who, mid, key in [(a["chat-x"], r1, "event.rsvp.no"), (a["t-en1"], r2, "event.rsvp.no"),
                          (a["i-tb"], r3, "event.rsvp.unchanged")]:
        r = E.wait_reply_md(who, mid, settle=0.3)
        if r.key != key:
            problems.append("%s: %r, expected %s" % (who, r.key, key))
    n_before = len(hs.bot_messages(rid)) + len(hs.bot_messages(dm))
    hs.say(rid, dora.user_id, "!zusage %d" % eid)
    hs.wait(lambda: hs.bot_messages(rid) + hs.bot_messages(dm), "answer to the second !zusage", count=n_before + 1)
    lib.ensure(not problems, "; ".join(problems))

    got = answers(bot, eid)
    for l, ans in [("chat-x", "no"), ("t-en1", "no"), ("i-tb", "yes"), ("chat-m", "yes")]:
        if not got.get(a[l]) or got[a[l]][0] != ans:
            problems.append("after the change %s: %r, expected %s" % (l, got.get(a[l]), ans))
    n_answers = len(want)
    if len(got) != n_answers:
        problems.append("%d rsvp rows, expected %d: %r" % (len(got), n_answers, sorted(got)))

    # ---- the CSV export agrees, one row per person
    csv_rows = E.export_attendees(bot, eid)
    for l, w in want.items():
        final = {"chat-x": "no", "t-en1": "no"}.get(l, w[0])
        row = csv_rows.get(a[l])
        if not row or row["answer"] != final:
            problems.append("CSV %s: %r, expected answer %s" % (l, row, final))
    if a["t-amb"] in csv_rows:
        problems.append("CSV lists t-amb who did not answer")

    # ---- !veranstaltungen lists the event with dora's answer
    n_before = len(hs.bot_messages(rid)) + len(hs.bot_messages(dm))
    hs.say(rid, dora.user_id, "!veranstaltungen")
    new = hs.wait(lambda: (hs.bot_messages(rid) + hs.bot_messages(dm)), "event list", count=n_before + 1)
    listing = " | ".join(body_of(e) for e in new)
    if title not in listing or ("#%d" % eid not in listing and str(eid) not in listing):
        problems.append("!veranstaltungen does not list the event: %r" % listing[-400:])

    # ---- staff: attendees by mail
    mid = lib.send(staff, plain, "attendees %d" % eid, "")
    r = E.wait_reply_md(staff, mid)
    if r.key != "event.attendees":
        problems.append("staff attendees: %r" % r.key)
    else:
        for l in want:
            # one line per person (the address may be shown twice on it: name <address>)
            lines = [x for x in r.text.splitlines() if a[l] in x]
            if len(lines) != 1:
                problems.append("attendees list has %d lines for %s: %r" % (len(lines), l, lines))
        if a["t-amb"] in r.text:
            problems.append("attendees list shows t-amb, who did not answer")
        going = [l for l in want if {"chat-x": "no", "t-en1": "no"}.get(l, want[l][0]) == "yes"]
        if not re.search(r"(?<!\d)%d(?!\d)" % len(going), r.text):
            problems.append("attendees list does not give the count of %d going: %r" % (len(going), r.text[:300]))
    lib.ensure(not problems, "%d problems: %s" % (len(problems), "; ".join(problems)))
    xp.close()
