"""Forged staff mail is refused, on the real servers (security finding 1).

The attacker writes "From: staff@example.test" with a staff command:
unsigned (the MTA stamps dkim=none and removes the attacker's own
"Authentication-Results: mx.example.test; dkim=pass" header); validly signed
by evil.example (dkim=pass header.d=evil.example, not aligned); with the
words "dkim=pass" in a comment and in header.i of a header the MTA keeps (it
names another authserv-id); with two From addresses.  Nothing changes, and
only the owner of the staff address hears of it (a confirmation note, or the
refusal of a mail with two senders).  The real staff member's signed mail
works, and so does the owner's confirmation of an unsigned one.
"""
import sqlite3

import lib
from lib import Bot, Mailbox, addr, send, timeout


def programmes(bot):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return {r[0] for r in c.execute("SELECT slug FROM programme")}


@timeout(180)
def test_forged_staff_mail_changes_nothing_and_the_real_one_works():
    staff = addr("koord")
    bot = Bot(config={"bot": {"staff": staff, "reply_limit": "100"}})
    staff_mb, evil_mb = Mailbox(staff), Mailbox(addr("mallory"))
    bot.wait_log(r"event=connected transport=imap")
    before = programmes(bot)

    attempts = [
        # unsigned, with the attacker's own header claiming our MTA's id (the MTA removes it)
        dict(slug="forged1", dkim=False,
             headers={"Authentication-Results": "%s; dkim=pass header.d=%s; dmarc=pass header.from=%s"
                      % (lib.AUTHSERV_ID, lib.DOMAIN, lib.DOMAIN)}),
        # a valid signature, but by evil.example
        dict(slug="forged2", dkim=True, dkim_domain="evil.example"),
        # "dkim=pass" in a comment and in header.i, under another authserv-id
        dict(slug="forged3", dkim=False,
             headers={"Authentication-Results": "other.mx; dkim=fail (dkim=pass) header.i=dkim=pass@%s"
                      % lib.DOMAIN}),
    ]
    ids = []
    for a in attempts:
        mid = send(staff, bot.address, "programme add %s Forged programme" % a["slug"], "",
                   headers=a.get("headers"), dkim=a["dkim"], dkim_domain=a.get("dkim_domain"))
        ids.append(mid)
    # two senders: the staff address first
    raw = lib.make_mail(staff, bot.address, "programme add forged4 Two senders", "")
    del raw["From"]
    raw["From"] = "%s, %s" % (staff, addr("mallory"))
    two = send(staff, bot.address, raw=raw)

    asks = [staff_mb.exactly_one_reply(mid) for mid in ids]
    for r in asks:
        lib.ensure(r.key == "confirm_command", "a forged staff mail got %r, not a confirmation note" % r.key)
        lib.ensure("programme add" in r.text, "the note does not say what was asked: %r" % r.text[:300])
    refusal = staff_mb.exactly_one_reply(two)
    lib.ensure(refusal.key == "quarantined" and "more than one sender" in refusal.text,
               "two senders: %r %r" % (refusal.key, refusal.text[:300]))
    lib.ensure(programmes(bot) == before, "a forged staff mail changed the programmes: %r" % (programmes(bot) - before))
    lib.ensure(not evil_mb.messages(), "the attacker's address got mail from the bot")
    lib.ensure(len(bot.mailbox("Quarantine").messages()) == 1, "the two-sender mail is not in Quarantine")

    # the real staff member: signed by the provider of example.test, the MTA says dkim=pass
    ok = send(staff, bot.address, "programme add realone Real programme", "")
    r = staff_mb.exactly_one_reply(ok)
    lib.ensure(r.key != "confirm_command" and "realone" in programmes(bot),
               "the signed staff mail did not work: %r" % r.key)

    # the owner answers the note of the first forged mail: then (and only then) it runs
    first = asks[0]
    yes = send(staff, bot.address, lib.expected_subject(first.subject), "ok\n", dkim=False,
               headers={"In-Reply-To": first.message_id, "References": first.message_id})
    staff_mb.exactly_one_reply(yes)
    lib.ensure("forged1" in programmes(bot), "the owner's confirmation did not run the command")
    lib.ensure({"forged2", "forged3", "forged4"}.isdisjoint(programmes(bot)), "an unconfirmed command ran")
