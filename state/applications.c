/*
 * applications.c - named queries for applications (see applications.h).
 */
#include "state/applications.h"

#include <stdlib.h>
#include <string.h>

#include "state/db_internal.h"

void
application_free(struct application *a)
{
	if (!a)
		return;
	free(a->programme);
	free(a->role);
	free(a->status);
	free(a->form_msgid);
	free(a->form_sent);
	free(a->decided_by);
	free(a->reason);
	free(a->person_name);
	memset(a, 0, sizeof *a);
}

void
applications_free(struct application *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		application_free(&v[i]);
	free(v);
}

#define APP_COLS                                                                                                       \
	"a.id, a.person_id, a.programme, a.role, a.status, a.form_msgid, a.form_sent, a.created, a.completed,"         \
	" a.decided, a.decided_by, a.reason, p.name"
#define APP_FROM " FROM application a JOIN person p ON p.id = a.person_id"

static void
app_row(sqlite3_stmt *st, void *out)
{
	struct application *a = out;
	a->id = sqlite3_column_int64(st, 0);
	a->person_id = sqlite3_column_int64(st, 1);
	a->programme = db_col_text(st, 2);
	a->role = db_col_text(st, 3);
	a->status = db_col_text(st, 4);
	a->form_msgid = db_col_text(st, 5);
	a->form_sent = db_col_text(st, 6);
	a->created = sqlite3_column_int64(st, 7);
	a->completed = sqlite3_column_int64(st, 8);
	a->decided = sqlite3_column_int64(st, 9);
	a->decided_by = db_col_text(st, 10);
	a->reason = db_col_text(st, 11);
	a->person_name = db_col_text(st, 12);
}

int
state_application_open(struct db *db, int64_t person, const char *programme, const char *role, struct application *out)
{
	static const char ins[] = "INSERT INTO application(person_id, programme, role, created) VALUES (?, ?, ?, ?)"
				  " ON CONFLICT(person_id, programme, role) DO NOTHING";
	static const char sel[] =
		"SELECT " APP_COLS APP_FROM " WHERE a.person_id = ? AND a.programme = ? AND a.role = ?";
	sqlite3_stmt *st = db_stmt(db, ins);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, programme);
	BIND_TEXT(st, 3, role);
	sqlite3_bind_int64(st, 4, now_s());
	int rc = db_step_done(db, st);
	if (db_failed(rc))
		return rc;
	if ((st = db_stmt(db, sel)) != NULL) {
		sqlite3_bind_int64(st, 1, person);
		BIND_TEXT(st, 2, programme);
		BIND_TEXT(st, 3, role);
	}
	return DB_ROW(st, app_row, out);
}

int
state_application_get(struct db *db, int64_t id, struct application *out)
{
	static const char sql[] = "SELECT " APP_COLS APP_FROM " WHERE a.id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), app_row, out);
}

int
state_application_by_msgid(struct db *db, const char *msgid, struct application *out)
{
	static const char sql[] = "SELECT " APP_COLS APP_FROM " WHERE a.form_msgid = ? ORDER BY a.id DESC LIMIT 1";
	return DB_ROW(db_stmt_text(db, sql, msgid), app_row, out);
}

int
state_application_set_form(struct db *db, int64_t id, const char *msgid, const char *sent)
{
	static const char sql[] = "UPDATE application SET form_msgid = ?, form_sent = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, msgid);
	BIND_TEXT(st, 2, sent);
	sqlite3_bind_int64(st, 3, id);
	return db_step_done(db, st);
}

int
state_application_set_status(struct db *db, int64_t id, const char *status, const char *by, const char *reason)
{
	static const char sql[] =
		"UPDATE application SET status = ?1,"
		" completed = CASE WHEN ?1 IN ('pending', 'approved') AND completed IS NULL THEN ?2 ELSE completed END,"
		" decided = CASE WHEN ?1 IN ('approved', 'rejected') THEN ?2 ELSE decided END,"
		" decided_by = coalesce(?3, decided_by), reason = ?4 WHERE id = ?5";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	BIND_TEXT(st, 3, by);
	BIND_TEXT(st, 4, reason);
	sqlite3_bind_int64(st, 5, id);
	return db_step_done(db, st);
}

int
state_applications(struct db *db, const char *status, const char *programme, struct application **out, size_t *n)
{
	static const char sql[] =
		"SELECT " APP_COLS APP_FROM " WHERE (?1 IS NULL OR a.status = ?1)"
		" AND (?2 IS NULL OR a.programme = ?2) ORDER BY coalesce(a.completed, a.created), a.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		BIND_TEXT(st, 1, status);
		BIND_TEXT(st, 2, programme);
	}
	return DB_ROWS(st, app_row, out, n);
}
