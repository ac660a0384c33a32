"""Social posts on Mastodon (issue 15), against the strict Mastodon test server
tests/servers/social/mastodon.py (the Mastodon API reference; started here on a free
loopback port; checked against the real masto client library in
test_social_mastodon_client_lib.py).

1. A staff member's public event is posted once by `announce <id> send`: visibility from
   [mastodon] visibility, the language, the text within the instance's max_characters (set
   low: 120) with every URL counted as 23, shortened with "…" and the link kept; a second
   send posts nothing; the post's URL is recorded; `mentorbot social test` says OK.
2. The bot is killed (abort) right after the server took the post, before the outbox row is
   marked sent: started again, it posts with the same Idempotency-Key and there is ONE status.
3. 429 with Mastodon's rate-limit headers: the bot waits until X-RateLimit-Reset and posts
   then, without asking again before.
4. Changes: `event change` edits the status (PUT), `event cancel` deletes it.
5. A revoked token (401): `mentorbot social test` exits 1, the daemon logs one
   credentials_refused line, Mastodon stops, staff are told once, mail still answers.
"""
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import event_lib as E
import lib

SERVER = os.path.join(lib.REPO, "tests", "servers", "social", "mastodon.py")
CRASH = "social posted, not yet recorded"
TITLE = "Sommerfest für Mentees & Mentor:innen 🎉 im Schloßgarten mit Grillabend und Musik"
LINK = "https://uni.example/veranstaltungen/sommerfest-2026-im-schlossgarten?lang=de&ref=mastodon"

sys.path.insert(0, os.path.dirname(SERVER))
import mastodon as mastodon_server  # noqa: E402  the server's own count (URLs as 23)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Mastodon:
    """The test server on loopback with one account and its token."""

    def __init__(self, max_chars=500):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.token = "mastodon-token-%d" % self.port
        self.proc = subprocess.Popen(["/usr/bin/python3", SERVER, str(self.port), self.token, str(max_chars)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        line = self.proc.stdout.readline()
        lib.ensure(line.startswith("ready"), "the Mastodon test server did not start: %r" % line)

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def statuses(self):
        return self._call("GET", "/_test/statuses")["statuses"]

    def requests(self):
        return self._call("GET", "/_test/statuses")["requests"]

    def control(self, **kw):
        self._call("POST", "/_test/control", kw)

    def wait_statuses(self, n, bot, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            got = self.statuses()
            if len(got) >= n:
                return got
            lib.check_bots_alive()
            if time.monotonic() > deadline:
                raise lib.TestFailure("%d of %d statuses after %d s; bot log: %s" % (
                    len(got), n, timeout, bot.log()[-1500:]))
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc.stdout.close()


def mastodon_bot(srv, staff, token=None, env=None, visibility="unlisted"):
    bot = E.event_bot([staff], start=False)
    p = os.path.join(bot.dir, "mastodon.token")
    with open(p, "w") as f:
        f.write((token or srv.token) + "\n")
    os.chmod(p, 0o600)
    bot.configure({"mastodon": {"url": srv.url, "token_file": p, "visibility": visibility,
                                "hashtags": "Mentoring, UniBeispiel"},
                   "social": {"events": "mastodon"}})
    bot.env.update(env or {})
    bot.start()
    return bot


def future_date(days):
    import datetime
    import zoneinfo
    d = datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)
    return d.isoformat()


def check_status(s, max_chars):
    text = s["text"]
    n = mastodon_server.countable(text)
    lib.ensure(n <= max_chars, "%d characters (URLs as 23): %r" % (n, text))
    lib.ensure(LINK in text, "the link is not kept whole: %r" % text)
    lib.ensure(text.startswith(TITLE[:15]), "text does not start with the title: %r" % text)
    lib.ensure(s["visibility"] == "unlisted", "visibility %r" % s["visibility"])
    lib.ensure(s["language"] == "en", "language %r" % s["language"])
    return text


@lib.timeout(400)
def test_public_event_posted_once_within_max_characters():
    srv = Mastodon(max_chars=120)
    try:
        staff = lib.addr("staff")
        bot = mastodon_bot(srv, staff)
        out = E.cli(bot, "social", "test")
        lib.ensure("mastodon: OK" in out and "@alumni" in out, out)
        day = future_date(20)
        quiet = E.event_add(bot, "Internes Treffen", day, "10:00", "11:00", audience="all")
        E.event_send(bot, quiet)
        eid = E.event_add(bot, TITLE, day, "18:00", "22:00", audience="all", public="yes", url=LINK,
                          place="Hörsaal 1, Gebäude am Schloßgarten", description="Ein langer Text. " * 20)
        r = lib.ask(bot, staff, "announce %d send" % eid)
        lib.ensure("mastodon" in r.text, "the reply does not name mastodon: %r" % r.text[:500])
        st = srv.wait_statuses(1, bot)
        lib.ensure(len(st) == 1, "%d statuses" % len(st))
        text = check_status(st[0], 120)
        lib.ensure("\u2026" in text, "not shortened: %r" % text)
        # shortened for the count Mastodon makes (the link as 23), not for the link's length
        lib.ensure(mastodon_server.countable(text) >= 100, "shortened too much: %r" % text)
        lib.ensure(st[0]["idempotency_key"], "posted without an Idempotency-Key")
        url = st[0]["url"]
        deadline = time.monotonic() + 30
        while url not in E.cli(bot, "event", "show", eid):
            lib.ensure(time.monotonic() < deadline, "event show has no %s" % url)
            time.sleep(0.2)
        lib.ask(bot, staff, "announce %d send" % eid)
        db = sqlite3.connect(bot.database)
        rows = db.execute("SELECT count(*) FROM outbox WHERE transport = 'mastodon'").fetchone()[0]
        social = db.execute("SELECT item_id, status, uri, url FROM social_post").fetchall()
        db.close()
        lib.ensure(rows == 1 and social == [(eid, "posted", st[0]["id"], url)], "rows %d, social_post %r" % (rows, social))
        lib.ensure(len(srv.statuses()) == 1, "a second status appeared")
        lib.ensure(srv.token not in bot.log(), "the token is in the log")
        bot.stop()
    finally:
        srv.stop()


@lib.timeout(400)
def test_kill_between_post_and_commit_gives_one_status():
    srv = Mastodon(max_chars=500)
    try:
        staff = lib.addr("staff")
        bot = mastodon_bot(srv, staff, env={"MENTORBOT_TEST_CRASH": CRASH})
        bot.exit_ok = True
        eid = E.event_add(bot, TITLE, future_date(10), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        deadline = time.monotonic() + 60
        while bot.proc.poll() is None:
            lib.ensure(time.monotonic() < deadline, "the bot did not reach the crash point")
            time.sleep(0.1)
        lib.ensure("crashing on purpose" in bot.log(), bot.log()[-800:])
        lib.ensure(len(srv.statuses()) == 1, "the server has no status from before the crash")
        db = sqlite3.connect(bot.database)
        st = db.execute("SELECT status FROM outbox WHERE transport = 'mastodon'").fetchall()
        db.close()
        lib.ensure(st == [("pending",)], "outbox row %r: the crash came too late to test anything" % st)
        bot.proc = None
        bot.env.pop("MENTORBOT_TEST_CRASH")
        bot.exit_ok = False
        bot.start()
        bot.wait_log(r"event=posted transport=mastodon outbox=\d+ post=\d+", timeout=60)
        sts = srv.statuses()
        lib.ensure(len(sts) == 1, "%d statuses after the restart" % len(sts))
        posts = [r for r in srv.requests() if r[0] == "POST" and r[1] == "/api/v1/statuses"]
        lib.ensure(len(posts) == 2 and posts[0][2] == posts[1][2] == sts[0]["idempotency_key"],
                   "not two creates with one key: %r" % posts)
        lib.ensure(sts[0]["url"] in E.cli(bot, "event", "show", eid), "no URL in event show")
        bot.stop()
    finally:
        srv.stop()


@lib.timeout(400)
def test_rate_limited_post_waits_for_the_reset():
    srv = Mastodon()
    try:
        staff = lib.addr("staff")
        bot = mastodon_bot(srv, staff)
        srv.control(rate_limit=1, reset_in=10)
        reset = time.time() + 10
        eid = E.event_add(bot, TITLE, future_date(12), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        bot.wait_log(r"event=send_later transport=mastodon outbox=\d+ status=429 retry_in=\d+", timeout=60)
        wait = int(re.search(r"status=429 retry_in=(\d+)", bot.log()).group(1))
        lib.ensure(1 <= wait <= 12, "retry_in=%d for a reset at most 10 s ahead" % wait)
        st = srv.wait_statuses(1, bot, timeout=120)
        lib.ensure(time.time() >= reset - 1, "posted before the reset")
        posts = [r for r in srv.requests() if r[0] == "POST"]
        lib.ensure(len(posts) == 2, "asked %d times (not waiting for the reset?)" % len(posts))
        lib.ensure(len(st) == 1, "%d statuses" % len(st))
        bot.stop()
    finally:
        srv.stop()


@lib.timeout(400)
def test_revoked_token_stops_mastodon_only():
    srv = Mastodon()
    try:
        staff = lib.addr("staff")
        bot = mastodon_bot(srv, staff)
        E.cli(bot, "social", "test")
        srv.control(revoke=True)
        p = subprocess.run([lib.mentorbot_path(), "social", "-c", bot.config_path, "test"], cwd=lib.REPO,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        lib.ensure(p.returncode == 1 and "mastodon: FAILED" in p.stderr and "401" in p.stderr, p.stderr)
        eid = E.event_add(bot, TITLE, future_date(10), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        line = r"event=credentials_refused transport=mastodon status=401"
        bot.wait_log(line, timeout=60)
        lib.ask(bot, lib.addr("mailer"), "help", key="help")  # mail goes on
        eid2 = E.event_add(bot, "Zweites Fest", future_date(11), "18:00", "20:00", audience="all", public="yes")
        E.event_send(bot, eid2)
        lib.ask(bot, lib.addr("mailer2"), "help", key="help")
        lib.ensure(len(re.findall(line, bot.log())) == 1, "not exactly one line:\n" + bot.log()[-2000:])
        lib.ensure(srv.token not in bot.log(), "the token is in the log")
        lib.ensure(srv.statuses() == [], "posted with a revoked token?")

        def told(m):
            return m.key == "social.refused"
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
        srv.stop()


def change_rows(bot):
    db = sqlite3.connect(bot.database)
    r = db.execute("SELECT op, n, status FROM social_change ORDER BY n").fetchall()
    db.close()
    return r


def wait_changes(bot, want, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        got = change_rows(bot)
        if got == want:
            return
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "social_change %r, not %r: %s" % (got, want, bot.log()[-1500:]))
        time.sleep(0.2)


@lib.timeout(400)
def test_changes_edit_and_delete_the_status():
    """`event change` edits the status in place (PUT, Mastodon keeps its id and marks it
    edited); `event cancel` deletes it; both through the outbox's "social_change" rows."""
    srv = Mastodon()
    try:
        staff = lib.addr("staff")
        bot = mastodon_bot(srv, staff)
        eid = E.event_add(bot, TITLE, future_date(14), "18:00", "20:00", audience="all", public="yes", url=LINK)
        E.event_send(bot, eid)
        st = srv.wait_statuses(1, bot)
        E.cli(bot, "event", "change", eid, "--place", "Hamburg, Hörsaal 2")
        wait_changes(bot, [("edit", 1, "done")])
        s = [x for x in srv.statuses() if x["id"] == st[0]["id"]][0]
        lib.ensure("Hamburg" in s["text"] and s["edited_at"], "not edited: %r" % s)
        lib.ensure(s["visibility"] == "unlisted", s)
        lib.ensure(len(srv.statuses()) == 1, "a change made a new status")
        E.cli(bot, "event", "cancel", eid)
        wait_changes(bot, [("edit", 1, "done"), ("delete", 2, "done")])
        lib.ensure([x["deleted"] for x in srv.statuses()] == [True], "not deleted: %r" % srv.statuses())
        db = sqlite3.connect(bot.database)
        lib.ensure(db.execute("SELECT status FROM social_post").fetchall() == [("deleted",)], "post not deleted")
        db.close()
        bot.stop()
    finally:
        srv.stop()
