"""The public page (issue 15, point 6): `mentorbot site --out DIR` and [site] dir.

A real bot on the test servers, with [site] dir and url.  Staff announce by mail a
public event (its title carries a <script> injection) and a non-public one; a company
contact (confirmed, approved by staff's reply) posts an offer that staff approve by
reply.  Then `mentorbot site --out DIR` writes the pages, the Atom feeds and the
iCalendar feed, and:

* headless Chromium (Debian's `chromium`) reads index.en.html and index.de.html
  (--dump-dom): the public event is listed with its date, place and how to answer by
  mail (`attend <id>` / `zusage <id>` to the bot's address), the title's <script> is
  text and no script element; the non-public event is not there; the approved offer
  and the programmes are; a screenshot is taken (MB_SITE_SCREENSHOT=PATH copies it,
  e.g. to dist/screenshots/site.png for the README);
* `tidy -e -q` finds neither errors nor warnings in the pages;
* python3-feedparser reads both Atom feeds without a bozo flag, with the entries and
  their tag: ids and the absolute self link from [site] url; python3-icalendar reads
  events.ics: the public event, not the other;
* every file is mode 0644;
* the daemon keeps [site] dir up to date: a second public event announced by mail
  appears in the page it writes (polled with a generous deadline).
"""
import datetime
import html.parser
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time
import zoneinfo

import feedparser

import event_lib as E
import lib
from lib import Mailbox, addr, send

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
FILES = ["index.html", "index.de.html", "index.en.html", "atom.de.xml", "atom.en.xml", "events.ics"]
BASE_URL = "https://uni.example/mentoring/"


def wait_until(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.5)
    raise lib.TestFailure("timed out after %d s waiting for %s" % (seconds, what))


def future_date(days):
    return datetime.datetime.now(zoneinfo.ZoneInfo(E.TZ)).date() + datetime.timedelta(days=days)


def db_rows(bot, sql, *args):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return c.execute(sql, args).fetchall()


def reply_to(msg):
    return {"In-Reply-To": msg.message_id, "References": " ".join(msg.references + [msg.message_id])}


def answer(who, bot, subject, body="", key=None, **kw):
    mid = send(who, bot.address, subject, body, **kw)
    r = Mailbox(who).exactly_one_reply(mid)
    lib.ensure(key is None or r.key == key, "%r answered %r, not %r: %s" % (subject, r.key, key, r.text[:400]))
    return r


def staff_notice(staff, needle):
    return Mailbox(staff).wait_for(lambda m: m.key in ("company.staff_notice", "offers.staff_notice")
                                   and needle in m.text, what="staff notice naming %r" % needle)[-1]


def announce(bot, staff, title, date, public):
    """Staff announce by mail (form, then `announce <id> send`); returns the event id."""
    form = ("Date: %s\nStart: 18:00\nEnd: 20:00\nPlace: Hörsaal 1, Campus Nord\nCapacity: 40\n"
            "Audience: mentoring\nPublic: %s\nDescription: Talks & questions\n" % (date.isoformat(), public))
    r = answer(staff, bot, "announce: " + title, form, key="event.preview")
    eid = int(re.search(r"#(\d+)", r.text).group(1))
    answer(staff, bot, "announce %d send" % eid, "", key="event.sent")
    return eid


def approved_offer(bot, staff, title):
    """A company contact confirmed and approved by staff, then an offer approved by staff."""
    jane = addr("jane")
    company = "ACME GmbH %s" % lib.RUN_ID
    confirm = answer(jane, bot, "join company %s" % company, "", key="company.confirm")
    answer(jane, bot, lib.expected_subject(confirm.subject), "ok\n", key="company.pending",
           headers=reply_to(confirm))
    notice = staff_notice(staff, company)
    answer(staff, bot, lib.expected_subject(notice.subject), "ok\n", headers=reply_to(notice))
    form = ("offer:\nKind: internship\nTitle: %s\nDescription: CAD and prototypes for e-bikes\n"
            "Location: Munich\nRemote: hybrid\nStart: April\nDeadline: 31.12.%d\n"
            "Link: https://acme.example/jobs/7\nContact: Jane Doe\n" % (title, time.gmtime().tm_year + 1))
    r = answer(jane, bot, "offer", form, key="offers.received")
    oid = int(re.search(r"#(\d+)", r.text).group(1))
    notice = staff_notice(staff, title)
    r = answer(staff, bot, lib.expected_subject(notice.subject), "ok\n", headers=reply_to(notice))
    lib.ensure(r.key == "offers.staff_approved", "offer approval answered %r" % r.key)
    lib.ensure(db_rows(bot, "SELECT status FROM offer WHERE id = ?", oid)[0][0] == "approved", "offer not approved")
    return oid, company


def chromium(*args, timeout=180):
    """Headless Chromium with a fresh profile; returns stdout.  Slow starts are allowed for."""
    profile = tempfile.mkdtemp(prefix="mb-chromium-")
    try:
        p = subprocess.run(["chromium"] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        lib.ensure(p.returncode == 0, "chromium %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                                   p.stderr.decode(errors="replace")[-800:]))
        return p.stdout.decode("utf-8")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(html.parser.HTMLParser):
    """What the browser's DOM holds: the text of each list item by id, script elements, links."""

    def __init__(self):
        super().__init__()
        self.items = {}
        self.stack = []
        self.scripts = 0
        self.links = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "script":
            self.scripts += 1
        if tag == "a":
            self.links.append(a.get("href"))
        if tag == "li" and a.get("id"):
            self.stack.append(a["id"])
            self.items[a["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "li" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for i in self.stack:
            self.items[i] += data


def dom_of(path):
    d = Dom()
    d.feed(chromium("--dump-dom", "file://" + path))
    return d


def tidy_clean(path):
    p = subprocess.run(["tidy", "-e", "-q", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    lib.ensure(p.returncode == 0 and not p.stderr.strip(),
               "tidy -e -q %s: exit %d: %s" % (path, p.returncode, p.stderr.decode(errors="replace")[:1500]))


def check_atom(out, lang, want_titles, eid, oid):
    f = feedparser.parse(os.path.join(out, "atom.%s.xml" % lang))
    lib.ensure(not f.bozo, "atom.%s.xml: feedparser bozo: %r" % (lang, f.get("bozo_exception")))
    lib.ensure(f.version == "atom10", "atom.%s.xml: version %r" % (lang, f.version))
    titles = [e.title for e in f.entries]
    for t in want_titles:
        lib.ensure(any(t in x for x in titles), "atom.%s.xml lacks %r: %r" % (lang, t, titles))
    self_links = [l.href for l in f.feed.links if l.rel == "self"]
    lib.ensure(self_links == [BASE_URL + "atom.%s.xml" % lang], "self link %r" % self_links)
    ids = [e.id for e in f.entries]
    lib.ensure(all(i.startswith("tag:") for i in ids) and len(set(ids)) == len(ids), "entry ids %r" % ids)
    lib.ensure(any(i.endswith(":event-%d" % eid) for i in ids) and any(i.endswith(":offer-%d" % oid) for i in ids),
               "entry ids %r" % ids)
    for e in f.entries:
        lib.ensure(e.get("updated") and e.get("link", "").startswith(BASE_URL), "entry %r: %r" % (e.id, e))
    return f


@lib.timeout(420)
def test_public_page_in_chromium_valid_html_atom_and_ical_and_the_daemon_keeps_it():
    staff = addr("staff")
    site_dir = os.path.join(lib.runtime_dir(), "site-%s" % lib.RUN_ID)
    bot = lib.Bot(config={"bot": {"staff": staff, "reply_limit": "200"},
                          "site": {"dir": site_dir, "url": BASE_URL}})
    bot.wait_log(r"event=connected transport=imap")
    # the daemon writes the page at start, with no event yet
    wait_until(lambda: os.path.exists(os.path.join(site_dir, "index.en.html")), 60, "the daemon's first page")

    tag = lib.RUN_ID
    pub_title = "Open day <script>alert('x')</script> & friends %s" % tag
    priv_title = "Internal meeting %s" % tag
    offer_title = "Internship in design %s" % tag
    d1 = future_date(10)
    pub = announce(bot, staff, pub_title, d1, "yes")
    priv = announce(bot, staff, priv_title, future_date(11), "no")
    oid, company = approved_offer(bot, staff, offer_title)
    # only a programme with an open call is on the page, with its deadline
    until = future_date(30)
    answer(staff, bot, "programme mentoring call until %s" % until.isoformat(), key="programme.call.opened")

    out = os.path.join(bot.dir, "www")
    said = E.cli(bot, "site", "--out", out)
    lib.ensure("wrote 6 files to %s" % out in said, "mentorbot site said %r" % said)
    for name in FILES:
        mode = stat.S_IMODE(os.stat(os.path.join(out, name)).st_mode)
        lib.ensure(mode == 0o644, "%s has mode %o" % (name, mode))
    lib.ensure(not [n for n in os.listdir(out) if n not in FILES], "stray files: %r" % os.listdir(out))

    # the page in the browser
    en = dom_of(os.path.join(out, "index.en.html"))
    lib.ensure(en.lang == "en" and en.scripts == 0, "lang %r, %d script elements" % (en.lang, en.scripts))
    ev = en.items.get("event-%d" % pub)
    lib.ensure(ev is not None, "the public event is not in the list: %r" % sorted(en.items))
    lib.ensure(pub_title in ev, "the title is not shown as text: %r" % ev[:400])
    lib.ensure("Hörsaal 1, Campus Nord" in ev and "18:00" in ev and "20:00" in ev and "40 places left" in ev,
               "event item: %r" % ev[:600])
    lib.ensure("%s, %d %s %d" % (d1.strftime("%A"), d1.day, d1.strftime("%B"), d1.year) in ev,
               "the date in English: %r" % ev[:300])
    lib.ensure("attend %d" % pub in ev and bot.address in ev, "how to answer by mail: %r" % ev[:600])
    lib.ensure("mailto:%s?subject=attend%%20%d" % (bot.address, pub) in en.links, "mailto links %r" % en.links)
    lib.ensure("event-%d" % priv not in en.items and not any(priv_title in t for t in en.items.values()),
               "the non-public event is on the page")
    offer = en.items.get("offer-%d" % oid, "")
    lib.ensure(offer_title in offer and company in offer and "Munich" in offer, "offer item: %r" % offer[:400])
    lib.ensure("programme-mentoring" in en.items and "join mentoring" in en.items["programme-mentoring"],
               "programmes: %r" % sorted(en.items))
    lib.ensure("Apply by" in en.items["programme-mentoring"] and str(until.year) in en.items["programme-mentoring"],
               "no deadline: %r" % en.items["programme-mentoring"])
    lib.ensure("programme-alumni" not in en.items, "a programme without a call is listed: %r" % sorted(en.items))
    de = dom_of(os.path.join(out, "index.de.html"))
    ev = de.items.get("event-%d" % pub, "")
    lib.ensure(de.lang == "de" and "zusage %d" % pub in ev and "Noch 40 Plätze frei" in ev, "German: %r" % ev[:600])
    lib.ensure(dom_of(os.path.join(out, "index.html")).lang == "en", "index.html is not the [bot] language")

    shot = os.path.join(bot.dir, "site.png")
    chromium("--screenshot=" + shot, "--window-size=1000,1400", "--hide-scrollbars",
             "file://" + os.path.join(out, "index.en.html"))
    with open(shot, "rb") as f:
        lib.ensure(f.read(8) == b"\x89PNG\r\n\x1a\n", "the screenshot is no PNG")
    if os.environ.get("MB_SITE_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["MB_SITE_SCREENSHOT"])

    for name in ("index.en.html", "index.de.html", "index.html"):
        tidy_clean(os.path.join(out, name))

    check_atom(out, "en", ["Event: " + pub_title, offer_title], pub, oid)
    check_atom(out, "de", ["Veranstaltung: " + pub_title, offer_title], pub, oid)
    with open(os.path.join(out, "events.ics"), "rb") as f:
        cal = E.parse_ical(f.read())
    titles = [e["summary"] for e in cal["events"]]
    lib.ensure(pub_title in titles and priv_title not in titles, "events.ics: %r" % titles)

    # the daemon: a new public event shows in [site] dir
    second = "Career evening %s" % tag
    sid = announce(bot, staff, second, future_date(12), "yes")
    page = os.path.join(site_dir, "index.en.html")

    def shows_second():
        with open(page, encoding="utf-8") as f:
            text = f.read()
        return 'id="event-%d"' % sid in text and 'id="event-%d"' % pub in text

    wait_until(shows_second, 90, "the daemon's page with the new event")
    mode = stat.S_IMODE(os.stat(page).st_mode)
    lib.ensure(mode == 0o644, "the daemon's page has mode %o" % mode)
    f = feedparser.parse(os.path.join(site_dir, "atom.en.xml"))
    lib.ensure(not f.bozo and any(second in e.title for e in f.entries), "the daemon's Atom feed lacks the event")
