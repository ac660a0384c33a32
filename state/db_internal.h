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
/* Step a statement that returns no rows we want; reset it.  DB_OK, DB_EXISTS when a UNIQUE or
 * PRIMARY KEY constraint refused it, or DB_ERR (logged; other constraints too).  Never DB_NOTFOUND. */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* Copy of a text column or NULL. Caller frees. */
char *db_col_text(sqlite3_stmt *st, int i);

#define BIND_TEXT(st, i, s) sqlite3_bind_text((st), (i), (s), -1, SQLITE_TRANSIENT)

/* state/query.c: what the named queries share around their SQL. */

/* Reset st after the one sqlite3_step() of a one-row query that returned rc:
 * DB_OK (a row), DB_NOTFOUND (no row) or DB_ERR. */
int db_row_status(sqlite3_stmt *st, int rc);
/* Reset st after stepping through every row, the last step having returned rc:
 * DB_OK (SQLITE_DONE) or DB_ERR. */
int db_rows_status(sqlite3_stmt *st, int rc);
/* db_stmt(db, sql) with its parameter ?1 bound to v: the statement, or NULL on an error. */
sqlite3_stmt *db_stmt_int64(struct db *db, const char *sql, int64_t v);
sqlite3_stmt *db_stmt_text(struct db *db, const char *sql, const char *v);
/* A Message-ID (not NULL) as the tables store it: without the blanks and <> around it.
 * Allocated, maybe ""; the caller frees. */
char *db_msgid_key(const char *msgid);
/* The array v of n elements of elem bytes, grown by one zeroed element (xrealloc: never NULL). */
void *db_grow(void *v, size_t n, size_t elem);
/* Append a zeroed element to the array *pv of *pn elements and count it: a pointer to the element. */
#define DB_APPEND(pv, pn) ((*(pv) = db_grow(*(pv), *(pn), sizeof **(pv))), &(*(pv))[(*(pn))++])

/* A struct's one row decoder: the current row of st into the (zeroed) struct at out. */
typedef void db_row_fn(sqlite3_stmt *st, void *out);
/* The one row of st (bound; NULL: DB_ERR) into *out, zeroed first, by row:
 * DB_OK, DB_NOTFOUND (no row) or DB_ERR. */
int db_row(sqlite3_stmt *st, db_row_fn *row, void *out, size_t elem);
#define DB_ROW(st, row, out) db_row((st), (row), (out), sizeof *(out))
/* Every row of st (bound; NULL: DB_ERR), each decoded by row into a new element of the array
 * *out (caller frees, also after an error), *n counting them: DB_OK or DB_ERR. */
int db_rows(sqlite3_stmt *st, db_row_fn *row, void **out, size_t *n, size_t elem);
#define DB_ROWS(st, row, out, n) db_rows((st), (row), (void **)(out), (n), sizeof **(out))

/* state/people.c: the one decoder of a person row, the columns
 * id, lang, name, consent_version, consent_at, created from column col0 on. */
void person_from_row(sqlite3_stmt *st, int col0, struct person *out);
#endif
