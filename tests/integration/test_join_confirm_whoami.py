"""join mentoring -> join_confirm (token) -> plain reply "ok" -> join_done ->
whoami lists the address and the programme."""
from lib import Bot, addr, ask, join_programme


def test_join_mentoring_by_reply_to_confirm_then_whoami():
    bot = Bot()
    who = addr("mentee")
    join_programme(bot, who, "mentoring")
    r = ask(bot, who, "whoami", "", key="whoami")
    body = r.text.lower()
    assert who.lower() in body, "whoami reply does not contain %s: %r" % (who, r.text[:600])
    assert "mentoring" in body, "whoami reply does not mention mentoring: %r" % r.text[:600]
