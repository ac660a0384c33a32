"""Posting to a group: `mentorbot post -c CONFIG GROUP TEXT…` while the bot runs.

[groups] news = xmpp:<room>, matrix:<room id>, members:mentoring, <plain address>.
Two people become members of "mentoring" by mail (join + confirm by plain reply).
Then two posts are queued back to back from the CLI.  Expected:
* each text arrives once in the XMPP room and once in the Matrix room;
* each member and the plain address get one mail of their own per post (To: only
  them, never a shared To/Cc), marked as automatic;
* the second post reaches each room at least [bot] post_interval seconds after the
  first one.
`mentorbot group -c CONFIG set/list/del` keeps groups in the database; a group set
from the CLI can be posted to, and after `del` it is gone."""
import re
import subprocess
import time

import lib
import xmpp_lib as X
from matrix_lib import Homeserver, body_of, matrix_bot, wait_listening

INTERVAL = 3          # [bot] post_interval
TOLERANCE = 0.3       # network and clock jitter allowed below the interval


def cli(bot, *args, expect=0):
    p = subprocess.run([lib.mentorbot_path()] + [args[0], "-c", bot.config_path] + list(args[1:]), cwd=lib.REPO,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=30)
    lib.ensure(p.returncode == expect, "mentorbot %s: exit %d (expected %d): %s %s" % (
        " ".join(args), p.returncode, expect, p.stdout.strip(), p.stderr.strip()))
    return p.stdout


class Setup:
    def __init__(self):
        self.hs = Homeserver(users=("carol",), rooms=())
        self.rid = self.hs.test("POST", "rooms", {"alias": "#news:localhost", "creator": "carol"})["room_id"]
        self.xroom = X.room("news")
        self.plain = lib.addr("plain")
        jid = X.account("bot")
        cfg = X.bot_config(jid, [self.xroom])
        cfg["bot"] = {"post_interval": str(INTERVAL)}
        cfg["groups"] = {"news": "xmpp:%s, matrix:%s, members:mentoring, %s" % (self.xroom, self.rid, self.plain)}
        self.bot = matrix_bot(self.hs, rooms=(self.rid,), config=cfg)
        self.bot.jid = jid
        self.bot.wait_log(r"xmpp: joined %s" % re.escape(self.xroom), timeout=20)
        wait_listening(self.bot)
        self.watcher = X.Person("watcher")
        self.watcher.join(self.xroom, "watcher")
        self.watcher.wait_occupant(self.xroom, "MentorBot")

    def xmpp_posts(self, text):
        return self.watcher.messages(lambda m: m["type"] == "groupchat" and m["room"] == self.xroom
                                     and m["nick"] == "MentorBot" and m["body"] == text)

    def matrix_posts(self, text):
        return [e for _, e in self.hs.bot_messages(self.rid) if body_of(e) == text]


def post_mails(who, text):
    return lambda: [m for m in lib.Mailbox(who).messages() if m.key == "post" and text in m.text]


def wait_list(fn, what, count=1, timeout=lib.REPLY_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if len(got) >= count:
            return got
        lib.check_bots_alive()
        if time.monotonic() > deadline:
            raise lib.TestFailure("%d of %d %s after %.0f s" % (len(got), count, what, timeout))
        time.sleep(0.1)


@lib.timeout(150)
def test_post_reaches_rooms_and_every_member_once_spaced_by_post_interval():
    s = Setup()
    members = [lib.addr("member1"), lib.addr("member2")]
    for m in members:
        lib.join_programme(s.bot, m, "mentoring")
    stamp = lib.RUN_ID + str(int(time.time()))
    text1 = "Mentoring evening on Thursday %s" % stamp
    text2 = "Reminder: bring your CV %s" % stamp
    out1 = cli(s.bot, "post", "news", *text1.split())
    out2 = cli(s.bot, "post", "news", text2)
    # 2 rooms + 2 members + 1 plain address
    lib.ensure("queued 5 messages" in out1 and "queued 5 messages" in out2, "CLI output: %r %r" % (out1, out2))

    x1 = wait_list(lambda: s.xmpp_posts(text1), "first post in the XMPP room")[0]
    x2 = wait_list(lambda: s.xmpp_posts(text2), "second post in the XMPP room")[0]
    m1 = wait_list(lambda: s.matrix_posts(text1), "first post in the Matrix room")[0]
    m2 = wait_list(lambda: s.matrix_posts(text2), "second post in the Matrix room")[0]
    recipients = members + [s.plain]
    for who in recipients:
        for text in (text1, text2):
            wait_list(post_mails(who, text), "post mail %r to %s" % (text[:20], who))

    time.sleep(lib.SETTLE)
    problems = []
    for text in (text1, text2):
        if len(s.xmpp_posts(text)) != 1:
            problems.append("XMPP room has %d copies of %r" % (len(s.xmpp_posts(text)), text))
        if len(s.matrix_posts(text)) != 1:
            problems.append("Matrix room has %d copies of %r" % (len(s.matrix_posts(text)), text))
        for who in recipients:
            got = post_mails(who, text)()
            if len(got) != 1:
                problems.append("%s got %d mails for %r" % (who, len(got), text[:20]))
                continue
            mail = got[0]
            to = mail.to + [a.lower() for a in re.findall(r"[\w.+-]+@[\w.-]+", mail.header("Cc") or "")]
            if to != [who.lower()]:
                problems.append("mail to %s has To/Cc %r (one mail per person expected)" % (who, to))
            if (mail.header("Auto-Submitted") or "no").strip().lower() == "no":
                problems.append("mail to %s is not marked Auto-Submitted" % who)
    # nothing posted beyond the two texts
    extra_x = s.watcher.messages(lambda m: m["type"] == "groupchat" and m["nick"] == "MentorBot"
                                 and m["body"] not in (text1, text2))
    extra_m = [body_of(e) for _, e in s.hs.bot_messages(s.rid) if body_of(e) not in (text1, text2)]
    if extra_x or extra_m:
        problems.append("other bot messages in the rooms: %r %r" % ([m["body"] for m in extra_x], extra_m))

    gap_x = x2["t"] - x1["t"]
    gap_m = (m2["origin_server_ts"] - m1["origin_server_ts"]) / 1000.0
    print("    post spacing: XMPP %.2f s, Matrix %.2f s (post_interval %d)" % (gap_x, gap_m, INTERVAL), flush=True)
    if gap_x < INTERVAL - TOLERANCE:
        problems.append("XMPP: second post %.2f s after the first (post_interval %d)" % (gap_x, INTERVAL))
    if gap_m < INTERVAL - TOLERANCE:
        problems.append("Matrix: second post %.2f s after the first (post_interval %d)" % (gap_m, INTERVAL))
    lib.ensure(not problems, "; ".join(problems))
    s.watcher.close()


@lib.timeout(120)
def test_group_set_list_del_from_cli_and_post_to_it():
    s = Setup()
    plain2 = lib.addr("plain2")
    out = cli(s.bot, "group", "set", "team", "xmpp:" + s.xroom, "matrix:" + s.rid, plain2)
    lib.ensure("team" in out, "group set output: %r" % out)
    listing = cli(s.bot, "group", "list")
    lib.ensure(re.search(r"(?m)^news = .*%s.*\(config\)" % re.escape(s.plain), listing),
               "list shows the [groups] group: %r" % listing)
    m = re.search(r"(?m)^team = (.*)\(database\)", listing)
    lib.ensure(m and s.xroom in m.group(1) and s.rid in m.group(1) and plain2 in m.group(1),
               "list shows the CLI group with its members: %r" % listing)

    text = "Team meeting moved %s" % lib.RUN_ID
    out = cli(s.bot, "post", "team", text)
    lib.ensure("queued 3 messages" in out, "post output: %r" % out)
    wait_list(lambda: s.xmpp_posts(text), "post in the XMPP room")
    wait_list(lambda: s.matrix_posts(text), "post in the Matrix room")
    wait_list(post_mails(plain2, text), "post mail to %s" % plain2)
    time.sleep(1.5)
    lib.ensure(len(s.xmpp_posts(text)) == 1 and len(s.matrix_posts(text)) == 1
               and len(post_mails(plain2, text)()) == 1,
               "one copy each: xmpp %d, matrix %d, mail %d" % (
                   len(s.xmpp_posts(text)), len(s.matrix_posts(text)), len(post_mails(plain2, text)())))

    cli(s.bot, "group", "del", "team")
    listing = cli(s.bot, "group", "list")
    lib.ensure(not re.search(r"(?m)^team = ", listing), "team still listed after del: %r" % listing)
    lib.ensure(re.search(r"(?m)^news = ", listing), "config group still listed: %r" % listing)
    cli(s.bot, "post", "team", "nobody hears this", expect=1)
    cli(s.bot, "post", "nosuchgroup", "x", expect=1)
    s.watcher.close()
