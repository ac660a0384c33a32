"""20 `help` mails from one sender: exactly 10 help replies and one
reply_limit notice, then silence; another sender is still answered."""
from lib import Bot, Mailbox, addr, ask, make_mail, send_many, timeout


@timeout(150)
def test_twenty_mails_get_ten_replies_and_one_notice():
    # the flood bucket (10 at once, shared with chat) would stop the burst first: widened here
    bot = Bot(config={"bot": {"flood_burst": "100"}})
    who = addr("chatty")
    mails = [make_mail(who, bot.address, "help", "") for _ in range(20)]
    ids = set(send_many([(who, [bot.address], m) for m in mails]))
    mb = Mailbox(who)
    mb.wait_for(lambda m: m.in_reply_to in ids, timeout=60, count=11, what="replies to the 20 mails")
    got = mb.expect_no_more(lambda m: m.in_reply_to in ids, 11, 4, "replies in total")
    keys = sorted(m.key or "(none)" for m in got)
    assert keys.count("help") == 10 and keys.count("reply_limit") == 1, \
        "expected 10 x help + 1 x reply_limit, got %s" % keys
    assert len({m.in_reply_to for m in got}) == 11, "two replies to the same mail"
    ask(bot, addr("other"), "help", "", key="help", lang="en")
