"""Companies and offers on the real servers (issue 13, point 4).

* join company: a stranger's "join company <name>" is confirmed by replying to the
  token mail; staff get the notice by mail (and XMPP); a reply to it from another
  address, or from the staff address with a notice id the bot never issued (unsigned,
  or signed by evil.example), changes nothing; the staff member's signed "ok" approves
  and the contact is told.  German: "firma <name>", staff answer "nein <reason>".
* offers: a form with missing and invalid fields gets ONE answer naming all of them
  (English and German); a complete one goes to staff, who approve it in XMPP; it is
  posted to the room of [offers] post_to and listed by "offers"/"angebote"; a
  student's "interested <id>" reaches the company contact, whose "ja" by mail gives
  both the other's address.
* expiry with the test clock: the notice a week before the deadline, renew, the old
  deadline passing without effect, close; an offer without deadline ends [offers]
  days after it was made.
"""
import re
import sqlite3
import time

import lib
import xmpp_lib as X
from lib import Bot, Mailbox, addr, send, timeout

DAY = 86400


def db_rows(bot, sql, *args):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return c.execute(sql, args).fetchall()


def reply_to(msg):
    refs = " ".join(msg.references + [msg.message_id])
    return {"In-Reply-To": msg.message_id, "References": refs}


def answer(who, bot, subject, body="", key=None, **kw):
    """One mail to the bot and its one reply (key checked when given)."""
    mid = send(who, bot.address, subject, body, **kw)
    r = Mailbox(who).exactly_one_reply(mid)
    lib.ensure(key is None or r.key == key, "%s: %r answered %r, not %r: %s" % (who, subject, r.key, key,
                                                                              r.text[:400]))
    return r


def wait_text(who, needle, what, count=1):
    return Mailbox(who).wait_for(lambda m: needle in m.text, count=count, what=what)


def join_company(bot, who, name, command="join company"):
    """The stranger's request and the confirmation by plain reply; returns the staff notice
    selector (the company id)."""
    confirm = answer(who, bot, "%s %s" % (command, name), "", key="company.confirm")
    lib.ensure(name in confirm.text and lib.TOKEN_RE.search(confirm.text), "confirm: %r" % confirm.text[:400])
    pending = answer(who, bot, lib.expected_subject(confirm.subject), "ok\n", key="company.pending",
                     headers=reply_to(confirm))
    lib.ensure(name in pending.text, "pending: %r" % pending.text[:300])
    rows = db_rows(bot, "SELECT c.id FROM company c JOIN company_contact cc ON cc.company_id = c.id"
                        " JOIN endpoint e ON e.person_id = cc.person_id WHERE e.address = ?", who.lower())
    lib.ensure(len(rows) == 1, "company contact rows for %s: %r" % (who, rows))
    return rows[0][0]


def contact_status(bot, who):
    rows = db_rows(bot, "SELECT cc.status FROM company_contact cc JOIN endpoint e ON e.person_id = cc.person_id"
                        " WHERE e.address = ?", who.lower())
    return rows[0][0] if rows else None


def notice_for(staff, needle):
    return Mailbox(staff).wait_for(lambda m: m.key in ("company.staff_notice", "offers.staff_notice")
                                   and needle in m.text, what="staff notice naming %r" % needle)[-1]


@timeout(240)
def test_join_company_staff_approves_by_reply_and_forged_replies_change_nothing():
    staff = addr("koord")
    bot = Bot(config={"bot": {"staff": staff, "reply_limit": "100", "language": "en"}})
    bot.wait_log(r"event=connected transport=imap")
    jane, mallory = addr("jane"), addr("mallory")
    acme = "ACME GmbH %s" % lib.RUN_ID
    cid = join_company(bot, jane, acme)
    notice = notice_for(staff, acme)
    lib.ensure(jane in notice.text and 'Reply "ok"' in notice.text, "notice: %r" % notice.text[:500])

    # another address answering the notice (it saw a copy): no decision
    send(mallory, bot.address, lib.expected_subject(notice.subject), "ok\n", headers=reply_to(notice))
    # the staff address, unsigned, with a notice id the bot never issued
    fake = "<company.%d.1.0.aaaaaaaaaaaaaaaaaaaa@%s>" % (cid, lib.DOMAIN)
    send(staff, bot.address, lib.expected_subject(notice.subject), "ok\n", dkim=False,
         headers={"In-Reply-To": fake, "References": fake})
    # signed by evil.example, with that id
    send(staff, bot.address, lib.expected_subject(notice.subject), "ok\n", dkim_domain="evil.example",
         headers={"In-Reply-To": fake, "References": fake})
    time.sleep(lib.SETTLE)
    lib.ensure(contact_status(bot, jane) == "pending", "a forged answer decided: %r" % contact_status(bot, jane))
    lib.ensure(not [m for m in Mailbox(jane).messages() if "contact person of" in m.text and "now" in m.text],
               "jane was told of an approval")

    # the staff member's own signed reply approves
    ok = send(staff, bot.address, lib.expected_subject(notice.subject), "ok\n", headers=reply_to(notice))
    r = Mailbox(staff).exactly_one_reply(ok)
    lib.ensure(r.key == "company.staff_approved", "staff got %r: %s" % (r.key, r.text[:300]))
    told = wait_text(jane, "you are now a contact person", "the approval")[0]
    lib.ensure(acme in told.text and "offer:" in told.text, "approval: %r" % told.text[:500])
    lib.ensure(contact_status(bot, jane) == "approved", "status %r" % contact_status(bot, jane))
    lib.ensure(db_rows(bot, "SELECT count(*) FROM audit WHERE action = 'company approve'")[0][0] == 1,
               "no audit row of the approval")

    # German: "firma <name>", staff reject by reply with a reason
    max_ = addr("max")
    mueller = "Müller Maschinenbau AG %s" % lib.RUN_ID
    confirm = answer(max_, bot, "firma %s" % mueller, "", key="company.confirm")
    lib.ensure("bestätigen" in confirm.text, "German confirmation: %r" % confirm.text[:300])
    answer(max_, bot, lib.expected_subject(confirm.subject), "ja\n", key="company.pending",
           headers=reply_to(confirm))
    notice2 = notice_for(staff, mueller)
    no = send(staff, bot.address, lib.expected_subject(notice2.subject), "nein - keine Verbindung zur Uni\n",
              headers=reply_to(notice2))
    lib.ensure(Mailbox(staff).exactly_one_reply(no).key == "company.staff_rejected", "no rejection answer")
    told = wait_text(max_, "nicht freigegeben", "the rejection")[0]
    lib.ensure("keine Verbindung zur Uni" in told.text, "the reason is missing: %r" % told.text[:400])
    lib.ensure(contact_status(bot, max_) == "rejected", "status %r" % contact_status(bot, max_))


FORM_EN = ("offer:\nKind: internship\nTitle: {title}\nDescription: CAD and prototypes for e-bikes\n"
           "Location: Munich\nRemote: hybrid\nStart: April\nDeadline: {deadline}\n"
           "Link: https://acme.example/jobs/7\nContact: Jane Doe\n")


class Company:
    """A bot with mail and XMPP staff, a students' room as [offers] post_to, and an
    approved company contact (jane)."""

    def __init__(self, extra_bot=None):
        self.staff = addr("koord")
        self.staff_x = X.Person("staff")
        self.room = X.room("students")
        jid = X.account("bot")
        cfg = X.bot_config(jid, [self.room])
        cfg["bot"] = {"staff": "%s, xmpp:%s" % (self.staff, self.staff_x.jid), "reply_limit": "200",
                      "language": "en"}
        cfg["bot"].update(extra_bot or {})
        cfg["groups"] = {"students": "xmpp:%s" % self.room}
        cfg["offers"] = {"post_to": "students", "notice_days": "7", "days": "90"}
        self.bot = Bot(config=cfg)
        self.bot.jid = jid
        self.bot.wait_log(r"xmpp: joined %s" % re.escape(self.room), timeout=20)
        self.bot.wait_log(r"event=connected transport=imap")
        self.watcher = X.Person("watcher")
        self.watcher.join(self.room, "watcher")
        self.watcher.wait_occupant(self.room, "MentorBot")
        self.jane = addr("jane")
        self.acme = "ACME GmbH %s" % lib.RUN_ID
        join_company(self.bot, self.jane, self.acme)
        notice = notice_for(self.staff, self.acme)
        ok = send(self.staff, self.bot.address, lib.expected_subject(notice.subject), "freigeben\n",
                  headers=reply_to(notice))
        Mailbox(self.staff).exactly_one_reply(ok)
        wait_text(self.jane, "you are now a contact person", "the approval")

    def staff_says(self, text, needle):
        n = len(self.staff_x.messages(X.from_bot(bot_jid=self.bot.jid)))
        self.staff_x.direct(self.bot.jid, text)
        got = self.staff_x.wait(lambda m: X.from_bot(bot_jid=self.bot.jid)(m) and needle in m["body"],
                                what="the bot's answer to %r" % text)
        lib.ensure(len(got) >= 1 and len(self.staff_x.messages(X.from_bot(bot_jid=self.bot.jid))) > n, "no answer")
        return got[-1]["body"]

    def post_offer(self, body, subject="offer"):
        r = answer(self.jane, self.bot, subject, body, key="offers.received")
        oid = int(re.search(r"#(\d+)", r.text).group(1))
        return oid

    def room_posts(self, needle):
        return self.watcher.messages(lambda m: m["type"] == "groupchat" and m["room"] == self.room
                                     and m["nick"] == "MentorBot" and needle in m["body"])

    def close(self):
        self.watcher.close()
        self.staff_x.close()


@timeout(300)
def test_offer_form_staff_approval_in_xmpp_post_list_and_interested():
    c = Company()
    bot, jane = c.bot, c.jane
    # missing and invalid fields: one answer naming each (English)
    r = answer(jane, bot, "offer", "offer:\nKind: apprenticeship\nTitle: Something\nLink: ftp://acme.example\n",
               key="offers.form_problems")
    for part in ('Kind: "apprenticeship"', "Description: missing", "Location: missing", 'Link: "ftp://acme.example"'):
        lib.ensure(part in r.text, "the answer does not name %r: %s" % (part, r.text[:600]))
    lib.ensure(not db_rows(bot, "SELECT id FROM offer"), "an incomplete offer was stored")
    # German (a German contact person of the same company)
    max_ = addr("max")
    join_company(bot, max_, c.acme, command="firma")
    c.staff_says("firma %d freigeben" % db_rows(bot, "SELECT id FROM company")[0][0], "Freigegeben")
    wait_text(max_, "Ansprechperson", "the approval (German)")
    r = answer(max_, bot, "angebot", "angebot:\nArt: Lehrstelle\nTitel: Etwas\nFrist: 31.02.\n",
               key="offers.form_problems")
    for part in ('Art: "Lehrstelle" ist keine', "Beschreibung: fehlt", "Ort: fehlt", 'Frist: "31.02."'):
        lib.ensure(part in r.text, "the German answer does not name %r: %s" % (part, r.text[:600]))

    # a complete offer: staff notice by mail and XMPP, approved in XMPP, posted to the room
    title = "Internship in design %s" % lib.RUN_ID
    oid = c.post_offer(FORM_EN.format(title=title, deadline="31.12.%d" % (time.gmtime().tm_year + 1)))
    notice_for(c.staff, title)
    c.staff_x.wait(lambda m: X.from_bot(bot_jid=bot.jid)(m) and title in m["body"], what="XMPP staff notice")
    student = addr("student")
    lib.join_programme(bot, student, "mentoring")
    r = answer(student, bot, "offers", "", key="offers.none")
    out = c.staff_says("offer %d approve" % oid, "is published")
    lib.ensure("1 posts" in out or "(1 " in out, "staff answer: %r" % out)
    post = c.watcher.wait(lambda m: m["type"] == "groupchat" and title in m["body"], what="the room post")
    lib.ensure("https://acme.example/jobs/7" in post[0]["body"] and c.acme in post[0]["body"],
               "room post: %r" % post[0]["body"])
    wait_text(jane, '"%s" is published' % title, "the company told")
    lib.ensure(db_rows(bot, "SELECT count(*) FROM audit WHERE action = 'offer approve'")[0][0] == 1,
               "no audit row of the offer approval")

    # listed for members, filtered by words (umlauts, German kind names)
    r = answer(student, bot, "offers praktikum munich", "", key="offers.list")
    lib.ensure(title in r.text and "#%d" % oid in r.text and jane not in r.text, "list: %r" % r.text[:600])
    answer(student, bot, "angebote werkstudent", "", key="offers.none_match")

    # interested -> the company contact gets the message, not the address; "ja" exchanges them
    r = answer(student, bot, "interested %d I build e-bikes in my spare time" % oid, "", key="offers.interest_sent")
    lib.ensure(c.acme in r.text, "interest answer: %r" % r.text[:300])
    req = wait_text(jane, "I build e-bikes", "the interest")[0]
    lib.ensure(student not in req.text, "the student's address before the yes: %r" % req.text[:500])
    yes = send(jane, bot.address, lib.expected_subject(req.subject), "ja\n", headers=reply_to(req))
    Mailbox(jane).wait_reply(yes)
    wait_text(student, jane, "the company's address")
    lib.ensure(any(student in m.text for m in Mailbox(jane).messages() if m.message_id != req.message_id),
               "the company did not get the student's address")
    c.close()


@timeout(300)
def test_offer_expiry_notice_renew_close_with_the_test_clock():
    lib.with_test_clock(expiry_story)


def expiry_story(clock, t0):
    c = Company()
    bot, jane = c.bot, c.jane
    title = "Thesis on batteries %s" % lib.RUN_ID
    deadline = time.strftime("%d.%m.%Y", time.localtime(t0 + 30 * DAY))
    oid = c.post_offer(FORM_EN.format(title=title, deadline=deadline))
    # staff approve by replying to the mail notice
    notice = notice_for(c.staff, title)
    ok = send(c.staff, bot.address, lib.expected_subject(notice.subject), "ok\n", headers=reply_to(notice))
    lib.ensure(Mailbox(c.staff).exactly_one_reply(ok).key == "offers.staff_approved", "no approval answer")
    wait_text(jane, "is published", "the company told")
    end = db_rows(bot, "SELECT deadline FROM offer WHERE id = ?", oid)[0][0]

    # a week before the deadline: the notice, once
    lib.set_clock(clock, end - 7 * DAY + 30)
    note = wait_text(jane, "ends on", "the expiry notice")[0]
    lib.ensure("offer %d renew" % oid in note.text and "offer %d close" % oid in note.text,
               "notice: %r" % note.text[:500])
    r = answer(jane, bot, "offer %d renew" % oid, "", key="offers.renewed")
    new_end = db_rows(bot, "SELECT deadline FROM offer WHERE id = ?", oid)[0][0]
    lib.ensure(new_end == end + 90 * DAY, "renewed to %r, not %r" % (new_end, end + 90 * DAY))
    # the old deadline passes: still open and listed
    lib.set_clock(clock, end + 60)
    time.sleep(3)
    lib.ensure(db_rows(bot, "SELECT status FROM offer WHERE id = ?", oid)[0][0] == "approved", "expired early")
    student = addr("student")
    lib.join_programme(bot, student, "mentoring")
    lib.ensure(title in answer(student, bot, "offers", "", key="offers.list").text, "not listed after renew")
    # German close
    answer(jane, bot, "angebot %d schließen" % oid, "", key="offers.closed")
    answer(student, bot, "offers", "", key="offers.none")

    # without a deadline: [offers] days after it was made
    title2 = "Working student data %s" % lib.RUN_ID
    oid2 = c.post_offer("offer:\nKind: working student\nTitle: %s\nDescription: SQL\nLocation: Berlin\n" % title2)
    c.staff_says("offer %d approve" % oid2, "is published")
    lib.set_clock(clock, end + 90 * DAY + 120)
    wait_text(jane, "has ended", "the expiry")
    lib.ensure(db_rows(bot, "SELECT status FROM offer WHERE id = ?", oid2)[0][0] == "expired", "not expired")
    lib.ensure(db_rows(bot, "SELECT status FROM offer WHERE id = ?", oid)[0][0] == "closed", "closed one changed")
    c.close()
