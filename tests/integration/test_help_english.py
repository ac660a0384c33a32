"""`help` in English: one reply, key help, Content-Language en, threaded."""
from lib import Bot, addr, ask


def test_help_in_english_gets_english_help_reply():
    bot = Bot()
    who = addr("alice")
    r = ask(bot, who, "help", "", key="help", lang="en")
    assert r.text.strip(), "help reply has an empty body"
