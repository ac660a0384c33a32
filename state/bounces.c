/*
 * bounces.c - see bounces.h.
 */
#include "state/bounces.h"

#include <stdlib.h>

#include "state/db_internal.h"

static int
undeliverable_mark(struct db *db, const char *addr, int64_t at, const char *status, const char *reason)
{
	static const char sql[] = "INSERT INTO undeliverable(address, since, status, reason) VALUES (?, ?, ?, ?)"
				  " ON CONFLICT(address) DO NOTHING";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, at);
	BIND_TEXT(st, 3, status);
	BIND_TEXT(st, 4, reason);
	return db_step_done(db, st);
}

/* Soft bounces of addr since since. */
static int
soft_count(struct db *db, const char *addr, int64_t since, int *n)
{
	static const char sql[] = "SELECT count(*) FROM bounce_event WHERE address = ? AND hard = 0 AND at >= ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, since);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	return db_row_status(st, rc) == DB_ERR ? DB_ERR : DB_OK;
}

int
state_bounce_event(struct db *db, const char *addr, int64_t at, const char *status, int hard, int64_t outbox_id,
		   const char *reason, int *marked)
{
	static const char sql[] =
		"INSERT INTO bounce_event(address, at, status, hard, outbox_id, reason) VALUES (?, ?, ?, ?, ?, ?)";
	if (marked)
		*marked = 0;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, at);
	BIND_TEXT(st, 3, status);
	sqlite3_bind_int(st, 4, hard ? 1 : 0);
	if (outbox_id > 0)
		sqlite3_bind_int64(st, 5, outbox_id);
	BIND_TEXT(st, 6, reason);
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		rc = state_bounce_record(db, addr, reason ? reason : "delivery status notification", at);
	int soft = 0;
	if (rc == DB_OK && !hard)
		rc = soft_count(db, addr, at - BOUNCE_SOFT_WINDOW_S, &soft);
	if (rc == DB_OK && (hard || soft >= BOUNCE_SOFT_LIMIT))
		rc = undeliverable_mark(db, addr, at, status, hard ? reason : "repeated temporary failures");
	if (rc == DB_OK && marked)
		rc = state_undeliverable_get(db, addr, NULL, NULL) == DB_OK ? (*marked = 1, DB_OK) : DB_OK;
	return rc;
}

int
state_undeliverable_get(struct db *db, const char *addr, char **status, char **reason)
{
	static const char sql[] = "SELECT status, reason FROM undeliverable WHERE address = ? COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (status)
			*status = db_col_text(st, 0);
		if (reason)
			*reason = db_col_text(st, 1);
	}
	return db_row_status(st, rc);
}

int
state_undeliverable_clear(struct db *db, const char *addr)
{
	static const char sql[] = "DELETE FROM undeliverable WHERE address = ? COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	int rc = db_step_done(db, st);
	return rc == DB_OK && sqlite3_changes(db->h) == 0 ? DB_NOTFOUND : rc;
}

int
state_undeliverable_list(struct db *db, struct undeliverable **out, size_t *n)
{
	static const char sql[] = "SELECT u.address, u.since, u.status, u.reason, p.id, p.name FROM undeliverable u"
				  " LEFT JOIN endpoint e ON e.kind = 'mail' AND e.address = u.address COLLATE NOCASE"
				  " LEFT JOIN person p ON p.id = e.person_id ORDER BY u.since, u.address";
	sqlite3_stmt *st = db_stmt(db, sql);
	*out = NULL;
	*n = 0;
	if (!st)
		return DB_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct undeliverable *u = DB_APPEND(out, n);
		u->address = db_col_text(st, 0);
		u->since = sqlite3_column_int64(st, 1);
		u->status = db_col_text(st, 2);
		u->reason = db_col_text(st, 3);
		u->person_id = sqlite3_column_int64(st, 4);
		u->person_name = db_col_text(st, 5);
	}
	return db_rows_status(st, rc);
}

void
undeliverable_free(struct undeliverable *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].address);
		free(v[i].status);
		free(v[i].reason);
		free(v[i].person_name);
	}
	free(v);
}

int
state_outbox_mail_row_rcpt(struct db *db, int64_t id, char **rcpt)
{
	static const char sql[] = "SELECT rcpt FROM outbox WHERE id = ? AND transport = 'mail'";
	sqlite3_stmt *st = db_stmt_int64(db, sql, id);
	*rcpt = NULL;
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*rcpt = db_col_text(st, 0);
	return db_row_status(st, rc);
}

int
state_outbox_fail_pending_to(struct db *db, const char *addr, const char *err, int64_t *n)
{
	static const char sql[] = "UPDATE outbox SET status = 'failed', last_error = ?"
				  " WHERE transport = 'mail' AND status = 'pending' AND rcpt = ? COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (n)
		*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, err);
	BIND_TEXT(st, 2, addr);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && n)
		*n = sqlite3_changes(db->h);
	return rc;
}
