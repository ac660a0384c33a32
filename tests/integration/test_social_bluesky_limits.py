"""Bluesky rate limits and sessions (issue 15), against the REAL reference server
(@atproto/pds on loopback, tests/servers/bluesky).  Nothing answers in the PDS's place: its
own rate limiter and its own token checks refuse the bot.  To make them bite within a test,
tests/servers/bluesky/start.js configures the shipped code (see its header):
PDS_RATE_LIMITS_ENABLED=true turns on the PDS's rate limiter, MB_PDS_WRITE_LIMIT shortens its
"repo-write-hour" window (5000 points an hour as shipped) to 9 points in 30 s (3 records),
and MB_PDS_ACCESS_TTL makes the access tokens it issues last seconds instead of 120 minutes.
The PDS's request log (LOG_ENABLED=true) shows which XRPC calls the bot made.

1. 429 on createRecord: the test writes 3 records of its own on the account (the limit is per
   account), the bot's post is refused with 429 RateLimitExceeded and RateLimit-Reset; the
   bot logs send_retry, and the post goes out after the reset, once.
2. An expired access token: createRecord answers 400 ExpiredToken; the bot refreshes the
   session (refreshSession, no new login) and the post goes out, once.
3. A refresh token the PDS refuses (the account's password was changed by the admin, which
   revokes every refresh token; the app password stays valid): after refreshSession is
   refused the bot logs in again (createSession) and posts, once.
"""
import base64
import json
import os
import re
import sqlite3
import time
import urllib.error
import urllib.request

import event_lib as E
import lib
import test_social_bluesky as bsky

WRITE_LIMIT = "9/30"   # points / seconds; a created record costs 3 points
TTL = 6                # seconds an access token lasts


def start_pds(**knobs):
    """The reference PDS with start.js's test knobs and its request log."""
    saved = dict(os.environ)
    os.environ.update(knobs, LOG_ENABLED="true", LOG_LEVEL="info")
    try:
        return bsky.PDS()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def xrpc_log(pds):
    """The PDS's request log: [(nsid, status), …] in order (pino JSON lines)."""
    out = []
    with open(os.path.join(pds.data, "pds.log"), "rb") as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            url = (j.get("req") or {}).get("url") or ""
            st = (j.get("res") or {}).get("statusCode")
            m = re.match(r"/xrpc/([\w.]+)", url)
            if m and st:
                out.append((m.group(1), st))
    return out


def raw_call(pds, nsid, body, token=None, basic=None):
    """POST -> (status, headers, json) without raising on an error status."""
    req = urllib.request.Request("%s/xrpc/%s" % (pds.url, nsid), data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if basic:
        req.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"{}")


def bot_rkeys(bot):
    db = sqlite3.connect(bot.database)
    try:
        return dict(db.execute("SELECT item_id, rkey FROM social_post WHERE channel = 'bluesky'").fetchall())
    finally:
        db.close()


def bot_posts(pds, bot):
    """The bot's records on the PDS: rkey -> count (listRecords)."""
    keys = set(bot_rkeys(bot).values())
    n = {}
    for r in pds.posts():
        k = r["uri"].rsplit("/", 1)[1]
        if k in keys:
            n[k] = n.get(k, 0) + 1
    return n


def wait_post(pds, bot, eid, timeout=90):
    """Wait until the event's post is on the PDS; -> the time it was seen."""
    deadline = time.monotonic() + timeout
    while True:
        rk = bot_rkeys(bot).get(eid)
        if rk and rk in bot_posts(pds, bot):
            return time.time()
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "event %d not posted after %d s; bot log: %s" % (
            eid, timeout, bot.log()[-1500:]))
        time.sleep(0.2)


def calls(pds, names=("createSession", "refreshSession", "createRecord")):
    return ["%s %d" % (n.split(".")[-1], s) for n, s in xrpc_log(pds) if n.split(".")[-1] in names]


def one_post_each(pds, bot, n):
    got = bot_posts(pds, bot)
    lib.ensure(len(got) == n and set(got.values()) == {1}, "the bot's posts on the PDS: %r" % got)


@lib.timeout(300)
def test_rate_limited_post_goes_out_after_reset_once():
    pds = start_pds(PDS_RATE_LIMITS_ENABLED="true", MB_PDS_WRITE_LIMIT=WRITE_LIMIT)
    try:
        staff = lib.addr("staff")
        bot = bsky.social_bot(pds, staff)
        eid = E.event_add(bot, bsky.TITLE, bsky.future_date(12), "18:00", "20:00", audience="all", public="yes",
                          url=bsky.LINK)
        # the account's writes for this window, used up by the test itself: the limit is per account
        reset = None
        for i in range(10):
            st, h, r = raw_call(pds, "com.atproto.repo.createRecord",
                                {"repo": pds.did, "collection": "app.bsky.feed.post",
                                 "record": {"$type": "app.bsky.feed.post", "text": "filler %d" % i,
                                            "createdAt": "2026-01-01T00:00:00.000Z"}}, token=pds.token)
            if st == 429:
                lib.ensure(r.get("error") == "RateLimitExceeded", r)
                reset = int(h["RateLimit-Reset"])
                break
            lib.ensure(st == 200, "filler %d: %d %r" % (i, st, r))
        lib.ensure(reset, "the PDS never answered 429: is its rate limiter on?")
        E.event_send(bot, eid)
        m = bot.wait_log(r"event=send_retry transport=bluesky outbox=\d+ \S+ retry_in=(\d+) error=\"?rate limited",
                         timeout=60)
        lib.ensure(time.time() < reset, "the bot was refused only after the window reset: no test")
        lib.ensure(1 <= int(m.group(1)) <= 31, "retry_in %s for a reset at most 30 s away" % m.group(1))
        seen = wait_post(pds, bot, eid, timeout=120)
        lib.ensure(seen >= reset, "posted at %.1f, before the reset at %d" % (seen, reset))
        time.sleep(3)   # a second post under another key would show now
        one_post_each(pds, bot, 1)
        seq = calls(pds)
        lib.ensure("createRecord 429" in seq and seq[-1] == "createRecord 200", "XRPC calls: %r" % seq)
        lib.ensure(seq.count("createSession 200") == 1, "the bot logged in again: %r" % seq)
        db = sqlite3.connect(bot.database)
        row = db.execute("SELECT status, attempts FROM outbox WHERE transport = 'bluesky'").fetchall()
        db.close()
        lib.ensure(len(row) == 1 and row[0][0] == "sent" and row[0][1] >= 1, "outbox %r" % (row,))
        bot.stop()
    finally:
        pds.stop()


def expire_and_post(pds, bot, t_login, title, day):
    """Wait until the access token of a login at t_login has expired, then have an event posted."""
    while time.time() < t_login + TTL + 2:
        time.sleep(0.2)
    eid = E.event_add(bot, title, bsky.future_date(day), "18:00", "20:00", audience="all", public="yes", url=bsky.LINK)
    E.event_send(bot, eid)
    wait_post(pds, bot, eid)
    return eid


@lib.timeout(300)
def test_expired_access_token_is_refreshed():
    pds = start_pds(MB_PDS_ACCESS_TTL="%ds" % TTL)
    try:
        staff = lib.addr("staff")
        bot = bsky.social_bot(pds, staff)
        e1 = E.event_add(bot, bsky.TITLE, bsky.future_date(12), "18:00", "20:00", audience="all", public="yes",
                         url=bsky.LINK)
        E.event_send(bot, e1)
        t_login = time.time()
        wait_post(pds, bot, e1)
        expire_and_post(pds, bot, t_login, "Zweites Treffen", 13)
        seq = calls(pds)
        lib.ensure(seq == ["createSession 200", "createRecord 200", "createRecord 400", "refreshSession 200",
                           "createRecord 200"], "XRPC calls: %r" % seq)
        log = bot.log()
        lib.ensure(len(re.findall(r"event=session_renew transport=bluesky reason=ExpiredToken", log)) == 1, log[-1500:])
        lib.ensure(len(re.findall(r"event=logged_in transport=bluesky", log)) == 1, "logged in again: " + log[-1500:])
        one_post_each(pds, bot, 2)
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(300)
def test_refused_refresh_token_logs_in_again():
    pds = start_pds(MB_PDS_ACCESS_TTL="%ds" % TTL)
    try:
        staff = lib.addr("staff")
        bot = bsky.social_bot(pds, staff)
        e1 = E.event_add(bot, bsky.TITLE, bsky.future_date(12), "18:00", "20:00", audience="all", public="yes",
                         url=bsky.LINK)
        E.event_send(bot, e1)
        t_login = time.time()
        wait_post(pds, bot, e1)
        # the admin sets a new account password: the PDS revokes every refresh token of the
        # account (the app password stays valid)
        st, _, r = raw_call(pds, "com.atproto.admin.updateAccountPassword",
                            {"did": pds.did, "password": "new-main-pw-456"}, basic="admin:admin-pass")
        lib.ensure(st == 200, "updateAccountPassword: %d %r" % (st, r))
        expire_and_post(pds, bot, t_login, "Zweites Treffen", 13)
        seq = calls(pds)
        lib.ensure(seq == ["createSession 200", "createRecord 200", "createRecord 400", "refreshSession 400",
                           "createSession 200", "createRecord 200"], "XRPC calls: %r" % seq)
        log = bot.log()
        lib.ensure(len(re.findall(r"event=logged_in transport=bluesky", log)) == 2, log[-1500:])
        lib.ensure("credentials_refused" not in log, log[-1500:])
        one_post_each(pds, bot, 2)
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(300)
def test_post_as_stored_renders_as_a_card():
    """tests/tools/render_post.py draws a record read back from the PDS (the README's picture):
    its facets become links over exactly the URL and the hashtags, the embed a card.  With
    MB_BLUESKY_SCREENSHOT=PATH headless Chromium shoots it to PATH."""
    import html.parser
    import shutil
    import sys
    sys.path.insert(0, os.path.join(lib.REPO, "tests", "tools"))
    import render_post

    pds = start_pds()
    try:
        staff = lib.addr("staff")
        bot = bsky.social_bot(pds, staff)
        eid = E.event_add(bot, bsky.TITLE, bsky.future_date(12), "18:00", "22:00", audience="all", public="yes",
                          url=bsky.LINK, place="Schloßgarten, Würzburg",
                          description="Grillen, Musik und Gespräche mit Mentor:innen aus der Praxis.")
        E.event_send(bot, eid)
        wait_post(pds, bot, eid)
        rec = pds.posts()[0]
        page = render_post.render(rec, pds.handle)

        class Links(html.parser.HTMLParser):
            def __init__(self):
                super().__init__()
                self.links, self.href = [], None

            def handle_starttag(self, tag, attrs):
                if tag == "a":
                    self.href = dict(attrs)["href"]
                    self.links.append([self.href, ""])

            def handle_endtag(self, tag):
                if tag == "a":
                    self.href = None

            def handle_data(self, data):
                if self.href is not None:
                    self.links[-1][1] += data
        p = Links()
        p.feed(page)
        got = [(h, t.strip()) for h, t in p.links[:3]]
        lib.ensure(got == [(bsky.LINK, bsky.LINK), ("https://bsky.app/hashtag/Mentoring", "#Mentoring"),
                           ("https://bsky.app/hashtag/UniBeispiel", "#UniBeispiel")], "links %r" % got)
        lib.ensure(len(p.links) == 4 and p.links[3][0] == bsky.LINK and bsky.TITLE[:20] in p.links[3][1],
                   "the card: %r" % p.links[3:])
        out = os.environ.get("MB_BLUESKY_SCREENSHOT")
        if out:
            path = os.path.join(bot.dir, "post.html")
            with open(path, "w", encoding="utf-8") as f:
                f.write(page)
            shot = os.path.join(bot.dir, "bluesky.png")
            render_post.shoot(path, shot)
            with open(shot, "rb") as f:
                lib.ensure(f.read(8) == b"\x89PNG\r\n\x1a\n", "the screenshot is no PNG")
            shutil.copyfile(shot, out)
        bot.stop()
    finally:
        pds.stop()
