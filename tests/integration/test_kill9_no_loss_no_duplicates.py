"""200 `help` mails (200 senders) written into the bot's Maildir; the bot is
killed with SIGKILL after ~50 replies and restarted: every sender gets
exactly one reply."""
import time

from lib import Bot, Mailbox, TestFailure, addr, check_bots_alive, make_mail, maildir_count, timeout, write_maildir

N = 200


def total_replies(senders):
    return sum(maildir_count(s) for s in senders)


@timeout(300)
def test_kill9_then_restart_answers_every_mail_once():
    # 200 strangers at once: the hourly cap on answers to strangers is raised to let them all in
    bot = Bot(config={"bot": {"unknown_reply_limit": "1000"}}, start=False)
    senders = [addr("k%03d" % i) for i in range(N)]
    ids = write_maildir(bot.address, [make_mail(s, bot.address, "help", "") for s in senders])
    bot.start()
    deadline = time.monotonic() + 90
    while total_replies(senders) < 50:
        check_bots_alive()
        if time.monotonic() > deadline:
            raise TestFailure("only %d of 50 replies after 90 s (before the kill)" % total_replies(senders))
        time.sleep(0.02)
    bot.kill9()
    at_kill = total_replies(senders)
    print("    killed with -9 after %d replies" % at_kill, flush=True)
    bot.start()
    deadline = time.monotonic() + 150
    while True:
        missing = [s for s in senders if maildir_count(s) == 0]
        if not missing:
            break
        check_bots_alive()
        if time.monotonic() > deadline:
            raise TestFailure("%d of %d senders got no reply after the restart (e.g. %s)" % (
                len(missing), N, missing[0]))
        time.sleep(0.1)
    time.sleep(0.5)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:   # duplicates still on their way show up here
        extra = [s for s in senders if maildir_count(s) > 1]
        if extra:
            break
        time.sleep(0.25)
    bad = []
    for s, mid in zip(senders, ids):
        replies = Mailbox(s).replies_to(mid)
        if len(replies) != 1:
            bad.append("%s: %d" % (s.split("@")[0], len(replies)))
    assert not bad, "%d senders without exactly one reply (killed after %d): %s" % (
        len(bad), at_kill, ", ".join(bad[:10]))
