"""Automatic mail is never answered (RFC 3834): an auto-reply
(Auto-Submitted: auto-replied) and a bounce (multipart/report from
MAILER-DAEMON, empty Return-Path).  A later control mail from another sender
is answered, which proves the bot has caught up."""
import email.utils
import time

from lib import (DOMAIN, Bot, Mailbox, TestFailure, addr, ask, check_bots_alive, make_msgid,
                 maildir_count, send)


def bounce(bot, victim):
    mid = make_msgid()
    b = "bounce-%s" % mid.strip("<>").split("@")[0][-12:]
    date = email.utils.formatdate(localtime=True)
    raw = f"""From: Mail Delivery System <MAILER-DAEMON@{DOMAIN}>
To: {bot.address}
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: {mid}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"

--{b}
Content-Type: text/plain; charset=us-ascii

help

This is the mail system at host mx.{DOMAIN}.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{victim}>: host mx.{DOMAIN} said: 550 5.1.1 User unknown

--{b}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.{DOMAIN}
Arrival-Date: {date}

Final-Recipient: rfc822; {victim}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--{b}
Content-Type: text/rfc822-headers

From: MentorBot <{bot.address}>
To: {victim}
Subject: Re: help
Message-ID: <orig-{b}@{DOMAIN}>

--{b}--
"""
    return raw


def test_auto_reply_and_bounce_get_no_answer():
    bot = Bot()
    auto_from = addr("outofoffice")
    victim = addr("gone")
    auto_mid = send(auto_from, bot.address, "Automatic reply: help",
                    "I am out of the office until Monday.\nhelp\n",
                    headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})
    bounce_mid = send("", bot.address, raw=bounce(bot, victim), envelope_from="")
    # both delivered into the bot's mailbox before the control mail is sent
    deadline = time.monotonic() + 20
    while maildir_count(bot.address, all_folders=True) < 2:
        check_bots_alive()
        if time.monotonic() > deadline:
            raise TestFailure("the two automatic mails did not reach the bot's mailbox")
        time.sleep(0.05)

    control = addr("control")
    ask(bot, control, "help", "", key="help", lang="en")

    Mailbox(auto_from).expect_no_more(lambda m: m.in_reply_to == auto_mid, 0, 3,
                                      "answers to the auto-reply")
    daemon = Mailbox("mailer-daemon@" + DOMAIN)
    assert not daemon.replies_to(bounce_mid), "the bounce was answered (to MAILER-DAEMON)"
    assert not Mailbox(victim).messages(), "mail went to the bounced address"
