/*
 * db_internal.h - shared by the files of state/ only.
 */
#ifndef MB_DB_INTERNAL_H
#define MB_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>

#include "bot/util.h"
#include "state/state.h"

struct db_stmt_cache {
	const char *sql;
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	struct db_stmt_cache *stmts;
	size_t nstmts;
	int64_t busy_since_us; /* when the current wait for a lock began (db_busy) */
};

/* Prepared statement for a static SQL string, reset and unbound; NULL on error. Owned by db. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
/* Step a statement that returns no rows we want; reset it. DB_NOTFOUND on a constraint violation. */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* Copy of a text column or NULL. Caller frees. */
char *db_col_text(sqlite3_stmt *st, int i);

#define BIND_TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_TRANSIENT)
#endif
