"""`delete me` with the real servers (issue 12, point 3).

Erik (mentee, matched with Petra, a meeting held, a seat at a coming event
that Walter waits for, an XMPP account) asks by mail to be deleted, in English
(`delete me`, confirmed by replying "ok") and in German (`lösche mich`,
"ja"); the lasting records are written with sqlite3 before the bot starts.
Afterwards:
- every cell of every table of the bot's database (inbound.raw included) is
  free of his address, name, chat id and a body marker he sent; the final
  confirmation's outbox row too, once it went;
- Petra is told her partner left, without his name; Walter moves up;
- the figures of `mentorbot report` (applications, meetings, hours,
  attendance) are unchanged;
- a later mail from his address gets the stranger's answer.
Kill -9: the daemon dies inside the erasure's transaction (the crash point
MENTORBOT_TEST_CRASH="privacy.erase: erased") -- he is still wholly there --
and after a restart the erasure is done and answered once; then a plain
SIGKILL just after another erasure committed: the final confirmation goes
exactly once after the restart.
"""
import re
import sqlite3
import subprocess
import time

import lib

MARK = "BODYMARK-d3l7x"
CRASH = "privacy.erase: erased"


def cli(bot, *args):
    p = subprocess.run([lib.mentorbot_path(), args[0], "-c", bot.config_path] + list(args[1:]), capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    lib.ensure(p.returncode == 0, "mentorbot %s: %r" % (args[0], p.stderr[-300:]))
    return p.stdout


def seed(bot, people):
    """people: key -> (address, name, role, lang, chat id or None).  A match erik-petra with a
    meeting held, an application, a past event Erik attended, a coming event with one seat:
    Erik going, Walter waiting."""
    cli(bot, "programme", "list")   # creates the database
    now = int(time.time())
    db = sqlite3.connect(bot.database)
    ids = {}
    for key, (address, name, role, lang, jid) in people.items():
        pid = db.execute("INSERT INTO person(lang, created) VALUES (?, ?)", (lang, now - 86400)).lastrowid
        ids[key] = pid
        db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'mail', ?, 1, ?)",
                   (pid, address, now))
        if jid:
            db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'xmpp', ?, 1,"
                       " ?)", (pid, jid, now))
        db.execute("INSERT INTO membership(person_id, programme, role, status, since) VALUES (?, 'mentoring', ?,"
                   " 'active', ?)", (pid, role, now))
        db.execute("INSERT INTO profile(person_id, field, value, visible) VALUES (?, 'name', ?, 1)", (pid, name))
        db.execute("INSERT INTO consent(person_id, purpose, version, channel, action, at) VALUES (?, 'mentoring',"
                   " 'v1', 'mail', 'given', ?)", (pid, now))
    m = db.execute("INSERT INTO match(programme, mentee_id, mentor_id, status, created) VALUES ('mentoring', ?, ?,"
                   " 'active', ?)", (ids["erik"], ids["petra"], now)).lastrowid
    db.execute("INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, logged_minutes, note,"
               " created, updated) VALUES (?, ?, ?, 60, 'Cafe', 'done', ?, 90, 'about Erik', ?, ?)",
               (m, ids["erik"], now - 7200, "s-%s@x" % lib.RUN_ID, now, now))
    db.execute("INSERT INTO application(person_id, programme, role, status, form_sent, created) VALUES (?,"
               " 'mentoring', 'mentee', 'approved', ?, ?)", (ids["erik"], "form of " + MARK, now))
    past = db.execute("INSERT INTO event(uid, title, start, end, status, token, created, updated) VALUES (?, 'Past',"
                      " ?, ?, 'announced', ?, ?, ?)", ("p-%s@x" % lib.RUN_ID, now - 90000, now - 86400,
                                                       "tp" + lib.RUN_ID, now, now)).lastrowid
    db.execute("INSERT INTO rsvp(event_id, person_id, answer, status, comment, via, attended, updated) VALUES (?, ?,"
               " 'yes', 'going', ?, 'mail', 1, ?)", (past, ids["erik"], MARK, now))
    coming = db.execute("INSERT INTO event(uid, title, start, end, status, token, capacity, created, updated) VALUES"
                        " (?, 'Coming', ?, ?, 'announced', ?, 1, ?, ?)",
                        ("c-%s@x" % lib.RUN_ID, now + 86400, now + 90000, "tc" + lib.RUN_ID, now, now)).lastrowid
    db.execute("INSERT INTO rsvp(event_id, person_id, answer, status, via, updated) VALUES (?, ?, 'yes', 'going',"
               " 'mail', ?)", (coming, ids["erik"], now))
    db.execute("INSERT INTO rsvp(event_id, person_id, answer, status, via, queued, updated) VALUES (?, ?, 'yes',"
               " 'waiting', 'mail', 1, ?)", (coming, ids["walter"], now))
    db.commit()
    db.close()
    return ids, coming


def db_hits(bot, needles):
    """[(table, column, needle)] for every cell of every table holding a needle (text or BLOB)."""
    db = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10)
    hits = []
    try:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            cur = db.execute('SELECT * FROM "%s"' % table)
            cols = [d[0] for d in cur.description]
            for row in cur.fetchall():
                for col, v in zip(cols, row):
                    if isinstance(v, (bytes, bytearray)):
                        v = bytes(v).decode("utf-8", "replace")
                    if not isinstance(v, str):
                        continue
                    hits += [(table, col, n) for n in needles if n.lower() in v.lower()]
    finally:
        db.close()
    return hits


def db_value(bot, sql, args=()):
    db = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def figures(bot):
    """The lines of `mentorbot report` that must survive an erasure: applications, meetings,
    hours, attendance (the matched/mentee counts change: the match ended)."""
    out = cli(bot, "report")
    return [line for line in out.splitlines() if re.search(r"(?i)application|session|hour|attend", line)]


def answered_once(who, n_before, settle=lib.SETTLE):
    """The one mail that answers the confirmation (after n_before mails to who): the final one."""
    mb = lib.Mailbox(who)
    mb.wait_for(lambda m: True, count=n_before + 1, what="the answer to the confirmation")
    return mb.expect_no_more(lambda m: True, n_before + 1, settle, what="mails in all")[-1]


def confirm_by_reply(bot, who, subject, answer, lang):
    """Send subject; the confirmation asks for a reply; reply `answer`; returns how many mails
    who had then (the next one must be the final confirmation)."""
    confirm = lib.ask(bot, who, subject, "", key="privacy.delete.confirm", lang=lang)
    lib.ensure(lib.TOKEN_RE.search(confirm.text), "no token: %r" % confirm.text[:400])
    resubj = lib.expected_subject(confirm.subject)
    refs = " ".join(confirm.references + [confirm.message_id])
    n = len(lib.Mailbox(who).messages())
    lib.send(who, bot.address, resubj, "%s\n\n%s" % (answer, MARK),
             headers={"In-Reply-To": confirm.message_id, "References": refs})
    return n


def story(lang, subject, answer):
    bot = lib.Bot(config={"bot": {"reply_limit": "100"}}, start=False)
    erik, petra, walter = lib.addr("erik"), lib.addr("petra"), lib.addr("walter")
    jid = "erik-%s@localhost" % lib.RUN_ID
    people = {"erik": (erik, "Erik Eraserman", "mentee", lang, jid),
              "petra": (petra, "Petra Partner", "mentor", lang, None),
              "walter": (walter, "Walter Waiting", "mentee", "en", None)}
    ids, coming = seed(bot, people)
    before = figures(bot)
    bot.start()
    lib.ask(bot, erik, "whoami", "%s is in this body" % MARK, key="whoami", lang=lang)

    n = confirm_by_reply(bot, erik, subject, answer, lang)
    final = answered_once(erik, n)
    lib.ensure(final.key == "privacy.erased" and final.lang == lang, "final confirmation: %s" % final.describe())
    told = lib.Mailbox(petra).wait_for(lambda m: m.key == "privacy.partner_left", what="partner told")[0]
    lib.ensure(told.lang == lang and "erik" not in told.text.lower() and "eraserman" not in told.raw.decode().lower(),
               "partner notice names him: %r" % told.text)
    lib.Mailbox(walter).wait_for(lambda m: m.key == "event.promoted", what="Walter moved up")
    lib.Mailbox("staff").wait_for(lambda m: m.key == "privacy.staff_notice" and erik not in m.text
                                  and "Erik" not in m.text, what="staff notice")
    # the final confirmation's row is scrubbed once it went
    deadline = time.monotonic() + lib.REPLY_TIMEOUT
    while db_value(bot, "SELECT count(*) FROM outbox WHERE kind = 'erasure' AND status = 'sent' AND rcpt = ''"
                   " AND payload IS NULL") != 1:
        lib.ensure(time.monotonic() < deadline, "the final confirmation's outbox row was not scrubbed")
        time.sleep(lib.POLL)
    needles = [erik, "Erik", "Eraserman", jid, MARK]
    hits = db_hits(bot, needles)
    lib.ensure(not hits, "the database still holds: %r" % hits[:10])
    lib.ensure(db_value(bot, "SELECT count(*) FROM rsvp WHERE event_id = ? AND status = 'going'", (coming,)) == 1,
               "one seat, now Walter's")
    lib.ensure(db_value(bot, "SELECT status FROM rsvp WHERE event_id = ? AND person_id = ?",
                        (coming, ids["walter"])) == "going", "Walter is going")
    after = figures(bot)
    lib.ensure(before == after, "figures changed:\n%s\n---\n%s" % ("\n".join(before), "\n".join(after)))
    lib.ask(bot, erik, "whoami", "", key="whoami_guest", lang="en")
    return bot


@lib.timeout(180)
def test_delete_me_in_english_leaves_no_trace_keeps_the_figures():
    story("en", "delete me", "ok")


@lib.timeout(180)
def test_loesche_mich_in_german_leaves_no_trace_keeps_the_figures():
    story("de", "lösche mich", "ja")


def erasure_state(bot, pid, address):
    """'there' (wholly), 'erased' (wholly) or a description of a half state."""
    n = [db_value(bot, "SELECT count(*) FROM person WHERE id = ?", (pid,)),
         db_value(bot, "SELECT count(*) FROM endpoint WHERE address = ?", (address,)),
         db_value(bot, "SELECT count(*) FROM profile WHERE person_id = ?", (pid,)),
         db_value(bot, "SELECT count(*) FROM match WHERE mentee_id = ? AND status = 'active'", (pid,)),
         db_value(bot, "SELECT count(*) FROM rsvp WHERE person_id = ?", (pid,))]
    if n == [1, 1, 1, 1, 2]:
        return "there"
    if n == [0, 0, 0, 0, 0]:
        return "erased"
    return "half: %r" % n


def wait_dead(bot, seconds=30):
    deadline = time.monotonic() + seconds
    while bot.proc is not None and bot.proc.poll() is None:
        lib.ensure(time.monotonic() < deadline, "the bot did not die in the erasure")
        time.sleep(0.05)
    bot.proc = None


@lib.timeout(240)
def test_kill9_inside_and_after_the_erasure_all_or_nothing_answered_once():
    bot = lib.Bot(config={"bot": {"reply_limit": "100"}}, start=False)
    erik, petra, walter = lib.addr("erik"), lib.addr("petra"), lib.addr("walter")
    people = {"erik": (erik, "Erik Eraserman", "mentee", "en", None),
              "petra": (petra, "Petra Partner", "mentor", "en", None),
              "walter": (walter, "Walter Waiting", "mentee", "en", None)}
    ids, _ = seed(bot, people)
    is_final = lambda m: m.key == "privacy.erased"  # noqa: E731

    # 1. the daemon dies inside the transaction: nothing of the erasure stays
    bot.env = {"MENTORBOT_TEST_CRASH": CRASH}
    bot.exit_ok = True
    bot.start()
    n = confirm_by_reply(bot, erik, "delete me", "ok", "en")
    wait_dead(bot)
    lib.ensure("crashing on purpose" in bot.log(), "died elsewhere: %s" % bot.log()[-400:])
    state = erasure_state(bot, ids["erik"], erik)
    lib.ensure(state == "there", "after the kill inside the erasure: %s" % state)
    lib.ensure(not [m for m in lib.Mailbox(erik).messages() if is_final(m)], "confirmed before the commit")
    bot.env, bot.exit_ok = {}, False
    bot.start()
    final = answered_once(erik, n)
    lib.ensure(is_final(final), "after the restart: %s" % final.describe())
    lib.ensure(erasure_state(bot, ids["erik"], erik) == "erased", "not erased after the restart")

    # 2. SIGKILL as soon as Petra's erasure is committed (before or while its mail goes)
    n = confirm_by_reply(bot, petra, "delete me", "ok", "en")
    deadline = time.monotonic() + lib.REPLY_TIMEOUT
    while db_value(bot, "SELECT count(*) FROM endpoint WHERE address = ?", (petra,)) != 0:
        lib.ensure(time.monotonic() < deadline, "Petra was not erased")
        time.sleep(0.01)
    bot.kill9()
    lib.ensure(db_value(bot, "SELECT count(*) FROM person WHERE id = ?", (ids["petra"],)) == 0, "half erased")
    bot.start()
    final = answered_once(petra, n)
    lib.ensure(is_final(final), "after the kill: %s" % final.describe())
    lib.ensure(not db_hits(bot, [erik, petra, "Eraserman", "Petra Partner", MARK]), "a trace is left")
