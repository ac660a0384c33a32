"""Matrix: on its very first start the bot does not answer the rooms' history
(one initial sync, its timeline skipped), but after a restart it catches up on
what was said while it was down (the stored next_batch), exactly once."""
from matrix_lib import ROOM, Homeserver, body_of, matrix_bot, wait_listening


def test_first_start_skips_backlog_then_restart_catches_up():
    hs = Homeserver(users=("alice", "bob"))
    rid = hs.room_id(ROOM)
    for i in range(15):                                  # more than one timeline's worth is fine too
        hs.say(rid, "alice", "!help" if i % 2 else "!whoami")
    bot = matrix_bot(hs)
    wait_listening(bot)
    hs.settle(lambda: hs.bot_messages(), 0, seconds=3, what="answers to the backlog")
    hs.say(rid, "alice", "!whoami")
    hs.wait(lambda: hs.bot_messages(rid), "answer to a fresh command")
    hs.settle(lambda: hs.bot_messages(), 1, what="bot messages")

    bot.stop()
    hs.say(rid, "alice", "MentorBot: whoami")        # said while the bot is down
    bot.start()
    got = hs.wait(lambda: hs.bot_messages(rid), "answer to the missed command", count=2)
    assert all(body_of(m).startswith("alice:") for m in got), [body_of(m) for m in got]
    hs.settle(lambda: hs.bot_messages(), 2, what="bot messages after the restart")
