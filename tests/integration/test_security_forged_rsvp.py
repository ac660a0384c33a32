"""A forged RSVP changes nothing and the member's own reply does, on the real
servers (security finding 4).

Two members are invited.  Mallory, who cannot sign for example.test, forges
Dora's answers: "rsvp <id> no" as a fresh mail, "no" as a reply to Emil's
invitation, "no" to Emil's plus-address, a calendar Decline for Dora to the
plain bot address, and "leave all".  Dora's answer stays open and she stays
a member; only Dora hears of it (a confirmation note she can ignore).  Then
Dora answers for real without any DKIM (her provider signs nothing): a
calendar Accept to the ORGANIZER of her invitation (her keyed plus-address),
and later a "no" in reply to her invitation.  Both count, once each.
"""

import event_lib as E
import lib
from lib import Mailbox, send, timeout


def answer(bot, eid, who):
    rows = E.db_query(bot, "SELECT r.answer FROM rsvp r JOIN endpoint e ON e.person_id = r.person_id "
                           "WHERE r.event_id = ? AND e.kind = 'mail' AND e.address = ?", (eid, who.lower()))
    return rows[0][0] if rows else None


def active(bot, who):
    rows = E.db_query(bot, "SELECT count(*) FROM membership m JOIN endpoint e ON e.person_id = m.person_id "
                           "WHERE e.kind = 'mail' AND e.address = ? AND m.status = 'active'", (who.lower(),))
    return rows[0][0]


@timeout(240)
def test_forged_rsvp_changes_nothing_and_the_members_own_reply_does():
    staff = lib.addr("koord")
    bot = E.event_bot([staff])
    dora, emil = E.make_members(bot, ["dora", "emil"])
    eid = E.event_add(bot, "Security talk", "2030-12-10", "18:00", "20:00", audience="mentoring")
    E.event_send(bot, eid)
    inv_d = E.md_wait(dora, lambda m: m.key == "event.invite", 1, what="Dora's invitation")[0]
    inv_e = E.md_wait(emil, lambda m: m.key == "event.invite", 1, what="Emil's invitation")[0]
    ev_d = E.parse_ical(inv_d.raw)
    plus_d = ev_d["organizer"]
    plus_e = E.parse_ical(inv_e.raw)["organizer"]
    lib.ensure(plus_d != plus_e and "+ev%d." % eid in plus_d, "ORGANIZER is not the member's own plus-address: %r %r"
               % (plus_d, plus_e))
    dmb = Mailbox(dora)
    n0 = len(dmb.messages())

    forged = [
        send(dora, bot.address, "rsvp %d no" % eid, "", dkim=False),
        send(dora, bot.address, "Re: Security talk", "no\n", dkim=False,
             headers={"In-Reply-To": inv_e.message_id, "References": inv_e.message_id}),
        send(dora, plus_e, "Re: Security talk", "no\n", dkim=False),
        send(dora, bot.address, raw=E.itip_reply("thunderbird", dora, bot.address, ev_d["uid"], 0, "DECLINED",
                                                summary="Security talk"), dkim=False),
        send(dora, bot.address, "leave all", "", dkim=False),
    ]
    replies = [dmb.exactly_one_reply(mid) for mid in forged]
    keys = [r.key for r in replies]
    lib.ensure(answer(bot, eid, dora) is None, "a forged mail changed Dora's answer to %r" % answer(bot, eid, dora))
    lib.ensure(active(bot, dora) == 1, "a forged 'leave all' ended Dora's membership")
    lib.ensure(keys.count("confirm_command") >= 4 and not any(k and k.startswith("event.rsvp.") and k not in (
        "event.rsvp.not_invited",) for k in keys), "the forged mails were answered %r" % keys)
    lib.ensure(answer(bot, eid, emil) is None, "Emil's answer changed")

    # Dora herself, unsigned: her calendar's Accept goes to the ORGANIZER of her invitation
    acc = send(dora, plus_d, raw=E.itip_reply("thunderbird", dora, plus_d, ev_d["uid"], 0, "ACCEPTED",
                                             summary="Security talk"), dkim=False)
    r = dmb.exactly_one_reply(acc)
    lib.ensure(r.key == "event.rsvp.yes" and answer(bot, eid, dora) == "yes",
               "Dora's own Accept: %r, answer %r" % (r.key, answer(bot, eid, dora)))
    # and a plain "no" in reply to her invitation
    no = send(dora, bot.address, "Re: Security talk", "Nein, leider doch nicht.\n", dkim=False,
              headers={"In-Reply-To": inv_d.message_id, "References": inv_d.message_id})
    r = dmb.exactly_one_reply(no)
    lib.ensure(r.key == "event.rsvp.no" and answer(bot, eid, dora) == "no",
               "Dora's own reply: %r, answer %r" % (r.key, answer(bot, eid, dora)))
    lib.ensure(len(dmb.messages()) == n0 + len(forged) + 2, "Dora got %d mails, expected %d"
               % (len(dmb.messages()) - n0, len(forged) + 2))
