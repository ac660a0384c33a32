"""Contact requests through the bot with the real servers (issue 13, point 3).

A student finds two alumni and writes to them with `contact <n> <message>`.
The German alumna gets the message with the student's visible profile, no
address; she answers "ja" by replying to the mail, and both get the other's
address (read back over IMAP).  The English alumnus declines: the student is
told politely and learns nothing.  The limit of open requests
([network] contact_open = 1) is enforced, and a request is answered in XMPP
with "accept c<id>".
"""
import re

import lib
import xmpp_lib as X
from network_lib import ask, profile


def contact_mail(who, subject_part):
    return lib.Mailbox(who).wait_for(lambda m: m.key == "alumni.mail" and subject_part in (m.subject or ""),
                                     what="contact mail %r" % subject_part)[0]


def reply(bot, who, mail, body):
    refs = " ".join(mail.references + [mail.message_id])
    mid = lib.send(who, bot.address, "Re: " + mail.subject, body,
                   headers={"In-Reply-To": mail.message_id, "References": refs})
    return lib.Mailbox(who).exactly_one_reply(mid)


@lib.timeout(300)
def test_contact_yes_exchanges_addresses_no_exchanges_nothing_and_limits_hold():
    bot = lib.Bot(config={"bot": {"reply_limit": "200"}, "network": {"contact_open": "1"}})
    ada, ben, sam = lib.addr("ada"), lib.addr("ben"), lib.addr("sam")
    lib.join_programme(bot, ada, "alumni")
    ask(bot, ada, "profil sprache de", "profile_set", lang=None)  # the answer's language is not this test's matter
    profile(bot, ada, ["profil name Ada Alt", "profil sichtbar name ja",
                       "profil fach Informatik", "profil sichtbar fach ja"], "de")
    lib.join_programme(bot, ben, "alumni")
    profile(bot, ben, ["profile name Ben Bau", "profile visible name yes", "profile field Informatik",
                       "profile visible field yes"], "en")
    lib.join_programme(bot, sam, "mentoring")
    profile(bot, sam, ["profile name Sam Student", "profile visible name yes", "profile topics robotics",
                       "profile visible topics yes"], "en")

    r = ask(bot, sam, "find alumni Informatik", "alumni.find.results")
    nums = dict((name, n) for n, name in re.findall(r"^(\d+)\. (Ada Alt|Ben Bau)\r?$", r.text, re.M))
    lib.ensure(set(nums) == {"Ada Alt", "Ben Bau"}, "both listed: %r" % r.text[:800])

    ask(bot, sam, "contact %s" % nums["Ada Alt"], "alumni.contact.no_message")
    s = ask(bot, sam, "contact %s Hello Ada, may I ask you about your work at the institute?" % nums["Ada Alt"],
            "alumni.contact.sent")
    lib.ensure("Ada Alt" in s.text and ada not in s.text, "sent, no address: %r" % s.text[:400])
    m = contact_mail(ada, "Kontaktanfrage von Sam Student")
    lib.ensure("may I ask you about your work" in m.text and "Themen: robotics" in m.text,
               "message and visible profile: %r" % m.text[:800])
    lib.ensure(sam not in m.text, "the asker's address before yes: %r" % m.text[:800])

    # one open request at a time ([network] contact_open = 1)
    ask(bot, sam, "contact %s Hello Ben" % nums["Ben Bau"], "alumni.limit.open")

    # Ada replies "ja": both get the other's address
    ack = reply(bot, ada, m, "Ja, gerne!\n\n> Hallo")
    lib.ensure(ack.key == "alumni.contact.accepted" and sam in ack.text, "Ada gets Sam's address: %s" % ack.describe())
    got = lib.Mailbox(sam).wait_for(lambda x: x.key == "alumni.mail" and "said yes" in x.text,
                                    what="yes to the asker")[0]
    lib.ensure(ada in got.text and "Ada Alt" in got.text, "Sam gets Ada's address: %r" % got.text[:600])

    # Ben says no: Sam is told politely, nothing exchanged
    ask(bot, sam, "kontakt %s Hallo Ben, eine Frage zum Studium" % nums["Ben Bau"], "alumni.contact.sent")
    mb = contact_mail(ben, "Contact request from Sam Student")
    ack = reply(bot, ben, mb, "no, sorry")
    lib.ensure(ack.key == "alumni.contact.declined" and sam not in ack.text, "Ben's ack: %s" % ack.describe())
    no = lib.Mailbox(sam).wait_for(lambda x: x.key == "alumni.mail" and "Ben Bau" in x.text and "cannot" in x.text,
                                   what="no to the asker")[0]
    lib.ensure(ben not in no.text, "Ben's address after no: %r" % no.text[:600])
    lib.Mailbox(ben).expect_no_more(lambda x: sam in x.text, 0, what="Sam's address at Ben")

    # a second answer to a closed request changes nothing
    again = reply(bot, ada, m, "nein")
    lib.ensure(again.key == "alumni.answer.closed", "closed: %s" % again.describe())


@lib.timeout(240)
def test_contact_accepted_in_xmpp():
    bot = X.start_bot(rooms=[X.room()], extra={"bot": {"reply_limit": "100"}})
    cem, sam = lib.addr("cem"), lib.addr("sam")
    lib.join_programme(bot, cem, "alumni")
    profile(bot, cem, ["profile name Cem Chat", "profile visible name yes", "profile topics robotics",
                       "profile visible topics yes"], "en")
    xc = X.Person("cem")
    r = ask(bot, cem, "link xmpp:%s" % xc.jid, "link_code_back")
    code = lib.TOKEN_RE.search(r.text)
    from_bot = lambda x: x["type"] == "chat" and x["from"].split("/")[0] == bot.jid  # noqa: E731
    xc.direct(bot.jid, "confirm %s" % code.group(0))
    xc.wait(lambda x: from_bot(x) and "Linked" in x["body"], what="link confirmation")
    lib.join_programme(bot, sam, "mentoring")

    ask(bot, sam, "find alumni robotics", "alumni.find.results")
    ask(bot, sam, "contact 1 Hi Cem, a question about robotics", "alumni.contact.sent")
    note = xc.wait(lambda x: from_bot(x) and "Contact request c" in x["body"], what="request in XMPP")[0]
    ref = re.search(r"accept (c\d+)", note["body"]).group(1)
    xc.direct(bot.jid, "accept %s" % ref)
    done = xc.wait(lambda x: from_bot(x) and sam in x["body"], what="accept answer with Sam's address")[0]
    lib.ensure("Thank you" in done["body"], "accept answer: %r" % done["body"])
    got = lib.Mailbox(sam).wait_for(lambda x: x.key == "alumni.mail" and "said yes" in x.text,
                                    what="yes to the asker")[0]
    lib.ensure(cem in got.text, "Sam gets Cem's mail address: %r" % got.text[:600])
    xc.close()
