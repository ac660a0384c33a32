"""Approved offers and programme calls on Bluesky (issue 15, point 2), against the REAL
reference server (@atproto/pds, set up as in test_social_bluesky.py).

* A company's offer approved by staff (reply "ok" to the notice) is posted ONCE: read back with
  com.atproto.repo.listRecords, its text names the kind, company and title, with the offer's
  link as facet and card; `offer <id>` (staff) shows the post's URL.  An offer staff reject is
  never posted.  The company closes the approved offer early ("offer <id> close"): the record
  is deleted on the PDS and social_post says deleted.
* `programme mentoring call until DATE` posts the call (the programme's name, the deadline, how
  to apply) once, linking the programme's entry on the public page, and `mentorbot site` lists
  the programme with the deadline; a programme without a call is not listed.
"""
import datetime
import os
import re
import sqlite3
import time
import zoneinfo

import event_lib as E
import lib
import test_site_public_page as S
import test_social_bluesky as B

BASE_URL = "https://uni.example/mentoring/"


def db_rows(bot, sql, *args):
    db = sqlite3.connect(bot.database)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def wait_for(cond, what, bot, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "timed out waiting for %s; log: %s" % (what, bot.log()[-1500:]))
        time.sleep(0.2)


def texts(pds):
    return [p["value"]["text"] for p in pds.posts()]


def the_bot(pds, staff):
    bot = B.social_bot(pds, staff, start=False)
    bot.configure({"bot": {"staff": staff, "reply_limit": "500"},
                   "social": {"events": "bluesky", "offers": "bluesky", "calls": "bluesky"},
                   "site": {"url": BASE_URL}})
    bot.start()
    bot.wait_log(r"event=connected transport=imap")
    return bot


@lib.timeout(500)
def test_approved_offer_posted_once_rejected_never_closed_early_deleted():
    pds = B.PDS()
    try:
        staff = lib.addr("staff")
        bot = the_bot(pds, staff)
        title = "Internship in design %s" % lib.RUN_ID
        oid, company = S.approved_offer(bot, staff, title)
        post = pds.wait_posts(1, bot)[0]
        v = post["value"]
        lib.ensure(v["text"].startswith("Internship at %s: %s" % (company, title)), "text %r" % v["text"])
        links = [f["features"][0].get("uri") for f in v.get("facets", [])]
        lib.ensure(links[:1] == ["https://acme.example/jobs/7"], "facets %r" % v.get("facets"))
        lib.ensure(v["embed"]["external"]["uri"] == "https://acme.example/jobs/7", v.get("embed"))
        url = "https://bsky.app/profile/%s/post/%s" % (pds.handle, post["uri"].rsplit("/", 1)[1])
        wait_for(lambda: url in lib.ask(bot, staff, "offer %d" % oid).text, "the post's URL in `offer <id>`", bot)
        # a second offer, rejected: never posted
        jane = lib.addr("jane")
        form = ("offer:\nKind: job\nTitle: Rejected %s\nDescription: Not for students\nLocation: Bonn\n"
                % lib.RUN_ID)
        r = S.answer(jane, bot, "offer", form, key="offers.received")
        rid = int(re.search(r"#(\d+)", r.text).group(1))
        notice = S.staff_notice(staff, "Rejected %s" % lib.RUN_ID)
        r = S.answer(staff, bot, lib.expected_subject(notice.subject), "no not for us\n", headers=S.reply_to(notice))
        lib.ensure(r.key == "offers.staff_rejected", "rejection answered %r" % r.key)
        lib.ensure(db_rows(bot, "SELECT count(*) FROM social_post WHERE item_kind = 'offer' AND item_id = ?", rid)
                   == [(0,)], "the rejected offer is queued")
        lib.ensure(len(pds.posts()) == 1, "more than one post")
        # closed early by the company: deleted
        S.answer(jane, bot, "offer %d close" % oid, "", key="offers.closed")
        wait_for(lambda: pds.posts() == [], "the offer's post deleted", bot)
        wait_for(lambda: db_rows(bot, "SELECT status FROM social_post WHERE item_kind = 'offer'") == [("deleted",)],
                 "social_post deleted", bot)
        rows = db_rows(bot, "SELECT kind, count(*) FROM outbox WHERE transport = 'bluesky' GROUP BY kind ORDER BY kind")
        lib.ensure(rows == [("social", 1), ("social_change", 1)], "bluesky rows %r" % rows)
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(400)
def test_programme_call_posted_and_listed_on_the_public_page():
    pds = B.PDS()
    try:
        staff = lib.addr("staff")
        bot = the_bot(pds, staff)
        until = (datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=40))
        lib.ask(bot, staff, "programme set mentoring hashtags Mentoring2026", key="programme.hashtags")
        lib.ask(bot, staff, "programme mentoring call until %s" % until.isoformat(), key="programme.call.opened")
        post = pds.wait_posts(1, bot)[0]
        v = post["value"]
        lib.ensure(v["text"].startswith("Applications are open: Mentoring, until"), "text %r" % v["text"])
        lib.ensure(str(until.year) in v["text"] and "join mentoring" in v["text"] and bot.address in v["text"],
                   "text %r" % v["text"])
        b = v["text"].encode("utf-8")
        feats = [(b[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(), f["features"][0]) for f in v["facets"]]
        page = BASE_URL + "index.en.html#programme-mentoring"
        lib.ensure(feats[0] == (page, {"$type": "app.bsky.richtext.facet#link", "uri": page}), "facets %r" % feats)
        lib.ensure(any(f[0] == "#Mentoring2026" for f in feats), "no programme hashtag: %r" % feats)
        wait_for(lambda: db_rows(bot, "SELECT item_kind, item_id, status FROM social_post") == [("call", 1, "posted")],
                 "social_post of call 1 posted", bot)
        out = os.path.join(bot.dir, "www")
        E.cli(bot, "site", "--out", out)
        html = open(os.path.join(out, "index.en.html"), encoding="utf-8").read()
        lib.ensure('id="programme-mentoring"' in html and 'id="programme-alumni"' not in html,
                   "programmes on the page: %r" % re.findall(r'id="programme-[^"]+"', html))
        item = html[html.index('id="programme-mentoring"'):]
        item = item[:item.index("</li>")]
        lib.ensure("Apply by" in item and str(until.year) in item, "no deadline: %r" % item)
        # closed: not on the page any more
        lib.ask(bot, staff, "programme mentoring call close", key="programme.call.closed")
        E.cli(bot, "site", "--out", out)
        html = open(os.path.join(out, "index.en.html"), encoding="utf-8").read()
        lib.ensure('id="programme-mentoring"' not in html, "a closed call is listed")
        lib.ensure(len(pds.posts()) == 1, "posted more than once")
        bot.stop()
    finally:
        pds.stop()
