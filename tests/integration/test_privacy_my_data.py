"""`my data` with the real servers (issue 12, point 2).

Anna (English) has a match with Bruno (visible name), a meeting, an answer to an
event, an application, a declined request to Clara (hidden name), consents and
journal rows; the lasting records are written with sqlite3 on the bot's
database before it starts, the rest by mail.

- `my data` by mail from her proven (DKIM-signed) address: the reply carries a
  summary in English and a JSON attachment, which parsed back holds every
  section with her data, the partner by display name only, her messages
  without their bodies, and nothing of Bruno or Clara beyond "Bruno Beta".
- Dora (German) has a linked XMPP account: `meine daten` from XMPP is answered
  in the chat with the confirmed address, the export arrives there by mail in
  German.
- Unproven senders get no data: Anna's address without a signature, with a
  foreign domain's signature, and a stranger.
"""
import json
import re
import sqlite3
import subprocess
import time

import lib
import xmpp_lib as X

MARK = "BODYMARK-q4z9"
SECTIONS_WITH_ROWS = ("endpoints", "profile", "consents", "memberships", "applications", "requests", "matches",
                      "sessions", "invitations", "rsvps", "messages_in", "messages_out")


def seed(bot, people, dora_jid):
    """The people, and what takes many steps by commands: a match, a meeting, a request,
    an application, an event with an invitation and an answer (bot not yet running)."""
    p = subprocess.run([lib.mentorbot_path(), "programme", "-c", bot.config_path, "list"], capture_output=True,
                       timeout=60, stdin=subprocess.DEVNULL)   # creates the database
    lib.ensure(p.returncode == 0, "programme list: %r" % p.stderr[-300:])
    now = int(time.time())
    db = sqlite3.connect(bot.database)
    ids = {}
    for key, (address, name, role, visible, lang) in people.items():
        pid = db.execute("INSERT INTO person(lang, created) VALUES (?, ?)", (lang, now - 86400)).lastrowid
        ids[key] = pid
        db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'mail', ?, 1, ?)",
                   (pid, address, now))
        db.execute("INSERT INTO membership(person_id, programme, role, status, since) VALUES (?, 'mentoring', ?,"
                   " 'active', ?)", (pid, role, now))
        db.execute("INSERT INTO profile(person_id, field, value, visible) VALUES (?, 'name', ?, ?)",
                   (pid, name, visible))
        db.execute("INSERT INTO consent(person_id, purpose, version, channel, action, at) VALUES (?, 'mentoring',"
                   " 'v1', 'mail', 'given', ?)", (pid, now))
    db.execute("INSERT INTO profile(person_id, field, value, visible) VALUES (?, 'company', 'HiddenCorp', 0)",
               (ids["bruno"],))
    db.execute("INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, 'xmpp', ?, 1, ?)",
               (ids["dora"], dora_jid, now))
    m = db.execute("INSERT INTO match(programme, mentee_id, mentor_id, status, created) VALUES ('mentoring', ?, ?,"
                   " 'active', ?)", (ids["anna"], ids["bruno"], now)).lastrowid
    db.execute("INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, logged_minutes, note,"
               " created, updated) VALUES (?, ?, ?, 60, 'Library', 'done', 's-my-data@x', 50, 'CV review', ?, ?)",
               (m, ids["bruno"], now - 3600, now, now))
    db.execute("INSERT INTO request(programme, mentee_id, mentor_id, status, reason, created, deadline) VALUES"
               " ('mentoring', ?, ?, 'declined', 'no time', ?, ?)", (ids["anna"], ids["clara"], now, now + 3 * 86400))
    db.execute("INSERT INTO application(person_id, programme, role, status, created) VALUES (?, 'mentoring',"
               " 'mentee', 'approved', ?)", (ids["anna"], now))
    ev = db.execute("INSERT INTO event(uid, title, start, end, status, token, created, updated) VALUES"
                    " ('ev-my-data@x', 'Summer evening', ?, ?, 'announced', 'tok-my-data', ?, ?)",
                    (now + 86400, now + 90000, now, now)).lastrowid
    for who in ("anna", "clara"):
        db.execute("INSERT INTO invitation(event_id, person_id, address, created) VALUES (?, ?, ?, ?)",
                   (ev, ids[who], people[who][0], now))
        db.execute("INSERT INTO rsvp(event_id, person_id, answer, status, via, updated) VALUES (?, ?, 'yes',"
                   " 'going', 'mail', ?)", (ev, ids[who], now))
    db.commit()
    db.close()
    return ids


def export_of(msg):
    """The JSON attachment of an export mail, parsed."""
    parts = [p for p in msg.msg.iter_attachments() if p.get_content_type() == "application/json"]
    lib.ensure(len(parts) == 1, "one JSON attachment expected: %s" % msg.describe())
    lib.ensure(re.match(r"mentorbot-data-\d{4}-\d\d-\d\d\.json$", parts[0].get_filename() or ""),
               "attachment name: %r" % parts[0].get_filename())
    raw = parts[0].get_content()
    return json.loads(raw if isinstance(raw, str) else raw.decode("utf-8")), raw


def check_export(data, raw, own, others, lang, sections=SECTIONS_WITH_ROWS):
    raw = raw if isinstance(raw, str) else raw.decode("utf-8")
    lib.ensure(data["person"] and data["person"]["lang"] == lang, "person record: %r" % data.get("person"))
    for s in sections:
        lib.ensure(isinstance(data.get(s), list) and data[s], "section %s empty: %r" % (s, data.get(s)))
    lib.ensure(own in [e["address"] for e in data["endpoints"]], "own address in endpoints")
    for needle in others:
        lib.ensure(needle.lower() not in raw.lower(), "the export names another person: %r" % needle)
    lib.ensure(MARK not in raw, "a message body is in the export")


@lib.timeout(240)
def test_my_data_by_mail_and_from_xmpp_holds_all_and_nothing_of_others():
    dora_jid = X.account("dora")
    bjid = X.account("bot")
    room = X.room()
    bot = lib.Bot(config=X.bot_config(bjid, [room], extra={"bot": {"reply_limit": "100"}}), start=False)
    bot.jid = bjid
    people = {"anna": (lib.addr("anna"), "Anna Alpha", "mentee", 0, "en"),
              "bruno": (lib.addr("bruno"), "Bruno Beta", "mentor", 1, "en"),
              "clara": (lib.addr("clara"), "Clara Secret", "mentor", 0, "en"),
              "dora": (lib.addr("dora"), "Dora Delta", "mentee", 0, "de")}
    seed(bot, people, dora_jid)
    bot.start()
    bot.wait_log(r"xmpp: joined %s" % re.escape(room), timeout=20)
    anna, bruno, clara, dora = (people[k][0] for k in ("anna", "bruno", "clara", "dora"))

    # a journal row whose body must not be exported
    lib.ask(bot, anna, "whoami", "%s says hello" % MARK, key="whoami", lang="en")
    r = lib.ask(bot, anna, "my data", "", key="privacy.export", lang="en")
    lib.ensure("What is in it:" in r.text and re.search(r"Addresses and chat accounts: 1\b", r.text),
               "English summary: %r" % r.text[:800])
    data, raw = export_of(r)
    check_export(data, raw, anna, [bruno, clara, dora, "Clara", "Secret", "HiddenCorp", dora_jid], "en")
    lib.ensure([m["partner"] for m in data["matches"]] == ["Bruno Beta"], "partner: %r" % data["matches"])
    lib.ensure({m["command"] for m in data["messages_in"]} >= {"whoami", "my data"},
               "journal rows by command: %r" % data["messages_in"])
    lib.ensure(all("raw" not in m and "head" not in m for m in data["messages_in"]), "journal rows keep no text")
    lib.ensure(data["rsvps"][0]["title"] == "Summer evening" and len(data["rsvps"]) == 1, "rsvps: %r" % data["rsvps"])
    lib.ensure(data["sessions"][0]["logged_minutes"] == 50, "sessions: %r" % data["sessions"])

    # German, from the linked XMPP account: the chat is told, the mail carries the export
    d = X.Person(jid=dora_jid)
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bjid  # noqa: E731
    d.direct(bjid, "meine daten")
    told = d.wait(from_bot, what="answer to meine daten")[0]
    lib.ensure(dora in told["body"] and "Adresse" in told["body"], "German chat answer: %r" % told["body"])
    m = lib.Mailbox(dora).wait_for(lambda x: x.key == "privacy.export", what="German export mail")[0]
    lib.ensure(m.lang == "de" and re.search(r"Adressen und Chat-Konten: 2\b", m.text) and "Was darin steht" in m.text,
               "German summary: %s %r" % (m.describe(), m.text[:800]))
    data, raw = export_of(m)
    lib.ensure(dora_jid in [e["address"] for e in data["endpoints"]], "the chat account is listed")
    lib.ensure({x["channel"] for x in data["messages_in"]} >= {"xmpp"}, "the chat message is listed")
    lib.ensure(data["person"]["lang"] == "de", "person: %r" % data["person"])
    check_export(data, raw, dora, [anna, bruno, clara, "Anna", "Bruno", "Clara"], "de",
                  ("endpoints", "profile", "consents", "memberships", "messages_in"))
    d.close()

    # unproven: no signature, a foreign signature, a stranger -- no data goes anywhere
    is_export = lambda x: x.key == "privacy.export"  # noqa: E731
    m1 = lib.send(anna, bot.address, "my data", "", dkim=False)
    m2 = lib.send(anna, bot.address, "my data", "", dkim_domain="evil.example")
    stranger = lib.addr("stranger")
    m3 = lib.send(stranger, bot.address, "my data", "")
    for who, mid in ((anna, m1), (anna, m2), (stranger, m3)):
        rep = lib.Mailbox(who).wait_reply(mid)[0]
        lib.ensure(rep.key != "privacy.export" and not list(rep.msg.iter_attachments()),
                   "an unproven sender got data: %s" % rep.describe())
    lib.Mailbox(anna).expect_no_more(is_export, 1, what="exports to Anna")
    lib.Mailbox(stranger).expect_no_more(is_export, 0, what="exports to a stranger")
