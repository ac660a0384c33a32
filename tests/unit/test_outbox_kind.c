/*
 * test_outbox_kind.c - every outbox row carries its kind and pacing class as
 * columns; a database of schema version 8 (pacing read from Message-ID
 * prefixes) keeps the same pacing after the migration.  A chat row carries its
 * message type as a column and its text as the payload; the JSON rows of a
 * version-9 database read back the same way after the migration.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/state.h"
#include "t.h"

static char path[64];

static int
sql(const char *q)
{
	sqlite3 *h;
	if (sqlite3_open(path, &h) != SQLITE_OK)
		return -1;
	char *err = NULL;
	int rc = sqlite3_exec(h, q, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		printf("# %s\n", err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The due row of transport with message_id, or 0 (then *it is untouched). */
static int
due_row(struct db *db, const char *transport, const char *message_id, struct outbox_item *out)
{
	struct outbox_item it[16];
	size_t n;
	int found = 0;
	if (state_outbox_due(db, transport, now_s() + 100000, it, 16, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!found && strcmp(it[i].message_id, message_id) == 0) {
			*out = it[i];
			found = 1;
			continue;
		}
		outbox_item_free(&it[i]);
	}
	return found;
}

static int
row_is(struct db *db, const char *transport, const char *message_id, const char *kind, const char *pacing)
{
	struct outbox_item it;
	if (!due_row(db, transport, message_id, &it))
		return 0;
	int ok = it.kind && strcmp(it.kind, kind) == 0 &&
		 (pacing ? it.pacing && strcmp(it.pacing, pacing) == 0 : it.pacing == NULL);
	if (!ok)
		printf("# %s: kind %s pacing %s\n", message_id, it.kind ? it.kind : "NULL",
		       it.pacing ? it.pacing : "NULL");
	outbox_item_free(&it);
	return ok;
}

static void
new_rows_carry_their_kind_and_pacing(void)
{
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	CHECK(state_outbox_add(db, 7, "mail", "bot@x", "a@x", "r1@x", "x", 1) == DB_OK);
	CHECK(state_outbox_put(db, 0, "mail", "invite", "bot@x", "a@x", "ev1.2.0.t@x", "x", 1, 0) == DB_OK);
	CHECK(state_outbox_put(db, 0, "mail", "post", "bot@x", "b@x", "post.aa.0@x", "x", 1, 0) == DB_OK);
	CHECK(state_outbox_put_chat(db, 0, "xmpp", "post", "room@muc", "groupchat", "post.aa.1@x", "t", 0) == DB_OK);
	CHECK(state_outbox_put_chat(db, 0, "matrix", "post", "!r:hs", "groupchat", "post.aa.2@x", "t", 0) == DB_OK);
	CHECK(state_outbox_put_chat(db, 3, "xmpp", "notice", "c@x", "chat", "n1@x", "t", 0) == DB_OK);
	/* the kind, not the Message-ID, decides */
	CHECK(state_outbox_put(db, 0, "mail", "notice", "bot@x", "a@x", "ev9.1.0.t@x", "x", 1, 0) == DB_OK);
	CHECK(state_outbox_put(db, 0, "mail", NULL, "bot@x", "a@x", "r2@x", "x", 1, 0) == DB_OK);
	CHECK(row_is(db, "mail", "r1@x", "reply", NULL));
	CHECK(row_is(db, "mail", "ev1.2.0.t@x", "invite", "announce"));
	CHECK(row_is(db, "mail", "post.aa.0@x", "post", NULL));
	CHECK(row_is(db, "xmpp", "post.aa.1@x", "post", "room"));
	CHECK(row_is(db, "matrix", "post.aa.2@x", "post", "room"));
	CHECK(row_is(db, "xmpp", "n1@x", "notice", NULL));
	CHECK(row_is(db, "mail", "ev9.1.0.t@x", "notice", NULL));
	CHECK(row_is(db, "mail", "r2@x", "reply", NULL));
	CHECK(state_outbox_pacing("mail", "invite") != NULL && state_outbox_pacing("xmpp", "invite") == NULL);
	db_close(db);
}

/*
 * A fresh database taken back to schema version `old` by q (which also inserts the rows
 * of a daemon of that time), then opened again: migrated to the current version.  NULL
 * if any step fails.
 */
/* Takes a database back from schema version 11 to 10 (the privacy tables). */
/* undo schema 14 (programme calls, hashtags, social changes) */
#define BACK_TO_13                                                                                                     \
	"DROP TABLE social_change; DROP TABLE programme_call; ALTER TABLE programme DROP COLUMN hashtags;"             \
	"ALTER TABLE event DROP COLUMN hashtags; ALTER TABLE social_post DROP COLUMN changed;"
/* undo schema 13 (social posts) */
#define BACK_TO_12 BACK_TO_13 "DROP TABLE social_post;"
/* undo schema 12 (the network) */
#define BACK_TO_11                                                                                                     \
	BACK_TO_12 "DROP TRIGGER alumni_fts_insert; DROP TRIGGER alumni_fts_update; DROP TRIGGER alumni_fts_delete;"   \
		   "DROP TABLE alumni_fts; DROP TABLE contact_request; DROP TABLE offer; DROP TABLE company_contact;"  \
		   "DROP TABLE company; DROP TABLE alumni_hit; DROP TABLE import_invite;"
#define BACK_TO_10                                                                                                     \
	BACK_TO_11 "DROP TABLE consent; DROP TABLE audit; DROP TABLE tally; DROP TABLE bounce_event;"                  \
		   "DROP TABLE undeliverable; DROP INDEX inbound_person; ALTER TABLE inbound DROP COLUMN person_id;"   \
		   "ALTER TABLE person DROP COLUMN erased;"

static struct db *
migrated_from(int old, const char *q)
{
	unlink(path);
	struct db *db;
	if (db_open(&db, path) != 0)
		return NULL;
	int v = db_schema_version(db);
	db_close(db);
	char *back = xasprintf("%sPRAGMA user_version = %d;", q, old);
	int rc = v > old ? sql(back) : -1;
	free(back);
	if (rc != 0 || db_open(&db, path) != 0)
		return NULL;
	if (db_schema_version(db) != v) {
		db_close(db);
		return NULL;
	}
	return db;
}

static void
a_migrated_database_keeps_its_pacing(void)
{
	/* back to version 8: no kind, no pacing, the rows of a daemon of that time */
	struct db *db = migrated_from(
		8, BACK_TO_10
		"ALTER TABLE outbox DROP COLUMN chat_type;"
		"ALTER TABLE outbox DROP COLUMN pacing;"
		"ALTER TABLE outbox DROP COLUMN kind;"
		"INSERT INTO outbox(inbound_id, transport, env_from, rcpt, message_id, payload, created) VALUES"
		" (5, 'mail', 'bot@x', 'a@x', 'r1@x', 'x', 1),"
		" (NULL, 'mail', 'bot@x', 'a@x', 'ev12.3.1.tag@x', 'x', 1),"
		" (NULL, 'mail', 'bot@x', 'a@x', 'evening@x', 'x', 1),"
		" (NULL, 'mail', 'bot@x', 'b@x', 'post.ab.0@x', 'x', 1),"
		" (NULL, 'xmpp', NULL, 'room@muc', 'post.ab.1@x', '{}', 1),"
		" (NULL, 'matrix', NULL, '!r:hs', 'post.ab.2@x', '{}', 1),"
		" (NULL, 'xmpp', NULL, 'c@x', 'job.1@x', '{}', 1),"
		" (9, 'matrix', NULL, 'd@x', 'r2@x', '{}', 1);");
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK(row_is(db, "mail", "r1@x", "reply", NULL));
	CHECK(row_is(db, "mail", "ev12.3.1.tag@x", "invite", "announce"));
	CHECK(row_is(db, "mail", "evening@x", "notice", NULL)); /* "ev" without a digit was never paced */
	CHECK(row_is(db, "mail", "post.ab.0@x", "post", NULL)); /* the mail sender never paced posts */
	CHECK(row_is(db, "xmpp", "post.ab.1@x", "post", "room"));
	CHECK(row_is(db, "matrix", "post.ab.2@x", "post", "room"));
	CHECK(row_is(db, "xmpp", "job.1@x", "notice", NULL));
	CHECK(row_is(db, "matrix", "r2@x", "reply", NULL));
	/* new rows after the migration */
	CHECK(state_outbox_put(db, 0, "mail", "invite", "bot@x", "a@x", "ev12.4.1.tag@x", "x", 1, 0) == DB_OK);
	CHECK(row_is(db, "mail", "ev12.4.1.tag@x", "invite", "announce"));
	db_close(db);
}

/* The chat row with message_id reads back as rcpt, chat_type and payload (text). */
static int
chat_row_is(struct db *db, const char *transport, const char *message_id, const char *rcpt, const char *type,
	    const char *text)
{
	struct outbox_item it;
	if (!due_row(db, transport, message_id, &it))
		return 0;
	int ok = strcmp(it.rcpt, rcpt) == 0 && it.chat_type && strcmp(it.chat_type, type) == 0 &&
		 it.len == strlen(text) && memcmp(it.payload, text, it.len) == 0;
	if (!ok)
		printf("# %s: rcpt %s type %s payload %.*s\n", message_id, it.rcpt,
		       it.chat_type ? it.chat_type : "NULL", (int)it.len, it.payload);
	outbox_item_free(&it);
	return ok;
}

static void
chat_rows_are_columns_not_json(void)
{
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	CHECK(state_outbox_put_chat(db, 4, "xmpp", "reply", "room@muc", "groupchat", "c1@x", "ann: \"hi\"\nbye", 0) ==
	      DB_OK);
	CHECK(state_outbox_put_chat(db, 4, "xmpp", "reply", "room@muc", "groupchat", "c1@x", "again", 0) ==
	      DB_NOTFOUND);
	CHECK(state_outbox_put_chat(db, 0, "matrix", NULL, "@u:hs", "chat", "c2@x", "Grüße", 0) == DB_OK);
	CHECK(chat_row_is(db, "xmpp", "c1@x", "room@muc", "groupchat", "ann: \"hi\"\nbye"));
	CHECK(chat_row_is(db, "matrix", "c2@x", "@u:hs", "chat", "Grüße"));
	CHECK(row_is(db, "matrix", "c2@x", "reply", NULL));
	/* a mail row has no chat type */
	CHECK(state_outbox_add(db, 7, "mail", "bot@x", "a@x", "m1@x", "x", 1) == DB_OK);
	struct outbox_item it;
	CHECK(due_row(db, "mail", "m1@x", &it) && it.chat_type == NULL);
	outbox_item_free(&it);
	db_close(db);
}

static void
a_migrated_database_keeps_its_chat_rows(void)
{
	/* back to version 9: the chat rows of a daemon of that time held JSON {"to", "type", "body"} (BLOBs) */
	struct db *db = migrated_from(
		9, BACK_TO_10
		"ALTER TABLE outbox DROP COLUMN chat_type;"
		"INSERT INTO outbox(inbound_id, transport, env_from, rcpt, message_id, payload, created, kind) VALUES"
		" (5, 'xmpp', NULL, 'room@muc', 'j1@x',"
		"  CAST('{\"to\":\"room@muc\",\"type\":\"groupchat\",\"body\":\"ann: \\\"hi\\\"\\nbye\"}' AS BLOB),"
		"  1, 'reply'),"
		" (NULL, 'matrix', NULL, '@u:hs', 'j2@x',"
		"  CAST('{\"to\":\"@u:hs\",\"type\":\"chat\",\"body\":\"Gr\\u00fcße\"}' AS BLOB), 1, 'notice'),"
		" (6, 'mail', 'bot@x', 'a@x', 'm1@x', CAST('{\"type\":\"chat\"}' AS BLOB), 1, 'reply');");
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK(chat_row_is(db, "xmpp", "j1@x", "room@muc", "groupchat", "ann: \"hi\"\nbye"));
	CHECK(chat_row_is(db, "matrix", "j2@x", "@u:hs", "chat", "Grüße"));
	CHECK(row_is(db, "xmpp", "j1@x", "reply", NULL));
	/* a mail row is left as it was, even if it looks like JSON */
	struct outbox_item it;
	CHECK(due_row(db, "mail", "m1@x", &it) && it.chat_type == NULL && it.len == 15 &&
	      memcmp(it.payload, "{\"type\":\"chat\"}", 15) == 0);
	outbox_item_free(&it);
	db_close(db);
}

/* Members from before schema 11 get the consent record their person row states, per programme
 * they are still in; people who left, or without a recorded consent, get none. */
static void
a_migrated_database_records_the_consent_of_existing_members(void)
{
	struct db *db = migrated_from(
		10,
		BACK_TO_10 "INSERT INTO person(id, lang, consent_version, consent_at, created) VALUES"
			   " (1, 'de', '2026-11-1', 1000, 1), (2, 'en', NULL, NULL, 1), (3, 'en', '2026-11-1', 5, 1);"
			   "INSERT INTO membership(person_id, programme, role, status, since) VALUES"
			   " (1, 'mentoring', 'mentee', 'active', 900), (1, 'mentoring', 'mentor', 'active', 900),"
			   " (1, 'alumni', 'alumnus', 'pending', 950), (2, 'mentoring', 'mentee', 'active', 10),"
			   " (3, 'mentoring', 'mentee', 'left', 10);");
	CHECK(db != NULL);
	if (!db)
		return;
	db_close(db);
	sqlite3 *h;
	sqlite3_stmt *st;
	CHECK(sqlite3_open(path, &h) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(h,
				 "SELECT group_concat(person_id || ':' || purpose || ':' || version || ':' || at, ' ')"
				 " FROM (SELECT * FROM consent WHERE channel = 'unknown' AND action = 'given'"
				 " ORDER BY person_id, purpose)",
				 -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	const char *got = (const char *)sqlite3_column_text(st, 0);
	CHECK(got && strcmp(got, "1:alumni:2026-11-1:1000 1:mentoring:2026-11-1:1000") == 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* Schema 12 indexes the visible, searchable profile values people already had, with the
 * umlauts written out too, and the triggers keep the index as profiles change: a hidden field
 * never matches. */
static void
a_migrated_database_indexes_visible_profiles(void)
{
	struct db *db =
		migrated_from(11, BACK_TO_11 "INSERT INTO person(id, lang, created) VALUES (1, 'de', 1), (2, 'en', 1);"
					     "INSERT INTO profile(person_id, field, value, visible) VALUES"
					     " (1, 'city', 'München', 1), (1, 'company', 'Geheim GmbH', 0),"
					     " (1, 'goals', 'Karriere', 1), (2, 'field', 'Physics', 1);");
	CHECK(db != NULL);
	if (!db)
		return;
	db_close(db);
	sqlite3 *h;
	CHECK(sqlite3_open(path, &h) == SQLITE_OK);
	static const struct {
		const char *q;
		const char *want;
	} cases[] = {
		{"muenchen", "1"}, {"münchen", "1"}, {"MUNCHEN", "1"},
		{"geheim", ""},    {"karriere", ""}, {"physics", "2"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sqlite3_stmt *st;
		CHECK(sqlite3_prepare_v2(
			      h, "SELECT coalesce(group_concat(rowid), '') FROM alumni_fts WHERE alumni_fts MATCH ?",
			      -1, &st, NULL) == SQLITE_OK);
		sqlite3_bind_text(st, 1, cases[i].q, -1, SQLITE_STATIC);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		const char *got = (const char *)sqlite3_column_text(st, 0);
		if (!got || strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "# %s: got %s, want %s\n", cases[i].q, got ? got : "NULL", cases[i].want);
		CHECK(got && strcmp(got, cases[i].want) == 0);
		sqlite3_finalize(st);
		if (i == 3) /* the company made visible now, the city hidden */
			CHECK(sqlite3_exec(h,
					   "UPDATE profile SET visible = 1 - visible WHERE person_id = 1 AND field IN"
					   " ('city', 'company')",
					   NULL, NULL, NULL) == SQLITE_OK);
	}
	sqlite3_close(h);
}

/* The daemon and a CLI command started at once on a new database: each opener migrates what is
 * left when it holds the write lock, so nobody runs a step twice ("table ... already exists"). */
/* Remove the database file f and its WAL and shared-memory files. */
static void
unlink_db(const char *f)
{
	char side[128];
	unlink(f);
	snprintf(side, sizeof side, "%s-wal", f);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", f);
	unlink(side);
}

/* The daemon and a CLI command started at once on a new database: each opener migrates what is
 * left when it holds the write lock, so nobody runs a step twice ("table ... already exists"),
 * and the switch to WAL waits for the other's lock. */
static void
openers_at_once_migrate_each_step_once(void)
{
	char fresh[96];
	snprintf(fresh, sizeof fresh, "%s-race", path);
	for (int round = 0; round < 10; round++) {
		unlink_db(fresh);
		pid_t kids[4];
		for (int k = 0; k < 4; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				struct db *db;
				_exit(db_open(&db, fresh) == DB_OK && db_schema_version(db) > 0 ? 0 : 1);
			}
		}
		int ok = 1;
		for (int k = 0; k < 4; k++) {
			int status = 0;
			waitpid(kids[k], &status, 0);
			ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
		}
		CHECK(ok);
	}
	unlink_db(fresh);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-test-outbox-kind-%d.db", (int)getpid());
	RUN(new_rows_carry_their_kind_and_pacing);
	RUN(a_migrated_database_keeps_its_pacing);
	RUN(chat_rows_are_columns_not_json);
	RUN(a_migrated_database_keeps_its_chat_rows);
	RUN(a_migrated_database_records_the_consent_of_existing_members);
	RUN(a_migrated_database_indexes_visible_profiles);
	RUN(openers_at_once_migrate_each_step_once);
	unlink(path);
	char side[96];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return t_done();
}
