"""imaps to a self-signed certificate: refused (log says "certificate", no
reply) without ca_file; accepted with ca_file = $T/certs/imaps.crt."""
import os

from lib import IMAPS_PORT, Bot, Mailbox, addr, runtime_dir, send


def imaps_config(ca_file=None):
    imap = {"url": "imaps://localhost:%d/INBOX" % IMAPS_PORT}
    if ca_file:
        imap["ca_file"] = ca_file
    return {"imap": imap}


def test_self_signed_imaps_refused_without_ca_file():
    bot = Bot(config=imaps_config())
    bot.exit_ok = True        # exiting on a certificate error is fine, retrying too
    who = addr("tls")
    mid = send(who, bot.address, "help", "")
    bot.wait_log(r"certificate", timeout=20)
    Mailbox(who).expect_no_more(lambda m: m.in_reply_to == mid, 0, 3, "replies via an unverified server")


def test_self_signed_imaps_accepted_with_ca_file():
    ca = os.path.join(runtime_dir(), "certs", "imaps.crt")
    bot = Bot(config=imaps_config(ca))
    who = addr("tls")
    mid = send(who, bot.address, "help", "")
    Mailbox(who).exactly_one_reply(mid)
