"""Events (issue 5): change and cancel.

Four invited members: A said yes, B no, C did not answer, D maybe.
* `mentorbot event change ID --place … --start … --end …`: A, C and D (not B, who
  declined) each get ONE `event.update` mail with a "what changed" line naming the new
  place and time, and a REQUEST with SEQUENCE 1 and the same UID (Message-ID
  ev<id>.<person>.1@…) that python3-icalendar reads, with the new start/end.
* a staff mail `announce <id>` with `Ort: …` in the body: `event.changed`, and the
  next update has SEQUENCE 2.
* `mentorbot event cancel ID`: A, C, D get `event.cancel` with METHOD:CANCEL,
  SEQUENCE 3, the same UID; B nothing.  An answer afterwards: `event.rsvp.closed`.
"""
import datetime
import re
import time
import zoneinfo

import event_lib as E
import lib


def future_date(days):
    return (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)).isoformat()


@lib.timeout(180)
def test_change_sends_request_sequence_plus_one_and_cancel_sends_cancel_to_all_but_declined():
    staff = lib.addr("staff")
    bot = E.event_bot([staff])
    E.make_members(bot, ["staff"], "alumni")
    A, B, C, D = E.make_members(bot, ["a", "b", "c", "d"], "mentoring")
    date = future_date(9)
    title = "Bewerbungstraining %s" % lib.RUN_ID
    eid = E.event_add(bot, title, date, "14:00", "16:00", audience="mentoring", place="Raum 1.01")
    E.event_send(bot, eid)
    inv = {m: E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")[0] for m in (A, B, C, D)}
    ev0 = E.check_invitation(inv[A], bot, A, eid, date, "14:00", "16:00", title)
    uid = ev0["uid"]
    for m, word, key in [(A, "ja", "event.rsvp.yes"), (B, "nein", "event.rsvp.no"), (D, "vielleicht",
                                                                                      "event.rsvp.maybe")]:
        mid = lib.send_many([(m, [bot.address], E.text_reply(inv[m], m, word, "gt", to=bot.address))])[0]
        r = E.wait_reply_md(m, mid, settle=0.2)
        lib.ensure(r.key == key, "%s %r: %r, expected %s" % (m, word, r.key, key))

    # change from the command line
    E.cli(bot, "event", "change", eid, "--place", "Raum 2.14", "--start", "15:00", "--end", "17:30")
    problems = []
    for m in (A, C, D):
        upd = E.md_wait(m, lambda x: x.key == "event.update", what="update mail")[0]
        E.check_invitation(upd, bot, m, eid, date, "15:00", "17:30", title, sequence=1, uid=uid, problems=problems)
        if "Raum 2.14" not in upd.text or "15:00" not in upd.text:
            problems.append("%s: update text lacks the new place/time: %r" % (m, upd.text[:400]))
        if not ("Raum 1.01" in upd.text or "14:00" in upd.text or re.search(r"(?i)chang|geändert", upd.text)):
            problems.append("%s: no 'what changed' line (old values absent): %r" % (m, upd.text[:400]))
    time.sleep(1.5)
    for m in (A, C, D):
        n = len(E.md_key(m, "event.update"))
        if n != 1:
            problems.append("%s got %d update mails" % (m, n))
    if E.md_key(B, "event.update"):
        problems.append("B (declined) got an update")
    lib.ensure(not problems, "; ".join(problems))

    # change by staff mail
    subj = "announce %d" % eid
    mid = lib.send(staff, bot.address, subj, "Ort: Hörsaal 3\n")
    r = E.wait_reply_md(staff, mid)
    lib.assert_reply(r, mid, subj, key="event.changed")
    for m in (A, C, D):
        upd = E.md_wait(m, lambda x: x.key == "event.update", count=2, what="second update mail")
        upd = [x for x in upd if E.invite_sequence(x, eid) == 2]
        if not upd:
            problems.append("%s: no update with Message-ID ev%d.<p>.2@" % (m, eid))
            continue
        ev = E.check_invitation(upd[0], bot, m, eid, date, "15:00", "17:30", title, sequence=2, uid=uid,
                                problems=problems)
        if ev and ev["location"] != "Hörsaal 3":
            problems.append("%s: LOCATION %r after the mail change" % (m, ev["location"]))
    lib.ensure(not problems, "; ".join(problems))

    # cancel
    E.cli(bot, "event", "cancel", eid)
    for m in (A, C, D):
        c = E.md_wait(m, lambda x: x.key == "event.cancel", what="cancel mail")[0]
        ctype, _ = E.calendar_part(c)
        if not ctype or not re.search(r"method=\"?CANCEL", ctype, re.I):
            problems.append("%s: calendar part %r is not method=CANCEL" % (m, ctype))
            continue
        ev = E.parse_ical(c.raw)
        if ev["method"] != "CANCEL" or ev["uid"] != uid or ev["sequence"] != 3:
            problems.append("%s: CANCEL has METHOD %r UID %r SEQUENCE %r (expected CANCEL, %s, 3)" % (
                m, ev["method"], ev["uid"], ev["sequence"], uid))
        if m.lower() not in [x["addr"] for x in ev["attendees"]]:
            problems.append("%s: CANCEL ATTENDEE %r" % (m, ev["attendees"]))
        if ev["organizer"] != E.plus_address(bot, "ev%d" % eid, m):
            problems.append("%s: CANCEL ORGANIZER %r (not the bot's plus-address for them)" % (m, ev["organizer"]))
    time.sleep(1.0)
    if E.md_key(B, "event.cancel"):
        problems.append("B (declined) got the cancellation")
    lib.ensure(not problems, "; ".join(problems))

    # an answer after the cancellation
    mid = lib.send_many([(C, [bot.address], E.text_reply(inv[C], C, "yes", "gt", to=bot.address))])[0]
    r = E.wait_reply_md(C, mid)
    lib.ensure(r.key == "event.rsvp.closed", "answer after the cancellation: %r" % r.key)
    st = E.db_query(bot, "SELECT status, sequence FROM event WHERE id = ?", (eid,))
    lib.ensure(st and st[0] == ("cancelled", 3), "event row after cancel: %r" % st)
