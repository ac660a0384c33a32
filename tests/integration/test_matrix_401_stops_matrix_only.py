"""Matrix: when the homeserver refuses the bot's access token (revoked while
running, or wrong from the start) the bot logs one clear line and stops its
Matrix side for good; it keeps running and answering mail."""
import re
import time

from lib import addr, ask
from matrix_lib import ROOM, Homeserver, matrix_bot, wait_listening

LINE = r"event=token_refused transport=matrix status=401"


def test_token_revoked_while_running():
    hs = Homeserver(users=("alice",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    rid = hs.room_id(ROOM)
    assert hs.test("POST", "revoke", {"user": "mentorbot"})["revoked"] == 1
    bot.wait_log(LINE)
    n0 = hs.test("GET", "requests")["last"]
    hs.say(rid, "alice", "!help")
    ask(bot, addr("mailer"), "help", key="help")          # mail goes on
    time.sleep(2)
    assert len(re.findall(LINE, bot.log())) == 1, "not exactly one log line:\n" + bot.log()[-2000:]
    reqs = [r for r in hs.test("GET", "requests", query={"since": n0})["requests"]
            if r["user_id"] is None and r["path"].startswith("/_matrix")]
    assert not reqs, "the bot kept calling the homeserver: %s" % reqs[:5]
    assert not hs.bot_messages(), hs.bot_messages()
    bot.check_alive()


def test_wrong_token_at_start():
    hs = Homeserver(users=("alice",), bot_token="right-token")
    bot = matrix_bot(hs, config={"matrix": {"access_token": "Zq9BadTokenValue"}})
    bot.wait_log(LINE)
    ask(bot, addr("mailer"), "help", key="help")
    time.sleep(1)
    assert len(re.findall(LINE, bot.log())) == 1, bot.log()[-2000:]
    assert "Zq9BadTokenValue" not in bot.log(), "the token was logged"
    bot.check_alive()
