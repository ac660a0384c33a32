"""Matrix: in a room the bot answers only what is addressed to it ("!cmd",
"MentorBot: cmd"); ordinary talk that merely mentions commands or the bot,
notices from other bots and the bot's own messages get no answer."""
from matrix_lib import ROOM, Homeserver, body_of, matrix_bot, wait_listening

TALK = [
    "hello everyone",
    "help is on the way",
    "does anyone know how to join the alumni network?",
    "mentorbot is really useful",
    "I asked MentorBot yesterday",
    "whoami? no idea",
    "! help",
]


def test_unaddressed_room_talk_is_ignored():
    hs = Homeserver(users=("alice", "bob"))
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    alice, bob = hs.client("alice"), hs.client("bob")
    bob.join(rid)
    for i, text in enumerate(TALK):
        (alice if i % 2 else bob).send(rid, text)
    bob.send(rid, "!help", msgtype="m.notice")       # another bot's notice
    hs.settle(lambda: hs.bot_messages(), 0, seconds=3, what="bot messages after plain talk")
    # it was listening all along: an addressed command right after is answered once
    alice.send(rid, "!whoami")
    got = hs.wait(lambda: hs.bot_messages(rid), "answer to !whoami")
    assert body_of(got[0]).startswith("alice:"), body_of(got[0])
    hs.settle(lambda: hs.bot_messages(), 1, what="bot messages")
