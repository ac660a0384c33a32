"""XMPP: Prosody restarts; the bot reconnects (back-off), rejoins its room and
answers again; no command is answered twice."""
import re

import lib
import xmpp_lib as X


@lib.timeout(120)
def test_bot_rejoins_after_prosody_restart_and_answers_once():
    room = X.room()
    bot = X.start_bot(rooms=[room])
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    answer = lambda word: (lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
                           and '"%s"' % word in m["body"])
    alice.say(room, "!zebra-before")
    alice.wait(answer("zebra-before"), what="answer before the restart")
    alice.close()

    X.restart_prosody(down_seconds=1.0)
    # joined once at start, once after the reconnect
    bot.wait_log(r"(?s)xmpp: joined %s.*xmpp: joined %s" % (re.escape(room), re.escape(room)), timeout=40)

    alice2 = X.Person(jid=alice.jid)
    alice2.join(room, "alice")
    alice2.wait_occupant(room, "MentorBot")
    alice2.say(room, "!zebra-after")
    alice2.wait(answer("zebra-after"), what="answer after the restart")
    alice2.expect_count(answer("zebra-after"), 1, seconds=2.0, what="answers to the new command")
    alice2.expect_count(answer("zebra-before"), 0, seconds=0.5, what="repeated answers to the old command")
    alice2.close()
