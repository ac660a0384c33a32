"""XMPP: in a room the bot answers only messages addressed to it ("!cmd",
"MentorBot: cmd", "MentorBot, cmd"); ordinary talk, a bare command word, the
nick in the middle of a sentence or a longer nick get no answer."""
import lib
import xmpp_lib as X


def test_room_talk_not_addressed_to_the_bot_gets_no_answer():
    room = X.room()
    X.start_bot(rooms=[room])
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    bot_msgs = lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
    for text in ["hello everyone", "help", "whoami", "does MentorBot: help work?", "MentorBotX: help",
                 "! help", "MentorBot"]:
        alice.say(room, text)
    alice.expect_count(bot_msgs, 0, seconds=2.0, what="bot messages for unaddressed talk")
    alice.say(room, "MentorBot, whoami")
    alice.wait(bot_msgs, what="answer to 'MentorBot, whoami'")
    alice.say(room, "!whoami")
    alice.wait(bot_msgs, count=2, what="answer to '!whoami'")
    got = alice.expect_count(bot_msgs, 2, seconds=1.5, what="bot messages")
    lib.ensure(all(m["body"].startswith("alice:") for m in got), "answers address alice: %r" % [m["body"] for m in got])
    alice.close()
