"""Matrix: "!help" (English) and "MentorBot: hilfe" (German) in a room, and a plain
"help" in a direct chat the person opens by inviting the bot (is_direct): each gets
exactly one answer, in the asker's language.  A long answer in a room goes to the
asker directly, with a short pointer in the room."""
from matrix_lib import BOT_ID, ROOM, Homeserver, body_of, joined, matrix_bot, wait_listening


def room_answer(hs, rid, nick):
    """Bot messages in the room addressed to nick, and the direct messages to that person."""
    return ([m for m in hs.bot_messages(rid) if body_of(m).startswith(nick + ":")],
            hs.direct_messages(nick))


def test_help_in_room_english():
    hs = Homeserver(users=("alice", "bob"))
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    alice = hs.client("alice")
    alice.send(rid, "!help")
    hs.wait(lambda: hs.direct_messages("alice"), "direct help to alice")
    pointer = hs.wait(lambda: room_answer(hs, rid, "alice")[0], "pointer in the room")
    dm = hs.settle(lambda: hs.direct_messages("alice"), 1, what="direct answers")
    assert "Hello" in body_of(dm[0]) and "help" in body_of(dm[0]), body_of(dm[0])[:300]
    assert "direct message" in body_of(pointer[0]), body_of(pointer[0])
    hs.settle(lambda: hs.bot_messages(rid), 1, what="bot messages in the room")


def test_hilfe_in_room_german():
    hs = Homeserver(users=("juergen",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    hs.client("juergen").join(rid)
    hs.client("juergen").send(rid, "MentorBot: hilfe")
    dm = hs.wait(lambda: hs.direct_messages("juergen"), "direct help to juergen")
    hs.wait(lambda: room_answer(hs, rid, "juergen")[0], "pointer in the room")
    assert "Hallo" in body_of(dm[0]) and "Befehl" in body_of(dm[0]), body_of(dm[0])[:300]
    hs.settle(lambda: hs.direct_messages("juergen"), 1, what="direct answers")
    hs.settle(lambda: hs.bot_messages(rid), 1, what="bot messages in the room")


def test_plain_help_in_direct_chat():
    hs = Homeserver(users=("carol",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    carol = hs.client("carol")
    dm = carol.open_direct(BOT_ID)
    joined(hs, dm)                       # the bot accepts a direct-chat invitation
    carol.send(dm, "help")               # no prefix needed in a direct chat
    got = hs.wait(lambda: hs.bot_messages(dm), "answer in the direct chat")
    assert "Hello" in body_of(got[0]), body_of(got[0])[:300]
    hs.settle(lambda: hs.bot_messages(dm), 1, what="answers in the direct chat")
    # the bot answered where it was asked: no second direct room
    assert len([r for r, _ in hs.bot_messages()]) == 1


def test_plain_hilfe_in_direct_chat_sent_before_the_bot_joined():
    hs = Homeserver(users=("dora",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    dora = hs.client("dora")
    dm = dora.open_direct(BOT_ID)
    dora.send(dm, "hilfe")               # typed at once, before the bot accepted
    got = hs.wait(lambda: hs.bot_messages(dm), "answer in the direct chat")
    assert "Hallo" in body_of(got[0]), body_of(got[0])[:300]
    hs.settle(lambda: hs.bot_messages(dm), 1, what="answers in the direct chat")
