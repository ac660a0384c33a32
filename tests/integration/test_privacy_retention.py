"""Retention ([retention], issue 12 point 4) with the real servers and the test clock.

Two people join (one in German, one in English) and leave every programme;
a stranger's mail is journalled too.  The test clock then moves:
  +31 days    the daily job purges the raw mails of the journal (the rows stay
              for their dedupe keys); a mail received then keeps its raw text;
              `mentorbot purge --dry-run` lists what would go without changing it
  +352 days   both leavers get the notice "your data will be erased on DATE", each
              in their language, once
  +366 days   both are erased (h_privacy_erase): their addresses are gone
The last part needs h_privacy_erase from the privacy-data branch.
"""
import re
import subprocess
import time

import lib
from event_lib import db_query, set_clock

DAY = 86400


def q(bot, sql, *args):
    return db_query(bot, sql, args)


def join_and_leave(bot, who, lang):
    join, ok, leave = ("beitreten mentoring", "ja\n", "austreten") if lang == "de" else \
        ("join mentoring", "ok\n", "leave")
    mb = lib.Mailbox(who)
    mid = lib.send(who, bot.address, join, "")
    confirm = lib.assert_reply(mb.exactly_one_reply(mid), mid, join, key="join_confirm", lang=lang, to=who)
    refs = " ".join(confirm.references + [confirm.message_id])
    resubj = lib.expected_subject(confirm.subject)
    mid2 = lib.send(who, bot.address, resubj, ok, headers={"In-Reply-To": confirm.message_id, "References": refs})
    lib.assert_reply(mb.exactly_one_reply(mid2), mid2, resubj, key="join_done", lang=lang, to=who)
    mid3 = lib.send(who, bot.address, leave, "")
    lib.assert_reply(mb.exactly_one_reply(mid3), mid3, leave, key="leave_done", lang=lang, to=who)
    rows = q(bot, "SELECT m.status FROM membership m JOIN endpoint e ON e.person_id = m.person_id"
                  " WHERE e.address = ?", who)
    lib.ensure(rows and all(r[0] == "left" for r in rows), "%s has not left everything: %r" % (who, rows))


def wait_job_runs(bot, before):
    """Wait until the retention job has run once more than `before` times in the log."""
    deadline = time.monotonic() + lib.REPLY_TIMEOUT
    while runs(bot) <= before:
        lib.ensure(time.monotonic() < deadline, "the retention job did not run")
        bot.check_alive()
        time.sleep(0.2)


def runs(bot):
    return len(re.findall(r"event=job_done kind=retention ref=\d+", bot.log()))


def notice_of(who):
    return lib.Mailbox(who).wait_for(lambda m: m.key == "retention.notice", what="retention notice")[0]


@lib.timeout(300)
def test_raw_mail_purged_leavers_told_in_their_language_then_erased():
    lib.with_test_clock(story)


def story(clock, t0):
    bot = lib.Bot(config={"retention": {"raw_mail_days": "30", "left_people_days": "365"}})
    anna, ben, stranger = lib.addr("anna"), lib.addr("ben"), lib.addr("stranger")
    join_and_leave(bot, anna, "de")
    join_and_leave(bot, ben, "en")
    lib.ask(bot, stranger, "help", key="help")
    old_rows = q(bot, "SELECT count(*) FROM inbound WHERE transport = 'mail' AND raw IS NOT NULL AND status != 'new'")
    lib.ensure(old_rows[0][0] >= 7, "journal rows with raw mail: %r" % old_rows)

    # +31 days: the raw mails are past their age; a new mail is not
    n = runs(bot)
    set_clock(clock, t0 + 31 * DAY)
    wait_job_runs(bot, n)
    mid = lib.send(stranger, bot.address, "help", "")
    lib.Mailbox(stranger).wait_reply(mid)
    kept = q(bot, "SELECT received, raw IS NOT NULL FROM inbound WHERE transport = 'mail' AND status != 'new'")
    lib.ensure(all(not has for at, has in kept if at < t0 + DAY), "raw mails past their age kept: %r" % kept)
    lib.ensure(any(has for at, has in kept if at >= t0 + 31 * DAY), "the recent raw mail is gone: %r" % kept)
    lib.ensure(len(kept) >= old_rows[0][0] + 1, "journal rows were deleted, not cleared: %r" % kept)

    # the CLI's dry run: counts, and changes nothing
    before = q(bot, "SELECT count(*) FROM inbound WHERE raw IS NOT NULL")
    p = subprocess.run([lib.mentorbot_path(), "purge", "-c", bot.config_path, "--dry-run"],
                       capture_output=True, text=True, timeout=60)
    lib.ensure(p.returncode == 0, "purge --dry-run failed: %s %s" % (p.stdout, p.stderr))
    lib.ensure(re.search(r"raw_mail \(older than 30 days\): 0 would be purged", p.stdout), p.stdout)
    lib.ensure("people who would be erased: 0" in p.stdout, p.stdout)
    lib.ensure(anna not in p.stdout and ben not in p.stdout, "purge prints addresses: %s" % p.stdout)
    lib.ensure(q(bot, "SELECT count(*) FROM inbound WHERE raw IS NOT NULL") == before, "the dry run changed rows")

    # +352 days: the notice, once, each in their language
    n = runs(bot)
    set_clock(clock, t0 + 352 * DAY)
    wait_job_runs(bot, n)
    erase_date = time.strftime("%Y-%m-%d", time.gmtime((t0 + 352 * DAY) // DAY * DAY + 14 * DAY))
    na, nb = notice_of(anna), notice_of(ben)
    lib.ensure(na.lang == "de" and "Ihre Daten werden am %s gel\u00f6scht" % erase_date in na.text,
               "German notice: %s %r" % (na.lang, na.text[:400]))
    lib.ensure("l\u00f6sche mich" in na.text and "beitreten" in na.text, "German notice: %r" % na.text[:600])
    lib.ensure(nb.lang == "en" and "your data will be erased on %s" % erase_date in nb.text,
               "English notice: %s %r" % (nb.lang, nb.text[:400]))
    lib.ensure("delete me" in nb.text and "join <programme>" in nb.text, "English notice: %r" % nb.text[:600])
    n = runs(bot)
    set_clock(clock, t0 + 353 * DAY)
    wait_job_runs(bot, n)
    for who in (anna, ben):
        lib.Mailbox(who).expect_no_more(lambda m: m.key == "retention.notice", 1, what="notices")

    # +366 days: erased
    n = runs(bot)
    set_clock(clock, t0 + 366 * DAY)
    wait_job_runs(bot, n)
    bot.wait_log(r"retention: person \d+ erased")
    left = q(bot, "SELECT address FROM endpoint WHERE address IN (?, ?)", anna, ben)
    lib.ensure(not left, "erased people's addresses are still stored: %r" % left)
    for who, lang in ((anna, "de"), (ben, "en")):
        final = lib.Mailbox(who).wait_for(lambda m: m.key == "privacy.erased", what="final confirmation")[0]
        lib.ensure(final.lang == lang, "the final confirmation to %s is in %s" % (who, final.lang))
