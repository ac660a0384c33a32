/* The shared steps of state/ (state/query.c) and the one person row decoder: a step's result as
 * DB_OK / DB_NOTFOUND / DB_EXISTS / DB_ERR, arrays grown one zeroed element at a time, and a person read by id
 * and by endpoint alike. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/db_internal.h"
#include "state/state.h"
#include "t.h"

static char path[64];

static void
row_status_maps_a_row_no_row_and_an_error(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	static const char one[] = "SELECT 1 WHERE ?1 = 1";
	sqlite3_stmt *st = db_stmt(db, one);
	CHECK(st != NULL);
	sqlite3_bind_int64(st, 1, 1);
	CHECK(db_row_status(st, sqlite3_step(st)) == DB_OK);
	sqlite3_bind_int64(st, 1, 2);
	CHECK(db_row_status(st, sqlite3_step(st)) == DB_NOTFOUND);
	CHECK(db_row_status(st, SQLITE_BUSY) == DB_ERR);
	/* every row: DB_OK after SQLITE_DONE; DB_ERR when stopped early or on an error */
	sqlite3_bind_int64(st, 1, 1);
	int rc, rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rows++;
	CHECK(rows == 1 && db_rows_status(st, rc) == DB_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW); /* reset: it runs again */
	CHECK(db_rows_status(st, SQLITE_ROW) == DB_ERR);
	CHECK(db_rows_status(st, SQLITE_CORRUPT) == DB_ERR);
	db_close(db);
}

static void
append_grows_by_one_zeroed_element_and_counts_it(void)
{
	struct endpoint *v = NULL;
	size_t n = 0;
	for (int i = 0; i < 5; i++) {
		struct endpoint *e = DB_APPEND(&v, &n);
		CHECK(e == &v[i]);
		CHECK(e->kind == NULL && e->addr == NULL && e->verified == 0);
		e->kind = xstrdup("mail");
		e->verified = i;
	}
	CHECK(n == 5);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].verified == (int)i && strcmp(v[i].kind, "mail") == 0);
	endpoints_free(v, n);
}

static void
a_person_reads_the_same_by_id_and_by_endpoint(void)
{
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	int64_t id = 0;
	CHECK(db_begin(db) == 0);
	CHECK(state_person_create(db, "en", &id) == DB_OK);
	CHECK(state_person_set_consent(db, id, "v2", 1234) == DB_OK);
	CHECK(state_endpoint_add(db, id, "mail", "ada@example.test", 1) == DB_OK);
	CHECK(db_commit(db) == 0);
	struct person a, b;
	CHECK(state_person_get(db, id, &a) == DB_OK);
	CHECK(state_person_by_endpoint(db, "mail", "ada@example.test", &b) == DB_OK);
	CHECK(a.id == id && b.id == id);
	CHECK_STR(a.lang, "en");
	CHECK_STR(b.lang, "en");
	CHECK(a.name == NULL && b.name == NULL);
	CHECK_STR(a.consent_version, "v2");
	CHECK_STR(b.consent_version, "v2");
	CHECK(a.consent_at == 1234 && b.consent_at == 1234);
	CHECK(a.created > 0 && a.created == b.created);
	person_free(&a);
	person_free(&b);
	CHECK(state_person_get(db, id + 1, &a) == DB_NOTFOUND && a.id == 0);
	CHECK(state_person_by_endpoint(db, "mail", "nobody@example.test", &b) == DB_NOTFOUND && b.id == 0);
	db_close(db);
}

static void
stmt_with_one_bound_value(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	static const char num[] = "SELECT ?1 + 1", txt[] = "SELECT '<' || ?1 || '>'";
	sqlite3_stmt *st = db_stmt_int64(db, num, 41);
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 42);
	CHECK(db_row_status(st, SQLITE_ROW) == DB_OK);
	st = db_stmt_text(db, txt, "a b");
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "<a b>");
	CHECK(db_row_status(st, SQLITE_ROW) == DB_OK);
	static const char bad[] = "SELECT FROM nowhere WHERE";
	CHECK(db_stmt_int64(db, bad, 1) == NULL);
	CHECK(db_stmt_text(db, bad, "x") == NULL);
	db_close(db);
}

static void
msgid_key_drops_the_angle_brackets_and_blanks(void)
{
	const char *cases[][2] = {
		{"<a.1@x.test>", "a.1@x.test"},
		{"  <a@x> trailing", "a@x"},
		{"a@x", "a@x"},
		{"a@x\r\n", "a@x"},
		{"<>", ""},
		{"", ""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *k = db_msgid_key(cases[i][0]);
		CHECK_STR(k, cases[i][1]);
		free(k);
	}
}

/* person_from_row() reads its six columns from any starting column */
static void
person_from_row_starts_at_col0(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	static const char sql[] = "SELECT 'x', 'y', 7, 'de', 'Ada', 'v1', 11, 12";
	sqlite3_stmt *st = db_stmt(db, sql);
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW);
	struct person p;
	memset(&p, 0, sizeof p);
	person_from_row(st, 2, &p);
	CHECK(p.id == 7 && p.consent_at == 11 && p.created == 12);
	CHECK_STR(p.lang, "de");
	CHECK_STR(p.name, "Ada");
	CHECK_STR(p.consent_version, "v1");
	CHECK(db_row_status(st, SQLITE_ROW) == DB_OK);
	person_free(&p);
	db_close(db);
}

/* Every code but DB_OK is negative; a missing row is DB_NOTFOUND, which is not a failure and
 * not DB_ERR, and a transaction whose step answers DB_NOTFOUND commits. */
static int
kv_set_then_not_found(struct db *db, void *ud)
{
	(void)ud;
	if (state_kv_set(db, "q.kept", "1") != DB_OK)
		return DB_ERR;
	char *v = NULL;
	return state_kv_get(db, "q.absent", &v);
}

static void
a_missing_row_is_a_negative_not_found_distinct_from_an_error(void)
{
	CHECK(DB_OK == 0 && DB_ERR < 0 && DB_NOTFOUND < 0 && DB_NOTFOUND != DB_ERR);
	CHECK(db_failed(DB_ERR) && !db_failed(DB_NOTFOUND) && !db_failed(DB_OK));
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	char *v = (char *)"untouched";
	CHECK(state_kv_get(db, "nothing here", &v) == DB_NOTFOUND && v == NULL);
	struct programme p;
	CHECK(state_programme_get(db, "nope", &p) == DB_NOTFOUND && p.slug == NULL);
	struct mrequest r;
	CHECK(state_request_get(db, 99, &r) == DB_NOTFOUND && r.id == 0);
	CHECK(state_request_by_msgid(db, NULL, &r) == DB_NOTFOUND);
	CHECK(db_txn(db, kv_set_then_not_found, NULL) == DB_NOTFOUND);
	CHECK(state_kv_get(db, "q.kept", &v) == DB_OK && strcmp(v, "1") == 0);
	free(v);
	db_close(db);
}

/* In a transaction: a kv row, then a write a UNIQUE constraint refuses, passed on. */
static int
kv_set_then_exists(struct db *db, void *ud)
{
	(void)ud;
	static const char ins[] = "INSERT INTO kv(key, value) VALUES ('q.dup', 'again')";
	CHECK(state_kv_set(db, "q.undone", "1") == DB_OK);
	return db_step_done(db, db_stmt(db, ins));
}

/* A write a UNIQUE or PRIMARY KEY constraint refused is DB_EXISTS: not "not found", not DB_ERR;
 * other constraints are errors.  db_failed() counts it, so a transaction that passes it on is undone. */
static void
a_unique_violation_is_exists_distinct_from_not_found_and_error(void)
{
	CHECK(DB_EXISTS < 0 && DB_EXISTS != DB_NOTFOUND && DB_EXISTS != DB_ERR);
	CHECK(db_failed(DB_EXISTS));
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	static const char ins[] = "INSERT INTO kv(key, value) VALUES ('q.dup', ?)";
	sqlite3_stmt *st = db_stmt_text(db, ins, "first");
	CHECK(st && db_step_done(db, st) == DB_OK);
	st = db_stmt_text(db, ins, "second");
	CHECK(st && db_step_done(db, st) == DB_EXISTS);
	char *v = NULL;
	CHECK(state_kv_get(db, "q.dup", &v) == DB_OK &&
	      strcmp(v, "first") == 0); /* the refused write changed nothing */
	free(v);
	st = db_stmt_text(db, ins, NULL); /* NOT NULL: not "already there" */
	CHECK(st && db_step_done(db, st) == DB_ERR);
	CHECK(db_txn(db, kv_set_then_exists, NULL) == DB_EXISTS);
	v = NULL;
	CHECK(state_kv_get(db, "q.undone", &v) == DB_NOTFOUND && v == NULL);
	/* the named query that documents it: a second active match of one mentee in a programme */
	int64_t mentee, mentor, other, id;
	CHECK(state_person_create(db, "de", &mentee) == DB_OK && state_person_create(db, "de", &mentor) == DB_OK &&
	      state_person_create(db, "de", &other) == DB_OK);
	CHECK(state_match_add(db, "p", mentee, mentor, 0, &id) == DB_OK);
	CHECK(state_match_add(db, "p", mentee, other, 0, &id) == DB_EXISTS);
	CHECK(state_match_add(db, "p", mentee + other + 100, mentor, 0, &id) == DB_ERR); /* no such person */
	db_close(db);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-query-%d.db", (int)getpid());
	RUN(row_status_maps_a_row_no_row_and_an_error);
	RUN(append_grows_by_one_zeroed_element_and_counts_it);
	RUN(a_person_reads_the_same_by_id_and_by_endpoint);
	RUN(person_from_row_starts_at_col0);
	RUN(stmt_with_one_bound_value);
	RUN(msgid_key_drops_the_angle_brackets_and_blanks);
	RUN(a_missing_row_is_a_negative_not_found_distinct_from_an_error);
	RUN(a_unique_violation_is_exists_distinct_from_not_found_and_error);
	unlink(path);
	char wal[80];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	return t_done();
}
