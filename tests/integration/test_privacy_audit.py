"""The staff audit log on the real servers (issue 12, point 7).

Staff act by DKIM-signed mail (the test MTA stamps the pass) and from the
command line; every action leaves exactly one audit row naming who (the staff
address, or "cli:<user>"), the channel and what: approve, reject, programme
add/set, announce create/send/change/cancel, attended, match publish, group
set/del, post.  A staff mail whose handling crashes the daemon is handled
again after the restart, and its action is audited once.  `mentorbot audit`
lists the rows (text, --json, --since) and shows a row an erasure redacted as
"(erased)".
"""
import datetime
import getpass
import json
import sqlite3
import time

import event_lib as E
import lib
from lib import Mailbox, send

CRASH = "crashdemo-q7x"


def audit(bot, action, subject=None):
    sql = "SELECT actor, channel, subject FROM audit WHERE action = ?"
    args = [action]
    if subject is not None:
        sql += " AND subject = ?"
        args.append(str(subject))
    return E.db_query(bot, sql, tuple(args))


def seed_applications(bot, people):
    now = int(time.time())
    db = sqlite3.connect(bot.database)
    ids = []
    for a in people:
        pid = db.execute("INSERT INTO person(lang, created) VALUES ('en', ?)", (now,)).lastrowid
        db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'mail', ?, 1, ?)",
                   (pid, a, now))
        db.execute("INSERT INTO membership(person_id, programme, role, status, since)"
                   " VALUES (?, 'mentoring', 'mentee', 'pending', ?)", (pid, now))
        ids.append(db.execute("INSERT INTO application(person_id, programme, role, status, created, completed)"
                              " VALUES (?, 'mentoring', 'mentee', 'pending', ?, ?)", (pid, now, now)).lastrowid)
    db.commit()
    db.close()
    return ids


def staff_ask(bot, staff, subject, body="", key=None):
    mid = send(staff, bot.address, subject, body)
    r = Mailbox(staff).exactly_one_reply(mid)
    lib.ensure(key is None or r.key == key, "%r: reply %r, expected %s: %r" % (subject, r.key, key, r.text[:400]))
    return r


def _wait_exit(bot, seconds=30):
    deadline = time.monotonic() + seconds
    while bot.proc is not None and bot.proc.poll() is None:
        lib.ensure(time.monotonic() < deadline, "the bot did not crash on the poisoned staff mail")
        time.sleep(0.05)
    bot.proc = None


@lib.timeout(300)
def test_every_staff_action_is_audited_once_with_its_channel():
    staff = lib.addr("koord")
    bot = E.event_bot([staff], start=False)
    E.cli(bot, "programme", "list")  # creates the database
    apps = seed_applications(bot, [lib.addr("app1"), lib.addr("app2")])
    bot.start()
    bot.wait_log(r"event=connected transport=imap")
    members = E.make_members(bot, ["m1", "m2"], "mentoring")
    cli_actor = "cli:" + getpass.getuser()

    # by mail
    staff_ask(bot, staff, "approve %d" % apps[0], key="apply.staff.approved")
    staff_ask(bot, staff, "reject %d not this term" % apps[1], key="apply.staff.rejected")
    staff_ask(bot, staff, "programme add demo Demo programme", key="programme.added")
    staff_ask(bot, staff, "programme set demo policy approve", key="programme.added")
    staff_ask(bot, staff, "match mentoring publish", key="match.published")
    # from the command line, then by mail
    date = (datetime.date.today() + datetime.timedelta(days=9)).isoformat()
    eid = E.event_add(bot, "Audit evening %s" % lib.RUN_ID, date, "18:00", "20:00", audience="mentoring")
    E.event_send(bot, eid)
    for m in members:
        E.md_wait(m, lambda x: x.key == "event.invite", what="invitation")
    staff_ask(bot, staff, "announce %d" % eid, "Place: Room 3\n", key="event.changed")
    staff_ask(bot, staff, "attended %d all" % eid, key="event.attended")
    staff_ask(bot, staff, "announce %d cancel" % eid, key="event.cancelled_by_staff")
    E.cli(bot, "group", "set", "team", members[0])
    E.cli(bot, "post", "team", "Hello team")
    E.cli(bot, "group", "del", "team")
    E.cli(bot, "programme", "set", "mentoring", "--consent", "2027-01-1")

    want = [("approve", str(apps[0]), staff, "mail"), ("reject", str(apps[1]), staff, "mail"),
            ("programme.add", "demo", staff, "mail"), ("programme.set", "demo", staff, "mail"),
            ("match.publish", "mentoring", staff, "mail"),
            ("announce.create", "%d" % eid, cli_actor, "cli"), ("announce.send", "%d" % eid, cli_actor, "cli"),
            ("announce.change", "%d" % eid, staff, "mail"), ("attended", "%d" % eid, staff, "mail"),
            ("announce.cancel", "%d" % eid, staff, "mail"), ("group.set", "team", cli_actor, "cli"),
            ("post", "team", cli_actor, "cli"), ("group.del", "team", cli_actor, "cli"),
            ("programme.set", "mentoring", cli_actor, "cli")]
    problems = []
    for action, subject, actor, channel in want:
        got = audit(bot, action, subject)
        if got != [(actor, channel, subject)]:
            problems.append("%s %s: %r, expected once by %s over %s" % (action, subject, got, actor, channel))
    lib.ensure(not problems, "; ".join(problems))

    # a staff mail whose handling crashes the daemon: handled again after the restart, audited once
    bot.stop()
    bot.env = {"MENTORBOT_TEST_CRASH": CRASH}
    bot.exit_ok = True
    bot.start()
    mid = send(staff, bot.address, "programme add %s Crash demo" % CRASH, "")
    _wait_exit(bot)
    lib.ensure(audit(bot, "programme.add", CRASH) == [], "a crashed action left an audit row")
    bot.env = {}
    bot.exit_ok = False
    bot.start()
    r = Mailbox(staff).exactly_one_reply(mid)
    lib.ensure(r.key == "programme.added", "after the restart: %r" % r.key)
    time.sleep(2)
    lib.ensure(audit(bot, "programme.add", CRASH) == [(staff, "mail", CRASH)],
               "replayed action: %r" % audit(bot, "programme.add", CRASH))

    # mentorbot audit: text, JSON, --since, and a redacted row
    out = E.cli(bot, "audit")
    lib.ensure("approve %d" % apps[0] in out and staff in out and cli_actor in out and "group.del team" in out,
               "audit output: %r" % out[:2000])
    rows = json.loads(E.cli(bot, "audit", "--json"))
    lib.ensure(len(rows) == len(want) + 1 and all(r["channel"] in ("mail", "cli") for r in rows),
               "audit --json: %r" % rows)
    lib.ensure("has no entries" in E.cli(bot, "audit", "--since", "2999-01-01"), "--since in the future")
    E.cli(bot, "audit", "--since", "yesterday", expect=2)
    bot.stop()
    db = sqlite3.connect(bot.database)
    # what the erasure does to the rows of an erased person (the approved applicant)
    db.execute("UPDATE audit SET actor = NULL, actor_id = NULL, person_id = NULL, detail = NULL"
               " WHERE action = 'approve'")
    lib.ensure(db.execute("SELECT count(*) FROM audit WHERE action = 'approve'").fetchone()[0] == 1, "fact kept")
    try:
        db.execute("DELETE FROM audit")
        lib.ensure(False, "an audit row was deleted")
    except sqlite3.DatabaseError:
        pass
    db.commit()
    db.close()
    line = [l for l in E.cli(bot, "audit").splitlines() if " approve " in l]
    lib.ensure(len(line) == 1 and "(erased)" in line[0] and staff not in line[0], "redacted row: %r" % line)
    rows = json.loads(E.cli(bot, "audit", "--json"))
    red = [r for r in rows if r["action"] == "approve"]
    lib.ensure(red and red[0]["redacted"] is True and red[0]["actor"] is None, "redacted JSON row: %r" % red)
