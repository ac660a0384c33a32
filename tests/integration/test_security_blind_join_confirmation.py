"""A join confirmation cannot be completed blind, on the real servers
(security finding 3).

The attacker forges "From: victim" with "join mentoring" and a Message-ID of
their choosing, so the confirmation goes to the victim.  Then, without seeing
that mail, the attacker answers "ok" as the victim: with the id the bot's
reply used to get (derived from the attacker's own Message-ID alone), and with
the id of a mail the bot sent to the attacker.  Nobody is registered.  The
victim's own reply to the mail they got registers them.
"""
import hashlib
import sqlite3

import lib
from lib import Bot, Mailbox, addr, send, timeout


def registered(bot, who):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return c.execute("SELECT count(*) FROM endpoint WHERE kind = 'mail' AND address = ? AND verified = 1",
                         (who.lower(),)).fetchone()[0] > 0


@timeout(120)
def test_a_forged_join_cannot_be_confirmed_without_the_victims_mail():
    bot = Bot()
    victim, mallory = addr("victim"), addr("mallory")
    vmb, mmb = Mailbox(victim), Mailbox(mallory)
    chosen = "<blind.%s@evil.example>" % lib.RUN_ID
    raw = lib.make_mail(victim, bot.address, "join mentoring", "", message_id=chosen)
    send(victim, bot.address, raw=raw, dkim=False)
    confirm = vmb.exactly_one_reply(chosen)
    lib.ensure(confirm.key == "join_confirm", "the victim got %r" % confirm.key)

    # 1. the id the answer used to get: "mb." + 32 hex of SHA-256("mid:<chosen>") + ".0"
    old = "<mb.%s.0@%s>" % (hashlib.sha256(("mid:" + chosen[1:-1]).encode()).hexdigest()[:32], lib.DOMAIN)
    lib.ensure(old != confirm.message_id, "the confirmation still has the guessable id %s" % old)
    a1 = send(victim, bot.address, "Re: join mentoring", "ok\n", dkim=False,
              headers={"In-Reply-To": old, "References": old})
    # 2. the id of a mail the bot sent to the attacker
    mine = mmb.exactly_one_reply(send(mallory, bot.address, "help", ""))
    a2 = send(victim, bot.address, "Re: join mentoring", "ok\n", dkim=False,
              headers={"In-Reply-To": mine.message_id, "References": mine.message_id})
    for mid in (a1, a2):
        r = vmb.exactly_one_reply(mid)
        lib.ensure(r.key != "join_done", "a blind reply completed the join (%s)" % r.key)
    lib.ensure(not registered(bot, victim), "the victim was registered by the attacker")
    lib.ensure(len(mmb.messages()) == 1, "the attacker got more than the answer to their own help")

    # the victim's own reply to the mail they got
    ok = send(victim, bot.address, lib.expected_subject(confirm.subject), "ok\n", dkim=False,
              headers={"In-Reply-To": confirm.message_id, "References": confirm.message_id})
    done = vmb.exactly_one_reply(ok)
    lib.ensure(done.key == "join_done", "the victim's own confirmation got %r" % done.key)
    lib.ensure(registered(bot, victim), "the victim is not registered after confirming")
