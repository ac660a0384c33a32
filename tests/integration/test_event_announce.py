"""Events (issue 5): the announcement.

1. 50 members of "mentoring" (half joined in German, half in English), one alumni
   member and one stranger.  [groups] mentoring = the XMPP room, the Matrix room and
   members:mentoring.  `mentorbot event add … --audience mentoring` + `event send`:
   * the XMPP room and the Matrix room get exactly one post each (title, #id, `!rsvp <id> yes`);
   * every member gets exactly ONE mail of their own (To: only them), in their language,
     with Auto-Submitted, List-Unsubscribe (mailto …+leave), Reply-To (…+ev<id>.<token>),
     Message-ID ev<id>.<person>.0@domain, and a text/calendar; method=REQUEST part that
     python3-icalendar reads: ORGANIZER = the bot, ATTENDEE = that member (RSVP=TRUE,
     PARTSTAT=NEEDS-ACTION), the same UID for all, SEQUENCE 0, DTSTART/DTEND in
     Europe/Berlin with a VTIMEZONE whose offsets are right;
   * the alumni member and the stranger get nothing.
2. A staff member announces by mail in German (`ankündigen: …`, `Feld: Wert` lines,
   DKIM-signed, so the test MTA stamps dkim=pass under our authserv-id): a preview
   with #id and every field; a form with a bad field gets one `event.form_invalid`
   naming it; a non-staff sender (signed too) cannot announce, nor can an attacker
   who sends an unsigned mail From the staff address with a forged
   "Authentication-Results: mx.example.test; dkim=pass" (the MTA removes it and
   stamps dkim=none); `announce <id> send` -> `event.sent` and the alumni members
   get their invitations.
"""
import datetime
import re
import time
import zoneinfo

import event_lib as E
import lib
import xmpp_lib as X
from matrix_lib import Homeserver, body_of

N = 50


def future_date(days):
    d = datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)
    return d.isoformat()


def wait_list(fn, what, count=1, timeout=lib.REPLY_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if len(got) >= count:
            return got
        lib.check_bots_alive()
        if time.monotonic() > deadline:
            raise lib.TestFailure("%d of %d %s after %.0f s" % (len(got), count, what, timeout))
        time.sleep(0.1)


@lib.timeout(240)
def test_announce_to_50_members_one_mail_each_with_valid_invitation_and_one_post_per_room():
    hs = Homeserver(users=("carol",), rooms=())
    rid = hs.test("POST", "rooms", {"alias": "#events:localhost", "creator": "carol"})["room_id"]
    xroom = X.room("events")
    staff = lib.addr("staff")
    bot = E.event_bot([staff], xmpp_rooms=[xroom], hs=hs, matrix_rooms=[rid],
                      groups={"mentoring": "xmpp:%s, matrix:%s, members:mentoring" % (xroom, rid)})
    watcher = X.Person("watcher")
    watcher.join(xroom, "watcher")
    watcher.wait_occupant(xroom, "MentorBot")

    de = E.make_members(bot, ["de%02d" % i for i in range(N // 2)], "mentoring", lang="de")
    en = E.make_members(bot, ["en%02d" % i for i in range(N - N // 2)], "mentoring", lang="en")
    members = de + en
    alum = E.make_members(bot, ["alum"], "alumni")[0]
    stranger = lib.addr("stranger")
    lib.send(stranger, stranger, "hello", "creates the mailbox")

    date = future_date(21)
    title = "Mentoring-Abend %s" % lib.RUN_ID
    eid = E.event_add(bot, title, date, "18:00", "20:30", place="Hörsaal 1, Gebäude B", audience="mentoring",
                      capacity=80, description="Kurzvorträge und Austausch")
    mails, posts = E.event_send(bot, eid)
    lib.ensure((mails, posts) == (N, 2), "event send: %d mails, %d room posts (expected %d, 2)" % (mails, posts, N))

    # the rooms: one post each
    xp = lambda: watcher.messages(lambda m: m["type"] == "groupchat" and m["room"] == xroom  # noqa: E731
                                  and m["nick"] == "MentorBot" and title in m["body"])
    mp = lambda: [e for _, e in hs.bot_messages(rid) if title in body_of(e)]  # noqa: E731
    wait_list(xp, "announcement in the XMPP room")
    wait_list(mp, "announcement in the Matrix room")
    for body in [xp()[0]["body"], body_of(mp()[0])]:
        lib.ensure("#%d" % eid in body and re.search(r"!rsvp %d (yes|ja)" % eid, body),
                   "room post lacks #%d or '!rsvp %d yes': %r" % (eid, eid, body))

    # the mails: one each
    for who in members:
        E.md_wait(who, lambda m: m.key == "event.invite", 1, 60, what="invitation")
    time.sleep(lib.SETTLE)
    problems = []
    uids = set()
    tokens = set()
    for who in members:
        inv = [m for m in E.md_messages(who) if m.key == "event.invite"]
        if len(inv) != 1:
            problems.append("%s got %d invitations" % (who, len(inv)))
            continue
        m = inv[0]
        ev = E.check_invitation(m, bot, who, eid, date, "18:00", "20:30", title, sequence=0, problems=problems)
        lang = "de" if who in de else "en"
        if (m.lang or "").lower() != lang:
            problems.append("%s: Content-Language %r, expected %s" % (who, m.lang, lang))
        if m.subject.strip() != title:
            problems.append("%s: Subject %r, expected the title" % (who, m.subject))
        if ev:
            uids.add(ev["uid"])
            if ev["location"] != "Hörsaal 1, Gebäude B":
                problems.append("%s: LOCATION %r" % (who, ev["location"]))
        tokens.add((m.header("Reply-To") or "").split("@")[0].split(".")[-1])
        if title not in m.text or "Hörsaal 1" not in m.text:
            problems.append("%s: text part lacks title/place: %r" % (who, m.text[:300]))
    if len(uids) != 1:
        problems.append("UIDs differ between invitations: %r" % sorted(uids)[:4])
    if len(tokens) != len(members):
        # each person's own keyed plus-address: a reply through it proves who wrote it
        problems.append("Reply-To tokens are not one per person: %d for %d members" % (len(tokens), len(members)))
    for who in (alum, stranger):
        got = [m for m in E.md_messages(who) if m.key == "event.invite"]
        if got:
            problems.append("%s (not in the audience) got %d invitations" % (who, len(got)))
    if len(xp()) != 1 or len(mp()) != 1:
        problems.append("room posts: XMPP %d, Matrix %d (expected 1 each)" % (len(xp()), len(mp())))
    lib.ensure(not problems, "%d problems: %s" % (len(problems), "; ".join(problems[:15])))

    # the database agrees: one invitation row per member
    rows = E.db_query(bot, "SELECT count(*), count(DISTINCT person_id) FROM invitation WHERE event_id = ?", (eid,))
    lib.ensure(rows[0] == (N, N), "invitation rows: %r (expected %d distinct)" % (rows[0], N))
    watcher.close()


@lib.timeout(90)
def test_announce_rate_paces_the_invitations_through_the_outbox():
    """[bot] announce_rate = 1: five invitations (sent by a staff mail `announce <id> send`)
    leave at least three seconds apart (first to last)."""
    staff = lib.addr("staff")
    bot = E.event_bot([staff], bot_extra={"announce_rate": "1"})
    E.make_members(bot, ["staff"], "alumni")
    members = E.make_members(bot, ["p%d" % i for i in range(5)])
    eid = E.event_add(bot, "Gemächlich %s" % lib.RUN_ID, future_date(4), "12:00", "13:00", audience="mentoring")
    t0 = time.time()
    mid = lib.send(staff, bot.address, "announce %d send" % eid, "")
    r = E.wait_reply_md(staff, mid, settle=0.1)
    lib.ensure(r.key == "event.sent", "announce send: %r" % r.key)
    for m in members:
        E.md_wait(m, lambda x: x.key == "event.invite", timeout=30, what="paced invitation")
    rows = E.db_query(bot, "SELECT sent_at FROM outbox WHERE message_id LIKE ? AND status = 'sent' ORDER BY sent_at",
                      ("%%ev%d.%%" % eid,))
    lib.ensure(len(rows) == 5, "outbox: %d sent invitations" % len(rows))
    spread = rows[-1][0] - rows[0][0]
    lib.ensure(spread >= 3, "5 invitations at announce_rate 1 were sent within %d s (sent_at %r)" % (
        spread, [r[0] - int(t0) for r in rows]))
    lib.ensure(spread <= 15, "pacing too slow: %d s for 5 mails at 1/s" % spread)


@lib.timeout(150)
def test_staff_announces_by_mail_in_german_preview_invalid_form_and_send():
    staff = lib.addr("staff")
    outsider = lib.addr("outsider")
    bot = E.event_bot([staff])
    E.make_members(bot, ["staff"], "mentoring", lang="de")
    E.make_members(bot, ["outsider"], "mentoring", lang="de")
    alumni = E.make_members(bot, ["alum1", "alum2"], "alumni", lang="de")
    date = future_date(30)
    d = datetime.date.fromisoformat(date)
    title = "Alumni-Stammtisch %s" % lib.RUN_ID
    subj = "ankündigen: " + title
    form = ("Datum: %d.%d.%d\nBeginn: 19:00\nEnde: 22:00\nOrt: Ratskeller, Marktplatz 1\nPlätze: 30\n"
            "Zielgruppe: alumni\nBeschreibung: Das jährliche Treffen\nÖffentlich: ja\n" % (d.day, d.month, d.year))

    # not staff (a valid signature of its own): no event, no preview
    mid = lib.send(outsider, bot.address, subj, form)
    r = E.wait_reply_md(outsider, mid)
    lib.ensure(r.key != "event.preview", "a non-staff member got an event preview")
    # an attacker writes From: the staff address, no valid signature, and forges the
    # result of our own MTA: the MTA removes the forged header and stamps dkim=none
    forged = "%s; dkim=pass header.d=%s header.s=test; dmarc=pass header.from=%s" % (
        lib.AUTHSERV_ID, lib.DOMAIN, lib.DOMAIN)
    mid = lib.send(staff, bot.address, subj, form, headers={"Authentication-Results": forged}, dkim=False)
    r = E.wait_reply_md(staff, mid)
    lib.ensure(r.key != "event.preview", "an unsigned staff mail with a forged Authentication-Results made an event")
    lib.ensure(E.db_query(bot, "SELECT count(*) FROM event")[0][0] == 0, "an event was created by an untrusted mail")
    # what the bot read: the MTA's own header only (the mail is in Processed, or still in the INBOX)
    got = []
    for _ in range(50):
        got = [m for f in ("Processed", "INBOX") for m in bot.mailbox(f).messages() if m.message_id == lib.norm_id(mid)]
        if got:
            break
        time.sleep(0.2)
    lib.ensure(got, "the forged mail is neither in the bot's Processed folder nor in its INBOX")
    ars = [str(v) for v in got[0].msg.get_all("Authentication-Results") or []]
    lib.ensure(len(ars) == 1 and ars[0].startswith(lib.AUTHSERV_ID + ";") and "dkim=none" in ars[0]
               and "dkim=pass" not in ars[0], "the MTA did not replace the forged header: %r" % ars)

    # a bad field: one answer naming it
    bad = form.replace("Beginn: 19:00", "Beginn: 25:99")
    mid = lib.send(staff, bot.address, subj, bad)
    r = E.wait_reply_md(staff, mid)
    lib.assert_reply(r, mid, subj, key="event.form_invalid", lang="de")
    lib.ensure(re.search(r"Beginn|Start", r.text), "form_invalid does not name the bad field: %r" % r.text[:400])

    # the good form: a preview with the id and every field
    mid = lib.send(staff, bot.address, subj, form)
    r = E.wait_reply_md(staff, mid)
    lib.assert_reply(r, mid, subj, key="event.preview", lang="de")
    m = re.search(r"#(\d+)", r.text)
    lib.ensure(m, "preview has no #id: %r" % r.text[:400])
    eid = int(m.group(1))
    for part in [title, "19:00", "22:00", "Ratskeller, Marktplatz 1", "30", "alumni", "Das jährliche Treffen"]:
        lib.ensure(part in r.text, "preview lacks %r: %r" % (part, r.text[:800]))
    lib.ensure(not any(E.invitation_of(a, eid) for a in alumni), "invitations went out before `send`")

    # send by mail
    mid = lib.send(staff, bot.address, "announce %d send" % eid, "")
    r = E.wait_reply_md(staff, mid)
    lib.assert_reply(r, mid, "announce %d send" % eid, key="event.sent")
    for a in alumni:
        inv = E.md_wait(a, lambda x: x.key == "event.invite", 1, what="invitation")[0]
        E.check_invitation(inv, bot, a, eid, date, "19:00", "22:00", title)
        lib.ensure((inv.lang or "") == "de", "%s: invitation language %r, expected de" % (a, inv.lang))
    # sending twice does not invite twice
    mid = lib.send(staff, bot.address, "announce %d send" % eid, "")
    E.wait_reply_md(staff, mid)
    time.sleep(1.5)
    for a in alumni:
        n = len(E.md_key(a, "event.invite"))
        lib.ensure(n == 1, "%s has %d invitations after a second `send`" % (a, n))


@lib.timeout(120)
def test_staff_announces_in_xmpp_chat_and_a_list_unsubscribe_mail_leaves():
    """A staff member (listed as xmpp:<jid> in [bot] staff, linked to their member
    address) writes `!announce <title>` with `Field: value` lines in one room message:
    a preview with #id; `!announce <id> send` sends it; the alumni member gets the
    invitation.  A non-staff chat user cannot announce.  The List-Unsubscribe mailto
    of the invitation (…+leave@…, subject "leave") ends the membership."""
    room = X.room("staffchat")
    sp = X.Person("staffx")
    other = X.Person("otherx")
    staff = lib.addr("staff")
    bot = E.event_bot([staff, "xmpp:" + sp.jid], xmpp_rooms=[room])
    E.make_members(bot, ["staff"], "mentoring")
    E.link_xmpp(bot, staff, sp)
    alum = E.make_members(bot, ["alum"], "alumni")[0]
    o = E.make_members(bot, ["other"], "mentoring")[0]
    E.link_xmpp(bot, o, other)
    for p, nick in ((sp, "staffx"), (other, "otherx")):
        p.join(room, nick)
        p.wait_occupant(room, "MentorBot")
    bot_any = lambda m: (m["type"] == "groupchat" and m["room"] == room and m["nick"] == "MentorBot"  # noqa: E731
                         or m["type"] == "chat" and m["from"].split("/")[0] == bot.jid)
    date = future_date(15)
    d = datetime.date.fromisoformat(date)
    title = "Chat-Stammtisch %s" % lib.RUN_ID
    form = "Date: %d.%d.%d\nStart: 19:00\nEnd: 21:00\nPlace: Online\nAudience: alumni" % (d.day, d.month, d.year)

    n = len(other.messages(bot_any))
    other.say(room, "!announce %s\n%s" % (title, form))
    other.wait(bot_any, count=n + 1, what="answer to a non-staff !announce")
    lib.ensure(E.db_query(bot, "SELECT count(*) FROM event")[0][0] == 0, "a non-staff chat user created an event")

    n = len(sp.messages(bot_any))
    sp.say(room, "!announce %s\n%s" % (title, form))
    got = sp.wait(lambda m: bot_any(m) and re.search(r"#\d+", m["body"]) and title in m["body"], count=1,
                  what="preview in chat")
    eid = int(re.search(r"#(\d+)", got[-1]["body"]).group(1))
    lib.ensure("Online" in got[-1]["body"] and "19:00" in got[-1]["body"], "chat preview: %r" % got[-1]["body"][:400])
    lib.ensure(not E.invitation_of(alum, eid), "invited before send")
    n = len(sp.messages(bot_any))
    sp.say(room, "!announce %d send" % eid)
    sp.wait(bot_any, count=n + 1, what="answer to !announce send")
    inv = E.md_wait(alum, lambda m: m.key == "event.invite", what="invitation after a chat announcement")[0]
    E.check_invitation(inv, bot, alum, eid, date, "19:00", "21:00", title)

    # the List-Unsubscribe mailto acts as "leave"
    m = re.search(r"<mailto:([^?>]+)\?subject=([^>]+)>", inv.header("List-Unsubscribe"))
    mid = lib.send(alum, m.group(1), m.group(2), "")
    r = E.wait_reply_md(alum, mid)
    st = E.db_query(bot, "SELECT m.status FROM membership m JOIN endpoint e ON e.person_id = m.person_id "
                         "WHERE e.kind = 'mail' AND e.address = ? AND m.programme = 'alumni'", (alum,))
    lib.ensure(st == [("left",)], "membership after the List-Unsubscribe mail: %r (answer %r)" % (st, r.key))
    sp.close()
    other.close()
