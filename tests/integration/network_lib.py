"""Helpers of the alumni network's integration tests (test_network_*.py)."""
import lib


def ask(bot, who, subject, key, lang="en"):
    """One command by mail and its single reply (template key, language)."""
    return lib.ask(bot, who, subject, "", key=key, lang=lang)


def profile(bot, who, cmds, lang):
    """One profile command per item, each answered as set (a value or a visibility)."""
    for cmd in cmds:
        vis = cmd.startswith("profile visible") or cmd.startswith("profil sichtbar")
        ask(bot, who, cmd, "profile_visibility_set" if vis else "profile_set", lang=lang)
