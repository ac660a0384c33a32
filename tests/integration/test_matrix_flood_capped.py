"""Matrix: one person flooding a room with commands gets at most the flood
burst of answers and one notice, then silence; someone else in the same room
is still answered."""
from matrix_lib import ROOM, Homeserver, body_of, matrix_bot, wait_listening

BURST = 5


def test_flood_from_one_person_is_capped():
    hs = Homeserver(users=("mallory", "alice"))
    bot = matrix_bot(hs, config={"bot": {"flood_rate": "2", "flood_burst": str(BURST)}})
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    hs.client("alice").join(rid)
    for i in range(60):
        hs.say(rid, "mallory", "!whoami")
    hs.wait(lambda: [m for m in hs.bot_messages(rid) if "faster" in body_of(m)], "flood notice")
    hs.say(rid, "alice", "!whoami")
    hs.wait(lambda: [m for m in hs.bot_messages(rid) if body_of(m).startswith("alice:")], "answer to alice")
    got = hs.settle(lambda: hs.bot_messages(rid), len(hs.bot_messages(rid)), what="bot messages")
    to_mallory = [m for m in got if body_of(m).startswith("mallory:") and "faster" not in body_of(m)]
    notices = [m for m in got if "faster" in body_of(m)]
    assert len(notices) == 1, [body_of(m) for m in notices]
    assert BURST <= len(to_mallory) <= BURST + 1, "%d answers to mallory" % len(to_mallory)
    assert len(got) == len(to_mallory) + 2, [body_of(m) for m in got]
