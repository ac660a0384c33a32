"""Social posts on LinkedIn, a Facebook page and X (issue 15), against the strict test servers
of tests/servers/social/ (linkedin.py: Posts API 202611; facebook.py: Graph API v24.0 page
feed; x.py: X API v2), each started here on a free port.

0. The servers themselves are strict: a request without the token, without LinkedIn's
   version headers, with unescaped little text, an unknown field or too long a text is
   refused with the network's error body; a rate limit comes with its headers.
1. A staff member's public event is posted once to each network with the right shape:
   LinkedIn's commentary is valid little text (the title's reserved characters escaped,
   the hashtags as templates) with the link as an article; Facebook's message and link;
   X's text within 280 weighted characters; `social test` says OK for all three; a second
   `announce <id> send` posts nothing more.
2. For each network: the bot is killed (abort) right after the network took the post,
   before the outbox row is marked sent; started again, it finds the post among the
   account's recent ones (found_again=1) and there is ONE post.
3. Each network first answers with its rate limit (LinkedIn and X 429, Facebook code 32),
   then takes the post: one post each.
4. LinkedIn's token is revoked: one credentials_refused line for linkedin, staff are told
   once (social.refused), Facebook and X still get the post, mail goes on.
5. Changes, end to end: `event change <id> --place …` updates LinkedIn's commentary in place
   (PARTIAL_UPDATE, same URN), edits the Facebook post's message (same id) and puts exactly
   one reply under the X post (in_reply_to the original) saying what changed, its URL
   recorded; `event cancel <id>` deletes the post on all three, social_post says deleted,
   every social_change row is done and `mentorbot report` lists no failure.
"""
import datetime
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

import event_lib as E
import lib

SERVERS = os.path.join(lib.REPO, "tests", "servers", "social")
CRASH = "social posted, not yet recorded"
ORG = "5515715"
PAGE = "104857600"
NETS = ("linkedin", "facebook", "x")
TITLE = "Sommerfest [Mentees] & {Mentor:innen} #1 @Schloß *gratis* 🎉"
LINK = "https://uni.example/veranstaltungen/sommerfest-2026?lang=de&x=1"


class Server:
    """One of the test servers on a free port; token fixed per server."""

    def __init__(self, net):
        self.net = net
        self.token = "tok-%s-%d" % (net, os.getpid())
        args = [sys.executable, os.path.join(SERVERS, net + ".py"), "--token", self.token]
        args += {"linkedin": ["--org", ORG], "facebook": ["--page", PAGE], "x": ["--app-token", "app-only"]}[net]
        try:
            logdir = lib.runtime_dir()
        except lib.TestFailure:  # run alone (python3 this_file.py): no mail servers
            logdir = "/tmp"
        self.errlog = open(os.path.join(logdir, "%s-server-%d.log" % (net, os.getpid())), "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.errlog, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT (\d+)", line or "")
        if not m:
            raise lib.TestFailure("%s server did not start: %r" % (net, line))
        self.url = "http://127.0.0.1:%s" % m.group(1)

    def call(self, method, path, body=None, headers=None, raw=None):
        """(status, headers, parsed body or text)"""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdr, b = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, hdr, b = e.code, dict(e.headers), e.read()
        try:
            return status, hdr, json.loads(b) if b else None
        except ValueError:
            return status, hdr, b.decode()

    def posts(self):
        return self.call("GET", "/_test/posts")[2]

    def control(self, what, body=None):
        self.call("POST", "/_test/" + what, body or {})

    def wait_posts(self, n, bot, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            got = self.posts()
            if len(got) >= n:
                return got
            lib.check_bots_alive()
            if time.monotonic() > deadline:
                raise lib.TestFailure("%d of %d posts on %s after %d s; bot log: %s" % (
                    len(got), n, self.net, timeout, bot.log()[-1500:]))
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()
        self.errlog.close()


def start_servers(nets=NETS):
    return {n: Server(n) for n in nets}


def stop_servers(servers):
    for s in servers.values():
        s.stop()


def secret_file(bot, name, value):
    p = os.path.join(bot.dir, name)
    with open(p, "w") as f:
        f.write(value + "\n")
    os.chmod(p, 0o600)
    return p


def social_bot(servers, staff, env=None, start=True):
    bot = E.event_bot([staff], start=False)
    conf = {}
    for net, s in servers.items():
        sec = {"url": s.url, "token_file": secret_file(bot, net + ".token", s.token),
               "hashtags": "Mentoring, Uni_Beispiel"}
        if net == "linkedin":
            sec.update(organization="urn:li:organization:" + ORG, version="202611")
        elif net == "facebook":
            sec.update(page=PAGE, version="v24.0")
        conf[net] = sec
    conf["social"] = {"events": ", ".join(servers)}
    bot.configure(conf)
    bot.env.update(env or {})
    if start:
        bot.start()
    return bot


def future_date(days):
    d = datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)
    return d.isoformat()


def x_weight(text):
    """twitter-text v3 weighted length (the X server counts the same way)."""
    sys.path.insert(0, SERVERS)
    import x as xs  # noqa: E402
    return xs.weighted(text)


def check_shapes(servers):
    li = servers["linkedin"].posts()[0]
    lib.ensure(li["author"] == "urn:li:organization:" + ORG and li["visibility"] == "PUBLIC", li)
    lib.ensure(li["lifecycleState"] == "PUBLISHED" and li["distribution"]["feedDistribution"] == "MAIN_FEED", li)
    lib.ensure(li["content"]["article"]["source"] == LINK, li.get("content"))
    lib.ensure(li["plain"].startswith(TITLE[:40]), "LinkedIn shows %r" % li["plain"][:80])
    lib.ensure("#Mentoring #Uni_Beispiel" in li["plain"], li["plain"])
    lib.ensure("{hashtag|\\#|Mentoring}" in li["commentary"], li["commentary"])
    fb = servers["facebook"].posts()[0]
    lib.ensure(fb["link"] == LINK and fb["message"].startswith(TITLE[:40]), fb)
    lib.ensure(fb["message"].endswith("#Mentoring #Uni_Beispiel"), fb["message"][-80:])
    xp = servers["x"].posts()[0]
    lib.ensure(xp["sent"].startswith(TITLE[:40]) and LINK in xp["sent"], xp["sent"][:200])
    lib.ensure(x_weight(xp["sent"]) <= 28000, "X text weighs %d" % x_weight(xp["sent"]))
    return li, fb, xp


@lib.timeout(120)
def test_servers_are_strict():
    servers = start_servers()
    try:
        li, fb, x = servers["linkedin"], servers["facebook"], servers["x"]
        auth = {"Authorization": "Bearer " + li.token}
        hdr = dict(auth, **{"LinkedIn-Version": "202611", "X-Restli-Protocol-Version": "2.0.0"})
        post = {"author": "urn:li:organization:" + ORG, "commentary": "Hallo \\#1", "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                 "thirdPartyDistributionChannels": []}, "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False}
        st, _, b = li.call("POST", "/rest/posts", post)
        lib.ensure(st == 401 and b["serviceErrorCode"] == 65600, (st, b))
        st, _, b = li.call("POST", "/rest/posts", post, auth)
        lib.ensure(st == 400 and b["code"] == "VERSION_MISSING", (st, b))
        st, _, b = li.call("POST", "/rest/posts", post, dict(auth, **{"LinkedIn-Version": "202611"}))
        lib.ensure(st == 400, (st, b))
        st, _, b = li.call("POST", "/rest/posts", dict(post, commentary="a (b) #c"), hdr)
        lib.ensure(st == 422, "unescaped little text: %r" % ((st, b),))
        st, _, b = li.call("POST", "/rest/posts", dict(post, commentary="x" * 3001), hdr)
        lib.ensure(st == 422, (st, b))
        st, _, b = li.call("POST", "/rest/posts", dict(post, extra=1), hdr)
        lib.ensure(st == 422, (st, b))
        st, h, b = li.call("POST", "/rest/posts", post, hdr)
        lib.ensure(st == 201 and h.get("x-restli-id", "").startswith("urn:li:share:"), (st, h))
        enc = "/rest/posts/" + urllib.parse.quote(h["x-restli-id"], safe="")
        patch = {"patch": {"$set": {"commentary": "Neu \\(2\\)"}}}
        st, _, b = li.call("POST", enc, patch, hdr)
        lib.ensure(st == 400 or st == 404, "an update without X-RestLi-Method: %r" % ((st, b),))
        st, _, b = li.call("POST", enc, patch, dict(hdr, **{"X-RestLi-Method": "PARTIAL_UPDATE"}))
        lib.ensure(st == 204 and li.posts()[0]["plain"] == "Neu (2)", (st, b, li.posts()))
        st, _, b = li.call("DELETE", enc, None, dict(hdr, **{"X-RestLi-Method": "DELETE"}))
        lib.ensure(st == 204 and li.posts() == [], (st, b))
        st, _, b = li.call("DELETE", enc, None, dict(hdr, **{"X-RestLi-Method": "DELETE"}))
        lib.ensure(st == 404, (st, b))
        li.control("revoke")
        st, _, b = li.call("GET", "/rest/organizations/" + ORG, None, hdr)
        lib.ensure(st == 401 and b["serviceErrorCode"] == 65601, (st, b))

        ftok = {"Authorization": "Bearer " + fb.token}
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        st, _, b = fb.call("POST", "/v24.0/%s/feed" % PAGE, raw=b"message=hi", headers=form)
        lib.ensure(st == 400 and b["error"]["code"] == 104, (st, b))
        st, _, b = fb.call("POST", "/v24.0/%s/feed" % PAGE, raw=b"message=hi&colour=red", headers=dict(ftok, **form))
        lib.ensure(st == 400 and b["error"]["code"] == 100, (st, b))
        st, _, b = fb.call("POST", "/v24.0/%s/feed" % PAGE, raw=b"message=" + b"a" * 63207,
                           headers=dict(ftok, **form))
        lib.ensure(st == 400 and b["error"]["code"] == 100, (st, b))
        st, _, b = fb.call("POST", "/v24.0/%s/feed" % PAGE, raw=b"message=a%26b&link=https%3A%2F%2Fx.example%2F",
                           headers=dict(ftok, **form))
        lib.ensure(st == 200 and re.fullmatch(PAGE + r"_\d+", b["id"]), (st, b))
        pid = b["id"]
        st, _, b = fb.call("POST", "/v24.0/" + pid, raw=b"message=neu", headers=dict(ftok, **form))
        lib.ensure(st == 200 and b == {"success": True} and fb.posts()[0]["message"] == "neu", (st, b))
        st, _, b = fb.call("GET", "/v24.0/%s/feed?fields=id,message,created_time&limit=20" % PAGE, headers=ftok)
        lib.ensure(st == 200 and b["data"][0]["id"] == pid, (st, b))
        st, _, b = fb.call("DELETE", "/v24.0/" + pid, headers=ftok)
        lib.ensure(st == 200 and b == {"success": True}, (st, b))
        st, _, b = fb.call("DELETE", "/v24.0/" + pid, headers=ftok)
        lib.ensure(st == 400 and b["error"]["error_subcode"] == 33, (st, b))
        fb.control("ratelimit", {"n": 1})
        st, h, b = fb.call("GET", "/v24.0/%s?fields=id,name" % PAGE, headers=ftok)
        lib.ensure(st == 400 and b["error"]["code"] == 32 and "X-Page-Usage" in h, (st, h, b))
        fb.control("revoke")
        st, _, b = fb.call("GET", "/v24.0/%s?fields=id,name" % PAGE, headers=ftok)
        lib.ensure(b["error"]["code"] == 190, (st, b))

        xtok = {"Authorization": "Bearer " + x.token}
        st, _, b = x.call("POST", "/2/tweets", {"text": "hi"}, {"Authorization": "Bearer app-only"})
        lib.ensure(st == 403 and b["type"].endswith("unsupported-authentication"), (st, b))
        st, _, b = x.call("POST", "/2/tweets", {"text": "\u65e5" * 141}, xtok)
        lib.ensure(st == 400, "141 CJK characters weigh 282: %r" % ((st, b),))
        st, _, b = x.call("POST", "/2/tweets", {"text": "\u65e5" * 140}, xtok)
        lib.ensure(st == 201, (st, b))
        st, _, b = x.call("POST", "/2/tweets", {"text": "\u65e5" * 140}, xtok)
        lib.ensure(st == 403 and "duplicate" in b["detail"], (st, b))
        st, _, b = x.call("POST", "/2/tweets", {"text": "a & b https://example.org/" + "x" * 300}, xtok)
        lib.ensure(st == 201 and re.fullmatch(r"a &amp; b https://t.co/\w+", b["data"]["text"]), (st, b))
        tid = b["data"]["id"]
        st, _, b = x.call("GET", "/2/users/me?expansions=most_recent_tweet_id", None, xtok)
        lib.ensure(st == 200 and b["includes"]["tweets"][0]["id"] == tid, (st, b))
        st, _, b = x.call("GET", "/2/users/%s/tweets?max_results=20" % b["data"]["id"], None, xtok)
        lib.ensure(st == 200 and b["data"][0]["id"] == tid and b["meta"]["result_count"] == 2, (st, b))
        st, _, b = x.call("DELETE", "/2/tweets/" + tid, None, xtok)
        lib.ensure(st == 200 and b == {"data": {"deleted": True}}, (st, b))
        st, _, b = x.call("POST", "/2/tweets", {"text": "hi", "lang": "de"}, xtok)
        lib.ensure(st == 400, (st, b))
        x.control("ratelimit", {"n": 1})
        st, h, b = x.call("GET", "/2/users/me", None, xtok)
        lib.ensure(st == 429 and h.get("x-rate-limit-remaining") == "0" and "x-rate-limit-reset" in h, (st, h))
        x.control("revoke")
        st, _, b = x.call("GET", "/2/users/me", None, xtok)
        lib.ensure(st == 401 and b["title"] == "Unauthorized", (st, b))
    finally:
        stop_servers(servers)


@lib.timeout(400)
def test_public_event_posted_once_to_each():
    servers = start_servers()
    try:
        staff = lib.addr("staff")
        bot = social_bot(servers, staff)
        out = E.cli(bot, "social", "test")
        for net in NETS:
            lib.ensure(re.search(r"(?m)^%s: OK" % net, out), "social test: %r" % out)
        day = future_date(20)
        quiet = E.event_add(bot, "Internes Treffen", day, "10:00", "11:00", audience="all")
        E.event_send(bot, quiet)
        eid = E.event_add(bot, TITLE, day, "18:00", "22:00", audience="all", public="yes", url=LINK,
                          place="Hörsaal 1 (Schloß) <Eingang B>", description="Ein langer Text. " * 40)
        lib.ask(bot, staff, "announce %d send" % eid)
        for s in servers.values():
            s.wait_posts(1, bot)
        check_shapes(servers)
        deadline = time.monotonic() + 30
        while True:
            social = E.db_query(bot, "SELECT channel, status, url FROM social_post ORDER BY channel")
            if all(r[1] == "posted" for r in social) and len(social) == 3:
                break
            lib.ensure(time.monotonic() < deadline, "social_post %r" % (social,))
            time.sleep(0.2)
        urls = {r[0]: r[2] for r in social}
        lib.ensure(urls["linkedin"] == "https://www.linkedin.com/feed/update/%s/" % servers["linkedin"].posts()[0]["id"],
                   urls)
        lib.ensure(urls["facebook"] == "https://www.facebook.com/" + servers["facebook"].posts()[0]["id"], urls)
        lib.ensure(urls["x"] == "https://x.com/i/web/status/" + servers["x"].posts()[0]["id"], urls)
        lib.ask(bot, staff, "announce %d send" % eid)
        time.sleep(1)
        for s in servers.values():
            lib.ensure(len(s.posts()) == 1, "a second post on %s" % s.net)
        for s in servers.values():
            lib.ensure(s.token not in bot.log(), "the %s token is in the log" % s.net)
        bot.stop()
    finally:
        stop_servers(servers)


@lib.timeout(600)
def test_kill_between_post_and_commit_gives_one_post_on_each():
    for net in NETS:
        servers = start_servers((net,))
        try:
            staff = lib.addr("staff")
            bot = social_bot(servers, staff, env={"MENTORBOT_TEST_CRASH": CRASH})
            bot.exit_ok = True
            eid = E.event_add(bot, TITLE, future_date(10), "18:00", "20:00", audience="all", public="yes", url=LINK)
            E.event_send(bot, eid)
            deadline = time.monotonic() + 60
            while bot.proc.poll() is None:
                lib.ensure(time.monotonic() < deadline, "the bot did not reach the crash point (%s)" % net)
                time.sleep(0.1)
            lib.ensure("crashing on purpose" in bot.log(), bot.log()[-800:])
            lib.ensure(len(servers[net].posts()) == 1, "%s has no post from before the crash" % net)
            st = E.db_query(bot, "SELECT status FROM outbox WHERE transport = ?", (net,))
            lib.ensure([tuple(r) for r in st] == [("pending",)], "outbox %r: the crash came too late" % (st,))
            bot.proc = None
            bot.env.pop("MENTORBOT_TEST_CRASH")
            bot.exit_ok = False
            bot.start()
            bot.wait_log(r"event=posted transport=%s outbox=\d+ post=\S+ found_again=1" % net, timeout=90)
            posts = servers[net].posts()
            lib.ensure(len(posts) == 1, "%d posts on %s after the restart" % (len(posts), net))
            bot.stop()
        finally:
            stop_servers(servers)


@lib.timeout(400)
def test_rate_limited_then_posted():
    servers = start_servers()
    try:
        for s in servers.values():
            s.control("ratelimit", {"n": 1})
        staff = lib.addr("staff")
        bot = social_bot(servers, staff)
        eid = E.event_add(bot, TITLE, future_date(12), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        for net in NETS:
            bot.wait_log(r"event=send_later transport=%s outbox=\d+ status=(429|400)" % net, timeout=60)
        for s in servers.values():
            s.wait_posts(1, bot, timeout=150)  # LinkedIn sends no reset header: the bot's own backoff
        time.sleep(1)
        for s in servers.values():
            lib.ensure(len(s.posts()) == 1, "%d posts on %s" % (len(s.posts()), s.net))
        check_shapes(servers)
        bot.stop()
    finally:
        stop_servers(servers)


@lib.timeout(400)
def test_revoked_token_stops_that_channel_only():
    servers = start_servers()
    try:
        servers["linkedin"].control("revoke")
        staff = lib.addr("staff")
        bot = social_bot(servers, staff)
        eid = E.event_add(bot, TITLE, future_date(13), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        line = r"event=credentials_refused transport=linkedin status=401"
        bot.wait_log(line, timeout=60)
        servers["facebook"].wait_posts(1, bot)
        servers["x"].wait_posts(1, bot)
        lib.ask(bot, lib.addr("mailer"), "help", key="help")  # mail goes on
        eid2 = E.event_add(bot, "Zweites Fest", future_date(14), "18:00", "20:00", audience="all", public="yes")
        E.event_send(bot, eid2)
        servers["facebook"].wait_posts(2, bot)
        servers["x"].wait_posts(2, bot)
        lib.ensure(len(re.findall(line, bot.log())) == 1, "not exactly one line:\n" + bot.log()[-2000:])
        lib.ensure(servers["linkedin"].posts() == [], "posted with a revoked token?")
        lib.ensure(not re.search(r"credentials_refused transport=(facebook|x)", bot.log()), bot.log()[-2000:])

        def told(m):
            return m.key == "social.refused"
        lib.Mailbox(staff).wait_for(told, timeout=150, what="social.refused notice")
        time.sleep(2)
        notices = [m for m in lib.Mailbox(staff).messages() if told(m)]
        lib.ensure(len(notices) == 1 and "linkedin" in notices[0].text.lower(), "notices: %d" % len(notices))
        bot.check_alive()
        bot.stop()
    finally:
        stop_servers(servers)


def change_rows(bot):
    return E.db_query(bot, "SELECT p.channel, c.op, c.n, c.status FROM social_change c"
                           " JOIN social_post p ON p.id = c.post_id ORDER BY p.channel, c.n")


def wait_for(cond, what, bot, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "timed out waiting for %s; log: %s" % (what, bot.log()[-2000:]))
        time.sleep(0.2)


@lib.timeout(400)
def test_change_edits_or_replies_and_cancel_deletes_on_each():
    servers = start_servers()
    try:
        li, fb, x = servers["linkedin"], servers["facebook"], servers["x"]
        staff = lib.addr("staff")
        bot = social_bot(servers, staff)
        eid = E.event_add(bot, TITLE, future_date(21), "18:00", "21:00", audience="all", public="yes", url=LINK,
                          place="Hörsaal 1")
        E.event_send(bot, eid)
        for s in servers.values():
            s.wait_posts(1, bot)
        wait_for(lambda: E.db_query(bot, "SELECT status FROM social_post") == [("posted",)] * 3, "three posts", bot)
        li0, fb0, x0 = li.posts()[0], fb.posts()[0], x.posts()[0]
        lib.ensure("Hörsaal 1" in li0["plain"] and "Hörsaal 1" in fb0["message"], (li0["plain"], fb0["message"]))

        E.cli(bot, "event", "change", eid, "--place", "Hamburg, Hörsaal 2")
        want = [(n, "edit", 1, "done") for n in sorted(NETS)]
        wait_for(lambda: change_rows(bot) == want, "the edits done: %r" % (want,), bot)
        lp = li.posts()
        lib.ensure(len(lp) == 1 and lp[0]["id"] == li0["id"], "LinkedIn: not updated in place: %r" % lp)
        lib.ensure("Hamburg, Hörsaal 2" in lp[0]["plain"] and "Hörsaal 1" not in lp[0]["plain"], lp[0]["plain"])
        lib.ensure(lp[0]["plain"].startswith(TITLE[:40]) and "{hashtag|\\#|Mentoring}" in lp[0]["commentary"],
                   lp[0]["commentary"])
        lib.ensure(lp[0].get("lastModifiedAt") and lp[0]["content"]["article"]["source"] == LINK, lp[0])
        fp = fb.posts()
        lib.ensure(len(fp) == 1 and fp[0]["id"] == fb0["id"] and fp[0].get("updated_time"), "Facebook: %r" % fp)
        lib.ensure("Hamburg, Hörsaal 2" in fp[0]["message"] and fp[0]["link"] == LINK, fp[0])
        xp = x.posts()
        reps = [p for p in xp if p.get("in_reply_to")]
        lib.ensure(len(xp) == 2 and len(reps) == 1 and reps[0]["in_reply_to"] == x0["id"], "X: %r" % xp)
        lib.ensure([p for p in xp if not p.get("in_reply_to")] == [x0], "X: the original changed: %r" % xp)
        rep = reps[0]["sent"]
        lib.ensure(rep.startswith("Update: " + TITLE[:30]) and "Hamburg, Hörsaal 2" in rep, "X reply %r" % rep)
        lib.ensure(x_weight(rep) <= 28000, "X reply weighs %d" % x_weight(rep))
        xr = E.db_query(bot, "SELECT c.uri, c.url FROM social_change c JOIN social_post p ON p.id = c.post_id"
                             " WHERE p.channel = 'x'")
        lib.ensure(xr == [(reps[0]["id"], "https://x.com/i/web/status/" + reps[0]["id"])], "X reply row %r" % xr)
        shown = E.cli(bot, "event", "show", eid)
        lib.ensure("https://x.com/i/web/status/" + reps[0]["id"] in shown, "event show: %r" % shown[-800:])

        E.cli(bot, "event", "cancel", eid)
        want = [r for n in sorted(NETS) for r in ((n, "edit", 1, "done"), (n, "delete", 2, "done"))]
        wait_for(lambda: change_rows(bot) == want, "the deletes done: %r" % (want,), bot)
        lib.ensure(li.posts() == [] and fb.posts() == [], "not deleted: %r %r" % (li.posts(), fb.posts()))
        lib.ensure([p["id"] for p in x.posts()] == [reps[0]["id"]], "X: %r (the reply stays)" % x.posts())
        wait_for(lambda: E.db_query(bot, "SELECT channel, status FROM social_post ORDER BY channel") ==
                 [(n, "deleted") for n in sorted(NETS)], "social_post deleted", bot)
        report = E.cli(bot, "report")
        lib.ensure("social change failed" not in report and "social post failed" not in report, report)
        lib.ensure(not re.search(r"event=(changed|posted) transport=\w+ .*gone=1", bot.log()), bot.log()[-2000:])
        for s in servers.values():
            lib.ensure(s.token not in bot.log(), "the %s token is in the log" % s.net)
        bot.stop()
    finally:
        stop_servers(servers)


if __name__ == "__main__":
    # the servers' own check runs without the bot
    test_servers_are_strict()
    print("PASS test_servers_are_strict")
