"""An ISO-8859-1 German mail (`hilfe`, umlauts in the body) gets a German help reply."""
from lib import Bot, addr, ask

BODY = ("Guten Tag,\n"
        "ich möchte gern wissen, welche Befehle es gibt. Schöne Grüße aus Düsseldorf!\n"
        "Jürgen Weiß\n")


def test_iso8859_1_german_mail_gets_help_reply():
    bot = Bot()
    who = addr("weiss")
    r = ask(bot, who, "hilfe", BODY, key="help", lang="de", charset="iso-8859-1")
    assert "\ufffd" not in r.text, "reply contains U+FFFD: %r" % r.text[:400]
