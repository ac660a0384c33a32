#!/usr/bin/python3
"""bench_xmpp.py - XMPP figures for mentorbot against the private Prosody.

  bench.xmpp.rtt_p50_ms / rtt_p99_ms   BENCH_XMPP_N (200) "!whoami" one at a time from a
                                       person in a room to the bot's answer in the room
  bench.xmpp.echo_floor_ms             the same round trip through a bare libstrophe echo
                                       bot (tests/bench/strophe_echo.c) on the same Prosody
  bench.xmpp.cmds_per_s                1,000 commands from 10 people at once, until every
                                       answer arrived (flood limits raised)
The bot and the echo bot connect with STARTTLS (BENCH_XMPP_TLS=0: clear text); the
people use clear text.  Needs the mail servers ($T or started here) and root for
OpenSMTPD, like the integration tests.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import lib  # noqa: E402
import xmpp_lib as X  # noqa: E402

N = int(os.environ.get("BENCH_XMPP_N", "200"))
TLS = os.environ.get("BENCH_XMPP_TLS", "1") != "0"
HERE = os.path.dirname(os.path.abspath(__file__))


def out(name, value, fmt="%.3f"):
    print(("%s: " + fmt) % (name, value), flush=True)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def rtts(person, room, texts, is_answer):
    """Send each text, wait for its answer; returns round trips in ms."""
    res = []
    for i, text in enumerate(texts):
        have = len(person.messages(is_answer))
        _, t0 = person.say(room, text)
        m = person.wait(is_answer, count=have + 1, timeout=10, what="answer %d" % i)[have]
        res.append((m["t"] - t0) * 1e3)
    return res


def echo_floor(room):
    exe = os.path.join(lib.runtime_dir(), "strophe_echo")
    subprocess.run("cc -O2 -o %s %s $(pkg-config --cflags --libs libstrophe)" % (
        exe, os.path.join(HERE, "strophe_echo.c")), shell=True, check=True)
    jid = X.account("echo")
    args = [exe, jid, X.PASSWORD, "127.0.0.1", str(X.prosody()), room, "echobot"] + (["tls"] if TLS else [])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = p.stdout.readline()
        if "JOINED" not in line:
            raise lib.TestFailure("strophe_echo did not join: %r" % line)
        person = X.Person("echo-user")
        person.join(room, "eve")
        person.wait_occupant(room, "echobot")
        is_echo = lambda m: m["type"] == "groupchat" and m["nick"] == "echobot"  # noqa: E731
        r = rtts(person, room, ["ping %d" % i for i in range(N)], is_echo)
        person.say(room, "quit")
        person.close()
        return r
    finally:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def run():
    extra = {"bot": {"flood_rate": "100000", "flood_burst": "100000"}}
    room = X.room("bench")
    bot = X.start_bot("bench", rooms=[room], tls=TLS, extra=extra)
    alice = X.Person("alice")
    alice.join(room, "alice")
    alice.wait_occupant(room, "MentorBot")
    to_alice = lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot" and m["body"].startswith("alice:")  # noqa: E731
    rtts(alice, room, ["!whoami"] * 10, to_alice)          # warm up
    r = rtts(alice, room, ["!whoami"] * N, to_alice)
    out("bench.xmpp.rtt_p50_ms", statistics.median(r))
    out("bench.xmpp.rtt_p99_ms", pct(r, 99))
    alice.close()

    floor = echo_floor(X.room("echo"))
    out("bench.xmpp.echo_floor_ms", statistics.median(floor))

    people = [X.Person("p%d" % i) for i in range(10)]
    for i, p in enumerate(people):
        p.join(room, "p%d" % i)
    people[0].wait_occupant(room, "MentorBot")
    per = 100
    answered = lambda i: (lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"  # noqa: E731
                          and m["body"].startswith("p%d:" % i))
    t0 = time.perf_counter()
    for i, p in enumerate(people):
        p.send_many([(room, "!whoami", "groupchat")] * per)
    last = 0.0
    for i, p in enumerate(people):
        got = p.wait(answered(i), count=per, timeout=120, what="answers for p%d" % i)
        last = max(last, max(m["t"] for m in got[:per]))
    out("bench.xmpp.cmds_per_s", 10 * per / (last - t0), "%.0f")
    for p in people:
        p.close()
    print("# bot connected with %s" % ("TLS" if "(TLS)" in bot.log() else "clear text"))


def main():
    lib.start_servers()
    lib.begin_test("bench", "bench_xmpp")
    try:
        run()
    finally:
        for p in lib.end_test():
            print("# " + p)
        X.stop_prosody()
        lib.stop_servers(remove=True)


if __name__ == "__main__":
    main()
