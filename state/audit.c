/*
 * audit.c - see audit.h.
 */
#include "state/audit.h"

#include <stdlib.h>

#include "state/db_internal.h"

static void
bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int
audit_add(struct db *db, const char *actor, int64_t actor_id, const char *channel, const char *action,
	  const char *subject, int64_t person_id, const char *detail)
{
	static const char sql[] = "INSERT INTO audit(at, actor, actor_id, channel, action, subject, person_id, detail)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	BIND_TEXT(st, 2, actor);
	bind_id(st, 3, actor_id);
	BIND_TEXT(st, 4, channel ? channel : "?");
	BIND_TEXT(st, 5, action);
	BIND_TEXT(st, 6, subject);
	bind_id(st, 7, person_id);
	BIND_TEXT(st, 8, detail);
	return db_step_done(db, st);
}

void
audit_rows_free(struct audit_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].actor);
		free(v[i].channel);
		free(v[i].action);
		free(v[i].subject);
		free(v[i].detail);
	}
	free(v);
}

static void
audit_row(sqlite3_stmt *st, void *out)
{
	struct audit_row *r = out;
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	r->actor = db_col_text(st, 2);
	r->actor_id = sqlite3_column_int64(st, 3);
	r->channel = db_col_text(st, 4);
	r->action = db_col_text(st, 5);
	r->subject = db_col_text(st, 6);
	r->person_id = sqlite3_column_int64(st, 7);
	r->detail = db_col_text(st, 8);
	r->redacted = sqlite3_column_int(st, 9);
}

int
audit_list(struct db *db, int64_t since, struct audit_row **out, size_t *n)
{
	static const char sql[] = "SELECT id, at, actor, actor_id, channel, action, subject, person_id, detail,"
				  " actor IS NULL AND actor_id IS NULL AND person_id IS NULL AND detail IS NULL"
				  " FROM audit WHERE at >= ?1 ORDER BY id";
	*out = NULL;
	*n = 0;
	int rc = DB_ROWS(db_stmt_int64(db, sql, since), audit_row, out, n);
	if (rc != DB_OK) {
		audit_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
audit_count(struct db *db, const char *action, const char *subject, int *n)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE action = ?1 AND (?2 IS NULL OR subject = ?2)";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, action);
	BIND_TEXT(st, 2, subject);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	return db_row_status(st, rc);
}
