#!/usr/bin/python3
"""bench_all.py - the memory of one bot with all three transports.

  bench.all.rss_kb    peak RSS (VmHWM, kB) of one mentorbot with mail (IMAP IDLE + SMTP),
                      XMPP (private Prosody, STARTTLS unless BENCH_ALL_TLS=0) and Matrix
                      (tests/matrix/homeserver.py) connected, after it answered
                      BENCH_ALL_N (50) commands on each transport.  Target: <= 20 MB.

Needs the mail servers ($T or started here) and root for OpenSMTPD, like the
integration tests.  Run with Debian's /usr/bin/python3.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import lib  # noqa: E402
import xmpp_lib as X  # noqa: E402
from matrix_lib import Homeserver, matrix_bot, wait_listening  # noqa: E402

N = int(os.environ.get("BENCH_ALL_N", "50"))
TLS = os.environ.get("BENCH_ALL_TLS", "1") != "0"
TARGET_KB = 20 * 1024


def status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_until(cond, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not cond():
        lib.check_bots_alive()
        if time.monotonic() > deadline:
            raise lib.TestFailure("bench_all: no %s after %d s" % (what, timeout))
        time.sleep(0.1)


def run():
    people = ["p%02d" % i for i in range(N)]
    hs = Homeserver(users=("alice",), rooms=())
    for p in people:
        hs.test("POST", "users", {"user": p, "password": "pw"})
    rid = hs.test("POST", "rooms", {"alias": "#bench-all:localhost", "creator": "alice", "members": people})["room_id"]
    xroom = X.room("bench-all")
    cfg = X.bot_config(X.account("bot"), [xroom], tls=TLS,
                       extra={"bot": {"flood_rate": "100000", "flood_burst": "100000"}})
    bot = matrix_bot(hs, rooms=(rid,), config=cfg, name="bench-all-" + lib.RUN_ID)
    bot.wait_log(r"xmpp: joined %s" % re.escape(xroom), timeout=30)
    wait_listening(bot)
    bot.wait_log(r"event=connected transport=imap", timeout=30)
    pid = bot.proc.pid
    idle_kb = status(pid, "VmRSS")

    # mail: N "whoami" from N senders
    senders = [lib.addr("b%02d" % i) for i in range(N)]
    lib.send_many([(w, [bot.address], lib.make_mail(w, bot.address, "whoami")) for w in senders])
    # XMPP: N commands from one person in the room
    alice = X.Person("alice")
    alice.join(xroom, "alice")
    alice.wait_occupant(xroom, "MentorBot")
    alice.send_many([(xroom, "!whoami", "groupchat")] * N)
    # Matrix: one command per person
    for p in people:
        hs.say(rid, p, "!whoami")

    wait_until(lambda: len(hs.bot_messages(rid)) >= N, "%d Matrix answers" % N)
    alice.wait(lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot", count=N, timeout=120,
               what="XMPP answers")
    wait_until(lambda: all(lib.maildir_count(w) > 0 for w in senders), "%d mail replies" % N)
    time.sleep(1)
    lib.check_bots_alive()
    hwm = status(pid, "VmHWM")
    print("bench.all.rss_kb: %d" % hwm, flush=True)
    print("# bench_all: %d commands answered on each of mail, XMPP (%s) and Matrix; RSS after start-up %d kB, "
          "now %d kB; target <= %d kB: %s" % (N, "STARTTLS" if TLS else "clear text", idle_kb,
                                               status(pid, "VmRSS"), TARGET_KB,
                                               "ok" if hwm <= TARGET_KB else "OVER"), flush=True)
    alice.close()


def main():
    lib.start_servers()
    lib.begin_test("bench", "bench_all")
    try:
        run()
    finally:
        for p in lib.end_test():
            print("# problem: %s" % p, file=sys.stderr)
        X.stop_prosody()
        lib.stop_servers(remove=True)


if __name__ == "__main__":
    main()
