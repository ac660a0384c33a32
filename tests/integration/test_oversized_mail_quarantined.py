"""A mail over max_mail_size (100K) is moved to the Quarantine folder and the
sender gets exactly one `quarantined` answer."""
from lib import Bot, Mailbox, addr, assert_reply, send


def test_mail_over_size_cap_goes_to_quarantine():
    bot = Bot(config={"bot": {"max_mail_size": "100K"}})
    who = addr("bigsender")
    line = "This line pads the mail so that it is far larger than the size cap. 0123456789\n"
    body = "help\n\n" + line * (300 * 1024 // len(line))
    mid = send(who, bot.address, "help", body)
    q = bot.mailbox("Quarantine").wait_for(lambda m: m.message_id == mid, timeout=30,
                                           what="the oversized mail in Quarantine")
    assert len(q[0].raw) > 300 * 1000, "quarantined copy is truncated (%d bytes)" % len(q[0].raw)
    r = Mailbox(who).exactly_one_reply(mid, settle=3)
    assert_reply(r, mid, "help", key="quarantined", to=who)
    assert not [m for m in bot.mailbox().messages() if m.message_id == mid], \
        "the oversized mail is still in the INBOX"
