"""XMPP + mail: a person joins by mail, asks by mail to link their XMPP
account, gets the code back by mail, confirms it from XMPP; then `whoami`
from XMPP and from mail both list both addresses."""
import lib
import xmpp_lib as X


@lib.timeout(120)
def test_link_xmpp_account_by_mail_then_whoami_on_both():
    room = X.room()
    bot = X.start_bot(rooms=[room])
    who = lib.addr("alice")
    lib.join_programme(bot, who)
    alice = X.Person("alice")

    subject = "link xmpp:%s" % alice.jid
    r = lib.ask(bot, who, subject, "", key="link_code_back", lang="en")
    m = lib.TOKEN_RE.search(r.text)
    lib.ensure(m, "link_code_back has no code: %r" % r.text[:400])

    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    alice.direct(bot.jid, "confirm %s" % m.group(0))
    done = alice.wait(from_bot, what="link confirmation")[0]
    lib.ensure("Linked" in done["body"], "link_done expected, got %r" % done["body"])

    alice.direct(bot.jid, "whoami")
    w = alice.wait(from_bot, count=2, what="whoami over XMPP")[1]
    lib.ensure(who in w["body"] and alice.jid in w["body"], "XMPP whoami lists both: %r" % w["body"])

    r2 = lib.ask(bot, who, "whoami", "", key="whoami", lang="en")
    lib.ensure(who in r2.text and alice.jid in r2.text, "mail whoami lists both: %r" % r2.text[:600])
    alice.close()
