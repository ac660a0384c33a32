"""XMPP: one person floods 40 commands; the bot answers up to the burst
([bot] flood_burst, default 10, refilled at flood_rate per minute), sends one
flood notice, ignores the rest - and still answers someone else at once."""
import lib
import xmpp_lib as X


@lib.timeout(90)
def test_flood_is_capped_with_one_notice_and_others_still_answered():
    room = X.room()
    X.start_bot(rooms=[room])
    alice, bob = X.Person("alice"), X.Person("bob")
    alice.join(room, "alice")
    bob.join(room, "bob")
    alice.wait_occupant(room, "MentorBot")
    alice.send_many([(room, "!whoami", "groupchat")] * 40)
    to_alice = lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot" and m["body"].startswith("alice:")  # noqa: E731
    notice = lambda m: to_alice(m) and "faster than I answer" in m["body"]  # noqa: E731
    alice.wait(notice, what="flood notice")
    bob.say(room, "!whoami")
    bob.wait(lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot" and m["body"].startswith("bob:"),
             timeout=5, what="answer to bob during alice's flood")
    got = alice.expect_count(to_alice, len(alice.messages(to_alice)), seconds=3.0, what="messages to alice")
    answers = [m for m in got if not notice(m)]
    lib.ensure(len([m for m in got if notice(m)]) == 1, "exactly one flood notice")
    lib.ensure(8 <= len(answers) <= 12, "about flood_burst (10) answers, got %d" % len(answers))
    alice.close()
    bob.close()
