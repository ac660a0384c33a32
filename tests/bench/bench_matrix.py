"""bench_matrix.py - the Matrix transport's figures, against tests/matrix/homeserver.py.

Prints `name: value` lines:

  bench.matrix.rtt_p50_ms / _p99_ms   one person, 200 "!whoami" one at a time: the
                                      person's PUT /send → the bot's answer seen by
                                      the person's own /sync long-poll
  bench.matrix.cmds_per_s             10 people post 1,000 "!whoami" at once: first
                                      post → the 1,000th answer seen by a /sync watcher
  bench.matrix.bare_hs_sends_per_s    the same homeserver taking plain sends from one
                                      client as fast as it can (the ceiling the bot
                                      works under)

Needs the mail servers (the bot always runs its mail side): started here or
reused through $T.  Run with Debian's /usr/bin/python3.
"""
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import lib  # noqa: E402
from matrix_lib import BOT_ID, ROOM, Homeserver, matrix_bot, wait_listening  # noqa: E402

RTT_N = int(os.environ.get("BENCH_MATRIX_RTT_N", "200"))
PEOPLE = int(os.environ.get("BENCH_MATRIX_PEOPLE", "10"))
TOTAL = int(os.environ.get("BENCH_MATRIX_N", "1000"))
FILTER = json.dumps({"room": {"timeline": {"types": ["m.room.message"], "limit": 1000},
                              "state": {"types": []}}, "presence": {"types": []}})


def out(name, value, fmt="%.1f"):
    print(("%s: " + fmt) % (name, value), flush=True)


class Syncer:
    """A client's /sync loop: counts the bot's messages in room."""

    def __init__(self, client, room):
        self.c, self.room = client, room
        st, r = self._sync(None, 0)
        self.since = r["next_batch"]

    def _sync(self, since, timeout_ms):
        q = {"timeout": str(timeout_ms), "filter": FILTER}
        if since:
            q["since"] = since
        return self.c.hs.request("GET", "/_matrix/client/v3/sync?" + urllib.parse.urlencode(q),
                                 token=self.c.token, timeout=timeout_ms / 1000 + 30)

    def bot_events(self, timeout_ms=10000):
        """Wait for the next batch; returns the bot's messages in it."""
        st, r = self._sync(self.since, timeout_ms)
        if st != 200:
            raise RuntimeError("sync: %s %s" % (st, r))
        self.since = r["next_batch"]
        tl = r["rooms"]["join"].get(self.room, {}).get("timeline", {}).get("events", [])
        return [e for e in tl if e["sender"] == BOT_ID]


def bench_rtt(hs, rid):
    alice = hs.client("alice")
    s = Syncer(alice, rid)
    rtts = []
    for i in range(RTT_N):
        t0 = time.monotonic()
        alice.send(rid, "!whoami")
        while True:
            if s.bot_events():
                break
            if time.monotonic() - t0 > 30:
                raise RuntimeError("no answer to command %d" % i)
        rtts.append((time.monotonic() - t0) * 1000)
    rtts.sort()
    out("bench.matrix.rtt_p50_ms", statistics.median(rtts))
    out("bench.matrix.rtt_p99_ms", rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))])


def bench_throughput(hs, rid):
    people = ["b%02d" % i for i in range(PEOPLE)]
    clients = [hs.client(p) for p in people]
    for c in clients:
        c.join(rid)
    hs.client("watcher").join(rid)
    watcher = Syncer(hs.client("watcher"), rid)
    per = TOTAL // PEOPLE
    start = threading.Barrier(PEOPLE + 1)

    def post(c):
        start.wait()
        for _ in range(per):
            c.send(rid, "!whoami")

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.monotonic()
    seen = 0
    while seen < per * PEOPLE:
        seen += len(watcher.bot_events())
        if time.monotonic() - t0 > 300:
            raise RuntimeError("only %d of %d answers after 300 s" % (seen, per * PEOPLE))
    dt = time.monotonic() - t0
    for t in threads:
        t.join()
    out("bench.matrix.cmds_per_s", per * PEOPLE / dt)


def bench_bare(hs, rid):
    c = hs.client("bare")
    c.join(rid)
    n = 500
    t0 = time.monotonic()
    for _ in range(n):
        c.send(rid, "plain")
    out("bench.matrix.bare_hs_sends_per_s", n / (time.monotonic() - t0))


def main():
    lib.start_servers()
    lib.begin_test("bench", "bench_matrix")
    try:
        hs = Homeserver(users=("alice", "watcher"))
        bot = matrix_bot(hs, name="bench-matrix",
                         config={"bot": {"flood_rate": "100000", "flood_burst": "100000"}})
        wait_listening(bot)
        rid = hs.room_id(ROOM)
        bench_rtt(hs, rid)
        bench_throughput(hs, rid)
        bench_bare(hs, rid)
    finally:
        for p in lib.end_test():
            print("# problem: %s" % p, file=sys.stderr)
        lib.stop_servers(remove=True)


if __name__ == "__main__":
    main()
