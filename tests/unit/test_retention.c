/*
 * Retention (state/retention.h, the daily job, issue 12 point 4) without
 * servers: each category goes exactly when it is past its age (the row at
 * the cutoff stays), a dry run changes nothing, purges go in batches, the
 * daily job re-arms itself for the next day, and a person who left every
 * programme is told once (in their language), erased 14 days later, and
 * not erased if they rejoined in between.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/retention_run.h"
#include "bot/scheduler.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/handlers.h"
#include "state/db_internal.h"
#include "state/retention.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

#define DAY 86400

static void
sql(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	char *err = NULL;
	if (sqlite3_exec(db->h, s, NULL, NULL, &err) != SQLITE_OK)
		printf("# sql: %s: %s\n", s, err ? err : "?");
	sqlite3_free(err);
	sqlite3_free(s);
}

static int64_t
num(const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db->h, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A finished journal row of transport received at t, and a sent outbox row created at t. */
static void
rows_at(int64_t t, const char *tag)
{
	sql("INSERT INTO inbound(transport, dedupe, received, raw, status, meta) VALUES"
	    " ('mail', 'm-%q', %lld, 'raw mail', 'done', NULL),"
	    " ('xmpp', 'x-%q', %lld, 'chat text', 'done', '{\"sender\":\"a@x\"}'),"
	    " ('mail', 'n-%q', %lld, 'still new', 'new', NULL)",
	    tag, (long long)t, tag, (long long)t, tag, (long long)t);
	sql("INSERT INTO outbox(transport, rcpt, message_id, payload, status, created) VALUES"
	    " ('mail', 'a@x', 'o-%q', 'body', 'sent', %lld), ('mail', 'a@x', 'p-%q', 'body', 'pending', %lld)",
	    tag, (long long)t, tag, (long long)t);
	sql("INSERT INTO bounce(address, count, last_at) VALUES ('b-%q@x', 1, %lld)", tag, (long long)t);
	/* the network: an answered and an open contact request, an invitation confirmed and one not */
	sql("INSERT OR IGNORE INTO person(id, created) VALUES (901, 0), (902, 0)");
	sql("INSERT INTO contact_request(asker_id, to_id, message, status, created, answered) VALUES"
	    " (901, 902, 'hello %q', 'accepted', %lld, %lld), (901, 902, 'open %q', 'open', %lld, NULL)",
	    tag, (long long)t, (long long)t, tag, (long long)t);
	sql("INSERT INTO import_invite(programme, role, address, name, data, source, status, created) VALUES"
	    " ('alumni', 'alumnus', 'i-%q@x', 'Ina', '{}', 'test', 'invited', %lld),"
	    " ('alumni', 'alumnus', 'j-%q@x', 'Jo', '{}', 'test', 'confirmed', %lld)",
	    tag, (long long)t, tag, (long long)t);
	sql("INSERT INTO bounce_event(address, at) VALUES ('b-%q@x', %lld)", tag, (long long)t);
	sql("INSERT INTO reply_count(address, day, count) VALUES ('r-%q@x', %lld, 1)", tag, (long long)(t / DAY));
	sql("INSERT INTO token(hash, kind, ep_kind, ep_addr, created, expires) VALUES ('h-%q', 'join', 'mail',"
	    " 't-%q@x', %lld, %lld)",
	    tag, tag, (long long)t, (long long)t);
}

static int64_t
counts(int64_t now, int64_t *v)
{
	int64_t sum = 0;
	for (int c = 0; c < RET_NCAT; c++) {
		v[c] = -1;
		CHECK(retention_count(db, &cfg, (enum retention_cat)c, now, &v[c]) == DB_OK);
		sum += v[c];
	}
	return sum;
}

static void
ages_boundaries_dry_run_and_batches(void)
{
	int64_t now = clock_now;
	/* [retention] of this test: raw mail 30, chat 10, meta 20, outbox 40, bounces 365 */
	rows_at(now - 30 * DAY, "raw-edge");    /* exactly at the cutoff: kept */
	rows_at(now - 30 * DAY - 1, "raw-old"); /* a second past it */
	rows_at(now - 400 * DAY, "ancient");
	int64_t v[RET_NCAT];
	counts(now, v);
	CHECK(v[RET_RAW_MAIL] == 2);     /* raw-old, ancient (the 'new' rows never) */
	CHECK(v[RET_CHAT_JOURNAL] == 3); /* all three are older than 10 days */
	CHECK(v[RET_JOURNAL_META] == 3);
	CHECK(v[RET_OUTBOX_BODY] == 1); /* ancient only; pending rows never */
	CHECK(v[RET_BOUNCE] == 1 && v[RET_BOUNCE_EVENT] == 1);
	CHECK(v[RET_REPLY_COUNT] == 3 && v[RET_TOKEN] == 3); /* fixed ages: 2 and 7 days */
	CHECK(v[RET_CONTACT_TEXT] == 3); /* answered ones older than journal_days; open ones never */
	CHECK(v[RET_IMPORT_DATA] == 5);  /* confirmed ones at once; the others after invite_days (30) */

	/* a dry run counts and lists, and changes nothing */
	int64_t before = num("SELECT total(length(raw)) + count(meta) FROM inbound") +
			 num("SELECT total(length(payload)) FROM outbox") + num("SELECT count(*) FROM bounce");
	struct hctx h = {0};
	h.db = db;
	h.cfg = &cfg;
	h.tmpl = tmpl;
	h.lang = "en";
	struct retention_report r;
	struct retention_cursor cur = {{0}};
	CHECK(retention_pass(&h, now, 1000, 1, &cur, &r) == DB_OK);
	CHECK(r.rows[RET_RAW_MAIL] == 2 && r.rows[RET_BOUNCE] == 1 && !r.more);
	retention_report_free(&r);
	CHECK(num("SELECT total(length(raw)) + count(meta) FROM inbound") +
		      num("SELECT total(length(payload)) FROM outbox") + num("SELECT count(*) FROM bounce") ==
	      before);

	/* batches of 1: the first pass says there is more */
	CHECK(db_begin(db) == DB_OK);
	CHECK(retention_pass(&h, now, 1, 0, &cur, &r) == DB_OK);
	CHECK(r.rows[RET_RAW_MAIL] == 1 && r.more);
	retention_report_free(&r);
	CHECK(retention_pass(&h, now, 1000, 0, &cur, &r) == DB_OK);
	CHECK(r.rows[RET_RAW_MAIL] == 1 && r.rows[RET_CHAT_JOURNAL] == 2 && !r.more);
	retention_report_free(&r);
	CHECK(db_commit(db) == DB_OK);
	CHECK(counts(now, v) == 0);
	/* what stays: the rows themselves (dedupe, threading), recent content, unfinished rows */
	CHECK(num("SELECT count(*) FROM inbound WHERE raw IS NOT NULL AND transport = 'mail' AND status = 'done'") ==
	      1);
	CHECK(num("SELECT count(*) FROM inbound WHERE dedupe = 'm-raw-edge' AND raw IS NOT NULL") == 1);
	CHECK(num("SELECT count(*) FROM inbound WHERE status = 'new' AND raw IS NOT NULL") == 3);
	CHECK(num("SELECT count(*) FROM inbound") == 9 && num("SELECT count(*) FROM outbox") == 6);
	CHECK(num("SELECT count(*) FROM outbox WHERE payload IS NULL") == 1);
	CHECK(num("SELECT count(*) FROM outbox WHERE message_id = 'o-raw-old' AND payload IS NOT NULL") == 1);
	CHECK(num("SELECT count(*) FROM bounce") == 2 && num("SELECT count(*) FROM bounce_event") == 2);
	sql("DELETE FROM outbox"); /* the pending rows would be the next test's mail */
}

static int64_t
leaver(const char *mail, const char *lang, int64_t left_at)
{
	int64_t id = 0;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_person_create(db, lang, &id) == DB_OK);
	CHECK(state_endpoint_add(db, id, "mail", mail, 1) == DB_OK);
	CHECK(state_membership_set(db, id, "mentoring", "mentee", "left") == DB_OK);
	CHECK(state_membership_set(db, id, "alumni", "member", "left") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	sql("UPDATE membership SET since = %lld WHERE person_id = %lld", (long long)left_at, (long long)id);
	return id;
}

static int
gone(const char *mail)
{
	struct person p;
	int rc = state_person_by_endpoint(db, "mail", mail, &p);
	if (rc == DB_OK)
		person_free(&p);
	return rc == DB_NOTFOUND;
}

/* Run the daily job at t (the job due then, and whatever passes it queues). */
static void
day_at(int64_t t)
{
	set_clock(t);
	while (scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) > 0)
		;
}

static void
left_people_told_once_then_erased_unless_they_rejoined(void)
{
	int64_t t0 = clock_now;
	int64_t anna = leaver("anna@example.test", "de", t0 - 365 * DAY);
	int64_t ben = leaver("ben@example.test", "en", t0 - 365 * DAY);
	int64_t cem = leaver("cem@example.test", "en", t0 - 365 * DAY);
	int64_t dora = leaver("dora@example.test", "en", t0 - 100 * DAY); /* not yet */
	sql("UPDATE membership SET status = 'active' WHERE person_id = %lld AND programme = 'alumni'", (long long)dora);
	(void)dora;
	CHECK(retention_arm(db, t0) == DB_OK);
	CHECK(retention_arm(db, t0) == DB_OK); /* a restart finds it pending */
	CHECK(num("SELECT count(*) FROM job WHERE kind = 'retention' AND done = 0") == 1);
	day_at(t0);
	struct out o;
	take("mail", &o);
	CHECK(o.n == 3);
	int a = find(&o, "anna@example.test", "retention.notice"), b = find(&o, "ben@example.test", NULL);
	CHECK(a >= 0 && strstr(o.text[a], "gel=C3=B6scht") == NULL); /* decoded */
	CHECK(a >= 0 && strstr(o.text[a], "Ihre Daten werden am") && strstr(o.text[a], "l\xc3\xb6sche mich"));
	CHECK(b >= 0 && strstr(o.text[b], "your data will be erased on") && strstr(o.text[b], "delete me"));
	CHECK(b >= 0 && strstr(o.text[b], "join <programme>") && strstr(o.text[b], "alumni, mentoring"));
	out_free(&o);
	/* the job armed tomorrow's run, and runs once a day */
	CHECK(num("SELECT count(*) FROM job WHERE kind = 'retention' AND done = 0") == 1);
	CHECK(state_job_next(db, t0) > 0);
	/* ben rejoins; cem leaves again (a new leave time): neither is erased on that notice */
	sql("UPDATE membership SET status = 'active' WHERE person_id = %lld AND programme = 'alumni'", (long long)ben);
	sql("UPDATE membership SET since = %lld WHERE person_id = %lld AND programme = 'alumni'",
	    (long long)(t0 + 5 * DAY), (long long)cem);
	for (int d = 1; d < 14; d++)
		day_at(t0 + d * DAY);
	take("mail", &o);
	CHECK(o.n == 0); /* told once */
	out_free(&o);
	CHECK(!gone("anna@example.test"));
	day_at(t0 + 14 * DAY);
	CHECK(gone("anna@example.test"));
	take("mail", &o); /* the erasure's final confirmation (h_privacy_erase), and nothing else */
	CHECK(o.n == 1 && find(&o, "anna@example.test", "privacy.erased") >= 0);
	out_free(&o);
	CHECK(!gone("ben@example.test") && !gone("cem@example.test") && !gone("dora@example.test"));
	char key[48];
	snprintf(key, sizeof key, "retention.notice.%lld", (long long)anna);
	char *v = NULL;
	CHECK(state_kv_get(db, key, &v) == DB_NOTFOUND);
	free(v);
	/* ben's notice is forgotten; cem's too */
	CHECK(num("SELECT count(*) FROM kv WHERE key GLOB 'retention.notice.*'") == 0);
	/* a year after cem left again: a new notice, then the erasure */
	day_at(t0 + 5 * DAY + 352 * DAY);
	take("mail", &o);
	CHECK(o.n == 1 && find(&o, "cem@example.test", "retention.notice") >= 0);
	out_free(&o);
	day_at(t0 + 5 * DAY + 366 * DAY);
	CHECK(gone("cem@example.test") && !gone("ben@example.test"));
	/* one job pending, never more */
	CHECK(num("SELECT count(*) FROM job WHERE kind = 'retention' AND done = 0") == 1);
}

int
main(void)
{
	if (t_bot_open("retention", NULL,
		       "[retention]\nraw_mail_days = 30\nchat_journal_days = 10\njournal_days = 20\n"
		       "outbox_body_days = 40\n"))
		return 1;
	RUN(ages_boundaries_dry_run_and_batches);
	RUN(left_people_told_once_then_erased_unless_they_rejoined);
	t_bot_close();
	return t_done();
}
