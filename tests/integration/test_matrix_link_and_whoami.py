"""Matrix: a member known by mail links their Matrix account ("link
matrix:@…" by mail, "confirm <code>" from Matrix, or the other way round);
afterwards "whoami" by mail and from Matrix both list both addresses."""
import re

from lib import TOKEN_RE, Mailbox, addr, ask, join_programme, send
from matrix_lib import BOT_ID, Homeserver, body_of, joined, matrix_bot, wait_listening


def whoami_everywhere(hs, bot, who, client, dm):
    r = ask(bot, who, "whoami", key="whoami")
    assert client.user_id in r.text and who in r.text, r.text
    before = len(hs.bot_messages(dm))
    client.send(dm, "whoami")
    got = hs.wait(lambda: hs.bot_messages(dm), "whoami answer in Matrix", count=before + 1)
    text = body_of(got[-1])
    assert client.user_id in text and who in text, text


def test_link_matrix_from_mail_then_whoami_lists_both():
    hs = Homeserver(users=("alice",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    who = addr("alice")
    join_programme(bot, who)
    alice = hs.client("alice")
    r = ask(bot, who, "link matrix:" + alice.user_id, key="link_code_back")
    code = TOKEN_RE.search(r.text).group(0)
    dm = alice.open_direct(BOT_ID)
    joined(hs, dm)
    alice.send(dm, "confirm " + code)
    got = hs.wait(lambda: hs.bot_messages(dm), "link confirmation")
    assert "Linked" in body_of(got[0]), body_of(got[0])
    whoami_everywhere(hs, bot, who, alice, dm)


def test_link_mail_from_matrix_then_whoami_lists_both():
    hs = Homeserver(users=("bob",))
    bot = matrix_bot(hs)
    wait_listening(bot)
    who = addr("bob")
    join_programme(bot, who)
    bob = hs.client("bob")
    dm = bob.open_direct(BOT_ID)
    joined(hs, dm)
    bob.send(dm, "link " + who)
    sent = hs.wait(lambda: hs.bot_messages(dm), "link_sent answer")
    assert who in body_of(sent[0]), body_of(sent[0])
    mb = Mailbox(who)
    mail = mb.wait_for(lambda m: m.key == "link_code", what="link code mail")[0]
    code = TOKEN_RE.search(mail.text).group(0)
    bob.send(dm, "confirm " + code)
    got = hs.wait(lambda: hs.bot_messages(dm), "link confirmation", count=2)
    assert "Linked" in body_of(got[1]), body_of(got[1])
    whoami_everywhere(hs, bot, who, bob, dm)
