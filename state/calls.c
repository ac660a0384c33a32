/*
 * calls.c - programme calls and the hashtags of programmes and events (see calls.h).
 */
#include "state/calls.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define CALL_COLS "c.id, c.programme_id, p.slug, p.name, coalesce(c.until, 0), c.opened, coalesce(c.closed, 0)"
#define CALL_FROM " FROM programme_call c JOIN programme p ON p.id = c.programme_id"
#define CALL_OPEN " c.closed IS NULL AND (c.until IS NULL OR c.until >= ?)"

static void
call_row(sqlite3_stmt *st, void *out)
{
	struct programme_call *c = out;
	c->id = sqlite3_column_int64(st, 0);
	c->programme_id = sqlite3_column_int64(st, 1);
	c->slug = db_col_text(st, 2);
	c->name = db_col_text(st, 3);
	c->until = sqlite3_column_int64(st, 4);
	c->opened = sqlite3_column_int64(st, 5);
	c->closed = sqlite3_column_int64(st, 6);
}

void
programme_call_free(struct programme_call *c)
{
	if (!c)
		return;
	free(c->slug);
	free(c->name);
	memset(c, 0, sizeof *c);
}

void
programme_calls_free(struct programme_call *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		programme_call_free(&v[i]);
	free(v);
}

int
state_call_close(struct db *db, const char *slug, int64_t *id)
{
	*id = 0;
	sqlite3_stmt *st = db_stmt(db, "SELECT c.id" CALL_FROM " WHERE p.slug = ? AND c.closed IS NULL");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, slug);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	int rc = db_row_status(st, r);
	if (rc != DB_OK)
		return rc;
	if (!(st = db_stmt(db, "UPDATE programme_call SET closed = ? WHERE id = ?")))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, *id);
	return db_step_done(db, st);
}

int
state_call_open(struct db *db, const char *slug, int64_t until, const char *by, int64_t *id)
{
	int64_t old;
	int rc = state_call_close(db, slug, &old);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return rc;
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO programme_call(programme_id, until, opened, opened_by)"
				       " SELECT id, ?, ?, ? FROM programme WHERE slug = ?");
	if (!st)
		return DB_ERR;
	if (until > 0)
		sqlite3_bind_int64(st, 1, until);
	sqlite3_bind_int64(st, 2, now_s());
	BIND_TEXT(st, 3, by);
	BIND_TEXT(st, 4, slug);
	if ((rc = db_step_done(db, st)) != DB_OK)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	*id = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

int
state_call_current(struct db *db, const char *slug, int64_t now, struct programme_call *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st =
		db_stmt(db, "SELECT " CALL_COLS CALL_FROM " WHERE p.slug = ? AND" CALL_OPEN " ORDER BY c.id DESC");
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, slug);
	sqlite3_bind_int64(st, 2, now);
	return DB_ROW(st, call_row, out);
}

int
state_calls_open(struct db *db, int64_t now, struct programme_call **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return DB_ROWS(db_stmt_int64(db, "SELECT " CALL_COLS CALL_FROM " WHERE" CALL_OPEN " ORDER BY p.id", now),
		       call_row, out, n);
}

static int
text_set(struct db *db, const char *sql, const char *tags, const char *key, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, tags && *tags ? tags : NULL);
	if (key)
		BIND_TEXT(st, 2, key);
	else
		sqlite3_bind_int64(st, 2, id);
	int rc = db_step_done(db, st);
	return rc == DB_OK && sqlite3_changes(db->h) == 0 ? DB_NOTFOUND : rc;
}

static int
text_get(struct db *db, sqlite3_stmt *st, char **out)
{
	*out = NULL;
	if (!st)
		return DB_ERR;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = db_col_text(st, 0);
	return db_row_status(st, r);
}

int
state_programme_hashtags_set(struct db *db, const char *slug, const char *tags)
{
	return text_set(db, "UPDATE programme SET hashtags = ? WHERE slug = ?", tags, slug, 0);
}

int
state_programme_hashtags(struct db *db, const char *slug, char **out)
{
	return text_get(db, db_stmt_text(db, "SELECT hashtags FROM programme WHERE slug = ?", slug), out);
}

int
state_event_hashtags_set(struct db *db, int64_t id, const char *tags)
{
	return text_set(db, "UPDATE event SET hashtags = ? WHERE id = ?", tags, NULL, id);
}

int
state_event_hashtags(struct db *db, int64_t id, char **out)
{
	return text_get(db, db_stmt_int64(db, "SELECT hashtags FROM event WHERE id = ?", id), out);
}
