"""bench_mail.py - the mail pipeline's figures (issue: mail pipeline).

Prints `name: value` lines.  Every comparison is measured in the same run
against the same private Dovecot + OpenSMTPD:

  bench.mail.ingest_cmds_per_s   2,000 command mails already in the bot's Maildir,
                                 bot started: journalled + handled (durable) per second
  bench.mail.replies_per_s       the bot's replies accepted by the MTA per second
  bench.mail.bare_smtp_per_s     a plain SMTP client submitting as many mails of the
                                 same size to the same MTA over one connection
  bench.mail.replies_vs_bare     their ratio (target >= 0.9)
  bench.mail.bare_same_mails_per_s  the bare client submitting the bot's own mails (envelopes
                                 and bytes from its outbox), so the MTA does the same work
  bench.mail.replies_vs_bare_same   the bot's rate over that one: its sender alone
  bench.mail.idle_floor_ms       a bare IMAP IDLE client: SMTP submission -> EXISTS
  bench.mail.latency_p50_ms/_p99_ms  one mail at a time: SMTP submission -> the reply
                                 in the person's INBOX (seen by IDLE), bot in IDLE
  bench.mail.rss_kb              the bot's peak RSS (VmHWM) over the whole run
"""
import os
import re
import socket
import sqlite3
import smtplib
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import lib  # noqa: E402

N = int(os.environ.get("BENCH_MAIL_N", "2000"))
LAT_N = int(os.environ.get("BENCH_LAT_N", "40"))


def out(name, value, fmt="%.1f"):
    print(("%s: " + fmt) % (name, value), flush=True)


def db_count(path, sql):
    for _ in range(50):
        try:
            c = sqlite3.connect(path, timeout=5)
            try:
                return c.execute(sql).fetchone()[0]
            finally:
                c.close()
        except sqlite3.OperationalError:
            time.sleep(0.01)
    return 0


class Counts:
    """Counts polled every few ms while the bot works, from one read-only connection and
    from index pages only: the rows of inbound and outbox minus the ones still 'new' or
    'pending' (partial indexes).  Counting status != 'new' or status = 'sent' directly reads
    every row's mail or payload (status comes after it), a few ms of CPU each time, which
    took a large share of this 2-core machine from the bot and the MTA while they were
    measured."""

    def __init__(self, path):
        self.path, self.c = path, None

    def _one(self, sql):
        for _ in range(100):
            try:
                if self.c is None:
                    self.c = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=5)
                return self.c.execute(sql).fetchone()[0]
            except sqlite3.OperationalError:
                if self.c is not None:
                    self.c.close()
                    self.c = None
                time.sleep(0.01)
        return 0

    def handled(self):
        return self._one("SELECT (SELECT count(*) FROM inbound) - (SELECT count(*) FROM inbound WHERE status = 'new')")

    def sent(self):
        return self._one("SELECT (SELECT count(*) FROM outbox) -"
                         " (SELECT count(*) FROM outbox WHERE transport = 'mail' AND status = 'pending')")

    def close(self):
        if self.c is not None:
            self.c.close()


def resend_outbox(database, where, params=()):
    """Submit the bot's own outbox mails (envelopes and bytes) again with a bare SMTP client
    over one connection: mails per second, or 0."""
    c = sqlite3.connect(database, timeout=5)
    rows = c.execute("SELECT env_from, rcpt, payload FROM outbox WHERE %s ORDER BY id" % where, params).fetchall()
    c.close()
    if not rows:
        return 0.0
    t0 = time.monotonic()
    with smtplib.SMTP(lib.HOST, lib.SMTP_PORT, timeout=60) as s:
        for env_from, rcpt, payload in rows:
            s.sendmail(env_from, [rcpt], payload if isinstance(payload, bytes) else payload.encode())
    return len(rows) / (time.monotonic() - t0)


def wait_until(pred, timeout, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


class Idle:
    """A bare IMAP IDLE client on one mailbox (raw socket, like a MUA)."""

    def __init__(self, user):
        self.s = socket.create_connection((lib.HOST, lib.IMAP_PORT))
        self.f = self.s.makefile("rb")
        self.f.readline()
        self.cmd(b"a LOGIN %s %s" % (user.encode(), lib.PASSWORD.encode()))
        self.cmd(b"b SELECT INBOX")

    def cmd(self, line):
        tag = line.split(b" ", 1)[0]
        self.s.sendall(line + b"\r\n")
        while True:
            r = self.f.readline()
            if not r or r.startswith(tag + b" "):
                return r

    def start(self):
        self.s.sendall(b"i IDLE\r\n")
        while not self.f.readline().startswith(b"+"):
            pass

    def wait_exists(self):
        while True:
            r = self.f.readline()
            if not r or r.rstrip().endswith(b"EXISTS"):
                return

    def done(self):
        self.s.sendall(b"DONE\r\n")
        while True:
            r = self.f.readline()
            if not r or r.startswith(b"i "):
                return


def rss_peak(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    lib.start_servers()
    # every mail through the MTA also passes its DKIM/DMARC filter: say so beside the figures
    print("# MTA: OpenSMTPD %s" % ("with the DKIM/DMARC filter authres" if lib.mta_filtered()
                                   else "WITHOUT the DKIM/DMARC filter (MB_AUTHRES=0)"), flush=True)
    lib.begin_test("bench", "bench_mail")
    try:
        run()
    finally:
        for p in lib.end_test():
            print("# " + p)
        lib.stop_servers(remove=True)


def run():
    bot = lib.Bot("bench", config={"bot": {"reply_limit": "100000", "unknown_reply_limit": "10000000",
                                           "flood_rate": "100000", "flood_burst": "100000"}}, start=False)
    senders = ["bench%03d@%s" % (i % 200, lib.DOMAIN) for i in range(N)]
    raws = [lib.make_mail(s, bot.address, "help", "help\n") for s in senders]
    lib.write_maildir(bot.address, raws)

    # --- ingest: all N journalled and handled (each in its own durable transaction)
    t0 = time.monotonic()
    bot.start()
    pid = bot.proc.pid
    counts = Counts(bot.database)
    done = wait_until(lambda: counts.handled() >= N or None, 300, 0.005)
    t_ingest = time.monotonic() - t0
    if not done:
        print("# ingest did not finish; handled %d" % db_count(bot.database, "SELECT count(*) FROM inbound"))
    out("bench.mail.ingest_cmds_per_s", N / t_ingest)
    sent_at_ingest = counts.sent()

    # --- replies: first to last accepted by the MTA
    # (the window starts when this loop sees the first sent row, so the rows already sent by
    # then are not counted in it)
    first = wait_until(lambda: counts.sent() or None, 120, 0.002)
    t_first = time.monotonic()
    wait_until(lambda: counts.sent() >= N or None, 600, 0.01)
    t_all = time.monotonic()
    counts.close()
    sent = db_count(bot.database, "SELECT count(*) FROM outbox WHERE status='sent'")
    size = db_count(bot.database, "SELECT avg(length(payload)) FROM outbox") or 2000
    rate = (sent - first) / (t_all - t_first) if first and sent > first else 0.0
    out("bench.mail.replies_per_s", rate)
    # replies sent while the bot still read and handled mail share the 2 cores with that work
    print("# replies: first accepted %.2f s after start, %d of %d already sent when ingest ended "
          "(%.2f s); all sent %.2f s after start" % (t_first - t0, sent_at_ingest, N, t_ingest, t_all - t0),
          flush=True)
    time.sleep(0.5)
    for line in re.findall(r"outbox: \d+ mails sent.*", bot.log()):
        print("# bot " + line.strip(), flush=True)   # the sender's account: SMTP, database, waiting

    # --- bare SMTP client, same count, same size, same recipients, one connection
    body = ("x" * 68 + "\r\n") * max(1, int(size) // 70)
    t0 = time.monotonic()
    with smtplib.SMTP(lib.HOST, lib.SMTP_PORT, timeout=60) as s:
        for i in range(N):
            rcpt = senders[i]
            data = ("From: bare@%s\r\nTo: %s\r\nSubject: bare %d\r\nMessage-ID: <bare%d.%s@%s>\r\n\r\n%s" %
                    (lib.DOMAIN, rcpt, i, i, lib.RUN_ID, lib.DOMAIN, body)).encode()
            s.sendmail("bare@" + lib.DOMAIN, [rcpt], data)
    bare = N / (time.monotonic() - t0)
    out("bench.mail.bare_smtp_per_s", bare)
    out("bench.mail.replies_vs_bare", rate / bare if bare else 0.0, "%.2f")

    # --- the same bare client with the bot's own mails (same envelopes and bytes): the MTA's
    # work per mail (DKIM/DMARC filter, delivery) is then the same on both sides, so the ratio
    # is the bot's sender alone
    same = resend_outbox(bot.database, "transport = 'mail'")
    out("bench.mail.bare_same_mails_per_s", same)
    out("bench.mail.replies_vs_bare_same", rate / same if same else 0.0, "%.2f")

    # --- IDLE floor: SMTP submission -> EXISTS for a bare client
    person = "floor@%s" % lib.DOMAIN
    lib.send(person, person, "warm-up", "x")
    time.sleep(1.0)
    idle = Idle(person)
    floor = []
    for i in range(LAT_N // 2):
        idle.start()
        t0 = time.monotonic()
        lib.send("someone@" + lib.DOMAIN, person, "floor %d" % i, "x")
        idle.wait_exists()
        floor.append((time.monotonic() - t0) * 1000)
        idle.done()
    out("bench.mail.idle_floor_ms", statistics.median(floor))

    # --- latency through the bot: submission -> reply in the person's INBOX
    person = "lat@%s" % lib.DOMAIN
    lib.send(bot.address, person, "warm-up", "x")   # creates the mailbox
    time.sleep(1.0)
    idle = Idle(person)
    lat = []
    for i in range(LAT_N):
        idle.start()
        t0 = time.monotonic()
        lib.send(person, bot.address, "help", "help")
        idle.wait_exists()
        lat.append((time.monotonic() - t0) * 1000)
        idle.done()
    lat.sort()
    out("bench.mail.latency_p50_ms", statistics.median(lat))
    out("bench.mail.latency_p99_ms", lat[min(len(lat) - 1, int(len(lat) * 0.99))])
    out("bench.mail.latency_target_ms", 2 * statistics.median(floor) + 200)
    out("bench.mail.rss_kb", rss_peak(pid), "%d")
    bot.stop()


if __name__ == "__main__":
    main()
