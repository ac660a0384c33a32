"""An HTML-only mail (no text/plain part) with `help` in the body is understood."""
from lib import Bot, Mailbox, addr, assert_reply, send

HTML = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        '<body><div dir="ltr"><b>help</b></div><div><br></div>'
        '<div>-- <br>Sent from my phone</div></body></html>\n')


def test_html_only_help_mail_gets_help_reply():
    bot = Bot()
    who = addr("htmluser")
    mid = send(who, bot.address, "", html=HTML)
    r = Mailbox(who).exactly_one_reply(mid)
    assert_reply(r, mid, "", key="help", lang="en", to=who)
