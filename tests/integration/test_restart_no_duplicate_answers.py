"""After a restart nothing is answered twice: 3 mails, restart, 1 more -> 4 replies."""
from lib import Bot, Mailbox, addr, send


def test_restart_does_not_answer_again():
    bot = Bot()
    who = addr("steady")
    mb = Mailbox(who)
    first = [send(who, bot.address, "help", "") for _ in range(3)]
    for mid in first:
        mb.wait_reply(mid)
    rc = bot.stop()
    print("    bot exited with status %s on SIGTERM" % rc, flush=True)
    bot.start()
    last = send(who, bot.address, "help", "")
    mb.wait_reply(last)
    got = mb.expect_no_more(lambda m: True, 4, 3, "replies in the inbox")
    assert sorted(m.in_reply_to for m in got) == sorted(first + [last]), \
        "replies do not match the 4 mails one to one: %s" % [m.in_reply_to for m in got]
