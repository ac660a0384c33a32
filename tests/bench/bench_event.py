"""bench_event.py - the events/RSVP figures (issue 5).

Prints `name: value` lines, every comparison measured in the same run against the
same private Dovecot + OpenSMTPD:

  bench.event.invite_1000_s     a staff mail "announce <id> send" for an event whose
                                audience has 1,000 members ([bot] announce_rate = 0: no
                                pacing), submitted to the running bot: seconds until all
                                1,000 personal invitations (text + text/calendar REQUEST)
                                are accepted by the MTA
  bench.event.invite_per_s      1,000 / that
  bench.mail.bare_smtp_per_s    a plain SMTP client submitting 1,000 mails of the same
                                size to the same recipients over one connection
  bench.event.invite_vs_bare    their ratio (target >= 0.8)
  bench.event.invite_stream_per_s  first to last invitation accepted (without the time the
                                bot needs to see the staff mail and queue the 1,000 mails)
  bench.event.invite_stream_vs_bare  that / the bare rate
  bench.event.bare_same_mails_per_s  the bare client submitting the invitations' own
                                envelopes and bytes (the MTA does the same work per mail)
  bench.event.invite_vs_bare_same  invite_per_s / that
  bench.event.invite_cli_1000_s the same for a second event sent with `mentorbot event send`
                                (another process: the daemon's outbox notices the queued
                                rows by polling)
  bench.event.invite_cli_vs_bare  its rate / the bare rate
  bench.event.rsvp_per_s        1,000 answers to that event (half text replies quoting
                                the invitation, half iTIP REPLYs in Exchange, Thunderbird
                                and Apple shapes) already in the bot's Maildir, bot
                                started: committed answers (rsvp rows) per second
  bench.event.rsvp_target       1000

The 1,000 members are written into the database before the bot starts (the same
rows `join` + confirm makes: person, verified mail endpoint, consent, membership);
BENCH_EVENT_N changes the count, BENCH_EVENT_RSVP_MIX=text|itip sends only one kind of answer,
BENCH_EVENT_ITIP_STYLES=exchange,apple,... picks the calendar clients imitated (diagnosis).
"""
import os
import re
import smtplib
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import lib  # noqa: E402
import event_lib as E  # noqa: E402
sys.path.insert(0, HERE)
import bench_mail  # noqa: E402  (resend_outbox)

N = int(os.environ.get("BENCH_EVENT_N", "1000"))
MIX = os.environ.get("BENCH_EVENT_RSVP_MIX", "mixed")    # or "text" / "itip" (diagnosis)


def out(name, value, fmt="%.1f"):
    print(("%s: " + fmt) % (name, value), flush=True)


def db_count(path, sql, args=()):
    for _ in range(100):
        try:
            c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
            try:
                return c.execute(sql, args).fetchone()[0]
            finally:
                c.close()
        except sqlite3.OperationalError:
            time.sleep(0.01)
    return 0


class Progress:
    """How many of one event's invitations the MTA has taken, polled every few ms while the
    bot sends: one read-only connection, and two counts that read only index pages (the
    event's rows by their Message-ID, "ev<id>.<person>.<seq>…", and the pending ones among
    them).  Counting status = 'sent' itself reads every row's payload (status comes after
    it): 2,000 rows of 5 KB, about 6 ms of CPU each time, which took most of a core from the
    bot and the MTA on this 2-core machine during the measurement."""

    def __init__(self, path, eid):
        self.path, self.lo, self.hi = path, "ev%d." % eid, "ev%d/" % eid
        self.c = None

    def sent(self):
        for _ in range(100):
            try:
                if self.c is None:
                    self.c = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=5)
                q, lo, hi = self.c.execute("SELECT count(*), min(id), max(id) FROM outbox"
                                           " WHERE message_id >= ? AND message_id < ?", (self.lo, self.hi)).fetchone()
                if not q:
                    return 0
                pending = self.c.execute("SELECT count(*) FROM outbox WHERE transport = 'mail' AND status = 'pending'"
                                         " AND id BETWEEN ? AND ?", (lo, hi)).fetchone()[0]
                return q - pending
            except sqlite3.OperationalError:
                if self.c is not None:
                    self.c.close()
                    self.c = None
                time.sleep(0.01)
        return 0

    def close(self):
        if self.c is not None:
            self.c.close()


def outbox_lines(bot, seen, timeout=5.0):
    """The sender's own account of each run of sends logged since the last call (where its time
    went: SMTP, database, waiting; connections), as '#' lines beside the figures."""
    end = time.monotonic() + timeout
    while True:
        lines = re.findall(r"outbox: \d+ mails sent.*", bot.log())
        if len(lines) > seen[0] or time.monotonic() > end:
            break
        time.sleep(0.1)
    for line in lines[seen[0]:]:
        print("# bot " + line.strip(), flush=True)
    seen[0] = len(lines)


def wait_until(pred, timeout, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def mta_idle(timeout=180):
    """Wait until OpenSMTPD's queue is empty: deliveries left over from an earlier run
    (thousands of LMTP deliveries) would otherwise slow the measurement down."""
    def empty():
        try:
            p = subprocess.run(["smtpctl", "show", "queue"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return True          # no smtpctl here: nothing to wait for
        return p.returncode != 0 or not p.stdout.strip()
    t0 = time.monotonic()
    if not wait_until(empty, timeout, 0.5):
        print("# the MTA queue did not drain within %d s; figures may be low" % timeout, flush=True)
    elif time.monotonic() - t0 > 1:
        print("# waited %.0f s for the MTA queue to drain" % (time.monotonic() - t0), flush=True)


def seed_members(bot, addrs, programme="mentoring"):
    """The rows of N confirmed joins (mentees of `programme`), written in one transaction."""
    E.cli(bot, "group", "list")          # creates and migrates the database
    now = int(time.time())
    c = sqlite3.connect(bot.database, timeout=30)
    try:
        with c:
            for a in addrs:
                cur = c.execute("INSERT INTO person(lang, name, consent_version, consent_at, created) "
                                "VALUES ('en', NULL, '2026-11-1', ?, ?)", (now, now))
                pid = cur.lastrowid
                c.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'mail', ?, 1, ?)",
                          (pid, a, now))
                c.execute("INSERT INTO membership(person_id, programme, role, status, since) "
                          "VALUES (?, ?, 'mentee', 'active', ?)", (pid, programme, now))
    finally:
        c.close()


def main():
    lib.start_servers()
    # every mail through the MTA also passes its DKIM/DMARC filter: say so beside the figures
    print("# MTA: OpenSMTPD %s" % ("with the DKIM/DMARC filter authres" if lib.mta_filtered()
                                   else "WITHOUT the DKIM/DMARC filter (MB_AUTHRES=0)"), flush=True)
    lib.begin_test("bench", "bench_event")
    try:
        run()
    finally:
        for p in lib.end_test():
            print("# " + p)
        lib.stop_servers(remove=True)


def run():
    staff = "staff-bench-%s@%s" % (lib.RUN_ID, lib.DOMAIN)
    bot = E.event_bot([staff], bot_extra={"reply_limit": "100000", "flood_rate": "100000",
                                          "flood_burst": "100000"}, start=False, name="bench-event")
    addrs = ["ev%04d-%s@%s" % (i, lib.RUN_ID, lib.DOMAIN) for i in range(N)]
    seed_members(bot, addrs)
    seed_members(bot, [staff], programme="alumni")
    for a in addrs + [staff]:            # every mailbox exists before any measurement
        lib.write_maildir(a, [])
    mta_idle()
    title = "Benchmark-Abend %s" % lib.RUN_ID
    eid = E.event_add(bot, title, "2026-12-17", "18:00", "20:00", audience="mentoring", place="Aula",
                      capacity=0)
    eid2 = E.event_add(bot, "Zweiter Abend %s" % lib.RUN_ID, "2026-12-18", "18:00", "20:00",
                       audience="mentoring", place="Aula", capacity=0)
    bot.start()
    bot.wait_log(r"event=connected transport=imap", timeout=30)
    time.sleep(1.0)
    pid = bot.proc.pid

    seen = [0]

    def measure(eid_, trigger, what):
        """trigger() starts the sending; -> (seconds until N sent, seconds until the first, sent)."""
        sql = "SELECT count(*) FROM outbox WHERE status = 'sent' AND message_id LIKE ?"
        like = "%%ev%d.%%" % eid_
        prog = Progress(bot.database, eid_)
        t0 = time.monotonic()
        trigger()
        wait_until(lambda: prog.sent() > 0 or None, 120, 0.002)
        t_first = time.monotonic() - t0
        done = wait_until(lambda: prog.sent() >= N or None, 900, 0.005)
        t_all = time.monotonic() - t0
        prog.close()
        sent = db_count(bot.database, sql, (like,))   # exactly, once: failed rows are not sent
        if not done:
            print("# %s: only %d of %d invitations sent after %.0f s" % (what, sent, N, t_all))
        stream = (sent - 1) / max(1e-6, t_all - t_first)
        print("# %s: first invitation accepted by the MTA after %.2f s; first to last %.1f/s" % (
            what, t_first, stream), flush=True)
        outbox_lines(bot, seen)
        return t_all, stream, sent

    def settle(k):
        """The MTA delivers in the background: let it finish before the next measurement."""
        wait_until(lambda: all(lib.maildir_count(a) >= k for a in addrs) or None, 300, 0.2)

    # --- invitations, the daemon's path: a staff mail "announce <id> send" -> all N accepted by the MTA
    def by_mail():
        lib.send(staff, bot.address, "announce %d send" % eid, "")
    t_inv, stream, sent = measure(eid, by_mail, "staff mail 'announce %d send'" % eid)
    settle(1)
    out("bench.event.invite_1000_s" if N == 1000 else "bench.event.invite_%d_s" % N, t_inv, "%.2f")
    inv_rate = sent / t_inv if t_inv else 0.0
    out("bench.event.invite_per_s", inv_rate)
    like = "%%ev%d.%%" % eid
    size = db_count(bot.database, "SELECT avg(length(payload)) FROM outbox WHERE message_id LIKE ?", (like,)) or 3000

    # --- bare SMTP client: N mails of the same size to the same recipients, one connection
    body = ("x" * 68 + "\r\n") * max(1, int(size) // 70)
    # the MTA's filter costs per line: say how the two kinds of mail compare
    lines = db_count(bot.database, "SELECT avg(length(payload) - length(replace(payload, x'0a', ''))) FROM outbox"
                     " WHERE message_id LIKE ?", (like,)) or 0
    print("# mails of %d bytes: the bot's have %.0f lines, the bare client's %d" % (int(size), lines, 5 + int(size) // 70),
          flush=True)
    t0 = time.monotonic()
    with smtplib.SMTP(lib.HOST, lib.SMTP_PORT, timeout=60) as s:
        for i, rcpt in enumerate(addrs):
            data = ("From: bare@%s\r\nTo: %s\r\nSubject: bare %d\r\nMessage-ID: <bare-ev%d.%s@%s>\r\n\r\n%s" %
                    (lib.DOMAIN, rcpt, i, i, lib.RUN_ID, lib.DOMAIN, body)).encode()
            s.sendmail("bare@" + lib.DOMAIN, [rcpt], data)
    bare = N / (time.monotonic() - t0)
    out("bench.mail.bare_smtp_per_s", bare)
    out("bench.event.invite_vs_bare", inv_rate / bare if bare else 0.0, "%.2f")
    out("bench.event.invite_stream_per_s", stream)
    out("bench.event.invite_stream_vs_bare", stream / bare if bare else 0.0, "%.2f")
    settle(2)
    # the bare client with the invitations' own envelopes and bytes: the MTA's work is then the
    # same on both sides
    same = bench_mail.resend_outbox(bot.database, "message_id LIKE ?", (like,))
    settle(3)
    out("bench.event.bare_same_mails_per_s", same)
    out("bench.event.invite_vs_bare_same", inv_rate / same if same else 0.0, "%.2f")

    # --- the same from the command line (`mentorbot event send`, a second process)
    def by_cli():
        p = subprocess.run([lib.mentorbot_path(), "event", "-c", bot.config_path, "send", str(eid2)], cwd=lib.REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        if p.returncode != 0:
            print("# event send failed (%d): %s %s" % (p.returncode, p.stdout[-300:], p.stderr[-300:]))
    t_cli, _, sent2 = measure(eid2, by_cli, "`mentorbot event send %d`" % eid2)
    out("bench.event.invite_cli_1000_s" if N == 1000 else "bench.event.invite_cli_%d_s" % N, t_cli, "%.2f")
    out("bench.event.invite_cli_vs_bare", (sent2 / t_cli) / bare if bare and t_cli else 0.0, "%.2f")
    settle(4)

    # --- RSVPs: N answers waiting in the Maildir, bot started: until all are committed
    first = E.md_wait(addrs[0], lambda m: m.key == "event.invite" and (m.message_id or "").startswith("<ev%d." % eid),
                      timeout=60, what="invitation")[0]
    ev = E.parse_ical(first.raw)
    # each person's invitation (its keyed Message-ID) and the ORGANIZER of it (their keyed
    # plus-address of the bot), where their calendar sends its REPLY
    invite_id = dict((a, "<%s>" % mid) for a, mid in
                     E.db_query(bot, "SELECT lower(address), msgid FROM invitation WHERE event_id = ?", (eid,)))
    key = E.install_key(bot)
    dom = bot.address.split("@")[1]
    bot.stop()
    # the WAL checkpointer's account of the two sending runs (it ran beside the sender: its
    # copies and fsyncs share the disk with the MTA's queue fsyncs)
    for line in re.findall(r"database: \d+ checkpoints off the command path.*", bot.log()):
        print("# bot " + line.strip(), flush=True)
    raws = []
    styles = os.environ.get("BENCH_EVENT_ITIP_STYLES", "exchange,thunderbird,apple").split(",")
    words = ["yes", "ja, ich komme", "nein", "no, sorry", "vielleicht", "maybe"]
    partstats = ["ACCEPTED", "DECLINED", "TENTATIVE"]
    for i, a in enumerate(addrs):
        if MIX == "text" or MIX == "mixed" and i % 2 == 0:
            inv_id = invite_id[a.lower()]

            class Inv:   # the parts of the invitation text_reply() needs, without reading 1,000 mailboxes
                text = first.text
                subject = first.subject
                message_id = inv_id
                references = []

                @staticmethod
                def header(name, _h={"From": first.header("From"), "Date": first.header("Date"),
                                     "Reply-To": first.header("Reply-To")}):
                    return _h.get(name)
            raws.append(E.text_reply(Inv, a, words[(i // 2) % len(words)], ["gt", "outlook_de", "gmail"][i % 3],
                                     to=bot.address))
        else:
            organizer = "%s+ev%d.%s@%s" % (bot.address.split("@")[0], eid,
                                           E.keyed_tag(key, "plus:ev%d" % eid, a.lower()), dom)
            raws.append(E.itip_reply(styles[(i // 2) % len(styles)], a, organizer, ev["uid"], ev["sequence"],
                                     partstats[(i // 2) % 3], summary=title, dtstart=ev["dtstart"],
                                     dtend=ev["dtend"]))
    lib.write_maildir(bot.address, raws)
    rsvp_sql = "SELECT count(*) FROM rsvp WHERE event_id = ?"
    t0 = time.monotonic()
    bot.start()
    done = wait_until(lambda: db_count(bot.database, rsvp_sql, (eid,)) >= N or None, 600, 0.005)
    t_rsvp = time.monotonic() - t0
    got = db_count(bot.database, rsvp_sql, (eid,))
    if not done:
        print("# only %d of %d answers committed after %.0f s" % (got, N, t_rsvp))
    by = E.db_query(bot, "SELECT via, answer, count(*) FROM rsvp WHERE event_id = ? GROUP BY via, answer", (eid,))
    print("# answers by channel: %s" % ", ".join("%s/%s=%d" % r for r in by))
    out("bench.event.rsvp_per_s", got / t_rsvp if t_rsvp else 0.0)
    out("bench.event.rsvp_target", 1000, "%d")
    out("bench.event.rss_kb", rss_peak(bot.proc.pid) if bot.proc else 0, "%d")
    bot.stop()
    _ = pid


def rss_peak(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    main()
