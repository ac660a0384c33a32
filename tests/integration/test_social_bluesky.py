"""Social posts on Bluesky (issue 15), against the REAL reference server: @atproto/pds with an
in-memory PLC directory on loopback (tests/servers/bluesky: installed with npm into a cache
directory by its install.sh, started here on a free port with a fresh data directory).

1. A staff member's public event (a German title with umlauts and an emoji, a long
   description, an online link) is posted once by `event send` / `announce <id> send`:
   read back with com.atproto.repo.listRecords: the text within 300 graphemes, shortened
   with "…", each facet's UTF-8 byte range exactly the URL or the "#tag" (the server does
   not check this), the external card, createdAt, langs; a second `announce <id> send`
   posts nothing more; a non-public event posts nothing; `announce <id>` (the staff view)
   and `event show` give the post's URL; `mentorbot social test` says OK (exit 0).
2. The bot is killed (abort) right after the PDS took a post, before the outbox row is
   marked sent: started again, it finds the record under the same key and there is ONE post.
3. A wrong app password: `mentorbot social test` exits 1; the daemon logs one
   credentials_refused line, stops posting, tells staff once by mail (social.refused; not
   again after a restart with the same password), and mail still answers.
"""
import datetime
import json
import os
import re
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

import event_lib as E
import lib

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_DIR = os.path.join(lib.REPO, "tests", "servers", "bluesky")
CRASH = "bluesky posted, not yet recorded"

try:
    import regex
except ImportError:  # python3-regex (scripts/install-deps.sh); the server checks 300 anyway
    regex = None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class PDS:
    """The reference PDS on loopback, with one account (handle, app password)."""

    def __init__(self):
        d = subprocess.run([os.path.join(SERVER_DIR, "install.sh")], stdout=subprocess.PIPE, text=True,
                           check=True, timeout=900).stdout.strip().splitlines()[-1]
        self.data = tempfile.mkdtemp(prefix="pds-", dir=lib.runtime_dir())
        self.port, plc = free_port(), free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.data, "pds.log"), "wb")
        env = dict(os.environ, PDS_PORT=str(self.port), PLC_PORT=str(plc), PDS_DATA_DIRECTORY=self.data)
        self.proc = subprocess.Popen(["node", os.path.join(d, "start.js")], cwd=d, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.call("GET", "_health") is not None:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise lib.TestFailure("the PDS did not start: %s" % open(os.path.join(self.data, "pds.log")).read()[-800:])
            time.sleep(0.2)
        self.handle = "office%d.test" % self.port
        acc = self.call("POST", "com.atproto.server.createAccount",
                        {"handle": self.handle, "email": "office@example.test", "password": "main-pw-123"})
        self.did, self.token = acc["did"], acc["accessJwt"]
        self.app_password = self.call("POST", "com.atproto.server.createAppPassword", {"name": "mentorbot"},
                                      token=self.token)["password"]

    def call(self, method, nsid, body=None, query=None, token=None):
        url = "%s/xrpc/%s" % (self.url, nsid)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def posts(self):
        return self.call("GET", "com.atproto.repo.listRecords",
                         query={"repo": self.did, "collection": "app.bsky.feed.post", "limit": 100})["records"]

    def wait_posts(self, n, bot, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            got = self.posts()
            if len(got) >= n:
                return got
            lib.check_bots_alive()
            if time.monotonic() > deadline:
                raise lib.TestFailure("%d of %d posts on the PDS after %d s; bot log: %s" % (
                    len(got), n, timeout, bot.log()[-1500:]))
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def secret_file(bot, name, value):
    p = os.path.join(bot.dir, name)
    with open(p, "w") as f:
        f.write(value + "\n")
    os.chmod(p, 0o600)
    return p


def social_bot(pds, staff, password=None, start=True, env=None):
    bot = E.event_bot([staff], start=False)
    pw = secret_file(bot, "bluesky.pass", password or pds.app_password)
    bot.configure({"bluesky": {"url": pds.url, "handle": pds.handle, "password_file": pw,
                               "hashtags": "Mentoring, UniBeispiel"},
                   "social": {"events": "bluesky"}})
    bot.env.update(env or {})
    if start:
        bot.start()
    return bot


def future_date(days):
    d = datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)
    return d.isoformat()


TITLE = "Sommerfest für Mentees & Mentor:innen 🎉 im Schloßgarten"
LINK = "https://uni.example/veranstaltungen/sommerfest-2026?lang=de"


def long_title():
    # the bot keeps 200 bytes of a title and of a place: together with the date, the link and
    # the hashtags that is more than 300 graphemes, so the post is shortened
    return TITLE + " — " + " ".join(["Grüße aus Würzburg und Köln"] * 12)


PLACE = "Hörsaal 1, " + " ".join(["Gebäude am Schloßgarten"] * 10)


def graphemes(s):
    return len(regex.findall(r"\X", s)) if regex else None


def check_post(rec, title_start):
    v = rec["value"]
    text = v["text"]
    b = text.encode("utf-8")
    n = graphemes(text)
    lib.ensure(n is None or n <= 300, "%d graphemes: %r" % (n or 0, text))
    lib.ensure(len(b) <= 3000, "%d bytes" % len(b))
    lib.ensure(text.startswith(title_start[:20]), "text does not start with the title: %r" % text[:80])
    lib.ensure(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", v["createdAt"]), v["createdAt"])
    lib.ensure(v.get("langs") == ["en"], "langs %r" % v.get("langs"))
    kinds = []
    for f in v.get("facets", []):
        s, e = f["index"]["byteStart"], f["index"]["byteEnd"]
        feat = f["features"][0]
        part = b[s:e].decode("utf-8")   # a range that cuts a character raises here
        if feat["$type"] == "app.bsky.richtext.facet#link":
            lib.ensure(part == feat["uri"] == LINK, "link facet covers %r, uri %r" % (part, feat["uri"]))
        else:
            lib.ensure(feat["$type"] == "app.bsky.richtext.facet#tag", feat)
            lib.ensure(part == "#" + feat["tag"], "tag facet covers %r, tag %r" % (part, feat["tag"]))
        kinds.append(feat["$type"].split("#")[1])
    lib.ensure(kinds == ["link", "tag", "tag"], "facets %r" % kinds)
    emb = v.get("embed") or {}
    lib.ensure(emb.get("$type") == "app.bsky.embed.external", "embed %r" % emb)
    lib.ensure(emb["external"]["uri"] == LINK, emb)
    lib.ensure(emb["external"]["title"].startswith(TITLE[:30]), emb)
    return text


@lib.timeout(400)
def test_public_event_posted_once_with_byte_exact_facets_and_card():
    pds = PDS()
    try:
        staff = lib.addr("staff")
        bot = social_bot(pds, staff)
        out = E.cli(bot, "social", "test")
        lib.ensure("bluesky: OK" in out and pds.handle in out, out)
        day = future_date(20)
        # not public: posts nothing
        quiet = E.event_add(bot, "Internes Treffen", day, "10:00", "11:00", audience="all")
        E.event_send(bot, quiet)
        eid = E.event_add(bot, long_title(), day, "18:00", "22:00", audience="all", public="yes", url=LINK,
                          place=PLACE, description="Ein langer Text. " * 80)
        r = lib.ask(bot, staff, "announce %d send" % eid)
        lib.ensure("bluesky" in r.text, "the reply does not name bluesky: %r" % r.text[:500])
        posts = pds.wait_posts(1, bot)
        lib.ensure(len(posts) == 1, "%d posts" % len(posts))
        text = check_post(posts[0], TITLE)
        lib.ensure("\u2026\n\n" + LINK + "\n#Mentoring #UniBeispiel" in text, "not shortened as expected: %r" % text)
        rkey = posts[0]["uri"].rsplit("/", 1)[1]
        url = "https://bsky.app/profile/%s/post/%s" % (pds.handle, rkey)
        # the staff view names the post (the URL is written right after the PDS took it)
        deadline = time.monotonic() + 30
        while url not in E.cli(bot, "event", "show", eid):
            lib.ensure(time.monotonic() < deadline, "event show has no %s" % url)
            time.sleep(0.2)
        r = lib.ask(bot, staff, "announce %d" % eid)
        lib.ensure(url in r.text, "the staff view has no post URL: %r" % r.text[-600:])
        # a second send posts nothing more: no second row is even queued
        lib.ask(bot, staff, "announce %d send" % eid)
        db = sqlite3.connect(bot.database)
        rows = db.execute("SELECT count(*) FROM outbox WHERE transport = 'bluesky'").fetchone()[0]
        social = db.execute("SELECT item_id, status, url FROM social_post").fetchall()
        db.close()
        lib.ensure(rows == 1 and social == [(eid, "posted", url)], "rows %d, social_post %r" % (rows, social))
        lib.ensure(len(pds.posts()) == 1, "a second post appeared")
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(400)
def test_kill_between_post_and_commit_gives_one_post():
    pds = PDS()
    try:
        staff = lib.addr("staff")
        bot = social_bot(pds, staff, env={"MENTORBOT_TEST_CRASH": CRASH})
        bot.exit_ok = True
        eid = E.event_add(bot, TITLE, future_date(10), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        deadline = time.monotonic() + 60
        while bot.proc.poll() is None:
            lib.ensure(time.monotonic() < deadline, "the bot did not reach the crash point")
            time.sleep(0.1)
        lib.ensure("crashing on purpose" in bot.log(), bot.log()[-800:])
        lib.ensure(len(pds.posts()) == 1, "the PDS has no post from before the crash")
        db = sqlite3.connect(bot.database)
        st = db.execute("SELECT status FROM outbox WHERE transport = 'bluesky'").fetchall()
        db.close()
        lib.ensure(st == [("pending",)], "outbox row %r: the crash came too late to test anything" % st)
        bot.proc = None
        bot.env.pop("MENTORBOT_TEST_CRASH")
        bot.exit_ok = False
        bot.start()
        bot.wait_log(r"event=posted transport=bluesky outbox=\d+ rkey=\w+ found_again=1", timeout=60)
        posts = pds.posts()
        lib.ensure(len(posts) == 1, "%d posts after the restart" % len(posts))
        check_post(posts[0], TITLE)
        lib.ensure(posts[0]["uri"].rsplit("/", 1)[1] in E.cli(bot, "event", "show", eid), "no URL in event show")
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(300)
def test_wrong_password_stops_bluesky_only():
    pds = PDS()
    try:
        staff = lib.addr("staff")
        bot = social_bot(pds, staff, password="xxxx-wrong-pass-word")
        E.cli(bot, "social", "test", expect=1)
        eid = E.event_add(bot, TITLE, future_date(10), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        line = r"event=credentials_refused transport=bluesky status=401"
        bot.wait_log(line, timeout=60)
        lib.ask(bot, lib.addr("mailer"), "help", key="help")  # mail goes on
        eid2 = E.event_add(bot, "Zweites Fest", future_date(11), "18:00", "20:00", audience="all", public="yes")
        E.event_send(bot, eid2)
        lib.ask(bot, lib.addr("mailer2"), "help", key="help")
        lib.ensure(len(re.findall(line, bot.log())) == 1, "not exactly one line:\n" + bot.log()[-2000:])
        lib.ensure("xxxx-wrong" not in bot.log(), "the password is in the log")
        lib.ensure(pds.posts() == [], "posted with a wrong password?")
        def told(m):
            return m.key == "social.refused"
        # the scheduler looks at least once a minute
        lib.Mailbox(staff).wait_for(told, timeout=150, what="social.refused notice")
        bot.check_alive()
        bot.restart()
        deadline = time.monotonic() + 60
        while len(re.findall(line, bot.log())) < 2:
            lib.ensure(time.monotonic() < deadline, "no credentials_refused after the restart")
            time.sleep(0.2)
        db = sqlite3.connect(bot.database)
        jobs = db.execute("SELECT done FROM job WHERE kind = 'social.refused'").fetchall()
        db.close()
        lib.ensure(jobs == [(1,)], "staff would be told again: jobs %r" % jobs)
        lib.ensure(len([m for m in lib.Mailbox(staff).messages() if told(m)]) == 1, "not one notice")
        bot.stop()
    finally:
        pds.stop()
