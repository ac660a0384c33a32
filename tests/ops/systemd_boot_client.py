"""systemd_boot_client.py - the people of tests/ops/test_systemd_boot.sh (stdlib only).

Run it in the container's network namespace (nsenter -t PID -n), where the servers
listen.  Matrix: tests/matrix/homeserver.py through its /_test/ controls.  Mail: the
test OpenSMTPD (tests/servers) on 127.0.0.1:10025; the reply is read from the sender's
Maildir, given as a path the caller can read.

    systemd_boot_client.py PORT say ROOM SENDER BODY   -> prints the event id
    systemd_boot_client.py PORT count                  -> the bot's messages, all rooms
    systemd_boot_client.py PORT wait N SECONDS         -> waits for more than N of them;
                                                          prints the newest, exit 1 if none
    systemd_boot_client.py mail FROM TO SUBJECT BODY MAILDIR SECONDS [DKIMKEY]
        -> sends the mail (DKIM-signed with the PEM key file DKIMKEY, selector "test",
           as tests/integration/lib.py signs), waits for the reply (In-Reply-To) in
           MAILDIR/new; prints its Subject and X-Mentorbot-Reply, exit 1 if none came
"""
import email
import email.message
import email.policy
import email.utils
import json
import os
import smtplib
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


def mail(frm, to, subject, body, maildir, seconds, dkim_key=None):
    m = email.message.EmailMessage()
    m["From"], m["To"], m["Subject"] = frm, to, subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = mid = email.utils.make_msgid(domain=frm.split("@")[1])
    m.set_content(body + "\n")
    data = m.as_bytes(policy=email.policy.SMTP)
    if dkim_key:
        import dkim  # python3-dkim
        with open(dkim_key, "rb") as f:
            key = f.read()
        data = dkim.sign(data, b"test", frm.split("@")[1].encode(), key,
                         include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
                         canonicalize=(b"relaxed", b"relaxed")) + data
    with smtplib.SMTP("127.0.0.1", 10025, timeout=30) as s:
        s.sendmail(frm, [to], data)
    deadline = time.monotonic() + float(seconds)
    new = os.path.join(maildir, "new")
    while True:
        for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
            with open(os.path.join(new, name), "rb") as f:
                r = email.message_from_binary_file(f, policy=email.policy.default)
            if r["In-Reply-To"] == mid:
                print("%s (X-Mentorbot-Reply: %s)" % (r["Subject"], r["X-Mentorbot-Reply"]))
                return 0
        if time.monotonic() > deadline:
            print("no reply to %s in %s after %s s" % (mid, maildir, seconds))
            return 1
        time.sleep(0.2)


def main(argv):
    if argv[1] == "mail":
        return mail(*argv[2:])
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
