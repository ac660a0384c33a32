"""systemd_boot_matrix.py - the Matrix side of tests/ops/test_systemd_boot.sh (stdlib only).

Talks to tests/matrix/homeserver.py through its /_test/ controls; run it in the
container's network namespace (nsenter -t PID -n), where the homeserver listens.

    systemd_boot_matrix.py PORT say ROOM SENDER BODY   -> prints the event id
    systemd_boot_matrix.py PORT count                  -> the bot's messages, all rooms
    systemd_boot_matrix.py PORT wait N SECONDS         -> waits for more than N of them;
                                                          prints the newest, exit 1 if none
"""
import json
import sys
import time
import urllib.parse
import urllib.request

BOT_ID = "@mentorbot:localhost"


def call(port, method, name, body=None, query=None):
    url = "http://127.0.0.1:%d/_test/%s" % (port, name)
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def bot_messages(port):
    rooms = call(port, "GET", "events", query={"type": "m.room.message"})["rooms"]
    return [e for r in rooms.values() for e in r["events"] if e["sender"] == BOT_ID]


def main(argv):
    port, cmd = int(argv[1]), argv[2]
    if cmd == "say":
        print(call(port, "POST", "send", {"room": argv[3], "sender": argv[4], "body": argv[5]})["event_id"])
    elif cmd == "count":
        print(len(bot_messages(port)))
    elif cmd == "wait":
        before, deadline = int(argv[3]), time.monotonic() + float(argv[4])
        while True:
            got = bot_messages(port)
            if len(got) > before:
                print(got[-1].get("content", {}).get("body", "").split("\n")[0][:100])
                return 0
            if time.monotonic() > deadline:
                print("no answer from the bot after %s s" % argv[4])
                return 1
            time.sleep(0.2)
    else:
        print("unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
