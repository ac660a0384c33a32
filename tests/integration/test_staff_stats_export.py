"""Staff figures with the real servers: stats, statistik, report, export.

The bot's database is seeded before the bot starts: a programme added with
`mentorbot programme add`, then (sqlite3, as the helpers that own those
tables would leave it) people with umlaut names, applications, matches,
sessions held with logged minutes and an open request.  Two staff members
join by mail (one in English, one in German); their mails are DKIM-signed
(lib.send) and the test MTA stamps dkim=pass under the bot's authserv_id.

- `stats` from staff: the English figures per programme, right numbers;
- `statistik` from the German staff member: the German figures;
- `stats` from a stranger, and from the staff address without the DKIM pass:
  no figures, an unknown-command answer;
- `!stats` in the XMPP room from the staff JID (linked by mail): the compact
  figures;
- `mentorbot report` and `mentorbot export matches|sessions --csv` as
  subprocesses on the bot's database: the lists staff act on, and CSV with
  BOM and CRLF whose umlauts, commas and line breaks survive.
"""
import csv
import io
import os
import re
import sqlite3
import subprocess
import time

import lib
import xmpp_lib as X

BOM = b"\xef\xbb\xbf"


def cli(bot, *args):
    p = subprocess.run([lib.mentorbot_path()] + list(args[:1]) + ["-c", bot.config_path] + list(args[1:]),
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    return p


def seed(bot, people):
    """Programme by the CLI, the rest with sqlite3 on the bot's own database (bot not yet running)."""
    p = cli(bot, "programme", "add", "mint", "--name", "Frauen in MINT")
    lib.ensure(p.returncode == 0, "programme add failed: %r %r" % (p.stdout, p.stderr))
    now = int(time.time())
    db = sqlite3.connect(bot.database)
    ids = {}
    for key, (addr, name, programme, role) in people.items():
        cur = db.execute("INSERT INTO person(lang, created) VALUES ('en', ?)", (now - 10 * 86400,))
        pid = cur.lastrowid
        ids[key] = pid
        db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'mail', ?, 1, ?)",
                   (pid, addr, now))
        db.execute("INSERT INTO membership(person_id, programme, role, status, since) VALUES (?, ?, ?, 'active', ?)",
                   (pid, programme, role, now - 9 * 86400))
        db.execute("INSERT INTO profile(person_id, field, value, visible) VALUES (?, 'name', ?, 1)", (pid, name))
    apps = [("joerg", "mentoring", "mentee", "pending"), ("ann", "mentoring", "mentee", "pending"),
            ("zoe", "mentoring", "mentor", "approved"), ("ayse", "mint", "mentee", "approved")]
    for who, programme, role, status in apps:
        db.execute("INSERT INTO application(person_id, programme, role, status, created, completed)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (ids[who], programme, role, status, now - 3 * 86400, now - 2 * 86400))
    matches = [("mentoring", "joerg", "zoe"), ("mentoring", "ann", "zoe"), ("mint", "ayse", "bob")]
    for programme, mentee, mentor in matches:
        db.execute("INSERT INTO match(programme, mentee_id, mentor_id, status, created) VALUES (?, ?, ?, 'active', ?)",
                   (programme, ids[mentee], ids[mentor], now - 7 * 86400))
    sessions = [(1, "joerg", 45, "Lebenslauf, Bewerbung\nzweiter Teil", "Café Übersee"),
                (1, "zoe", 50, None, None), (3, "bob", 30, None, "online")]
    for i, (match, proposer, minutes, note, place) in enumerate(sessions, 1):
        db.execute("INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, logged_minutes,"
                   " note, created, updated) VALUES (?, ?, ?, 60, ?, 'done', ?, ?, ?, ?, ?)",
                   (match, ids[proposer], now - (7 - i) * 86400, place, "session-%d@example.test" % i, minutes, note,
                    now, now))
    # open for two of its three days: past half the deadline
    db.execute("INSERT INTO request(programme, mentee_id, mentor_id, status, created, deadline)"
               " VALUES ('mentoring', ?, ?, 'open', ?, ?)", (ids["ann"], ids["bob"], now - 2 * 86400, now + 86400))
    db.commit()
    db.close()
    return ids


def join(bot, who, subject, reply, lang):
    """join/beitreten by mail, confirmed by a plain reply."""
    mb = lib.Mailbox(who)
    mid = lib.send(who, bot.address, subject, "")
    confirm = lib.assert_reply(mb.exactly_one_reply(mid), mid, subject, key="join_confirm", lang=lang, to=who)
    resubj = lib.expected_subject(confirm.subject)
    refs = " ".join(confirm.references + [confirm.message_id])
    mid2 = lib.send(who, bot.address, resubj, reply + "\n",
                    headers={"In-Reply-To": confirm.message_id, "References": refs})
    lib.assert_reply(mb.exactly_one_reply(mid2), mid2, resubj, key="join_done", lang=lang, to=who)


def block(text, title):
    """The figures under a block title line: {label: value} up to the next blank line."""
    lines = text.replace("\r\n", "\n").split("\n")
    lib.ensure(title in lines, "no block %r in %r" % (title, text[:1500]))
    out = {}
    for line in lines[lines.index(title) + 1:]:
        if not line.strip():
            break
        m = re.match(r"^( +)(\S.*?) {2,}(\d+(?:[.,]\d)?)$", line)
        lib.ensure(m, "figure line not aligned: %r" % line)
        out[m.group(2)] = m.group(3)
    return out


def value_columns(text, title):
    lines = text.replace("\r\n", "\n").split("\n")
    cols = set()
    for line in lines[lines.index(title) + 1:]:
        if not line.strip():
            break
        cols.add(len(line))
    return cols


@lib.timeout(300)
def test_staff_stats_by_mail_and_xmpp_report_and_csv_export():
    room = X.room()
    staff_en, staff_de, stranger = lib.addr("chef"), lib.addr("chefin"), lib.addr("stranger")
    sjid = X.account("chef")
    bjid = X.account("bot")
    bot = lib.Bot(config=X.bot_config(bjid, [room], extra={"bot": {
        "reply_limit": "100",
        "staff": "%s, %s, xmpp:%s" % (staff_en, staff_de, sjid)}}), start=False)
    bot.jid = bjid
    people = {"joerg": (lib.addr("joerg"), "Jörg Müller", "mentoring", "mentee"),
              "ann": (lib.addr("ann"), "Smith, Ann \"Annie\"", "mentoring", "mentee"),
              "zoe": (lib.addr("zoe"), "Zoë Ölmann", "mentoring", "mentor"),
              "ayse": (lib.addr("ayse"), "Ayşe Çelik", "mint", "mentee"),
              "bob": (lib.addr("bob"), "Bob Bauer", "mint", "mentor")}
    seed(bot, people)
    bot.start()
    bot.wait_log(r"xmpp: joined %s" % re.escape(room), timeout=20)

    join(bot, staff_en, "join alumni", "ok", "en")
    join(bot, staff_de, "beitreten alumni", "ja", "de")

    # stats, English, from staff: signed, and our MTA stamps the DKIM pass
    r = lib.ask(bot, staff_en, "stats", "", key="staff.stats", lang="en")
    m = block(r.text, "Mentoring (mentoring)")
    lib.ensure(m == {"Applications": "3", "waiting for approval": "2", "Mentees": "2", "Mentors": "1",
                     "Matched pairs": "2", "Open requests": "1", "Sessions held": "2", "Hours": "1.6"},
               "mentoring figures: %r" % m)
    lib.ensure(len(value_columns(r.text, "Mentoring (mentoring)")) == 1, "values not aligned: %r" % r.text[:800])
    n = block(r.text, "Frauen in MINT (mint)")
    lib.ensure(n == {"Applications": "1", "waiting for approval": "0", "Mentees": "1", "Mentors": "1",
                     "Matched pairs": "1", "Open requests": "0", "Sessions held": "1", "Hours": "0.5"},
               "mint figures: %r" % n)
    lib.ensure("Alumni network (alumni)" in r.text, "every programme listed: %r" % r.text[:800])

    # statistik, German, one programme
    r = lib.ask(bot, staff_de, "statistik mentoring", "", key="staff.stats", lang="de")
    m = block(r.text, "Mentoring (mentoring)")
    lib.ensure(m.get("Bewerbungen") == "3" and m.get("warten auf Freigabe") == "2" and m.get("Stunden") == "1,6"
               and m.get("Stattgefundene Termine") == "2" and m.get("Offene Anfragen") == "1",
               "German figures: %r" % m)
    lib.ensure("Zahlen mit Stand" in r.text and "(mint)" not in r.text, "German, mentoring only: %r" % r.text[:600])

    # an unknown programme is named with the list
    r = lib.ask(bot, staff_en, "stats nowhere", "", key="staff.stats.unknown_programme", lang="en")
    lib.ensure("nowhere" in r.text and "mint" in r.text and "mentoring" in r.text, "programme list: %r" % r.text)

    # no figures for a stranger, nor for the staff address without the DKIM pass (its owner is
    # asked to confirm instead)
    for who, signed, key in ((stranger, True, "unknown_command"), (staff_en, False, "confirm_command")):
        r = lib.ask(bot, who, "stats", "", key=key, lang="en", dkim=signed)
        lib.ensure("Applications" not in r.text and "Mentoring (mentoring)" not in r.text,
                   "figures leaked to %s: %r" % (who, r.text[:400]))

    # XMPP: the staff JID, linked to the staff member by mail, asks in the room
    xm = X.Person(jid=sjid)
    r = lib.ask(bot, staff_en, "link xmpp:%s" % sjid, "", key="link_code_back", lang="en")
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code")
    from_bot = X.from_bot(room, bot_jid=bot.jid)
    xm.direct(bot.jid, "confirm %s" % code.group(0))
    xm.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")
    xm.join(room, "chef")
    xm.wait_occupant(room, "MentorBot")
    xm.say(room, "!stats")
    line = ("Mentoring: 3 applications (2 pending), 2 mentees, 1 mentors, 2 matched, 1 open requests, "
            "2 sessions held, 1.6 h")
    got = xm.wait(lambda x: from_bot(x) and line in x["body"], what="compact figures in XMPP")[0]
    lib.ensure("Frauen in MINT: 1 applications (0 pending)" in got["body"], "every programme: %r" % got["body"])
    lib.ensure("  Applications" not in got["body"], "chat answer is compact: %r" % got["body"])
    xm.close()

    # mentorbot report on the bot's database (the bot keeps running)
    p = cli(bot, "report")
    lib.ensure(p.returncode == 0, "report failed (%d): %r" % (p.returncode, p.stderr[-400:]))
    rep = p.stdout.decode("utf-8")
    lib.ensure(block(rep, "Mentoring (mentoring)").get("Hours") == "1.6", "report figures: %r" % rep[:800])
    lib.ensure("Applications waiting for approval: 2" in rep, "pending list: %r" % rep)
    lib.ensure(re.search(r"#1  Jörg Müller <%s>  mentoring \(mentee\), since \d{4}-\d\d-\d\d \d\d:\d\d"
                         % re.escape(people["joerg"][0]), rep), "pending application of Jörg: %r" % rep)
    lib.ensure("Requests open longer than half their deadline: 1" in rep and "Bob Bauer" in rep,
               "stale request: %r" % rep)
    lib.ensure(re.search(r"Matches without any session yet: 1\n  #2  mentoring: Smith, Ann \"Annie\"", rep),
               "idle match #2: %r" % rep)
    p = cli(bot, "report", "nowhere")
    lib.ensure(p.returncode == 1 and b"mint" in p.stderr, "unknown programme: %r" % p.stderr)

    # export matches --csv --out FILE
    out = os.path.join(bot.dir, "matches.csv")
    p = cli(bot, "export", "matches", "--csv", "--out", out)
    lib.ensure(p.returncode == 0, "export matches failed (%d): %r" % (p.returncode, p.stderr[-400:]))
    raw = open(out, "rb").read()
    lib.ensure(raw.startswith(BOM), "no BOM: %r" % raw[:20])
    lib.ensure(raw.count(b"\r\n") == 4 and b"\n" not in raw.replace(b"\r\n", b""), "CRLF rows: %r" % raw)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    lib.ensure(rows[0][:3] == ["id", "programme", "mentee"] and len(rows[0]) == 10, "header: %r" % rows[0])
    today = time.strftime("%Y-%m-%d", time.localtime(time.time() - 7 * 86400))
    lib.ensure(rows[1][:7] == ["1", "mentoring", "Jörg Müller", people["joerg"][0], "Zoë Ölmann", people["zoe"][0],
                               "active"] and rows[1][8:] == ["2", "1.6"], "match 1: %r" % rows[1])
    lib.ensure(re.match(r"\d{4}-\d\d-\d\d$", rows[1][7]) and abs(
        time.mktime(time.strptime(rows[1][7], "%Y-%m-%d")) - time.mktime(time.strptime(today, "%Y-%m-%d"))) <= 86400,
        "created date: %r" % rows[1][7])
    lib.ensure(rows[2][2] == 'Smith, Ann "Annie"' and rows[2][8:] == ["0", "0.0"], "match 2: %r" % rows[2])
    lib.ensure(rows[3][:3] == ["3", "mint", "Ayşe Çelik"] and rows[3][9] == "0.5", "match 3: %r" % rows[3])

    # export sessions --csv to stdout, one programme
    p = cli(bot, "export", "sessions", "--csv", "--programme", "mentoring")
    lib.ensure(p.returncode == 0 and p.stdout.startswith(BOM), "export sessions (%d): %r" % (p.returncode, p.stderr))
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8-sig"), newline="")))
    lib.ensure(len(rows) == 3 and len(rows[0]) == 11, "two mentoring sessions: %r" % rows)
    lib.ensure(rows[1][:5] == ["1", "1", "mentoring", "Jörg Müller", "Zoë Ölmann"] and rows[1][7:] ==
               ["done", "45", "Lebenslauf, Bewerbung\nzweiter Teil", "Café Übersee"], "session 1: %r" % rows[1])
    lib.ensure(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d$", rows[1][5]), "start: %r" % rows[1][5])

    # usage and the attendees hand-over
    p = cli(bot, "export", "everything")
    lib.ensure(p.returncode == 2 and b"usage: mentorbot export" in p.stderr, "usage: %r" % p.stderr)
