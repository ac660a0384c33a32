"""Changes follow a post on Bluesky (issue 15, point 4), against the REAL reference server
(@atproto/pds, set up as in test_social_bluesky.py).

1. A public event is posted; `mentorbot event change` (a new place) gives ONE reply under the
   post: read back with com.atproto.repo.listRecords, its reply root and parent are the
   original's uri and cid, its text says what changed (within 300 graphemes), and the staff
   view (`announce <id>`) shows the reply's URL; a cancellation deletes the original record
   (the reply stays), social_post says deleted and `event show` says so; `mentorbot report`
   lists no failure.
2. The bot is killed (abort) right after the PDS took the reply, before the change's outbox
   row is marked sent: started again, it finds the reply under the same key: ONE reply.
"""
import sqlite3
import time

import event_lib as E
import lib
import test_social_bluesky as B

CRASH = "bluesky change sent, not yet recorded"
TITLE = "Sommerfest im Schloßgarten 🎉"


def db_rows(bot, sql, *args):
    db = sqlite3.connect(bot.database)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def replies_to(posts, orig):
    return [p for p in posts if (p["value"].get("reply") or {}).get("parent", {}).get("uri") == orig["uri"]]


def check_reply(rep, orig):
    v = rep["value"]
    ref = {"uri": orig["uri"], "cid": orig["cid"]}
    lib.ensure(v["reply"]["root"] == ref and v["reply"]["parent"] == ref, "reply refs %r, want %r" % (v["reply"], ref))
    text = v["text"]
    n = B.graphemes(text)
    lib.ensure(n is None or n <= 300, "%d graphemes" % (n or 0))
    lib.ensure(text.startswith("Update: " + TITLE) and "Hörsaal 2" in text, "reply text %r" % text)
    lib.ensure(v.get("langs") == ["en"], "langs %r" % v.get("langs"))


def wait_for(cond, what, bot, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        lib.check_bots_alive()
        lib.ensure(time.monotonic() < deadline, "timed out waiting for %s; log: %s" % (what, bot.log()[-1500:]))
        time.sleep(0.2)


@lib.timeout(400)
def test_change_replies_under_the_post_and_cancel_deletes_it():
    pds = B.PDS()
    try:
        staff = lib.addr("staff")
        bot = B.social_bot(pds, staff)
        eid = E.event_add(bot, TITLE, B.future_date(20), "18:00", "20:00", audience="all", public="yes",
                          url=B.LINK, place="Hörsaal 1")
        E.event_send(bot, eid)
        orig = pds.wait_posts(1, bot)[0]
        E.cli(bot, "event", "change", eid, "--place", "Hörsaal 2")
        posts = pds.wait_posts(2, bot)
        reps = replies_to(posts, orig)
        lib.ensure(len(posts) == 2 and len(reps) == 1, "%d posts, %d replies" % (len(posts), len(reps)))
        check_reply(reps[0], orig)
        url = "https://bsky.app/profile/%s/post/%s" % (pds.handle, reps[0]["uri"].rsplit("/", 1)[1])
        wait_for(lambda: url in lib.ask(bot, staff, "announce %d" % eid).text, "the reply's URL in the staff view",
                 bot)
        # cancelled: the original is deleted on the PDS, the reply stays
        E.cli(bot, "event", "cancel", eid)
        wait_for(lambda: [p["uri"] for p in pds.posts()] == [reps[0]["uri"]], "the post deleted", bot)
        wait_for(lambda: db_rows(bot, "SELECT status FROM social_post") == [("deleted",)], "social_post deleted", bot)
        shown = E.cli(bot, "event", "show", eid)  # `announce <id>` refuses a cancelled event
        lib.ensure("Deleted on bluesky" in shown and url in shown, "the staff view: %r" % shown[-800:])
        ch = db_rows(bot, "SELECT op, n, status FROM social_change ORDER BY n")
        lib.ensure(ch == [("edit", 1, "done"), ("delete", 2, "done")], "social_change %r" % ch)
        lib.ensure("social change failed" not in E.cli(bot, "report"), "report lists a failure")
        bot.stop()
    finally:
        pds.stop()


@lib.timeout(400)
def test_kill_between_reply_and_commit_gives_one_reply():
    pds = B.PDS()
    try:
        staff = lib.addr("staff")
        bot = B.social_bot(pds, staff, env={"MENTORBOT_TEST_CRASH": CRASH})
        bot.exit_ok = True
        eid = E.event_add(bot, TITLE, B.future_date(10), "18:00", "20:00", audience="all", public="yes",
                          url=B.LINK, place="Hörsaal 1")
        E.event_send(bot, eid)
        orig = pds.wait_posts(1, bot)[0]
        E.cli(bot, "event", "change", eid, "--place", "Hörsaal 2")
        deadline = time.monotonic() + 60
        while bot.proc.poll() is None:
            lib.ensure(time.monotonic() < deadline, "the bot did not reach the crash point")
            time.sleep(0.1)
        lib.ensure("crashing on purpose" in bot.log(), bot.log()[-800:])
        lib.ensure(len(replies_to(pds.posts(), orig)) == 1, "the PDS has no reply from before the crash")
        st = db_rows(bot, "SELECT status FROM outbox WHERE kind = 'social_change'")
        lib.ensure(st == [("pending",)], "change row %r: the crash came too late to test anything" % st)
        bot.proc = None
        bot.env.pop("MENTORBOT_TEST_CRASH")
        bot.exit_ok = False
        bot.start()
        bot.wait_log(r"event=social_change transport=bluesky outbox=\d+ status=done", timeout=60)
        posts = pds.posts()
        reps = replies_to(posts, orig)
        lib.ensure(len(posts) == 2 and len(reps) == 1, "%d posts, %d replies after the restart" % (len(posts), len(reps)))
        check_reply(reps[0], orig)
        lib.ensure(db_rows(bot, "SELECT status FROM social_change") == [("done",)], "change not done")
        bot.stop()
    finally:
        pds.stop()
