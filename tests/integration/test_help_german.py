"""`hilfe` with German body text: help reply in German (Content-Language de)."""
from lib import Bot, addr, ask

BODY = ("Hallo,\n"
        "ich hätte gern eine Übersicht über die Befehle.\n"
        "Viele Grüße\n"
        "Jürgen Mößner\n")


def test_hilfe_in_german_gets_german_help_reply():
    bot = Bot()
    who = addr("juergen")
    r = ask(bot, who, "hilfe", BODY, key="help", lang="de")
    assert r.text.strip(), "help reply has an empty body"
