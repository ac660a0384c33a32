"""MIME bombs and a mail that kills the parser do not take the daemon down.

The bot (mail and an XMPP room, parser_memory = 64M) receives through
OpenSMTPD -> Dovecot the three bombs of security finding 2 - 30,000 nested
multiparts with a space before the colon of Content-Type, 50,000 with a
comment before the type, 300,000 parts behind such a header - and a
legitimate 10 MB mail whose base64 HTML body needs more memory than the
parser process may have.  Between them it keeps answering `help` by mail and
in XMPP; each bad mail lands in the Quarantine folder once and its sender gets
exactly one `quarantined` reply with the reason; the daemon never restarts and
its resident memory, sampled from /proc while the mails are handled, stays
under 64 MB (under AddressSanitizer, with its quarantine of freed memory
made small: 64 MB above what it had before).
"""
import base64
import os
import re
import threading
import time

import lib
import xmpp_lib as X
from lib import Mailbox, addr, assert_reply, ensure, send


def _head(frm, to, subject):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
            % (frm, to, subject, lib.make_msgid()))


def bomb_depth_space(frm, to):
    """30,000 nested multiparts, 'Content-Type :' (space before the colon)."""
    parts = [_head(frm, to, "bomb space")]
    for i in range(30000):
        parts.append("Content-Type : multipart/mixed; boundary=\"=_%d_=\"\r\n\r\n--=_%d_=\r\n" % (i, i))
    parts.append("Content-Type: text/plain\r\n\r\nhelp\r\n")
    return "".join(parts).encode()


def bomb_depth_comment(frm, to):
    """50,000 nested multiparts, 'Content-Type: (x)multipart/mixed'."""
    parts = [_head(frm, to, "bomb comment")]
    for i in range(50000):
        parts.append("Content-Type: (x)multipart/mixed; boundary=b%dx\r\n\r\n--b%dx\r\n" % (i, i))
    parts.append("Content-Type: text/plain\r\n\r\nhelp\r\n")
    return "".join(parts).encode()


def bomb_parts(frm, to):
    """300,000 parts of one multipart whose Content-Type has a space before the colon."""
    parts = [_head(frm, to, "bomb parts"), "Content-Type : multipart/mixed; boundary=p\r\n\r\n"]
    parts.append("--p\r\n\r\nx\r\n" * 300000)
    parts.append("--p--\r\n")
    return "".join(parts).encode()


def big_html(frm, to):
    """A legitimate 10 MB mail: one base64 HTML body (about 75 MB to read)."""
    line = "Zeile: Grüße aus Köln, ein langer Text für den Test. <b>fett</b> &amp; mehr<br>\n"
    data = (line * (7_400_000 // len(line.encode()))).encode()
    return (_head(frm, to, "help") + "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data).decode()).encode()


class RssSampler(threading.Thread):
    """VmRSS of one process, every 50 ms, until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max_kb, self.samples, self.halt = pid, 0, 0, threading.Event()

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
                return int(m.group(1)) if m else 0
        except OSError:
            return 0

    def run(self):
        while not self.halt.is_set():
            self.max_kb = max(self.max_kb, self.rss_kb())
            self.samples += 1
            time.sleep(0.05)


def _direct_from(bot):
    return lambda m: m["type"] == "chat" and m["from"].split("/")[0] == bot.jid


@lib.timeout(600)
def test_mime_bombs_and_a_parser_killer_leave_the_daemon_running():
    room = X.room()
    asan = "asan" in lib.mentorbot_path()
    saved_env = os.environ.get("ASAN_OPTIONS")
    if asan:
        # ASan keeps freed memory in a 256 MB quarantine: a small one, so that the
        # resident memory still says what the daemon holds
        os.environ["ASAN_OPTIONS"] = (saved_env + ":" if saved_env else "") + "quarantine_size_mb=4"
    try:
        bot = X.start_bot(rooms=[room], extra={"bot": {"parser_memory": "64M"}})
    finally:
        if saved_env is None:
            os.environ.pop("ASAN_OPTIONS", None)
        else:
            os.environ["ASAN_OPTIONS"] = saved_env
    pid = bot.proc.pid
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    helper = addr("helper")

    # warm up: one help by mail and in XMPP, then the baseline memory
    lib.ask(bot, helper, "help", key="help", lang="en")
    alice.say(room, "!help")
    alice.wait(_direct_from(bot), count=1, what="direct help answer")
    chat_answers = 1
    sampler = RssSampler(pid)
    base_kb = sampler.rss_kb()
    sampler.start()

    cases = [("bomb-space", bomb_depth_space, "too many or too deeply nested parts"),
             ("bomb-comment", bomb_depth_comment, "too many or too deeply nested parts"),
             ("bomb-parts", bomb_parts, "too many or too deeply nested parts"),
             ("parser-killer", big_html, "could not be read safely")]
    sent = []
    try:
        for label, make, reason in cases:
            who = addr(label)
            raw = make(who, bot.address)
            mid = send(who, bot.address, raw=raw)
            sent.append((label, who, mid, reason))
            # the bot goes on answering by mail and in the room while it handles the mail
            lib.ask(bot, helper, "help", key="help", lang="en")
            alice.say(room, "!help")
            chat_answers += 1
            alice.wait(_direct_from(bot), count=chat_answers, what="direct help answer after %s" % label)
            q = bot.mailbox("Quarantine").wait_for(lambda m, mid=mid: m.message_id == mid, timeout=90,
                                                   what="%s in Quarantine" % label)
            ensure(len(q) == 1, "%s is %d times in Quarantine" % (label, len(q)))
            r = Mailbox(who).exactly_one_reply(mid, timeout=60, settle=1.0)
            assert_reply(r, mid, r.subject[4:] if r.subject.lower().startswith("re: ") else r.subject,
                         key="quarantined", to=who)
            ensure(reason in r.text, "%s: reply does not give the reason %r: %r" % (label, reason, r.text[:400]))
            bot.check_alive()
            ensure(bot.proc.pid == pid, "the daemon was restarted")
    finally:
        sampler.halt.set()
        sampler.join()

    # settled: still one copy each in Quarantine, one reply each, nothing left in the INBOX
    time.sleep(2)
    quarantine = bot.mailbox("Quarantine").messages()
    for label, who, mid, reason in sent:
        n = len([m for m in quarantine if m.message_id == lib.norm_id(mid)])
        ensure(n == 1, "%s: %d copies in Quarantine" % (label, n))
        Mailbox(who).expect_no_more(lambda m, mid=mid: m.in_reply_to == lib.norm_id(mid), 1, seconds=0.5,
                                    what="replies to %s" % label)
    inbox = [m.message_id for m in bot.mailbox().messages()]
    ensure(not [s for s in sent if lib.norm_id(s[2]) in inbox], "a bad mail is still in the INBOX")

    log = bot.log()
    ensure(len(re.findall(r"mentorbot \S+ started", log)) == 1, "the daemon started more than once")
    ensure("event=crash_limit" not in log, "a mail went through the crash counter")
    quarantined = r'event=quarantine channel=mail inbound=\d+ reason="'
    ensure(re.search(quarantined + r'parser (crashed|used too much memory)', log),
           "the parser killer was not quarantined as a parser failure: %s" % log[-1500:])
    ensure(len(re.findall(quarantined + r'MIME nesting too deep', log)) == 2, "two nesting bombs expected in the log")
    ensure(len(re.findall(quarantined + r'too many MIME parts', log)) == 1, "the part bomb expected in the log")
    limit_kb = 64 * 1024 + (base_kb if asan else 0)
    print("  daemon VmRSS: %d kB before, at most %d kB while handling the mails (%d samples, limit %d kB)"
          % (base_kb, sampler.max_kb, sampler.samples, limit_kb))
    ensure(sampler.samples > 10, "too few memory samples")
    ensure(sampler.max_kb < limit_kb, "daemon VmRSS reached %d kB (limit %d kB)" % (sampler.max_kb, limit_kb))
    alice.close()
