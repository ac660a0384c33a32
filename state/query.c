/*
 * query.c - the steps the named queries of state/ share around their SQL:
 * how a step's result becomes DB_OK / DB_NOTFOUND / DB_ERR, and how a list
 * query grows its array.  Runs in whichever thread owns the struct db.
 */
#include "state/db_internal.h"

#include <string.h>

int
db_row_status(sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERR;
}

int
db_rows_status(sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERR;
}

int
db_row(sqlite3_stmt *st, db_row_fn *row, void *out, size_t elem)
{
	memset(out, 0, elem);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row(st, out);
	return db_row_status(st, rc);
}

int
db_rows(sqlite3_stmt *st, db_row_fn *row, void **out, size_t *n, size_t elem)
{
	*out = NULL;
	*n = 0;
	if (!st)
		return DB_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = db_grow(*out, *n, elem);
		row(st, (char *)*out + (*n)++ * elem);
	}
	return db_rows_status(st, rc);
}

void *
db_grow(void *v, size_t n, size_t elem)
{
	char *p = xrealloc(v, (n + 1) * elem);
	memset(p + n * elem, 0, elem);
	return p;
}

sqlite3_stmt *
db_stmt_int64(struct db *db, const char *sql, int64_t v)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st)
		sqlite3_bind_int64(st, 1, v);
	return st;
}

sqlite3_stmt *
db_stmt_text(struct db *db, const char *sql, const char *v)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st)
		BIND_TEXT(st, 1, v);
	return st;
}

char *
db_msgid_key(const char *msgid)
{
	const char *s = msgid;
	while (*s == ' ' || *s == '<')
		s++;
	return xstrndup(s, strcspn(s, "> \t\r\n"));
}
