"""XMPP: "help" in a room and in a direct chat, English and German.

In a room the bot acts on "!help" and "MentorBot: hilfe"; the help text is
long, so it goes to the asker as a direct message and the room gets a
one-line pointer addressed to the asker.  In a direct chat no prefix is
needed and the answer comes straight back.
"""
import lib
import xmpp_lib as X


def _pointer(room, nick):
    return lambda m: m["type"] == "groupchat" and m["room"] == room and m["nick"] == "MentorBot" \
        and m["body"].startswith(nick + ":")


def _direct_from(bot):
    return lambda m: m["type"] == "chat" and m["from"].split("/")[0] == bot.jid


def test_help_in_room_goes_direct_with_pointer_english_and_german():
    room = X.room()
    bot = X.start_bot(rooms=[room])
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")

    alice.say(room, "!help")
    direct = alice.wait(_direct_from(bot), what="direct help answer")[0]
    lib.ensure("help" in direct["body"].lower() and "\n" in direct["body"],
               "English help expected, got %r" % direct["body"][:200])
    ptr = alice.wait(_pointer(room, "alice"), what="room pointer")[0]
    lib.ensure("\n" not in ptr["body"].strip(), "pointer must be one line: %r" % ptr["body"])
    lib.ensure("direct message" in ptr["body"], "English pointer expected: %r" % ptr["body"])

    alice.say(room, "MentorBot: hilfe")
    direct2 = alice.wait(_direct_from(bot), count=2, what="German direct help")[1]
    lib.ensure("Befehl" in direct2["body"], "German help expected, got %r" % direct2["body"][:200])
    ptr2 = alice.wait(_pointer(room, "alice"), count=2, what="German pointer")[1]
    lib.ensure("Direktnachricht" in ptr2["body"] and "\n" not in ptr2["body"].strip(),
               "German one-line pointer expected: %r" % ptr2["body"])

    # nothing else: exactly two direct answers and two pointers, no full help text in the room
    alice.expect_count(_direct_from(bot), 2, what="direct answers")
    room_msgs = alice.messages(lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot")
    lib.ensure(len(room_msgs) == 2, "room got %d bot messages: %r" % (len(room_msgs), [m["body"] for m in room_msgs]))
    alice.close()


def test_help_in_direct_chat_without_prefix():
    room = X.room()
    bot = X.start_bot(rooms=[room])
    bob = X.Person("bob")
    bob.direct(bot.jid, "help")
    d = bob.wait(_direct_from(bot), what="direct help answer")[0]
    lib.ensure("help" in d["body"].lower() and len(d["body"].splitlines()) > 4, "English help: %r" % d["body"][:200])
    bob.direct(bot.jid, "hilfe")
    d2 = bob.wait(_direct_from(bot), count=2, what="German help")[1]
    lib.ensure("Befehl" in d2["body"], "German help expected: %r" % d2["body"][:200])
    bob.expect_count(_direct_from(bot), 2, seconds=1.5, what="direct answers")
    bob.close()
