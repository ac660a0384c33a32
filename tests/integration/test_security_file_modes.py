"""Files are nobody else's business (security finding 5).

A password file that everyone may read is refused at start with its mode and
the remedy; at 0600 the bot runs.  After a run (mail answered, an event and
its answers), the database with its WAL and shared-memory files, the CSV
export, the iCalendar feed and the report are readable by their owner only -
the bot sets umask 077 itself, whatever the caller's umask.  (The daemon
writes no log file of its own: it logs to stderr or syslog, whose files
belong to whoever keeps them.)
"""
import os
import stat
import subprocess

import event_lib as E
import lib
from lib import ask, timeout


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@timeout(150)
def test_secret_files_checked_and_everything_written_is_private():
    staff = lib.addr("koord")
    bot = E.event_bot([staff], start=False)
    pw = os.path.join(bot.dir, "imap.pass")
    with open(pw, "w") as f:
        f.write(lib.PASSWORD + "\n")
    os.chmod(pw, 0o644)
    bot.configure({"imap": {"password": None, "password_file": pw}})
    p = subprocess.run([lib.mentorbot_path(), "run", "-c", bot.config_path], cwd=lib.REPO, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    lib.ensure(p.returncode != 0 and "open to everyone (mode 0644); chmod 600 it" in p.stdout,
               "a password file open to everyone was accepted: exit %d, %r" % (p.returncode, p.stdout[-400:]))
    lib.ensure(not os.path.exists(bot.database), "the refused start created the database")

    os.chmod(pw, 0o600)
    old = os.umask(0o022)   # what a shell usually has: the bot must not depend on it
    try:
        bot.start()
        E.wait_ready(bot)
        who = E.make_members(bot, ["fm1"])[0]
        ask(bot, who, "help", key="help")
        eid = E.event_add(bot, "Private party", "2030-12-10", "18:00", "20:00", audience="mentoring", public="yes")
        E.event_send(bot, eid)
        export = os.path.join(bot.dir, "attendees.csv")
        E.cli(bot, "export", "attendees", eid, "--csv", "--out", export)
        feed = os.path.join(bot.dir, "feed.ics")
        E.cli(bot, "feed", "--out", feed)
    finally:
        os.umask(old)
    files = [bot.database, bot.database + "-wal", bot.database + "-shm", export, feed]
    bad = ["%s %04o" % (f, mode(f)) for f in files if os.path.exists(f) and mode(f) & 0o077]
    lib.ensure(not bad, "open to group or others: %s" % ", ".join(bad))
    lib.ensure(all(os.path.exists(f) for f in (bot.database, export, feed)), "a file was not written")
