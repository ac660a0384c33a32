/*
 * test_outbox_kind.c - every outbox row carries its kind and pacing class as
 * columns; a database of schema version 8 (pacing read from Message-ID
 * prefixes) keeps the same pacing after the migration.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
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
	CHECK(state_outbox_put(db, 0, "xmpp", "post", NULL, "room@muc", "post.aa.1@x", "{}", 2, 0) == DB_OK);
	CHECK(state_outbox_put(db, 0, "matrix", "post", NULL, "!r:hs", "post.aa.2@x", "{}", 2, 0) == DB_OK);
	CHECK(state_outbox_put(db, 3, "xmpp", "notice", NULL, "c@x", "n1@x", "{}", 2, 0) == DB_OK);
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

static void
a_migrated_database_keeps_its_pacing(void)
{
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	int v = db_schema_version(db);
	db_close(db);
	CHECK(v >= 9);
	/* back to version 8: no kind, no pacing, the rows of a daemon of that time */
	CHECK(sql("ALTER TABLE outbox DROP COLUMN pacing;"
		  "ALTER TABLE outbox DROP COLUMN kind;"
		  "PRAGMA user_version = 8;"
		  "INSERT INTO outbox(inbound_id, transport, env_from, rcpt, message_id, payload, created) VALUES"
		  " (5, 'mail', 'bot@x', 'a@x', 'r1@x', 'x', 1),"
		  " (NULL, 'mail', 'bot@x', 'a@x', 'ev12.3.1.tag@x', 'x', 1),"
		  " (NULL, 'mail', 'bot@x', 'a@x', 'evening@x', 'x', 1),"
		  " (NULL, 'mail', 'bot@x', 'b@x', 'post.ab.0@x', 'x', 1),"
		  " (NULL, 'xmpp', NULL, 'room@muc', 'post.ab.1@x', '{}', 1),"
		  " (NULL, 'matrix', NULL, '!r:hs', 'post.ab.2@x', '{}', 1),"
		  " (NULL, 'xmpp', NULL, 'c@x', 'job.1@x', '{}', 1),"
		  " (9, 'matrix', NULL, 'd@x', 'r2@x', '{}', 1);") == 0);
	CHECK(db_open(&db, path) == 0);
	CHECK(db_schema_version(db) == v);
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

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-test-outbox-kind-%d.db", (int)getpid());
	RUN(new_rows_carry_their_kind_and_pacing);
	RUN(a_migrated_database_keeps_its_pacing);
	unlink(path);
	char side[96];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return t_done();
}
