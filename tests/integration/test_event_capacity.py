"""Events (issue 5): capacity and the waiting list.

1. Capacity 10; 15 members answer "yes" at the same moment (11 mails over one SMTP
   connection, iTIP and text mixed, and 4 in XMPP at once: two transport threads).  Exactly 10 are going (event.rsvp.yes) and 5 are
   waiting (event.rsvp.waiting, each told their own position 1..5); going never
   exceeds the capacity.  Two going members cancel (a text "nein", an iTIP DECLINED):
   the first two waiting are promoted and told (event.promoted); the other three
   stay waiting and hear nothing; the CSV export shows 10 going, 3 waiting, 2 declined.
2. Capacity 1 with claim_hours 2 (test clock): the promoted person who does not
   confirm within the claim deadline loses the place to the next one, who is told.
"""
import datetime
import os
import re
import time
import zoneinfo

import event_lib as E
import lib
import xmpp_lib as X


def future_date(days):
    return (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)).isoformat()


def statuses(bot, eid):
    addr = dict(E.db_query(bot, "SELECT person_id, address FROM endpoint WHERE kind = 'mail'"))
    return {addr.get(p, str(p)).lower(): (s, q) for p, s, q in
            E.db_query(bot, "SELECT person_id, status, queued FROM rsvp WHERE event_id = ?", (eid,))}


@lib.timeout(200)
def test_capacity_10_with_15_yes_waits_5_and_two_cancellations_promote_two():
    staff = lib.addr("staff")
    bot = E.event_bot([staff], xmpp_rooms=[X.room("cap")])
    labels = ["m%02d" % i for i in range(15)]
    members = E.make_members(bot, labels)
    # four of them answer in XMPP at the same moment as the mails: two threads, two connections
    chat = {members[i]: X.Person("x%02d" % i) for i in (1, 5, 9, 13)}
    for m, person in chat.items():
        E.link_xmpp(bot, m, person)
    date = future_date(10)
    title = "Werksbesichtigung %s" % lib.RUN_ID
    eid = E.event_add(bot, title, date, "10:00", "12:00", capacity=10, audience="mentoring", place="Werk 3")
    mails, _ = E.event_send(bot, eid)
    lib.ensure(mails == 15, "%d invitations, expected 15" % mails)
    inv = {m: E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")[0] for m in members}
    ev = E.parse_ical(inv[members[0]].raw)

    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    before = {m: len(p.messages(from_bot)) for m, p in chat.items()}
    batch = []
    for i, m in enumerate(members):
        if m in chat:
            continue
        if i % 3 == 0:
            msg = E.itip_reply(["exchange", "thunderbird", "apple"][i % 9 // 3], m, bot.address, ev["uid"],
                               ev["sequence"], "ACCEPTED", summary=title, dtstart=ev["dtstart"], dtend=ev["dtend"])
        else:
            msg = E.text_reply(inv[m], m, "ja, ich komme" if i % 2 else "Yes!", "gt", to=bot.address)
        batch.append((m, [bot.address], msg))
    for m, p in chat.items():
        p.direct(bot.jid, "rsvp %d yes" % eid)
    mids = lib.send_many(batch)
    replies = {}     # address -> text of the answer
    keys = {}
    for (m, _, _), mid in zip(batch, mids):
        r = E.wait_reply_md(m, mid, settle=0.2)
        replies[m], keys[m] = r.text, r.key
    for m, p in chat.items():
        got = p.wait(from_bot, count=before[m] + 1, what="answer to rsvp in XMPP")
        replies[m] = got[-1]["body"]
    st = statuses(bot, eid)
    going = [m for m in members if st.get(m, ("",))[0] == "going"]
    waiting = sorted([m for m in members if st.get(m, ("",))[0] == "waiting"], key=lambda m: st[m][1])
    lib.ensure(len(going) == 10 and len(waiting) == 5, "database: %d going, %d waiting (capacity 10, 15 yes)" % (
        len(going), len(waiting)))
    told = list(keys.values())
    n_wait_mail = len([m for m in waiting if m not in chat])
    lib.ensure(told.count("event.rsvp.waiting") == n_wait_mail and told.count("event.rsvp.yes") == len(keys) -
               n_wait_mail, "mail answers %r do not match the database (%d of the mail people waiting)" % (
                   told, n_wait_mail))
    lib.ensure(all(keys[m] == "event.rsvp.waiting" for m in waiting if m in keys),
               "the people told 'waiting' are not the ones waiting in the database")
    # each waiting person is told their own position (1..5 in queue order)
    for pos, m in enumerate(waiting, 1):
        t = replies[m]
        lib.ensure(re.search(r"(?i)(position|platz|rang|stelle|nummer|number|no\.|nr\.)\D{0,4}%d(?!\d)|"
                             r"(?<![\d#])%d(st|nd|rd|th|\.)? (on|in|auf)\b" % (pos, pos), t),
                   "%s is #%d on the waiting list but the answer does not say %d: %r" % (m, pos, pos, t[:300]))
    for m in chat:
        if m in going and re.search(r"(?i)waiting|warteliste", replies[m]):
            problems = "%s is going but was told in XMPP: %r" % (m, replies[m][:200])
            raise lib.TestFailure(problems)

    # two going members cancel: text "nein" and an iTIP DECLINED
    c1, c2 = [m for m in going if m not in chat][:2]
    r1 = lib.send_many([(c1, [bot.address], E.text_reply(inv[c1], c1, "Nein, ich kann doch nicht.", "outlook_de",
                                                         to=bot.address))])[0]
    lib.ensure(E.wait_reply_md(c1, r1).key == "event.rsvp.no", "first cancellation not confirmed as no")
    r2 = lib.send_many([(c2, [bot.address], E.itip_reply("thunderbird", c2, bot.address, ev["uid"], ev["sequence"],
                                                         "DECLINED", summary=title, dtstart=ev["dtstart"],
                                                         dtend=ev["dtend"]))])[0]
    lib.ensure(E.wait_reply_md(c2, r2).key == "event.rsvp.no", "second cancellation not confirmed as no")

    for m in waiting[:2]:
        p = E.md_wait(m, lambda x: x.key == "event.promoted", what="promotion mail")[0]
        lib.ensure(title in p.text or title in p.subject or "#%d" % eid in p.text,
                   "promotion mail does not name the event: %r" % p.text[:300])
    time.sleep(1.5)
    problems = []
    for m in waiting[2:]:
        if E.md_key(m, "event.promoted"):
            problems.append("%s (still waiting) was told 'promoted'" % m)
    for m in waiting[:2]:
        if len(E.md_key(m, "event.promoted")) != 1:
            problems.append("%s got %d promotion mails" % (m, len(E.md_key(m, "event.promoted"))))
    st = statuses(bot, eid)
    n_going = sum(1 for s, _ in st.values() if s == "going")
    if n_going != 10:
        problems.append("%d going after the promotions, expected 10" % n_going)
    rows = E.export_attendees(bot, eid)
    count = {}
    for r in rows.values():
        count[r["status"]] = count.get(r["status"], 0) + 1
    if count != {"going": 10, "waiting": 3, "declined": 2}:
        problems.append("CSV statuses %r, expected 10 going, 3 waiting, 2 declined" % count)
    for m in waiting[:2]:
        if rows.get(m, {}).get("status") != "going":
            problems.append("promoted %s has CSV status %r" % (m, rows.get(m, {}).get("status")))
    lib.ensure(not problems, "; ".join(problems))


@lib.timeout(150)
def test_unclaimed_promotion_lapses_to_the_next_after_the_claim_deadline():
    clock = os.path.join(lib.runtime_dir(), "clock-%s-%s" % (lib.test_slug(), lib.RUN_ID))
    t0 = int(time.time())
    E.set_clock(clock, t0)
    old = os.environ.get("MENTORBOT_TEST_CLOCK")
    os.environ["MENTORBOT_TEST_CLOCK"] = clock
    try:
        staff = lib.addr("staff")
        bot = E.event_bot([staff])
        a, b, c = E.make_members(bot, ["first", "second", "third"])
        title = "Kaminabend %s" % lib.RUN_ID
        eid = E.event_add(bot, title, future_date(7), "19:00", "21:00", capacity=1, claim_hours=2,
                          audience="mentoring")
        E.event_send(bot, eid)
        inv = {m: E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")[0] for m in (a, b, c)}
        for m, key in [(a, "event.rsvp.yes"), (b, "event.rsvp.waiting"), (c, "event.rsvp.waiting")]:
            mid = lib.send_many([(m, [bot.address], E.text_reply(inv[m], m, "yes", "gt", to=bot.address))])[0]
            r = E.wait_reply_md(m, mid, settle=0.2)
            lib.ensure(r.key == key, "%s: %r, expected %s" % (m, r.key, key))
        mid = lib.send_many([(a, [bot.address], E.text_reply(inv[a], a, "no", "gt", to=bot.address))])[0]
        lib.ensure(E.wait_reply_md(a, mid).key == "event.rsvp.no", "cancellation not confirmed")
        p = E.md_wait(b, lambda x: x.key == "event.promoted", what="promotion of the first waiting")[0]
        lib.ensure(re.search(r"\d{1,2}[:.]\d{2}", p.text), "promotion mail names no claim deadline: %r" % p.text[:400])
        # one hour later nothing has lapsed
        E.set_clock(clock, t0 + 3600)
        time.sleep(1.5)
        lib.ensure(not E.md_key(c, "event.promoted"), "promoted before the claim deadline")
        # after the deadline the place goes to the next
        E.set_clock(clock, t0 + 2 * 3600 + 120)
        E.md_wait(c, lambda x: x.key == "event.promoted", timeout=30, what="promotion after the lapsed claim")
        st = statuses(bot, eid)
        lib.ensure(st.get(c, ("",))[0] == "going" and st.get(b, ("",))[0] != "going",
                   "after the lapse: second %r, third %r" % (st.get(b), st.get(c)))
        lib.ensure(sum(1 for s, _ in st.values() if s == "going") == 1, "going exceeds the capacity 1: %r" % st)
    finally:
        if old is None:
            os.environ.pop("MENTORBOT_TEST_CLOCK", None)
        else:
            os.environ["MENTORBOT_TEST_CLOCK"] = old
