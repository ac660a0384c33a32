/*
 * test_recovery.c - journal recovery, the same for every chat transport
 * (dispatch_pending): a message journalled by a run that died before its dispatch
 * committed is dispatched once at the next start; one that kept killing the
 * daemon is quarantined on its DISPATCH_CRASH_LIMIT-th return and its sender
 * told, never retried forever.
 */
#include <sqlite3.h>

#include "t.h"
#include "t_bot.h"

#include "bot/chat.h"
#include "bot/flood.h"

/* The journal status and reason of inbound row id, read as an operator would. */
static void
inbound_status(int64_t id, char *status, size_t ns, char *reason, size_t nr)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	snprintf(status, ns, "?");
	snprintf(reason, nr, "?");
	if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(h, "SELECT status, coalesce(reason, '') FROM inbound WHERE id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(status, ns, "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(reason, nr, "%s", (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
}

/* A chat message as chat_handle() journals it, with `attempts` failed dispatches behind it. */
static int64_t
journal_chat(const char *jid, const char *text, int attempts)
{
	char key[64];
	snprintf(key, sizeof key, "xmpp:rec.%d", ++seq);
	char *meta = xasprintf("{\"sender\":\"%s\",\"direct_ok\":true}", jid);
	int64_t id = 0;
	db_begin(db);
	CHECK(state_inbound_add(db, "xmpp", key, text, strlen(text), 0, 0, meta, &id) == DB_OK);
	for (int i = 0; i < attempts; i++)
		CHECK(state_inbound_attempt(db, &id, 1) == DB_OK);
	db_commit(db);
	free(meta);
	return id;
}

static void
a_message_from_before_the_restart_is_dispatched_once(void)
{
	struct out o;
	int64_t id = journal_chat("anna@localhost", "help join", 1);
	CHECK(dispatch_pending(db, &core, "xmpp", NULL, NULL, NULL) == 1);
	char st[32], why[64];
	inbound_status(id, st, sizeof st, why, sizeof why);
	CHECK(strcmp(st, "done") == 0);
	take("xmpp", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "anna@localhost") == 0);
	out_free(&o);
	/* a second start finds nothing left */
	CHECK(dispatch_pending(db, &core, "xmpp", NULL, NULL, NULL) == 0);
	take("xmpp", &o);
	CHECK(o.n == 0);
	out_free(&o);
}

static void
a_message_that_kept_crashing_is_quarantined_and_its_sender_told(void)
{
	struct out o;
	int64_t id = journal_chat("bert@localhost", "whoami", DISPATCH_CRASH_LIMIT);
	CHECK(dispatch_pending(db, &core, "xmpp", NULL, NULL, NULL) == 1);
	char st[32], why[64];
	inbound_status(id, st, sizeof st, why, sizeof why);
	CHECK(strcmp(st, "quarantined") == 0);
	CHECK(strcmp(why, "crashed") == 0);
	take("xmpp", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "bert@localhost") == 0);
	CHECK(o.n == 1 && strstr(o.raw[0], "handling it failed repeatedly")); /* reason.crashed */
	out_free(&o);
	CHECK(dispatch_pending(db, &core, "xmpp", NULL, NULL, NULL) == 0);
}

static void
each_recovery_counts_the_attempt_before_it_runs(void)
{
	/* one short of the limit: dispatched, and the attempt is on record first (a crash now
	 * would leave DISPATCH_CRASH_LIMIT attempts, and the next start quarantines) */
	int64_t id = journal_chat("carl@localhost", "whoami", DISPATCH_CRASH_LIMIT - 1);
	CHECK(dispatch_pending(db, &core, "xmpp", NULL, NULL, NULL) == 1);
	struct journal_row row;
	CHECK(state_inbound_get(db, id, &row) == DB_OK);
	CHECK(row.attempts == DISPATCH_CRASH_LIMIT);
	journal_row_free(&row);
	char st[32], why[64];
	inbound_status(id, st, sizeof st, why, sizeof why);
	CHECK(strcmp(st, "done") == 0);
	struct out o;
	take("xmpp", &o);
	out_free(&o);
}

static void
a_chat_message_over_the_flood_limit_gets_one_notice(void)
{
	/* flood control is dispatch's, for every channel: a burst of one, then one notice, then silence */
	struct flood *saved = core.flood;
	core.flood = flood_new(1, 1);
	struct out o;
	int64_t a = journal_chat("fritz@localhost", "help", 0);
	int64_t b = journal_chat("fritz@localhost", "help", 0);
	int64_t c = journal_chat("fritz@localhost", "help", 0);
	CHECK(dispatch(db, &core, &a, 1, 0) == DISP_DONE);
	take("xmpp", &o);
	out_free(&o);
	CHECK(dispatch(db, &core, &b, 1, 0) == DISP_IGNORED);
	take("xmpp", &o);
	CHECK(o.n == 1);
	out_free(&o);
	CHECK(dispatch(db, &core, &c, 1, 0) == DISP_IGNORED);
	take("xmpp", &o);
	CHECK(o.n == 0);
	out_free(&o);
	char st[32], why[64];
	inbound_status(c, st, sizeof st, why, sizeof why);
	CHECK(strcmp(st, "ignored") == 0 && strcmp(why, "flood") == 0);
	flood_free(core.flood);
	core.flood = saved;
}

static void
a_chat_message_without_sender_is_quarantined_and_nothing_sent(void)
{
	/* no sender in the journal's meta (the flood path once freed an uninitialised person
	 * here): nobody to limit or answer; quarantined, nothing sent */
	struct flood *saved = core.flood;
	core.flood = flood_new(1, 1);
	int64_t id = 0;
	db_begin(db);
	CHECK(state_inbound_add(db, "xmpp", "xmpp:rec.nosender", "help", 4, 0, 0, "{}", &id) == DB_OK);
	db_commit(db);
	CHECK(dispatch(db, &core, &id, 1, 0) == DISP_QUARANTINED);
	char st[32], why[64];
	inbound_status(id, st, sizeof st, why, sizeof why);
	CHECK(strcmp(st, "quarantined") == 0 && strcmp(why, "no sender address") == 0);
	struct out o;
	take("xmpp", &o);
	CHECK(o.n == 0);
	out_free(&o);
	flood_free(core.flood);
	core.flood = saved;
}

int
main(void)
{
	if (t_bot_open("recov", "staff = boss@example.test\n", NULL))
		return 1;
	RUN(a_message_from_before_the_restart_is_dispatched_once);
	RUN(a_message_that_kept_crashing_is_quarantined_and_its_sender_told);
	RUN(each_recovery_counts_the_attempt_before_it_runs);
	RUN(a_chat_message_over_the_flood_limit_gets_one_notice);
	RUN(a_chat_message_without_sender_is_quarantined_and_nothing_sent);
	t_bot_close();
	return t_done();
}
