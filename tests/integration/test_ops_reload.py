"""SIGHUP reads the whole configuration again (issue 14, point 5).

A bad file changes nothing: the bot goes on with the running configuration
(it still answers "help" by mail) and logs each error with its line.  A good
file takes effect where that is safe: a new staff address's staff command is
accepted at once; the bot joins a newly listed XMPP room and leaves a removed
one (as a person in those rooms sees it in Prosody), and the same for Matrix
rooms (membership on the test homeserver).  A changed [imap] url is logged as
needing a restart, and mail goes on as before.
"""
import re
import signal
import sqlite3
import time

import lib
import matrix_lib as M
import xmpp_lib as X
from lib import Bot, addr, ask, timeout


def line_of(bot, prefix):
    """1-based line of the bot's configuration file that starts with prefix."""
    with open(bot.config_path) as f:
        for i, ln in enumerate(f, 1):
            if ln.startswith(prefix):
                return i
    raise lib.TestFailure("no line %r in %s" % (prefix, bot.config_path))


OUTCOME = r"SIGHUP: (configuration and templates reloaded|the configuration has errors)"


def reload(bot, config):
    """Rewrite the bot's file with config merged in, send SIGHUP; returns this reload's outcome."""
    before = len(re.findall(OUTCOME, bot.log()))
    bot.configure(config)
    bot.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while True:
        outcomes = re.findall(OUTCOME, bot.log())
        if len(outcomes) > before:
            return outcomes[-1]
        lib.ensure(time.monotonic() < deadline, "SIGHUP was not handled within 20 s")
        lib.check_bots_alive()
        time.sleep(lib.POLL)


def programmes(bot):
    with sqlite3.connect("file:%s?mode=ro" % bot.database, uri=True, timeout=10) as c:
        return {r[0] for r in c.execute("SELECT slug FROM programme")}


@timeout(120)
def test_broken_file_keeps_the_running_configuration_and_logs_the_line():
    bot = Bot()
    who = addr("asker")
    ask(bot, who, "help")
    outcome = reload(bot, {"bot": {"reply_limit": "ten", "flood_rate": "0"}})
    lib.ensure(outcome == "the configuration has errors", "a broken file was taken: %s" % outcome)
    n_limit, n_flood = line_of(bot, "reply_limit ="), line_of(bot, "flood_rate =")
    path = re.escape(bot.config_path)
    bot.wait_log(r"error: config: %s:%d: 'reply_limit' must be a whole number" % (path, n_limit))
    bot.wait_log(r"error: config: %s:%d: 'flood_rate' must be a whole number" % (path, n_flood))
    bot.wait_log(r"config: 2 errors in %s; keeping the running configuration" % path)
    lib.ensure(bot.alive(), "the bot stopped after a bad reload")
    ask(bot, who, "help")   # still answering, with the old configuration
    lib.ensure(not re.search(r"config: \[.*\] \w* ?changed", bot.log()),
               "a broken file's keys were applied or reported as changes")


@timeout(150)
def test_new_staff_address_works_after_reload_and_imap_url_waits_for_a_restart():
    bot = Bot()
    bot.wait_log(r"event=connected transport=imap")
    koord = addr("koord")
    r = ask(bot, koord, "programme add reloadone Reload one")
    lib.ensure(r.key == "unknown_command", "a non-staff address ran a staff command: %r" % r.key)
    lib.ensure("reloadone" not in programmes(bot), "the programme was added by a non-staff address")

    old_url = bot.sections["imap"]["url"]
    new_url = "imap://localhost:%d/INBOX" % lib.IMAP_PORT   # the same server, written otherwise
    outcome = reload(bot, {"bot": {"staff": "staff@%s, %s" % (lib.DOMAIN, koord)}, "imap": {"url": new_url}})
    lib.ensure(outcome == "configuration and templates reloaded", "reload failed: %s" % outcome)
    bot.wait_log(r"info: config: \[bot\] staff changed")
    bot.wait_log(r"warning: config: \[imap\] url changed; takes effect after a restart")
    lib.ensure(old_url != new_url, "the test must change the url")

    r = ask(bot, koord, "programme add reloadtwo Reload two", key="programme.added")
    lib.ensure("reloadtwo" in programmes(bot), "the new staff address's command did not run")
    # mail goes on through the running IMAP connection
    ask(bot, addr("later"), "help")
    lib.ensure(bot.alive(), "the bot stopped")


@timeout(150)
def test_xmpp_rooms_joined_and_left_on_reload():
    keep, drop, new = X.room("keep"), X.room("drop"), X.room("new")
    bot = X.start_bot(rooms=[keep, drop])
    alice = X.Person("alice")
    for r in (keep, drop, new):
        alice.join(r, "alice")
    alice.wait_occupant(keep, "MentorBot")
    alice.wait_occupant(drop, "MentorBot")
    lib.ensure("MentorBot" in alice.occupants.get(drop, set()), "alice did not see the bot's presence in %s" % drop)

    outcome = reload(bot, {"xmpp": {"rooms": "%s, %s" % (keep, new)}})
    lib.ensure(outcome == "configuration and templates reloaded", "reload failed: %s" % outcome)
    bot.wait_log(r"config: \[xmpp\] rooms changed \(1 to join, 1 to leave\)")
    alice.wait_occupant(new, "MentorBot", timeout=30)
    alice.wait_occupant(drop, "MentorBot", timeout=30, present=False)
    alice.wait_occupant(keep, "MentorBot", timeout=5)
    bot.wait_log(r"xmpp: joined %s" % re.escape(new))

    # the new room is a room of the bot's: it answers there
    alice.say(new, "!help")
    alice.wait(lambda m: m["type"] == "groupchat" and m["room"] == new and m["nick"] == "MentorBot"
               and m["body"].startswith("alice:"), what="the bot's pointer in the new room")
    alice.close()


def _members(hs, room_id):
    return hs.test("GET", "state")["rooms"].get(room_id, {}).get("members", [])


@timeout(150)
def test_matrix_rooms_joined_and_left_on_reload():
    keep, drop, new = "#keep:localhost", "#drop:localhost", "#new:localhost"
    hs = M.Homeserver(rooms=(keep, drop, new))
    bot = M.matrix_bot(hs, rooms=(keep, drop))
    ids = {a: hs.room_id(a) for a in (keep, drop, new)}
    M.joined(hs, ids[keep])
    M.joined(hs, ids[drop])
    M.wait_listening(bot)
    lib.ensure(M.BOT_ID not in _members(hs, ids[new]), "the bot is in a room it was not given")

    outcome = reload(bot, {"matrix": {"rooms": "%s, %s" % (keep, new)}})
    lib.ensure(outcome == "configuration and templates reloaded", "reload failed: %s" % outcome)
    bot.wait_log(r"config: \[matrix\] rooms changed \(1 to join, 1 to leave\)")
    M.joined(hs, ids[new], timeout=30)
    hs.wait(lambda: [] if M.BOT_ID in _members(hs, ids[drop]) else [1], "the bot gone from %s" % drop, timeout=30)
    lib.ensure(M.BOT_ID in _members(hs, ids[keep]), "the bot left a room it keeps")
    bot.wait_log(r"matrix: left %s \(no longer configured\)" % re.escape(drop))

    # it listens in the new room: a command there is answered
    hs.say(ids[new], "alice", "!help")
    hs.wait(lambda: hs.bot_messages(ids[new]),
            "an answer to !help in the new room")
    lib.ensure(bot.alive(), "the bot stopped")
