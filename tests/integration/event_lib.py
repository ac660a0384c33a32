"""event_lib.py - helpers for the events/RSVP integration tests and bench (issue 5).

    import lib, event_lib as E

* Staff: a staff address's mail is believed because lib.send DKIM-signs it and the
  test MTA stamps dkim=pass under lib.AUTHSERV_ID (every lib.Bot's [bot] authserv_id).
* E.event_bot(...): a lib.Bot with staff, announce_rate 0, optional XMPP rooms,
  Matrix homeserver and [groups].
* E.make_members(bot, labels): people who really joined a programme by mail
  (join + plain reply to the code mail), many at once over one SMTP connection,
  read back from the Maildir files (fast for 50 people).
* E.cli(bot, "event", "add", ...), E.event_add(), E.event_send(), E.export_attendees().
* Reading mail fast: E.md_messages(user) parses the Maildir files directly.
* E.parse_ical(raw): python3-icalendar's reading (check_ical.py's functions), plus
  the VTIMEZONE offsets, so a wrong Europe/Berlin definition is seen.
* iTIP REPLY builders in the shapes of Exchange/Outlook (German subject),
  Thunderbird, Apple Calendar and Google; E.ccs_reply() adapts the Apple
  CalendarServer corpus files when ../shared/corpus is present.
* Text replies quoting the invitation: "> " quoting (Thunderbird/mutt), Gmail's
  "On ... wrote:" and Outlook's "-----Ursprüngliche Nachricht-----" block.
"""
import base64
import binascii
import csv
import datetime
import email
import email.policy
import email.utils
import email.header
import hashlib
import hmac
import io
import os
import quopri
import re
import sqlite3
import subprocess
import time
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import icalendar

import check_ical
import lib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(lib.REPO, "..", "shared", "corpus"))
CCS_DIR = os.path.join(CORPUS, "ccs_calendarserver", "txdav", "caldav", "datastore", "scheduling", "imip", "test",
                       "data")
TZ = "Europe/Berlin"


# --------------------------------------------------------------------------
# the bot

def event_bot(staff, xmpp_rooms=(), hs=None, matrix_rooms=(), groups=None, bot_extra=None, start=True,
              name=None):
    """A bot for the event tests.  staff: list of staff endpoints ("addr", "xmpp:jid").
    With xmpp_rooms an XMPP account is made (bot.jid); with hs a [matrix] section."""
    import xmpp_lib as X
    cfg = {}
    jid = None
    if xmpp_rooms is not None and len(xmpp_rooms) > 0:
        jid = X.account("bot")
        cfg.update(X.bot_config(jid, list(xmpp_rooms)))
    if hs is not None:
        cfg["matrix"] = {"homeserver": hs.url, "user": "@mentorbot:localhost", "access_token": hs.bot_token,
                         "rooms": ", ".join(matrix_rooms)}
    b = {"staff": ", ".join(staff), "reply_limit": "1000", "announce_rate": "0",
         "flood_rate": "600", "flood_burst": "200"}
    b.update(bot_extra or {})
    cfg["bot"] = b
    if groups:
        cfg["groups"] = dict(groups)
    bot = lib.Bot(name=name, config=cfg, start=start)
    bot.jid = jid
    if start:
        wait_ready(bot, xmpp_rooms, hs is not None)
    return bot


def wait_ready(bot, xmpp_rooms=(), matrix=False):
    for r in xmpp_rooms or ():
        bot.wait_log(r"xmpp: joined %s" % re.escape(r), timeout=20)
    if matrix:
        bot.wait_log(r"matrix: listening", timeout=lib.REPLY_TIMEOUT)


def cli(bot, *args, expect=0, timeout=60, env=None):
    """mentorbot <args[0]> -c CONF <args[1:]>; returns stdout (exit status checked)."""
    argv = [lib.mentorbot_path(), args[0], "-c", bot.config_path] + [str(a) for a in args[1:]]
    p = subprocess.run(argv, cwd=lib.REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)
    lib.note_cli_log(bot, p.stderr)
    lib.ensure(expect is None or p.returncode == expect, "mentorbot %s: exit %d (expected %s): %s %s" % (
        " ".join(str(a) for a in args), p.returncode, expect, p.stdout.strip()[-800:], p.stderr.strip()[-800:]))
    return p.stdout


def event_add(bot, title, date, start, end, **opts):
    """mentorbot event add ...; returns the new event id (from "event <id> created")."""
    args = ["event", "add", "--title", title, "--date", date, "--start", start, "--end", end]
    for k, v in opts.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    out = cli(bot, *args)
    m = re.search(r"(?m)^event (\d+) created", out)
    lib.ensure(m, "`event add` output has no 'event <id> created': %r" % out[:600])
    return int(m.group(1))


def event_send(bot, eid):
    """mentorbot event send ID -> (mails, room posts)."""
    out = cli(bot, "event", "send", eid)
    m = re.search(r"event %d announced: (\d+) mails?, (\d+) room posts?" % eid, out)
    lib.ensure(m, "`event send` output: %r" % out[:600])
    return int(m.group(1)), int(m.group(2))


def export_attendees(bot, eid):
    """mentorbot export attendees ID --csv --out FILE -> {address: row dict} (BOM checked)."""
    path = os.path.join(bot.dir, "attendees-%d-%d.csv" % (eid, time.time_ns()))
    cli(bot, "export", "attendees", eid, "--csv", "--out", path)
    with open(path, "rb") as f:
        data = f.read()
    lib.ensure(data.startswith(b"\xef\xbb\xbf"), "attendee CSV does not start with a UTF-8 BOM: %r" % data[:40])
    rows = list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))
    cols = ["name", "address", "answer", "status", "guests", "comment", "attended", "updated"]
    lib.ensure(rows == [] or list(rows[0].keys()) == cols,
               "CSV columns %r, expected %r" % (list(rows[0].keys()) if rows else None, cols))
    out = {}
    for r in rows:
        a = (r.get("address") or "").lower()
        lib.ensure(a not in out, "%s appears twice in the attendee CSV" % a)
        out[a] = r
    return out


def db_query(bot, sql, args=()):
    """Read-only query on the bot's database (retries while it is busy)."""
    for _ in range(100):
        try:
            c = sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=5)
            try:
                return c.execute(sql, args).fetchall()
            finally:
                c.close()
        except sqlite3.OperationalError as e:
            last = e
            time.sleep(0.02)
    raise lib.TestFailure("database %s: %s" % (bot.database, last))


set_clock = lib.set_clock


# --------------------------------------------------------------------------
# reading mail straight from the Maildir (fast for many mailboxes)

_md_cache = {}


def md_messages(user):
    """Every message in user's INBOX (new/ and cur/), oldest first, as lib.Msg."""
    root = lib.maildir_path(user)
    files = []
    for sub in ("new", "cur"):
        d = os.path.join(root, sub)
        try:
            for n in os.listdir(d):
                files.append((n.split(":")[0], os.path.join(d, n)))
        except OSError:
            pass
    out = []
    for base, path in files:
        m = _md_cache.get((user, base))
        if m is None:
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError:   # moved new/ -> cur/ meanwhile: seen next time
                continue
            m = lib.Msg(base, raw)
            try:
                m.mtime = int(base.split(".")[0])
            except ValueError:
                m.mtime = 0
            _md_cache[(user, base)] = m
        out.append(m)
    out.sort(key=lambda m: (m.mtime, m.uid))
    return out


def md_wait(user, pred, count=1, timeout=lib.REPLY_TIMEOUT, what="message"):
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in md_messages(user) if pred(m)]
        if len(found) >= count:
            return found
        lib.check_bots_alive()
        if time.monotonic() > deadline:
            have = md_messages(user)
            raise lib.TestFailure("%s: %d of %d %s after %.0f s (mailbox has %d: %s)" % (
                user, len(found), count, what, timeout, len(have), "; ".join(m.describe() for m in have[-4:])))
        time.sleep(lib.POLL)


def md_key(user, key):
    return [m for m in md_messages(user) if m.key == key]


def wait_key(user, key, count=1, timeout=lib.REPLY_TIMEOUT):
    return md_wait(user, lambda m: m.key == key, count, timeout, what="mail(s) %s" % key)


def wait_reply_md(user, message_id, timeout=lib.REPLY_TIMEOUT, settle=1.0):
    """Exactly one reply to message_id in user's mailbox (waits `settle` s for a second one)."""
    mid = lib.norm_id(message_id)
    got = md_wait(user, lambda m: m.in_reply_to == mid, 1, timeout, what="reply to %s" % mid)
    end = time.monotonic() + settle
    while time.monotonic() < end:
        got = [m for m in md_messages(user) if m.in_reply_to == mid]
        time.sleep(0.2)
    lib.ensure(len(got) == 1, "%s: %d replies to %s: %s" % (user, len(got), mid, "; ".join(m.describe() for m in got)))
    return got[0]


# --------------------------------------------------------------------------
# people

def make_members(bot, labels, programme="mentoring", lang="en", timeout=60):
    """Addresses of people who joined `programme` by mail, as a person does: join,
    then a plain reply to the code mail.  All at once over one SMTP connection."""
    addrs = [lib.addr(l) for l in labels]
    word = "join" if lang == "en" else "beitreten"
    subject = "%s %s" % (word, programme)
    body = "" if lang == "en" else "Hallo, ich möchte gerne mitmachen.\n"
    lib.send_many([(a, [bot.address], lib.make_mail(a, bot.address, subject, body)) for a in addrs])
    replies = []
    for a in addrs:
        c = md_wait(a, lambda m: m.key == "join_confirm", 1, timeout, what="join_confirm")[0]
        refs = " ".join(c.references + [c.message_id])
        replies.append((a, [bot.address], lib.make_mail(a, bot.address, lib.expected_subject(c.subject),
                                                         "ok\n" if lang == "en" else "ja\n",
                                                         headers={"In-Reply-To": c.message_id,
                                                                  "References": refs})))
    lib.send_many(replies)
    for a in addrs:
        md_wait(a, lambda m: m.key == "join_done", 1, timeout, what="join_done")
    return addrs


def link_xmpp(bot, who, person):
    """Link the XMPP account of X.Person `person` to the member `who` (code by mail, confirm in XMPP)."""
    r = lib.ask(bot, who, "link xmpp:%s" % person.jid, key="link_code_back", lang=None)
    code = lib.TOKEN_RE.search(r.text)
    lib.ensure(code, "link_code_back has no code: %r" % r.text[:300])
    n = len(person.messages())
    person.direct(bot.jid, "confirm %s" % code.group(0))
    person.wait(lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid, count=1,
                what="link confirmation")
    lib.ensure(len(person.messages()) > n, "no link confirmation in XMPP")


def link_matrix(bot, hs, who, client, dm):
    """Link the Matrix user of `client` to the member `who`; dm: their direct room with the bot."""
    r = lib.ask(bot, who, "link matrix:" + client.user_id, key="link_code_back", lang=None)
    code = lib.TOKEN_RE.search(r.text).group(0)
    before = len(hs.bot_messages(dm))
    client.send(dm, "confirm " + code)
    hs.wait(lambda: hs.bot_messages(dm), "link confirmation in Matrix", count=before + 1)


# --------------------------------------------------------------------------
# invitations

PLUS_RE = re.compile(r"([^\s<>@+]+)\+ev(\d+)\.([A-Za-z0-9_-]+)@([^\s<>]+)")


# An invitation's Message-ID: "<ev<id>.<person>.<sequence>.<keyed tag>@<domain>>" (bot/keyed.h)
INVITE_ID_RE = r"<ev%d\.(\d+)\.(\d+)\.[a-z2-7]{16}@%s>"


def install_key(bot):
    """The bot's installation key (kv "install.key" in its database) - the tests may know it."""
    rows = db_query(bot, "SELECT value FROM kv WHERE key = 'install.key'")
    lib.ensure(rows, "the bot has no installation key yet")
    return bytes.fromhex(rows[0][0])


def keyed_tag(key, scope, data, n=26):
    """bot/keyed.c keyed_tag(): RFC 4648 base32 (lower case) of HMAC-SHA256(key, scope NUL data)."""
    d = hmac.new(key, scope.encode() + b"\0" + data.encode(), hashlib.sha256).digest()
    return base64.b32encode(d).decode().lower()[:n]


def plus_address(bot, purpose, who):
    """The bot's plus-address for purpose ("ev7", "leave") keyed to who, as the bot makes it."""
    local, dom = bot.address.split("@")
    return "%s+%s.%s@%s" % (local, purpose, keyed_tag(install_key(bot), "plus:" + purpose, who.lower()), dom)


def invite_sequence(msg, eid):
    """The SEQUENCE in the Message-ID of an invitation mail for event eid, or None."""
    mm = re.fullmatch(INVITE_ID_RE % (eid, r"[^>]+"), msg.message_id or "")
    return int(mm.group(2)) if mm else None


def invitation_of(user, eid, sequence=None):
    """The event.invite mail(s) of user for event eid."""
    out = []
    for m in md_messages(user):
        if m.key != "event.invite":
            continue
        mm = re.fullmatch(INVITE_ID_RE % (eid, r"[^>]+"), m.message_id or "")
        if not mm or (sequence is not None and int(mm.group(2)) != sequence):
            continue
        out.append(m)
    return out


def calendar_part(msg):
    """(content-type header value, bytes) of the first text/calendar part."""
    for part in msg.msg.walk():
        if part.get_content_type() == "text/calendar":
            return str(part.get("Content-Type")), part.get_payload(decode=True) or b""
    return None, None


def _offset(td):
    return int(td.total_seconds()) if td is not None else None


def parse_ical(raw):
    """python3-icalendar's reading of the calendar in raw (a mail or iCalendar bytes):
    check_ical.py's JSON, plus "tz_offsets": {TZID: {"STANDARD": s, "DAYLIGHT": s}}."""
    data = check_ical.calendar_bytes(raw)
    lib.ensure(data, "no text/calendar part")
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # noqa: BLE001
        raise lib.TestFailure("python3-icalendar cannot read the calendar: %s\n%s" % (e, data[:600]))
    events = [check_ical.event_json(ev) for ev in cal.walk("VEVENT")]
    res = {"method": check_ical.text(cal.get("METHOD")), "prodid": check_ical.text(cal.get("PRODID")),
           "version": check_ical.text(cal.get("VERSION")),
           "vtimezones": [check_ical.text(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")]}
    lib.ensure(events, "calendar has no VEVENT: %r" % data[:400])
    res.update(events[0])
    res["events"] = events
    offs = {}
    for tz in cal.walk("VTIMEZONE"):
        d = {}
        for sub in tz.subcomponents:
            to = sub.get("TZOFFSETTO")
            if to is not None:
                d[sub.name] = _offset(to.td)
        offs[check_ical.text(tz.get("TZID"))] = d
    res["tz_offsets"] = offs
    res["raw"] = data.decode("utf-8", "replace")
    return res


def berlin(date, hhmm):
    """ISO 8601 of a Berlin wall-clock time, as check_ical prints DTSTART."""
    import zoneinfo
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi = (int(x) for x in hhmm.split(":"))
    return datetime.datetime(y, mo, d, h, mi, tzinfo=zoneinfo.ZoneInfo(TZ)).isoformat()


def check_invitation(msg, bot, who, eid, date, start, end, title, sequence=0, method="REQUEST", uid=None,
                     problems=None):
    """Every promise of the contract about one invitation mail; returns the parsed calendar.
    Problems are appended to `problems` (a list) or raised."""
    own = problems is None
    problems = [] if own else problems
    p = []
    local, dom = bot.address.split("@")
    # one mail of their own
    to = [a for a in msg.to + [a.lower() for _, a in email.utils.getaddresses([msg.header("Cc") or ""])] if a]
    if to != [who.lower()]:
        p.append("To/Cc %r (one mail per person)" % to)
    if (msg.header("Auto-Submitted") or "").strip().lower() != "auto-generated":
        p.append("Auto-Submitted %r" % msg.header("Auto-Submitted"))
    # Reply-To, ORGANIZER and List-Unsubscribe: the bot's plus-addresses keyed to this person
    lu = msg.header("List-Unsubscribe") or ""
    leave = plus_address(bot, "leave", who)
    if "<mailto:%s?subject=leave>" % leave not in re.sub(r"\s+", "", lu):
        p.append("List-Unsubscribe %r, expected <mailto:%s?subject=leave>" % (lu, leave))
    rt = email.utils.parseaddr(msg.header("Reply-To") or "")[1]
    plus = plus_address(bot, "ev%d" % eid, who)
    if (rt or "").lower() != plus:
        p.append("Reply-To %r, expected %s" % (rt, plus))
    mid = msg.message_id or ""
    mm = re.fullmatch(INVITE_ID_RE % (eid, re.escape(dom)), mid)
    if not mm or int(mm.group(2)) != sequence:
        p.append("Message-ID %r, expected <ev%d.<person>.%d.<tag>@%s>" % (mid, eid, sequence, dom))
    if msg.msg.get_content_type() not in ("multipart/alternative", "multipart/mixed"):
        p.append("top-level type %s" % msg.msg.get_content_type())
    plain = [x for x in msg.msg.walk() if x.get_content_type() == "text/plain"]
    if not plain:
        p.append("no text/plain part")
    ctype, body = calendar_part(msg)
    if ctype is None:
        p.append("no text/calendar part")
        problems.extend("%s: %s" % (who, x) for x in p)
        if own and problems:
            raise lib.TestFailure("; ".join(problems))
        return None
    if not re.search(r"method=\"?%s\"?" % method, ctype, re.I):
        p.append("text/calendar Content-Type %r lacks method=%s" % (ctype, method))
    try:
        ev = parse_ical(msg.raw)
    except lib.TestFailure as e:
        p.append(str(e))
        problems.extend("%s: %s" % (who, x) for x in p)
        if own and problems:
            raise lib.TestFailure("; ".join(problems))
        return None
    if ev["method"] != method:
        p.append("METHOD %r" % ev["method"])
    if ev["organizer"] != plus:
        p.append("ORGANIZER %r, expected %s (the bot's plus-address for this person)" % (ev["organizer"], plus))
    atts = ev["attendees"]
    if method == "REQUEST":
        if len(atts) != 1 or atts[0]["addr"] != who.lower():
            p.append("ATTENDEE %r, expected only %s" % ([a["addr"] for a in atts], who))
        elif not (atts[0]["rsvp"] is True and (atts[0]["partstat"] or "").upper() == "NEEDS-ACTION"):
            p.append("ATTENDEE params RSVP=%r PARTSTAT=%r" % (atts[0]["rsvp"], atts[0]["partstat"]))
    elif who.lower() not in [a["addr"] for a in atts]:
        p.append("ATTENDEE %r lacks %s" % ([a["addr"] for a in atts], who))
    exp_uid_re = r"event-%d-[A-Za-z0-9_-]+@%s" % (eid, re.escape(dom))
    if not ev["uid"] or not re.fullmatch(exp_uid_re, ev["uid"]):
        p.append("UID %r, expected event-%d-<token>@%s" % (ev["uid"], eid, dom))
    if uid is not None and ev["uid"] != uid:
        p.append("UID %r changed (expected %r)" % (ev["uid"], uid))
    if ev["sequence"] != sequence:
        p.append("SEQUENCE %r, expected %d" % (ev["sequence"], sequence))
    if ev["tzid"] != TZ:
        p.append("DTSTART TZID %r" % ev["tzid"])
    if TZ not in ev["vtimezones"]:
        p.append("no VTIMEZONE %s (%r)" % (TZ, ev["vtimezones"]))
    else:
        offs = ev["tz_offsets"].get(TZ, {})
        if offs.get("STANDARD") != 3600 or offs.get("DAYLIGHT") != 7200:
            p.append("VTIMEZONE %s offsets %r (expected STANDARD +01:00, DAYLIGHT +02:00)" % (TZ, offs))
    if start and ev["dtstart"] != berlin(date, start):
        p.append("DTSTART %r, expected %r" % (ev["dtstart"], berlin(date, start)))
    if end and ev["dtend"] != berlin(date, end):
        p.append("DTEND %r, expected %r" % (ev["dtend"], berlin(date, end)))
    if title and ev["summary"] != title:
        p.append("SUMMARY %r, expected %r" % (ev["summary"], title))
    problems.extend("%s: %s" % (who, x) for x in p)
    if own and problems:
        raise lib.TestFailure("; ".join(problems))
    return ev


# --------------------------------------------------------------------------
# text replies (the invitation quoted below the answer)

def _quote_gt(text):
    return "\n".join(("> " + l) if l else ">" for l in text.splitlines())


def text_reply(invite, frm, answer, style="gt", to=None, subject=None, thread=True, name="Member"):
    """A reply to the invitation mail `invite` whose new text is `answer`, the invitation
    quoted below it in `style`: "gt" ("> "), "gmail" (On … wrote: + "> "), "gmail_de"
    (Am … schrieb …:), "outlook_de" (-----Ursprüngliche Nachricht----- block, no ">"),
    "outlook_en" (From:/Sent:/To:/Subject: block).  to: default the invitation's Reply-To."""
    orig = invite.text
    bot_from = invite.header("From") or ""
    date = invite.header("Date") or email.utils.formatdate()
    if style == "gt":
        body = "%s\n\n%s wrote:\n%s\n" % (answer, bot_from, _quote_gt(orig))
    elif style == "gmail":
        body = "%s\n\nOn %s, %s wrote:\n\n%s\n" % (answer, date, bot_from, _quote_gt(orig))
    elif style == "gmail_de":
        body = "%s\n\nAm %s schrieb %s:\n\n%s\n" % (answer, date, bot_from, _quote_gt(orig))
    elif style == "outlook_de":
        body = ("%s\n\nMit freundlichen Grüßen\n%s\n\n-----Ursprüngliche Nachricht-----\nVon: %s\n"
                "Gesendet: %s\nAn: %s\nBetreff: %s\n\n%s\n" % (answer, name, bot_from, date, frm, invite.subject, orig))
    elif style == "outlook_en":
        body = ("%s\n\n________________________________\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n\n%s\n"
                % (answer, bot_from, date, frm, invite.subject, orig))
    else:
        raise ValueError(style)
    rt = email.utils.parseaddr(invite.header("Reply-To") or invite.header("From"))[1]
    headers = {}
    if thread:
        headers = {"In-Reply-To": invite.message_id, "References": " ".join(invite.references + [invite.message_id])}
    if subject is None:
        subject = ("AW: " if style in ("outlook_de", "gmail_de") else "Re: ") + invite.subject
    m = lib.make_mail("%s <%s>" % (name, frm), to or rt, subject, body, headers=headers)
    if style.startswith("outlook"):
        m["Thread-Topic"] = invite.subject
        m["Thread-Index"] = base64.b64encode(os.urandom(22)).decode()
        m["X-MS-Has-Attach"] = ""
        m["Content-Language"] = "de-DE" if style == "outlook_de" else "en-US"
    return m


# --------------------------------------------------------------------------
# iTIP REPLY builders (python3-icalendar builds the calendar)

PARTSTAT_SUBJECT = {
    "exchange": {"ACCEPTED": "Akzeptiert", "DECLINED": "Abgelehnt", "TENTATIVE": "Mit Vorbehalt"},
    "thunderbird": {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"},
    "apple": {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Maybe"},
    "google": {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentatively Accepted"},
}

PRODID = {
    "exchange": "Microsoft Exchange Server 2010",
    "thunderbird": "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
    "apple": "-//Apple Inc.//macOS 14.1//EN",
    "google": "-//Google Inc//Google Calendar 70.9054//EN",
}


def _utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def _local_naive(iso):
    return datetime.datetime.fromisoformat(iso).replace(tzinfo=None)


def reply_calendar(style, uid, sequence, attendee, organizer, partstat, comment=None, summary="Event",
                   dtstart=None, dtend=None, cn="Member"):
    """The VCALENDAR (bytes) a client of `style` sends for an answer.  dtstart/dtend:
    ISO strings with offset (from the invitation) or None."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID[style])
    cal.add("version", "2.0")
    if style == "google":
        cal.add("calscale", "GREGORIAN")
    cal.add("method", "REPLY")
    tzid = TZ
    if style == "exchange":
        # Outlook names the zone the Windows way and sends its own VTIMEZONE
        tzid = "W. Europe Standard Time"
        tz = icalendar.Timezone()
        tz.add("tzid", tzid)
        std = icalendar.TimezoneStandard()
        std.add("dtstart", datetime.datetime(1601, 1, 1, 3, 0))
        std.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
        std.add("tzoffsetfrom", datetime.timedelta(hours=2))
        std.add("tzoffsetto", datetime.timedelta(hours=1))
        dl = icalendar.TimezoneDaylight()
        dl.add("dtstart", datetime.datetime(1601, 1, 1, 2, 0))
        dl.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
        dl.add("tzoffsetfrom", datetime.timedelta(hours=1))
        dl.add("tzoffsetto", datetime.timedelta(hours=2))
        tz.add_component(std)
        tz.add_component(dl)
        cal.add_component(tz)
    ev = icalendar.Event()
    org = icalendar.vCalAddress("mailto:" + organizer)
    if style != "google":
        org.params["CN"] = icalendar.vText("MentorBot")
    att = icalendar.vCalAddress(("MAILTO:" if style == "exchange" else "mailto:") + attendee)
    att.params["PARTSTAT"] = icalendar.vText(partstat)
    att.params["CN"] = icalendar.vText(cn)
    if style == "apple":
        att.params["EMAIL"] = icalendar.vText(attendee)
        att.params["CUTYPE"] = icalendar.vText("INDIVIDUAL")
        att.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    if style == "thunderbird":
        att.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    if style == "google":
        att.params["X-NUM-GUESTS"] = icalendar.vText("0")
    ev.add("attendee", att, encode=0)
    if comment is not None:
        ev.add("comment", comment, parameters={"LANGUAGE": "de-DE"} if style == "exchange" else None)
    if style == "exchange":
        ev.add("summary", "%s: %s" % (PARTSTAT_SUBJECT["exchange"][partstat], summary),
               parameters={"LANGUAGE": "de-DE"})
    else:
        ev.add("summary", summary)
    if dtstart:
        if style in ("exchange",):
            ev.add("dtstart", _local_naive(dtstart), parameters={"TZID": tzid})
            ev.add("dtend", _local_naive(dtend), parameters={"TZID": tzid})
        elif style == "google":
            ev.add("dtstart", datetime.datetime.fromisoformat(dtstart).astimezone(datetime.timezone.utc))
            ev.add("dtend", datetime.datetime.fromisoformat(dtend).astimezone(datetime.timezone.utc))
        else:
            ev.add("dtstart", _local_naive(dtstart), parameters={"TZID": TZ})
            ev.add("dtend", _local_naive(dtend), parameters={"TZID": TZ})
    ev.add("uid", uid)
    ev.add("organizer", org, encode=0)
    ev.add("sequence", sequence)
    ev.add("dtstamp", _utc(time.time()))
    if style == "exchange":
        ev.add("class", "PUBLIC")
        ev.add("priority", 5)
        ev.add("transp", "OPAQUE")
        ev.add("status", "CONFIRMED")
        ev.add("x-microsoft-cdo-appt-sequence", str(sequence))
        ev.add("x-microsoft-cdo-owner-appt-id", "2118557714")
        ev.add("x-microsoft-cdo-busystatus", "BUSY" if partstat == "ACCEPTED" else "TENTATIVE")
        ev.add("x-microsoft-cdo-intendedstatus", "BUSY")
        ev.add("x-microsoft-cdo-alldayevent", "FALSE")
        ev.add("x-microsoft-cdo-importance", "1")
        ev.add("x-microsoft-cdo-insttype", "0")
        ev.add("x-microsoft-disallow-counter", "FALSE")
    elif style == "thunderbird":
        ev.add("created", _utc(time.time() - 60))
        ev.add("last-modified", _utc(time.time()))
        ev.add("x-moz-send-invitations", "TRUE")
        ev.add("x-moz-generation", "1")
    elif style == "apple":
        ev.add("created", _utc(time.time() - 60))
        ev.add("transp", "OPAQUE")
        ev.add("x-apple-travel-advisory-behavior", "AUTOMATIC")
    elif style == "google":
        ev.add("status", "CONFIRMED")
        ev.add("transp", "OPAQUE")
    if style in ("thunderbird", "apple"):
        # these clients send the zone they display in
        tz = icalendar.Timezone()
        tz.add("tzid", TZ)
        std = icalendar.TimezoneStandard()
        std.add("tzname", "CET")
        std.add("dtstart", datetime.datetime(1970, 10, 25, 3, 0))
        std.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
        std.add("tzoffsetfrom", datetime.timedelta(hours=2))
        std.add("tzoffsetto", datetime.timedelta(hours=1))
        dl = icalendar.TimezoneDaylight()
        dl.add("tzname", "CEST")
        dl.add("dtstart", datetime.datetime(1970, 3, 29, 2, 0))
        dl.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
        dl.add("tzoffsetfrom", datetime.timedelta(hours=1))
        dl.add("tzoffsetto", datetime.timedelta(hours=2))
        tz.add_component(std)
        tz.add_component(dl)
        cal.add_component(tz)
    cal.add_component(ev)
    data = cal.to_ical()
    # sanity: python3-icalendar reads back what it built
    back = icalendar.Calendar.from_ical(data)
    assert back.get("METHOD") == "REPLY"
    return data


def itip_reply(style, frm, to, uid, sequence, partstat, comment=None, summary="Event", dtstart=None, dtend=None,
               attendee=None, organizer=None, name="Member", in_reply_to=None):
    """A whole iTIP REPLY mail as `style` sends it (EmailMessage-compatible object).
    attendee defaults to frm (a forged one is another address); organizer to `to`."""
    attendee = attendee or frm
    organizer = organizer or to
    data = reply_calendar(style, uid, sequence, attendee, organizer, partstat, comment, summary, dtstart, dtend,
                          cn=name)
    word = PARTSTAT_SUBJECT[style][partstat]
    if style == "exchange":
        subject = "%s: %s" % (word, summary)
        msg = MIMEMultipart("alternative")
        t = MIMEText("%s\n" % (comment or ""), "plain", "utf-8")
        msg.attach(t)
        cpart = MIMEBase("text", "calendar", charset="utf-8", method="REPLY")
        cpart.set_payload(base64.encodebytes(data).decode())
        cpart["Content-Transfer-Encoding"] = "base64"
        msg.attach(cpart)
        msg["Thread-Topic"] = summary
        msg["Thread-Index"] = base64.b64encode(os.urandom(22)).decode()
        msg["Content-Language"] = "de-DE"
        msg["X-MS-Has-Attach"] = ""
        msg["X-MS-TNEF-Correlator"] = ""
        msg["x-ms-exchange-calendar-series-instance-id"] = base64.b64encode(os.urandom(30)).decode()
        msg["Accept-Language"] = "de-DE, en-US"
    elif style == "thunderbird":
        subject = "%s: %s" % (word, summary)
        msg = MIMEMultipart("mixed")
        alt = MIMEMultipart("alternative")
        verb = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "accepted tentatively"}[partstat]
        alt.attach(MIMEText("%s has %s your event invitation.\n" % (name, verb), "plain", "utf-8"))
        cpart = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
        cpart.set_param("method", "REPLY")
        alt.attach(cpart)
        msg.attach(alt)
        ics = MIMEBase("application", "ics", name="invite.ics")
        ics.set_payload(base64.encodebytes(data).decode())
        ics["Content-Transfer-Encoding"] = "base64"
        ics["Content-Disposition"] = 'attachment; filename="invite.ics"'
        msg.attach(ics)
        msg["User-Agent"] = "Mozilla Thunderbird"
    elif style == "apple":
        subject = "%s: %s" % (word, summary)
        msg = MIMEMultipart("alternative")
        msg.attach(MIMEText("%s has %s your invitation to %s.\n" % (name, word.lower(), summary), "plain", "utf-8"))
        mixed = MIMEMultipart("mixed")
        mixed.attach(MIMEText("<html><body><div>%s</div></body></html>" % summary, "html", "us-ascii"))
        cpart = MIMEBase("text", "calendar", name="iCal-%s.ics" % time.strftime("%Y%m%d-%H%M%S"))
        cpart.set_param("x-unix-mode", "0644")
        cpart["Content-Disposition"] = 'attachment; filename=iCal-%s.ics' % time.strftime("%Y%m%d-%H%M%S")
        cpart.set_payload(binascii.b2a_qp(data, istext=False).decode())
        cpart["Content-Transfer-Encoding"] = "quoted-printable"
        mixed.attach(cpart)
        msg.attach(mixed)
        msg["X-Mailer"] = "Apple Mail (2.3774.200.91.1.1)"
        msg["X-Mail-Calendar-Part"] = "Yes"
    elif style == "google":
        subject = "%s: %s @ %s (%s)" % (word, summary, "Thu Dec 10, 2026", attendee)
        msg = MIMEMultipart("mixed")
        alt = MIMEMultipart("alternative")
        alt.attach(MIMEText("%s has %s this invitation.\n\nInvitation from Google Calendar\n" % (
            attendee, word.lower()), "plain", "utf-8"))
        alt.attach(MIMEText("<p>%s has %s this invitation.</p>" % (attendee, word.lower()), "html", "utf-8"))
        cpart = MIMEBase("text", "calendar", charset="UTF-8", method="REPLY")
        cpart.set_payload(base64.encodebytes(data).decode())
        cpart["Content-Transfer-Encoding"] = "base64"
        alt.attach(cpart)
        msg.attach(alt)
        ics = MIMEBase("application", "ics", name="invite.ics")
        ics.set_payload(base64.encodebytes(data).decode())
        ics["Content-Transfer-Encoding"] = "base64"
        ics["Content-Disposition"] = 'attachment; filename="invite.ics"'
        msg.attach(ics)
    else:
        raise ValueError(style)
    msg["From"] = "%s <%s>" % (name, frm)
    msg["To"] = to
    msg["Subject"] = email.header.Header(subject, "utf-8").encode() if any(ord(c) > 127 for c in subject) else subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = lib.make_msgid()
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    return msg


def ccs_available():
    return os.path.isfile(os.path.join(CCS_DIR, "good_reply"))


def ccs_reply(name, frm, to, uid, organizer, partstat=None):
    """A CalendarServer corpus REPLY (good_reply / good_reply_future) adapted to our event:
    the envelope headers, the ORGANIZER, the ATTENDEE and the UID rewritten; the
    original MIME shape (multipart/alternative > multipart/mixed > QP text/calendar
    attachment with CRLF as =0D=0A) kept.  Returns the raw bytes."""
    with open(os.path.join(CCS_DIR, name), "rb") as f:
        raw = f.read()
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    head = head.decode("utf-8")
    head = re.sub(r"(?m)^From: .*$", "From: plugh xyzzy <%s>" % frm, head)
    head = re.sub(r"(?m)^To: .*$", "To: User 01 <%s>" % to, head)
    head = re.sub(r"(?m)^Return-path: .*$", "Return-path: <%s>" % frm, head)
    head = re.sub(r"(?m)^Message-id: .*$", "Message-id: %s" % lib.make_msgid(), head)
    body = body.decode("utf-8")
    m = re.search(r"(Content-Transfer-Encoding: quoted-printable\n\n)(.*?)(\n\n--)", body, re.S)
    assert m, "corpus file %s: no QP calendar part" % name
    cal = quopri.decodestring(m.group(2).encode()).decode("utf-8")
    cal = re.sub(r"\r\n[ \t]", "", cal)                      # unfold
    cal = re.sub(r"(?m)^UID:.*$", "UID:" + uid, cal)
    cal = re.sub(r"(?m)^(ORGANIZER;[^:]*:)mailto:.*$", lambda x: x.group(1) + "mailto:" + organizer, cal)
    cal = re.sub(r"(?m)^(ATTENDEE;.*?)mailto:xyzzy@example\.com", lambda x: x.group(1) + "mailto:" + frm, cal)
    cal = cal.replace('CN="xyzzy@example.com"', 'CN="%s"' % frm)
    if partstat:
        cal = cal.replace("PARTSTAT=ACCEPTED", "PARTSTAT=" + partstat)
    cal = cal.replace("\r\n", "\n").replace("\n", "\r\n")
    qp = binascii.b2a_qp(cal.encode("utf-8"), istext=False).decode().replace("\r\n", "\n")
    body = body[:m.start(2)] + qp + body[m.end(2):]
    return (head + "\n\n" + body).encode("utf-8")
