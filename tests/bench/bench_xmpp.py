#!/usr/bin/python3
"""bench_xmpp.py - XMPP figures for mentorbot against the private Prosody.

  bench.xmpp.rtt_p50_ms / rtt_p99_ms   BENCH_XMPP_N (1,000) "!whoami" one at a time from a
                                       person in a room to the bot's answer in the room
                                       (with 200, p99 was the second-longest of them)
  bench.xmpp.echo_floor_ms             the same round trip through a bare libstrophe echo
  bench.xmpp.echo_floor_p99_ms         bot (tests/bench/strophe_echo.c) on the same Prosody:
                                       median and p99.  The bot's and the echo's commands
                                       alternate in BENCH_XMPP_BLOCKS (4) blocks (A/B/A/B), so
                                       that load from other processes on the machine falls on
                                       both alike; a '#' line per block pair compares them
  bench.xmpp.cmds_per_s                1,000 direct-chat commands from 10 people at once, until
                                       every answer arrived (flood limits raised); the people
                                       are one libstrophe process (tests/bench/xmpp_load.c)
The bot and the echo bot connect with STARTTLS (BENCH_XMPP_TLS=0: clear text); the
people use clear text (BENCH_XMPP_PEOPLE_TLS=1: STARTTLS).  Needs the mail servers ($T
or started here) and root for OpenSMTPD, like the integration tests.
"""
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import lib  # noqa: E402
import xmpp_lib as X  # noqa: E402

N = int(os.environ.get("BENCH_XMPP_N", "1000"))
TLS = os.environ.get("BENCH_XMPP_TLS", "1") != "0"
PEOPLE_TLS = os.environ.get("BENCH_XMPP_PEOPLE_TLS", "0") != "0"
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


def build(name):
    """Compile tests/bench/<name>.c against libstrophe into $T; returns the executable."""
    exe = os.path.join(lib.runtime_dir(), name)
    subprocess.run("cc -O2 -o %s %s $(pkg-config --cflags --libs libstrophe)" % (
        exe, os.path.join(HERE, name + ".c")), shell=True, check=True)
    return exe


def start_echo(room):
    """The bare libstrophe echo bot in `room` and a person talking to it: (process, person, is_echo)."""
    exe = build("strophe_echo")
    jid = X.account("echo")
    args = [exe, jid, X.PASSWORD, "127.0.0.1", str(X.prosody()), room, "echobot"] + (["tls"] if TLS else [])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    if "JOINED" not in line:
        p.kill()
        raise lib.TestFailure("strophe_echo did not join: %r" % line)
    person = X.Person("echo-user")
    person.join(room, "eve")
    person.wait_occupant(room, "echobot")
    is_echo = lambda m: m["type"] == "groupchat" and m["nick"] == "echobot"  # noqa: E731
    return p, person, is_echo


def stop_echo(p, person, room):
    person.say(room, "quit")
    person.close()
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
    eroom = X.room("echo")
    echo, eve, is_echo = start_echo(eroom)
    rtts(alice, room, ["!whoami"] * 10, to_alice)          # warm up
    rtts(eve, eroom, ["ping"] * 10, is_echo)
    # A/B/A/B: the bot's and the echo's commands in alternating blocks
    blocks = max(1, int(os.environ.get("BENCH_XMPP_BLOCKS", "4")))
    r, floor = [], []
    for b in range(blocks):
        k = N // blocks + (1 if b < N % blocks else 0)
        a = rtts(alice, room, ["!whoami"] * k, to_alice)
        e = rtts(eve, eroom, ["ping %d" % i for i in range(k)], is_echo)
        print("# block %d: bot p50 %.2f p99 %.2f ms, echo p50 %.2f p99 %.2f ms (%d each)"
              % (b + 1, statistics.median(a), pct(a, 99), statistics.median(e), pct(e, 99), k), flush=True)
        r += a
        floor += e
    stop_echo(echo, eve, eroom)
    out("bench.xmpp.rtt_p50_ms", statistics.median(r))
    out("bench.xmpp.rtt_p99_ms", pct(r, 99))
    print("# rtt of %d commands: p90 %.2f ms, p99.9 %.2f ms, max %.2f ms; %d over 2 ms"
          % (len(r), pct(r, 90), pct(r, 99.9), max(r), sum(1 for x in r if x > 2.0)), flush=True)
    alice.close()
    out("bench.xmpp.echo_floor_ms", statistics.median(floor))
    out("bench.xmpp.echo_floor_p99_ms", pct(floor, 99))
    print("# echo floor: p90 %.2f ms, max %.2f ms; %d over 2 ms; bot minus echo: p50 %+.2f ms, p99 %+.2f ms"
          % (pct(floor, 90), max(floor), sum(1 for x in floor if x > 2.0),
             statistics.median(r) - statistics.median(floor), pct(r, 99) - pct(floor, 99)), flush=True)

    # Throughput in direct chats (in a MUC every command and answer is fanned out to all
    # 11 occupants).  The ten people are one C/libstrophe process (xmpp_load.c): ten
    # slixmpp clients managed only ~190/s and were the bottleneck, not the bot.
    per = int(os.environ.get("BENCH_XMPP_PER", "100"))  # commands per person
    people = [X.account("p%d" % i) for i in range(10)]
    exe = build("xmpp_load")
    args = [exe, "-timeout", "120", "-cpu", "%d,%d" % (bot.proc.pid, X.prosody_pid())]
    args += ["-tls"] if PEOPLE_TLS else []
    args += ["127.0.0.1", str(X.prosody()), bot.jid, X.PASSWORD, str(per)] + people
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=200)
    sys.stderr.write(p.stderr)  # empty unless XMPP_LOAD_VERBOSE is set or it failed
    res = dict(kv.split("=", 1) for kv in p.stdout.split() if "=" in kv)
    if p.returncode != 0 or int(res.get("answers", -1)) != 10 * per:
        raise lib.TestFailure("xmpp_load failed (exit %d): %s%s" % (p.returncode, p.stdout, p.stderr[-1500:]))
    el = float(res["elapsed_s"])
    bot_cpu, prosody_cpu = (float(v) for v in res["cpu_s"].split(","))
    out("bench.xmpp.cmds_per_s", 10 * per / el, "%.0f")
    print("# bot CPU for those %d commands: %.2f s over %.2f s; prosody %.2f s; load generator %s s"
          % (10 * per, bot_cpu, el, prosody_cpu, res["self_cpu_s"]))
    print("# half the answers in %.2f s; longest silence %.2f s after %s answers"
          % (float(res["half_s"]), float(res["max_gap_s"]), res["gap_after"]))
    print("# bot connected with %s" % ("TLS" if "(TLS)" in bot.log() else "clear text"))
    bot.stop()
    for line in re.findall(r"database: \d+ checkpoints off the command path.*", bot.log()):
        print("# bot " + line.strip(), flush=True)   # the WAL checkpointer's account, at exit


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
