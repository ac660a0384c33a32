"""mentorbot status, backup and the metrics file against the real bot.

status: OK (exit 0) with every server up; WARNING (exit 1) naming mail while
Dovecot is stopped, OK again once it is back; CRITICAL (exit 2) when the bot
does not run; --json parses.  The metrics file ([bot] metrics_file) is
Prometheus text and is rewritten.  backup: taken during a burst of 1,000 mail
commands, the copy passes PRAGMA integrity_check, has mode 0600 and holds
every command the bot had committed when the backup started."""
import json
import os
import re
import sqlite3
import stat
import subprocess
import time

from lib import (Bot, TestFailure, addr, check_bots_alive, dovecot_start, dovecot_stop, make_mail,
                 mentorbot_path, note_cli_log, timeout, write_maildir)


def cli(bot, *args):
    p = subprocess.run([mentorbot_path()] + list(args[:1]) + ["-c", bot.config_path] + list(args[1:]),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    note_cli_log(bot, p.stderr.decode())
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def wait_status(bot, code, what, seconds=90):
    """Poll `mentorbot status --json` until it exits with code; returns the JSON."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if bot.proc is not None:
            check_bots_alive()
        rc, out, err = cli(bot, "status", "--json")
        last = (rc, out, err)
        if rc == code:
            return json.loads(out)
        time.sleep(0.5)
    raise TestFailure("status never exited %d (%s) in %d s; last: %r" % (code, what, seconds, last))


METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"'
                       r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')


def parse_prometheus(text):
    """{(name, labels): value} of Prometheus text exposition format; raises on a bad line,
    a sample without its # TYPE first, or a missing final newline."""
    assert text.endswith("\n"), "no final newline"
    typed, samples = set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("gauge", "counter", "untyped", "summary", "histogram"), line
            typed.add(name)
            continue
        m = METRIC_RE.match(line)
        assert m, "not a sample: %r" % line
        assert m.group(1) in typed, "no # TYPE before %r" % line
        samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return samples


def read(path):
    with open(path) as f:
        return f.read()


@timeout(300)
def test_status_follows_imap_outage_and_metrics_file():
    bot = Bot(start=False)
    metrics = os.path.join(bot.dir, "metrics.prom")
    bot.configure({"bot": {"metrics_file": metrics}})
    bot.start()
    j = wait_status(bot, 0, "OK with every server up")
    assert j["level"] == "OK" and j["daemon"]["running"] and j["transports"]["mail"]["connected"] is True, j
    assert j["database"]["ok"] and j["database"]["bytes"] > 0, j
    rc, out, _ = cli(bot, "status")
    assert rc == 0 and out.startswith("MENTORBOT OK - "), out
    # the status file the daemon publishes beside the database
    sf = json.loads(read(bot.database + ".status"))
    assert sf["pid"] == bot.proc.pid and sf["transports"]["mail"]["connected"] == 1, sf
    # the metrics file: written at the start
    samples = parse_prometheus(read(metrics))
    assert samples[("mentorbot_up", "")] == 1
    first_mtime = os.stat(metrics).st_mtime_ns
    dovecot_stop()
    try:
        j = wait_status(bot, 1, "WARNING while Dovecot is down")
        assert j["level"] == "WARNING", j
        assert any(r["code"] == "transport_disconnected" and r["transport"] == "mail" for r in j["reasons"]), j
        assert j["transports"]["mail"]["connected"] is False and j["transports"]["mail"]["last_error"], j
        rc, out, _ = cli(bot, "status")
        assert rc == 1 and out.startswith("MENTORBOT WARNING - mail is not connected"), out
    finally:
        dovecot_start()
    j = wait_status(bot, 0, "OK after Dovecot is back", seconds=200)
    assert j["transports"]["mail"]["connected"] is True, j
    # the metrics file is rewritten every minute
    deadline = time.monotonic() + 100
    while os.stat(metrics).st_mtime_ns == first_mtime:
        check_bots_alive()
        if time.monotonic() > deadline:
            raise TestFailure("the metrics file was not rewritten in 100 s")
        time.sleep(1)
    time.sleep(0.2)
    samples = parse_prometheus(read(metrics))
    for name in ("mentorbot_outbox_pending", "mentorbot_outbox_oldest_age_seconds", "mentorbot_journal_pending",
                 "mentorbot_quarantine_total", "mentorbot_scheduler_lag_seconds", "mentorbot_database_bytes"):
        assert (name, "") in samples, name
    assert ('mentorbot_transport_last_success_timestamp_seconds', '{transport="mail"}') in samples, samples
    assert os.stat(metrics).st_mode & 0o777 == 0o644
    bot.stop()
    # the bot does not run: CRITICAL, and the metrics say so
    rc, out, _ = cli(bot, "status")
    assert rc == 2 and out.startswith("MENTORBOT CRITICAL - "), out
    j = wait_status(bot, 2, "CRITICAL without the bot", seconds=10)
    assert any(r["code"] == "daemon_not_running" for r in j["reasons"]), j
    assert not os.path.exists(bot.database + ".status")
    assert parse_prometheus(read(metrics))[("mentorbot_up", "")] == 0


N = 1000


def snapshot(db):
    """The journal rows the bot finished and the outbox rows it queued, as committed now."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        done = dict(c.execute("SELECT id, status FROM inbound WHERE status != 'new'").fetchall())
        out = {r[0] for r in c.execute("SELECT id FROM outbox").fetchall()}
        total = c.execute("SELECT count(*) FROM inbound").fetchone()[0]
    finally:
        c.close()
    return done, out, total


@timeout(420)
def test_backup_during_a_burst_holds_every_committed_command():
    bot = Bot(config={"bot": {"unknown_reply_limit": "5000"}}, start=False)
    senders = [addr("b%04d" % i) for i in range(N)]
    write_maildir(bot.address, [make_mail(s, bot.address, "help", "") for s in senders])
    bot.start()
    deadline = time.monotonic() + 180
    while True:
        check_bots_alive()
        try:
            done, _, _ = snapshot(bot.database)
        except sqlite3.OperationalError:
            done = {}
        if len(done) >= 20:
            break
        if time.monotonic() > deadline:
            raise TestFailure("fewer than 20 of %d commands handled after 180 s" % N)
        time.sleep(0.05)
    out_path = os.path.join(bot.dir, "backup.db")
    done, queued, _ = snapshot(bot.database)    # committed before the backup starts
    rc, out, err = cli(bot, "backup", out_path)
    after_done, _, _ = snapshot(bot.database)
    print("    %d commands committed before the backup, %d after it" % (len(done), len(after_done)), flush=True)
    assert rc == 0, (rc, out, err)
    assert re.search(r"\d+ pages, \d+ bytes, integrity ok", out), out
    assert len(done) < N, "the burst was over before the backup started"
    assert stat.S_IMODE(os.stat(out_path).st_mode) == 0o600
    c = sqlite3.connect("file:%s?mode=ro" % out_path, uri=True)
    try:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        copy = dict(c.execute("SELECT id, status FROM inbound").fetchall())
        copy_out = {r[0] for r in c.execute("SELECT id FROM outbox").fetchall()}
    finally:
        c.close()
    missing = [i for i, s in done.items() if copy.get(i) != s]
    assert not missing, "%d committed commands not in the backup (e.g. %r)" % (len(missing), missing[:5])
    assert queued <= copy_out, "%d queued answers not in the backup" % len(queued - copy_out)
    assert not os.path.exists(out_path + "-wal"), "the copy is not self-contained"
    # an existing file is kept unless --force
    rc, _, err = cli(bot, "backup", out_path)
    assert rc == 1 and "--force" in err, err
    rc, out, _ = cli(bot, "backup", "--force", out_path)
    assert rc == 0 and "integrity ok" in out, out
    # the live database itself is never the target
    rc, _, err = cli(bot, "backup", "--force", bot.database)
    assert rc == 1, err
    leftovers = [f for f in os.listdir(bot.dir) if ".tmp-" in f]
    assert not leftovers, leftovers
    check_bots_alive()
