"""A reply whose new text is `whoami` above a Gmail-style quote ("On ... wrote:",
`> leave all`, `> join alumni`): exactly one reply (whoami), membership unchanged."""
import email.utils

from lib import Bot, Mailbox, addr, ask, assert_reply, join_programme, send


def membership_lines(text):
    return sorted(l.strip().lower() for l in text.splitlines() if "alumni" in l.lower())


def test_quoted_commands_are_ignored():
    bot = Bot()
    who = addr("quoter")
    join_programme(bot, who, "mentoring")
    before = ask(bot, who, "whoami", "", key="whoami")
    assert "mentoring" in before.text.lower(), "whoami does not mention mentoring: %r" % before.text[:600]

    date = email.utils.formatdate(localtime=False)
    body = ("whoami\n"
            "\n"
            "On %s MentorBot <%s> wrote:\n"
            "> leave all\n"
            "> join alumni\n"
            ">\n"
            "> (quoted text from an earlier mail)\n") % (date, bot.address)
    refs = " ".join(before.references + [before.message_id])
    mid = send(who, bot.address, "Re: whoami", body,
               headers={"In-Reply-To": before.message_id, "References": refs})
    r = Mailbox(who).exactly_one_reply(mid, settle=3)
    assert_reply(r, mid, "Re: whoami", key="whoami", to=who)

    after = ask(bot, who, "whoami", "", key="whoami")
    assert "mentoring" in after.text.lower(), "membership lost (quoted 'leave all' obeyed?): %r" % after.text[:600]
    assert membership_lines(after.text) == membership_lines(before.text), \
        "alumni membership changed (quoted 'join alumni' obeyed?): before %r, after %r" % (
            membership_lines(before.text), membership_lines(after.text))
