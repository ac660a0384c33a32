/*
 * test_privacy.c - "my data" and "delete me" (state/privacy.c, handlers/h_privacy.c):
 * the export covers every table that holds a person (a walk of the schema), names nobody
 * else but a partner's visible name; the erasure leaves nothing of the person, keeps the
 * figures, tells the partner without a name, and a later mail is a stranger's.
 */
#include "t.h"
#include "t_bot.h"

#include <jansson.h>
#include <sqlite3.h>

#include "bot/dsn.h"
#include "state/events.h"
#include "state/privacy.h"
#include "state/reports.h"

static int64_t pa, pb, pc;

static int
sql(const char *q)
{
	sqlite3 *h;
	char *err = NULL;
	if (sqlite3_open(dbpath, &h) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(h, 5000);
	int rc = sqlite3_exec(h, q, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		printf("# sql: %s\n", err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t
person(const char *mail, const char *name, int visible, const char *programme, const char *role)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, "en", &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, programme, role, "active");
	state_profile_set(db, id, "name", name);
	state_profile_set_visible(db, id, "name", visible);
	db_commit(db);
	return id;
}

/* A, mentee, matched with B (visible name); C, a mentor whose name is hidden, was suggested to A. */
static void
seed(void)
{
	pa = person("alice@example.test", "Alice Anders", 0, "mentoring", "mentee");
	pb = person("bob@example.test", "Bob Partner", 1, "mentoring", "mentor");
	pc = person("carol@example.test", "Carol Hidden", 0, "mentoring", "mentor");
	/* a visible city: in the directory's full-text index too */
	db_begin(db);
	state_profile_set(db, pa, "city", "Quedlinburg");
	state_profile_set_visible(db, pa, "city", 1);
	db_commit(db);
	char *q = xasprintf(
		"INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (%1$lld, 'xmpp', "
		"'alice@localhost', 1, 1);"
		/* an old address of hers that bounced (a mail from the other one leaves its mark alone) */
		"INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (%1$lld, 'mail', "
		"'alice.old@example.test', 1, 1);"
		"INSERT INTO match(id, programme, mentee_id, mentor_id, status, created) VALUES (70, 'mentoring', "
		"%1$lld, %2$lld, 'active', 1);"
		"INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, logged_minutes, note, "
		"created, updated)"
		" VALUES (70, %1$lld, 1800000000, 60, 'Cafe Alicegasse', 'done', 's1@x', 45, 'BODYMARKER note', 1, 1);"
		"INSERT INTO suggestion(person_id, n, mentor_id, programme, score, created) VALUES (%1$lld, 1, %3$lld, "
		"'mentoring', 0.5, 1);"
		"INSERT INTO request(programme, mentee_id, mentor_id, status, reason, created, deadline) VALUES"
		" ('mentoring', %1$lld, %3$lld, 'declined', 'no time for alice', 1, 2);"
		"INSERT INTO application(person_id, programme, role, status, form_sent, created) VALUES (%1$lld, "
		"'mentoring', 'mentee', 'approved', 'BODYMARKER form', 1);"
		"INSERT INTO event(id, uid, title, start, end, status, token, created, updated) VALUES (5, 'e5@x', "
		"'Evening', 1899500000, 1899510000, 'announced', 'tok5', 1, 1);"
		/* a future event with one seat: Alice's, Carol waits for it */
		"INSERT INTO event(id, uid, title, start, end, status, token, capacity, created, updated) VALUES (6, "
		"'e6@x', 'Later', 1900500000, 1900510000, 'announced', 'tok6', 1, 1, 1);"
		"INSERT INTO rsvp(event_id, person_id, answer, status, comment, via, updated) VALUES (6, %1$lld, 'yes',"
		" 'going', 'BODYMARKER seat', 'mail', 1);"
		"INSERT INTO rsvp(event_id, person_id, answer, status, via, queued, updated) VALUES (6, %3$lld, 'yes',"
		" 'waiting', 'mail', 1, 1);"
		"INSERT INTO invitation(event_id, person_id, address, created) VALUES (5, %1$lld, "
		"'alice@example.test', 1);"
		"INSERT INTO rsvp(event_id, person_id, answer, status, comment, via, attended, updated) VALUES (5, "
		"%1$lld, 'yes', 'going', 'BODYMARKER comment', 'mail', 1, 1);"
		"INSERT INTO consent(person_id, purpose, version, channel, action, at) VALUES (%1$lld, 'mentoring', "
		"'v1', 'mail', 'given', 1);"
		"INSERT INTO audit(at, actor, actor_id, channel, action, subject, person_id, detail) VALUES (1, "
		"'boss@example.test', NULL, 'mail', 'approve', 'application', %1$lld, 'alice@example.test approved');"
		"INSERT INTO reply_count(address, day, count) VALUES ('alice@example.test', 1, 2);"
		"INSERT INTO bounce(address, count, last_at) VALUES ('alice@example.test', 1, 1);"
		"INSERT INTO bounce_event(address, at, hard) VALUES ('alice@example.test', 1, 0);"
		"INSERT INTO undeliverable(address, since) VALUES ('alice.old@example.test', 1);"
		"INSERT INTO outbox(transport, rcpt, message_id, payload, created, status) VALUES"
		" ('mail', 'bob@example.test', 'other.1@x', 'Hello Bob, your mentee Alice Anders wrote BODYMARKER', 1, "
		"'sent');",
		(long long)pa, (long long)pb, (long long)pc);
	CHECK(sql(q) == 0);
	free(q);
}

/* Every table with a column that names a person or an address is covered by the export. */
static void
the_export_covers_every_table_that_holds_a_person(void)
{
	static const char *const person_cols[] = {"person_id", "mentee_id", "mentor_id", "proposer_id", "actor_id",
						  "address",   "rcpt",      "ep_addr",   NULL};
	sqlite3 *h;
	CHECK(sqlite3_open(dbpath, &h) == SQLITE_OK);
	sqlite3_stmt *t;
	sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", -1,
			   &t, NULL);
	int tables = 0;
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(t, 0);
		int holds = strcmp(name, "person") == 0;
		char *q = xasprintf(
			"SELECT c.name, (SELECT count(*) FROM pragma_foreign_key_list('%s') f WHERE f.\"table\" = "
			"'person' AND f.\"from\" = c.name) FROM pragma_table_info('%s') c",
			name, name);
		sqlite3_stmt *c;
		sqlite3_prepare_v2(h, q, -1, &c, NULL);
		while (sqlite3_step(c) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(c, 0);
			holds |= sqlite3_column_int(c, 1) > 0;
			for (size_t i = 0; person_cols[i]; i++)
				holds |= strcmp(col, person_cols[i]) == 0;
		}
		sqlite3_finalize(c);
		free(q);
		int covered = 0;
		for (size_t i = 0; privacy_tables[i]; i++)
			covered |= strcmp(privacy_tables[i], name) == 0;
		if (holds && !covered)
			printf("# table %s holds a person but is not in privacy_tables\n", name);
		CHECK(!holds || covered);
		tables += holds;
	}
	sqlite3_finalize(t);
	sqlite3_close(h);
	CHECK(tables >= 19);
}

/* The attachment of a composed mail, base64 decoded. Caller frees. */
static char *
attachment_of(const char *raw)
{
	const char *p = strstr(raw, "Content-Disposition: attachment");
	p = p ? strstr(p, "\r\n\r\n") : NULL;
	if (!p)
		return NULL;
	return b64_part(p + 4);
}

static void
my_data_mails_the_person_everything_and_nothing_of_others(void)
{
	struct out o;
	CHECK(deliver("alice@example.test", "my data", NULL, "") == DISP_DONE);
	take("mail", &o);
	int i = find(&o, "alice@example.test", "X-Mentorbot-Reply: privacy.export");
	CHECK(i >= 0);
	char *json = i >= 0 ? attachment_of(o.raw[i]) : NULL;
	CHECK(i >= 0 && strstr(o.raw[i], "multipart/mixed") && strstr(o.raw[i], "application/json"));
	CHECK(i >= 0 && strstr(o.raw[i], "filename=\"mentorbot-data-"));
	json_t *j = json ? json_loads(json, 0, NULL) : NULL;
	CHECK(j != NULL);
	static const char *const nonempty[] = {
		"endpoints",    "profile", "consents",      "memberships",   "applications", "suggestions",
		"requests",     "matches", "sessions",      "invitations",   "rsvps",        "messages_in",
		"reply_counts", "bounces", "bounce_events", "undeliverable", "audit",        NULL};
	for (size_t k = 0; j && nonempty[k]; k++) {
		if (json_array_size(json_object_get(j, nonempty[k])) == 0)
			printf("# empty: %s\n", nonempty[k]);
		CHECK(json_array_size(json_object_get(j, nonempty[k])) > 0);
	}
	json_t *m = j ? json_array_get(json_object_get(j, "matches"), 0) : NULL;
	CHECK_STR(json_string_value(json_object_get(m, "partner")), "Bob Partner");
	json_t *in = j ? json_array_get(json_object_get(j, "messages_in"), 0) : NULL;
	CHECK_STR(json_string_value(json_object_get(in, "command")), "my data");
	CHECK(json && strstr(json, "alice@example.test") && strstr(json, "Alice Anders"));
	CHECK(json && !strstr(json, "bob@example.test") && !strstr(json, "carol") && !strstr(json, "Carol") &&
	      !strstr(json, "boss@"));
	CHECK(json && !strstr(json, "\"hash\""));
	json_decref(j);
	free(json);
	out_free(&o);
	/* from a linked chat account: mailed to the verified address, the chat told where */
	CHECK(chat("alice@localhost", "my data") == DISP_DONE);
	take("xmpp", &o);
	CHECK(find(&o, "alice@localhost", "alice@example.test") >= 0);
	out_free(&o);
	take("mail", &o);
	CHECK(find(&o, "alice@example.test", "X-Mentorbot-Reply: privacy.export") >= 0);
	out_free(&o);
}

/* Every cell of every table, as text, checked for needle (case-insensitive). */
static int
db_holds(const char *needle)
{
	sqlite3 *h;
	sqlite3_open(dbpath, &h);
	sqlite3_stmt *t;
	sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &t, NULL);
	int found = 0;
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(t, 0);
		char *q = xasprintf("SELECT * FROM \"%s\"", name);
		sqlite3_stmt *r;
		sqlite3_prepare_v2(h, q, -1, &r, NULL);
		while (sqlite3_step(r) == SQLITE_ROW)
			for (int c = 0; c < sqlite3_column_count(r); c++) {
				const char *v = (const char *)sqlite3_column_text(r, c);
				if (v && strcasestr(v, needle)) {
					printf("# %s holds %s: %.80s\n", name, needle, v);
					found = 1;
				}
			}
		sqlite3_finalize(r);
		free(q);
	}
	sqlite3_finalize(t);
	sqlite3_close(h);
	return found;
}

/* The database file's bytes (its WAL was truncated after the erasure) hold needle. */
static int
file_holds(const char *needle)
{
	FILE *f = fopen(dbpath, "rb");
	if (!f)
		return 0;
	static char data[8 << 20];
	size_t n = fread(data, 1, sizeof data, f);
	fclose(f);
	return memmem(data, n, needle, strlen(needle)) != NULL;
}

static void
figures(struct report_figures *f, struct report_events *e)
{
	struct report_figures *v;
	size_t n;
	state_report_figures(db, "mentoring", &v, &n);
	*f = v[0];
	f->slug = f->name = NULL;
	report_figures_free(v, n);
	state_report_events(db, NULL, clock_now, e);
}

static void
delete_me_confirmed_erases_everything_keeps_the_figures(void)
{
	struct out o;
	struct report_figures f0, f1;
	struct report_events e0, e1;
	figures(&f0, &e0);
	CHECK(deliver("alice@example.test", "delete me", NULL, "") == DISP_DONE);
	take("mail", &o);
	int i = find(&o, "alice@example.test", "confirm ");
	const char *tok = i >= 0 ? strstr(o.text[i], "  confirm ") : NULL;
	char code[27] = "";
	if (tok)
		snprintf(code, sizeof code, "%s", tok + 10);
	CHECK(strlen(code) == 26);
	CHECK(db_holds("alice@example.test")); /* nothing happened yet */
	out_free(&o);
	char *cmd = xasprintf("confirm %s", code);
	CHECK(deliver("alice@example.test", cmd, NULL, "BODYMARKER in the confirmation") == DISP_DONE);
	free(cmd);
	take("mail", &o);
	CHECK(find(&o, "alice@example.test", "X-Mentorbot-Reply: privacy.erased") >= 0);
	int p = find(&o, "bob@example.test", "X-Mentorbot-Reply: privacy.partner_left");
	CHECK(p >= 0 && !strcasestr(o.text[p], "alice"));
	int s = find(&o, NULL, "X-Mentorbot-Reply: privacy.staff_notice");
	CHECK(s >= 0 && !strcasestr(o.text[s], "alice"));
	/* Alice's seat at the later event went to Carol, who waited for it */
	CHECK(find(&o, "carol@example.test", "X-Mentorbot-Reply: event.promoted") >= 0);
	out_free(&o);
	struct rsvp r;
	CHECK(state_rsvp_get(db, 6, pa, &r) == DB_NOTFOUND);
	CHECK(state_rsvp_get(db, 6, pc, &r) == DB_OK && strcmp(r.status, "going") == 0);
	rsvp_free(&r);
	CHECK(!db_holds("alice"));
	CHECK(!db_holds("BODYMARKER"));
	CHECK(!db_holds("Anders"));
	CHECK(!db_holds("Quedlinburg"));
	CHECK(!file_holds("quedlinburg")); /* the index's merged segments keep no word of hers */
	CHECK(db_holds("Bob Partner"));    /* B's own data stays */
	figures(&f1, &e1);
	CHECK(f1.applications == f0.applications && f1.sessions_held == f0.sessions_held &&
	      f1.minutes_logged == f0.minutes_logged);
	CHECK(e1.attended == e0.attended && e1.going == e0.going);
	CHECK(f1.matched == f0.matched - 1 && f1.mentees == f0.mentees - 1);
	/* a bounce of the final confirmation (its recipient scrubbed once sent) writes her address
	 * into no bounce record */
	sqlite3 *h;
	sqlite3_stmt *st;
	CHECK(sqlite3_open(dbpath, &h) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(h, "SELECT id, rcpt FROM outbox WHERE kind = 'erasure'", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 1), "") == 0);
	char *verp = dsn_verp_addr(core.key, core.bot_addr, sqlite3_column_int64(st, 0), "alice@example.test");
	sqlite3_finalize(st);
	deliver_to("MAILER-DAEMON@example.test", verp, "Undelivered Mail Returned to Sender",
		   "Auto-Submitted: auto-replied\r\n",
		   "<alice@example.test>: host mx said: 550 5.1.1 <alice@example.test>: unknown user");
	free(verp);
	CHECK(sqlite3_prepare_v2(h,
				 "SELECT (SELECT count(*) FROM bounce) + (SELECT count(*) FROM bounce_event)"
				 " + (SELECT count(*) FROM undeliverable)",
				 -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	/* a later mail from the address is a stranger's */
	CHECK(deliver("alice@example.test", "whoami", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "alice@example.test", "I do not know alice@example.test") >= 0);
	out_free(&o);
}

int
main(void)
{
	if (t_bot_open("privacy", "staff = boss@example.test\n", NULL))
		return 1;
	seed();
	RUN(the_export_covers_every_table_that_holds_a_person);
	RUN(my_data_mails_the_person_everything_and_nothing_of_others);
	RUN(delete_me_confirmed_erases_everything_keeps_the_figures);
	t_bot_close();
	return t_done();
}
