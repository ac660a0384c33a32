"""Events (issue 5): iTIP REPLYs that must not change anything.

Members A and B are invited; C is a member of another programme (not invited).
* A forged REPLY: A sends ATTENDEE = B (accepting on B's behalf), Exchange style.
* A REPLY for an unknown UID (and the CalendarServer corpus's good_reply_future with
  its own UID, when ../shared/corpus is present).
* C, not invited, sends a REPLY with the event's UID and themself as ATTENDEE, and a
  text "yes" with the event's #id in the subject.
* After a change (SEQUENCE 1), A sends a REPLY with the old SEQUENCE 0.
Each: no answer is recorded for anyone, and at most one polite answer (forged /
unknown / outdated) goes back.  Afterwards the right REPLY (SEQUENCE 1) counts, and
B's own REPLY counts too.
"""
import datetime
import time
import zoneinfo

import event_lib as E
import lib


def future_date(days):
    return (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)).isoformat()


def rsvp_rows(bot, eid):
    return E.db_query(bot, "SELECT person_id, answer, status FROM rsvp WHERE event_id = ?", (eid,))


def at_most_one(who, mid, allowed, problems, settle=2.0):
    """Wait `settle` s: at most one reply to mid, with a key in allowed."""
    end = time.monotonic() + settle
    got = []
    while time.monotonic() < end:
        got = [m for m in E.md_messages(who) if m.in_reply_to == lib.norm_id(mid)]
        time.sleep(0.2)
    if len(got) > 1:
        problems.append("%s got %d answers to %s: %r" % (who, len(got), mid, [m.key for m in got]))
    for m in got:
        if m.key not in allowed:
            problems.append("%s: answer %r, expected one of %r or none" % (who, m.key, allowed))
    return got


@lib.timeout(150)
def test_forged_unknown_uninvited_and_outdated_replies_change_nothing():
    staff = lib.addr("staff")
    bot = E.event_bot([staff])
    A, B = E.make_members(bot, ["alice", "bob"], "mentoring")
    C = E.make_members(bot, ["carl"], "alumni")[0]
    date = future_date(12)
    title = "Netzwerktreffen %s" % lib.RUN_ID
    eid = E.event_add(bot, title, date, "17:00", "19:00", audience="mentoring", place="Foyer")
    E.event_send(bot, eid)
    inv = {m: E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")[0] for m in (A, B)}
    ev = E.parse_ical(inv[A].raw)
    uid, seq = ev["uid"], ev["sequence"]
    kw = dict(summary=title, dtstart=ev["dtstart"], dtend=ev["dtend"])
    dom = bot.address.split("@")[1]
    problems = []

    # forged: A accepts as B
    mid = lib.send_many([(A, [bot.address], E.itip_reply("exchange", A, bot.address, uid, seq, "ACCEPTED",
                                                         attendee=B, **kw))])[0]
    got = at_most_one(A, mid, ("event.rsvp.forged",), problems)
    if any(m.to != [A.lower()] for m in got):
        problems.append("the answer to the forged REPLY went to %r, not only the sender" % [m.to for m in got])
    time.sleep(0.5)
    if E.md_messages(B) and [m for m in E.md_messages(B) if m.key and m.key.startswith("event.rsvp")]:
        problems.append("B was told about an answer B never gave")

    # unknown UID
    mid = lib.send_many([(A, [bot.address], E.itip_reply("thunderbird", A, bot.address,
                                                         "event-999999-nosuchtoken@%s" % dom, 0, "ACCEPTED",
                                                         **kw))])[0]
    at_most_one(A, mid, ("event.rsvp.unknown",), problems)
    if E.ccs_available():
        # the corpus file's own UID, as CalendarServer's test expects "unknown token"
        raw = E.ccs_reply("good_reply_future", A, bot.address, "1E71F9C8-AEDA-48EB-98D0-76E898F6BB5C", bot.address)
        mid = lib.send(A, bot.address, raw=raw)
        at_most_one(A, mid, ("event.rsvp.unknown",), problems)
    else:
        print("    ../shared/corpus/ccs_calendarserver is absent: good_reply_future not used", flush=True)

    # not invited: C (alumni) replies with the real UID as themself
    mid = lib.send_many([(C, [bot.address], E.itip_reply("apple", C, bot.address, uid, seq, "ACCEPTED", **kw))])[0]
    at_most_one(C, mid, ("event.rsvp.unknown", "event.rsvp.not_invited"), problems)

    # not invited, by text: "yes" with the event's #id in the subject
    mid = lib.send(C, bot.address, "Re: %s #%d" % (title, eid), "yes, I'd like to come\n")
    at_most_one(C, mid, ("event.rsvp.not_invited", "event.rsvp.unknown"), problems)

    rows = rsvp_rows(bot, eid)
    if rows:
        problems.append("answers recorded after forged/unknown/uninvited REPLYs: %r" % rows)

    # a change: SEQUENCE 1; a REPLY with SEQUENCE 0 is outdated
    E.cli(bot, "event", "change", eid, "--place", "Foyer, 2. Stock")
    upd = E.md_wait(A, lambda x: x.key == "event.update", what="update mail")[0]
    ev1 = E.parse_ical(upd.raw)
    if ev1["sequence"] != seq + 1 or ev1["uid"] != uid:
        problems.append("update: SEQUENCE %r UID %r (expected %d, %s)" % (ev1["sequence"], ev1["uid"], seq + 1, uid))
    mid = lib.send_many([(A, [bot.address], E.itip_reply("exchange", A, bot.address, uid, seq, "ACCEPTED", **kw))])[0]
    at_most_one(A, mid, ("event.rsvp.outdated",), problems)
    rows = rsvp_rows(bot, eid)
    if rows:
        problems.append("an outdated REPLY (SEQUENCE %d < %d) was recorded: %r" % (seq, seq + 1, rows))
    lib.ensure(not problems, "; ".join(problems))

    # the current SEQUENCE counts; B's own REPLY counts
    mid = lib.send_many([(A, [bot.address], E.itip_reply("exchange", A, bot.address, uid, seq + 1, "ACCEPTED",
                                                         **kw))])[0]
    r = E.wait_reply_md(A, mid)
    lib.ensure(r.key == "event.rsvp.yes", "A's current REPLY: %r" % r.key)
    mid = lib.send_many([(B, [bot.address], E.itip_reply("apple", B, bot.address, uid, seq + 1, "DECLINED",
                                                         **kw))])[0]
    r = E.wait_reply_md(B, mid)
    lib.ensure(r.key == "event.rsvp.no", "B's own REPLY: %r" % r.key)
    rows = E.export_attendees(bot, eid)
    lib.ensure(set(rows) == {A.lower(), B.lower()} and rows[A.lower()]["answer"] == "yes"
               and rows[B.lower()]["answer"] == "no", "attendees after the valid REPLYs: %r" % rows)
