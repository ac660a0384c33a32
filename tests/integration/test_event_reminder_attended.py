"""Events (issue 5): the reminder before the event and attendance afterwards, with
the test clock (MENTORBOT_TEST_CLOCK), never by sleeping for the time itself.

Event ten days ahead, 18:00 Berlin, default remind_hours (24).  A yes, B no, C maybe,
D yes.  The clock moves to 25 h before: no reminder; to 24 h - 30 s before: A and D
get exactly one `event.reminder` mail each, B and C none.  A restart sends no second reminder.  After the end, staff marks
`attended <id> all` by mail (`event.attended`) and the CSV shows attended = 1 for the
going members only.
"""
import datetime
import time
import zoneinfo

import event_lib as E
import lib


@lib.timeout(180)
def test_reminder_24h_before_to_going_only_once_and_attended_all():
    lib.with_test_clock(story)


def story(clock, t0):
    berlin = zoneinfo.ZoneInfo(E.TZ)
    day = datetime.datetime.fromtimestamp(t0, berlin).date() + datetime.timedelta(days=10)
    start = datetime.datetime(day.year, day.month, day.day, 18, 0, tzinfo=berlin)
    ts = int(start.timestamp())
    staff = lib.addr("staff")
    bot = E.event_bot([staff])
    E.make_members(bot, ["staff"], "alumni")
    A, B, C, D = E.make_members(bot, ["a", "b", "c", "d"], "mentoring")
    title = "Sommerfest %s" % lib.RUN_ID
    eid = E.event_add(bot, title, day.isoformat(), "18:00", "23:00", audience="mentoring")
    E.event_send(bot, eid)
    inv = {m: E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")[0] for m in (A, B, C, D)}
    for m, word in [(A, "yes"), (B, "no"), (C, "maybe"), (D, "ja")]:
        mid = lib.send_many([(m, [bot.address], E.text_reply(inv[m], m, word, "gt", to=bot.address))])[0]
        r = E.wait_reply_md(m, mid, settle=0.1)
        lib.ensure(r.key and r.key.startswith("event.rsvp."), "%s %r: %r" % (m, word, r.key))

    E.set_clock(clock, ts - 25 * 3600)
    time.sleep(2.0)     # the scheduler must NOT act: nothing is due yet
    lib.ensure(not any(E.md_key(m, "event.reminder") for m in (A, B, C, D)), "a reminder 25 h before the event")

    E.set_clock(clock, ts - 24 * 3600 + 30)
    for m in (A, D):
        r = E.md_wait(m, lambda x: x.key == "event.reminder", what="reminder")[0]
        lib.ensure(title in r.text or title in r.subject, "reminder does not name the event: %r" % r.text[:300])
    bot.restart()
    bot.wait_log(r"event=connected transport=imap", timeout=20)
    E.set_clock(clock, ts - 23 * 3600)
    time.sleep(2.0)
    problems = []
    for m in (A, D):
        n = len(E.md_key(m, "event.reminder"))
        if n != 1:
            problems.append("%s got %d reminders" % (m, n))
    for m in (B, C):
        if E.md_key(m, "event.reminder"):
            problems.append("%s (not going) got a reminder" % m)
    lib.ensure(not problems, "; ".join(problems))

    # after the event: attendance
    E.set_clock(clock, ts + 6 * 3600)
    subj = "attended %d all" % eid
    mid = lib.send(staff, bot.address, subj, "")
    r = E.wait_reply_md(staff, mid)
    lib.assert_reply(r, mid, subj, key="event.attended")
    rows = E.export_attendees(bot, eid)
    for m in (A, D):
        if rows.get(m.lower(), {}).get("attended") not in ("1", "yes", "ja"):
            problems.append("%s (going) attended=%r" % (m, rows.get(m.lower(), {}).get("attended")))
    for m in (B, C):
        if rows.get(m.lower(), {}).get("attended") in ("1", "yes", "ja"):
            problems.append("%s (not going) marked attended" % m)
    db = E.db_query(bot, "SELECT count(*) FROM rsvp WHERE event_id = ? AND attended = 1", (eid,))
    if db[0][0] != 2:
        problems.append("%d rsvp rows attended = 1, expected 2" % db[0][0])
    lib.ensure(not problems, "; ".join(problems))
