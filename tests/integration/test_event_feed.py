"""Events (issue 5): `mentorbot feed --out FILE` - the public iCalendar feed.

Four events: public + announced, private + announced, public draft (never sent),
public + announced and then cancelled.  The feed (to a file, and the same to stdout)
is a VCALENDAR with METHOD:PUBLISH that python3-icalendar reads, holding exactly the
public announced event and the cancelled one (STATUS:CANCELLED), each with its UID,
title, place, start/end in Europe/Berlin and a VTIMEZONE; no ATTENDEE (the feed is
public: it must not leak who comes).
"""
import datetime
import os
import zoneinfo

import event_lib as E
import lib


def future_date(days):
    return (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)).isoformat()


@lib.timeout(90)
def test_feed_publishes_only_public_announced_and_cancelled_events():
    staff = lib.addr("staff")
    bot = E.event_bot([staff])
    member = E.make_members(bot, ["member"], "mentoring")[0]
    d1, d2, d3, d4 = future_date(5), future_date(6), future_date(7), future_date(8)
    tag = lib.RUN_ID
    pub = E.event_add(bot, "Tag der offenen Tür %s" % tag, d1, "10:00", "16:00", public="yes", place="Campus Nord",
                      audience="mentoring", url="https://uni.example/tdot")
    priv = E.event_add(bot, "Internes Treffen %s" % tag, d2, "10:00", "11:00", public="no", audience="mentoring")
    draft = E.event_add(bot, "Entwurf %s" % tag, d3, "10:00", "11:00", public="yes", audience="mentoring")
    canc = E.event_add(bot, "Abgesagter Vortrag %s" % tag, d4, "18:00", "19:30", public="yes", audience="mentoring")
    for e in (pub, priv, canc):
        E.event_send(bot, e)
    E.md_wait(member, lambda m: m.key == "event.invite", count=3, what="three invitations")
    # an answer must not leak into the feed
    inv = [m for m in E.md_messages(member) if m.key == "event.invite" and m.message_id.startswith("<ev%d." % pub)][0]
    mid = lib.send_many([(member, [bot.address], E.text_reply(inv, member, "yes", "gt", to=bot.address))])[0]
    E.wait_reply_md(member, mid, settle=0.1)
    E.cli(bot, "event", "cancel", canc)

    listing = E.cli(bot, "event", "list")
    for e, t in [(pub, "Tag der offenen Tür"), (priv, "Internes Treffen"), (draft, "Entwurf"),
                 (canc, "Abgesagter Vortrag")]:
        if not any(("%s %s" % (t, tag)) in line and str(e) in line for line in listing.splitlines()):
            raise lib.TestFailure("`event list` lacks event %d %r: %r" % (e, t, listing[:800]))
    show = E.cli(bot, "event", "show", pub)
    lib.ensure("Tag der offenen Tür %s" % tag in show and "Campus Nord" in show and "10:00" in show,
               "`event show %d`: %r" % (pub, show[:600]))

    path = os.path.join(bot.dir, "feed.ics")
    E.cli(bot, "feed", "--out", path)
    with open(path, "rb") as f:
        data = f.read()
    stdout = E.cli(bot, "feed")
    lib.ensure(stdout.encode("utf-8").replace(b"\r\n", b"\n") == data.replace(b"\r\n", b"\n"),
               "feed on stdout differs from --out FILE")
    cal = E.parse_ical(data)
    problems = []
    if cal["method"] != "PUBLISH":
        problems.append("METHOD %r" % cal["method"])
    if E.TZ not in cal["vtimezones"]:
        problems.append("no VTIMEZONE %s: %r" % (E.TZ, cal["vtimezones"]))
    by_title = {e["summary"]: e for e in cal["events"]}
    want = {"Tag der offenen Tür %s" % tag, "Abgesagter Vortrag %s" % tag}
    if set(by_title) != want:
        problems.append("feed events %r, expected %r" % (sorted(by_title), sorted(want)))
    e1 = by_title.get("Tag der offenen Tür %s" % tag)
    if e1:
        if e1["dtstart"] != E.berlin(d1, "10:00") or e1["dtend"] != E.berlin(d1, "16:00"):
            problems.append("public event times %r..%r" % (e1["dtstart"], e1["dtend"]))
        if e1["tzid"] != E.TZ:
            problems.append("public event TZID %r" % e1["tzid"])
        if e1["location"] != "Campus Nord":
            problems.append("LOCATION %r" % e1["location"])
        if not (e1["uid"] or "").startswith("event-%d-" % pub):
            problems.append("UID %r" % e1["uid"])
        if (e1["status"] or "CONFIRMED").upper() == "CANCELLED":
            problems.append("the public event is marked cancelled")
    e4 = by_title.get("Abgesagter Vortrag %s" % tag)
    if e4 and (e4["status"] or "").upper() != "CANCELLED":
        problems.append("cancelled event STATUS %r" % e4["status"])
    for e in cal["events"]:
        if e["attendees"]:
            problems.append("feed event %r lists attendees %r" % (e["summary"], e["attendees"]))
    if member.lower() in cal["raw"].lower():
        problems.append("the feed contains a member's address")
    lib.ensure(not problems, "; ".join(problems))
    _ = (priv, draft)
