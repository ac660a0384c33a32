"""bench_social.py - the social channels' figures (issue 15).

Prints `name: value` lines:

  bench.social.post_ms_p50.<channel>  a public event is announced (`mentorbot event send`,
                                      no members, so nothing but the posts): milliseconds
                                      from its outbox row being queued (the row seen in the
                                      database) to the network having the post (the row
                                      marked sent, which the bot does right after the
                                      network's 2xx), median over BENCH_SOCIAL_N (50) events
                                      announced one after the other at random moments.  The
                                      rows are queued by another process, so the sender
                                      finds them by its poll (2 s for Bluesky): that wait is
                                      most of the figure; the minimum, printed beside it, is
                                      about the network's own time.
                                      Channels: bluesky against the real reference PDS
                                      (tests/servers/bluesky); mastodon, linkedin, facebook
                                      and x against their test servers in
                                      tests/servers/social/ when the file is there and the
                                      bot accepts the section ("skipped (…)" otherwise).
  bench.social.announce_overhead      `mentorbot event send` of a public event to 1,000
                                      members (BENCH_SOCIAL_MEMBERS), until the MTA has taken
                                      all 1,000 invitations, without social channels / with
                                      the channels above configured ([social] events = all of
                                      them): the ratio of the two times, each the median of
                                      BENCH_SOCIAL_ROUNDS (4) runs taken in turn (ABBA), measured in
                                      this run (target >= 0.95).  Each bot has posted one
                                      event before (its sessions are open, as in a running
                                      bot): a login is not part of an announcement.
  bench.social.announce_s.without / .with   those two times

Needs the mail servers (started here or reused through $T) and npm's @atproto/pds
(tests/servers/bluesky/install.sh).  Run with Debian's /usr/bin/python3.
"""
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import lib  # noqa: E402
import event_lib as E  # noqa: E402
import bench_event as BE  # noqa: E402  (seed_members, Progress, mta_idle, wait_until)
import test_social_bluesky as bsky  # noqa: E402  (the reference PDS)

N = int(os.environ.get("BENCH_SOCIAL_N", "50"))
MEMBERS = int(os.environ.get("BENCH_SOCIAL_MEMBERS", "1000"))
ROUNDS = int(os.environ.get("BENCH_SOCIAL_ROUNDS", "4"))
SOCIAL_DIR = os.environ.get("BENCH_SOCIAL_SERVERS", os.path.join(lib.REPO, "tests", "servers", "social"))
ORG, PAGE = "12345", "1234567890"


def out(name, value, fmt="%.1f"):
    print(("%s: " + fmt) % (name, value), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# How each test server is started (tests/servers/social/<name>.py; their usage lines) and
# the config section that points the bot at it.
def _argv(name, port, token):
    py = [sys.executable, os.path.join(SOCIAL_DIR, name + ".py")]
    if name == "mastodon":
        return py + [str(port), token]
    extra = {"linkedin": ["--org", ORG], "facebook": ["--page", PAGE]}.get(name, [])
    return py + ["--port", str(port), "--token", token] + extra


def _section(name, url, token_file):
    s = {"url": url, "token_file": token_file}
    if name == "linkedin":
        s["organization"] = "urn:li:organization:" + ORG
    if name == "facebook":
        s["page"] = PAGE
    return s


class TestServer:
    """One of tests/servers/social/*.py on a free loopback port."""

    def __init__(self, name, token):
        self.name, self.port = name, free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(lib.runtime_dir(), "bench-social-%s.log" % name), "wb")
        self.proc = subprocess.Popen(_argv(name, self.port, token), stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise lib.TestFailure("%s test server did not start" % name)
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def check_config(bot):
    p = subprocess.run([lib.mentorbot_path(), "check-config", "-c", bot.config_path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    return p.returncode == 0, p.stdout.strip()[-300:]


class Watcher(threading.Thread):
    """Polls the outbox every 2 ms: when each social row was first seen and when it was sent."""

    def __init__(self, path, channels):
        super().__init__(daemon=True)
        self.path, self.channels = path, tuple(channels)
        self.seen, self.sent = {}, {}
        self.stop_ = False

    def run(self):
        c = None
        q = "SELECT id, transport, status FROM outbox WHERE transport IN (%s)" % ",".join("?" * len(self.channels))
        while not self.stop_:
            try:
                if c is None:
                    c = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=5)
                now = time.monotonic()
                for rid, tr, st in c.execute(q, self.channels):
                    self.seen.setdefault(rid, (tr, now))
                    if st == "sent" and rid not in self.sent:
                        self.sent[rid] = now
            except sqlite3.OperationalError:
                if c is not None:
                    c.close()
                c = None
            time.sleep(0.002)
        if c is not None:
            c.close()

    def pending(self):
        return [r for r in self.seen if r not in self.sent]


def social_sections(pds, servers, bot_dir):
    pw = os.path.join(bot_dir, "bluesky.pass")
    with open(pw, "w") as f:
        f.write(pds.app_password + "\n")
    os.chmod(pw, 0o600)
    secs = {"bluesky": {"url": pds.url, "handle": pds.handle, "password_file": pw,
                        "hashtags": "Mentoring, UniBeispiel"}}
    for name, srv in servers.items():
        tf = os.path.join(bot_dir, name + ".token")
        with open(tf, "w") as f:
            f.write("bench-token-%s\n" % name)
        os.chmod(tf, 0o600)
        secs[name] = _section(name, srv.url, tf)
    return secs


def channels_for(pds, servers, staff):
    """The channels this bot accepts: bluesky, and each test server whose section check-config takes."""
    ok = {}
    for name, srv in servers.items():
        probe = E.event_bot([staff], start=False, name="bench-social-probe-" + name)
        secs = social_sections(pds, {name: srv}, probe.dir)
        secs["social"] = {"events": "bluesky, " + name}
        probe.configure(secs)
        good, why = check_config(probe)
        if good:
            ok[name] = srv
        else:
            print("# %s: the bot does not accept the section: %s" % (name, why.splitlines()[0] if why else "?"),
                  flush=True)
    return ok


def post_latency(pds, servers, staff):
    bot = E.event_bot([staff], start=False, name="bench-social-post")
    secs = social_sections(pds, servers, bot.dir)
    chans = ["bluesky"] + sorted(servers)
    secs["social"] = {"events": ", ".join(chans)}
    bot.configure(secs)
    day = bsky.future_date(30)
    eids = [E.event_add(bot, "Mentoring-Abend %d" % i, day, "18:00", "20:00", audience="mentoring", public="yes",
                        url="https://uni.example/veranstaltungen/abend-%d" % i) for i in range(N)]
    bot.start()
    bot.wait_log(r"event=connected transport=imap", timeout=30)
    w = Watcher(bot.database, chans)
    w.start()
    rnd = random.Random(15)
    for eid in eids:
        # a random moment: rows queued by another process are found by the sender's poll, so
        # announcing right after the last post would always wait the same (a whole poll)
        time.sleep(rnd.uniform(0, 2.5))
        n0 = len(w.seen)
        E.cli(bot, "event", "send", eid)
        BE.wait_until(lambda: len(w.seen) >= n0 + len(chans) or None, 30, 0.005)
        if not BE.wait_until(lambda: not w.pending() or None, 120, 0.005):
            print("# rows still pending after 120 s: %r" % w.pending(), flush=True)
            break
    w.stop_ = True
    w.join()
    for ch in chans:
        ms = sorted((w.sent[r] - t) * 1000 for r, (tr, t) in w.seen.items() if tr == ch and r in w.sent)
        if not ms:
            print("bench.social.post_ms_p50.%s: none sent" % ch, flush=True)
            continue
        print("# %s: %d posts, min %.0f ms, p90 %.0f ms, max %.0f ms" % (
            ch, len(ms), ms[0], ms[int(0.9 * (len(ms) - 1))], ms[-1]), flush=True)
        out("bench.social.post_ms_p50." + ch, statistics.median(ms), "%.0f")
    bot.stop()
    return chans


def announce_time(pds, servers, staff, social, tag):
    """`event send` of a public event to MEMBERS members: seconds until the MTA has all invitations."""
    bot = E.event_bot([staff], bot_extra={"reply_limit": "100000", "flood_rate": "100000",
                                          "flood_burst": "100000"}, start=False, name="bench-social-" + tag)
    if social:
        secs = social_sections(pds, servers, bot.dir)
        secs["social"] = {"events": ", ".join(["bluesky"] + sorted(servers))}
        bot.configure(secs)
    addrs = ["so%04d-%s-%s@%s" % (i, tag, lib.RUN_ID, lib.DOMAIN) for i in range(MEMBERS)]
    BE.seed_members(bot, addrs)
    for a in addrs:
        lib.write_maildir(a, [])
    eid = E.event_add(bot, "Sommerfest %s" % tag, bsky.future_date(40), "18:00", "22:00", audience="mentoring",
                      public="yes", url="https://uni.example/veranstaltungen/sommerfest", capacity=0)
    # a first public event for nobody, so that the channels have their sessions (as a running
    # bot has) before the measurement: a login is not part of an announcement's cost
    warm = E.event_add(bot, "Vorab %s" % tag, bsky.future_date(39), "18:00", "20:00", audience="alumni",
                       public="yes", url="https://uni.example/veranstaltungen/vorab")
    BE.mta_idle()
    bot.start()
    bot.wait_log(r"event=connected transport=imap", timeout=30)
    E.cli(bot, "event", "send", warm)
    if social:
        n = 1 + len(servers)
        sql = "SELECT count(*) FROM outbox WHERE status = 'sent' AND transport != 'mail'"
        BE.wait_until(lambda: BE.db_count(bot.database, sql) >= n or None, 60, 0.05)
    time.sleep(1.0)
    prog = BE.Progress(bot.database, eid)
    t0 = time.monotonic()
    p = subprocess.run([lib.mentorbot_path(), "event", "-c", bot.config_path, "send", str(eid)], cwd=lib.REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    t_cli = time.monotonic() - t0
    if p.returncode != 0:
        print("# event send failed (%d): %s" % (p.returncode, p.stderr[-300:]), flush=True)
    done = BE.wait_until(lambda: prog.sent() >= MEMBERS or None, 900, 0.005)
    t_all = time.monotonic() - t0
    prog.close()
    if not done:
        print("# %s: not all %d invitations sent after %.0f s" % (tag, MEMBERS, t_all), flush=True)
    posts = 0
    if social:
        # the posts of this announcement went out as well (not part of the time)
        chans = ["bluesky"] + sorted(servers)
        sql = "SELECT count(*) FROM outbox WHERE status = 'sent' AND transport IN (%s)" % ",".join("?" * len(chans))
        BE.wait_until(lambda: BE.db_count(bot.database, sql, tuple(chans)) >= 2 * len(chans) or None, 60, 0.05)
        posts = BE.db_count(bot.database, sql, tuple(chans)) - len(chans)
    print("# %s: `event send` returned after %.2f s, %d invitations taken by the MTA after %.2f s, %d posts" % (
        tag, t_cli, MEMBERS, t_all, posts), flush=True)
    bot.stop()
    BE.wait_until(lambda: all(lib.maildir_count(a) >= 1 for a in addrs) or None, 300, 0.2)
    return t_all


def run():
    staff = "staff-social-%s@%s" % (lib.RUN_ID, lib.DOMAIN)
    pds = bsky.PDS()
    servers = {}
    try:
        for name in ("mastodon", "linkedin", "facebook", "x"):
            if os.path.exists(os.path.join(SOCIAL_DIR, name + ".py")):
                servers[name] = TestServer(name, "bench-token-" + name)
        accepted = channels_for(pds, servers, staff)
        for name in ("mastodon", "linkedin", "facebook", "x"):
            if name not in servers:
                print("bench.social.post_ms_p50.%s: skipped (no server)" % name, flush=True)
            elif name not in accepted:
                print("bench.social.post_ms_p50.%s: skipped (the bot has no such channel)" % name, flush=True)
        chans = post_latency(pds, accepted, staff)
        print("# announce_overhead: %d members, channels %s%s" % (
            MEMBERS, ", ".join(chans), "" if len(chans) >= 3 else " (fewer than the three the issue names: "
            "the others are not there yet)"), flush=True)
        times = {"without": [], "with": []}
        for rnd in range(ROUNDS):
            # ABBA: the mailboxes grow with each run, so neither side always comes second
            pair = (("without", False), ("with", True))
            for tag, social in (pair if rnd % 2 == 0 else pair[::-1]):
                times[tag].append(announce_time(pds, accepted, staff, social, "%s%d" % (tag, rnd)))
        t_without, t_with = statistics.median(times["without"]), statistics.median(times["with"])
        out("bench.social.announce_s.without", t_without, "%.2f")
        out("bench.social.announce_s.with", t_with, "%.2f")
        out("bench.social.announce_overhead", t_without / t_with if t_with else 0.0, "%.3f")
        print("bench.social.announce_overhead_channels: %s" % ",".join(chans), flush=True)
    finally:
        for s in servers.values():
            s.stop()
        pds.stop()


def main():
    lib.start_servers()
    lib.begin_test("bench", "bench_social")
    try:
        run()
    finally:
        for p in lib.end_test():
            print("# " + p)
        lib.stop_servers(remove=True)


if __name__ == "__main__":
    main()
