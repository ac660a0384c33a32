"""`help` in English: one reply, key help, Content-Language en, threaded."""
from lib import Bot, addr, ask


def test_help_in_english_gets_english_help_reply():
    bot = Bot()
    who = addr("alice")
    r = ask(bot, who, "help", "", key="help", lang="en")
    assert r.text.strip(), "help reply has an empty body"


def test_staff_commands_are_explained_and_suggested_to_staff_only():
    """`help approve` and the typo `anounce`: staff get the staff command's help and the
    suggestion; anyone else hears of neither (as for an unknown word, like errbot's help)."""
    boss, other = addr("boss"), addr("other")
    bot = Bot(config={"bot": {"staff": boss}})
    r = ask(bot, other, "help approve", "", key="help.unknown_topic", lang="en")
    assert "approve <" not in r.text.lower(), "approve's help shown to a non-staff sender: %r" % r.text[:500]
    r = ask(bot, other, "anounce", "", key="unknown_command", lang="en")
    assert "announce" not in r.text.lower(), "a staff command shown to a non-staff sender: %r" % r.text[:500]
    r = ask(bot, boss, "help approve", "", key="cmd.approve", lang="en")
    r = ask(bot, boss, "anounce", "", key="unknown_command", lang="en")
    assert '"announce"' in r.text, "staff were not pointed at announce: %r" % r.text[:500]
