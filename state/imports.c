/*
 * imports.c - the rows of table import_invite (imports.h).  Runs in whichever thread owns the
 * struct db; the CLI process of "mentorbot import" and the dispatcher (a confirmation).
 */
#include "state/imports.h"
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

void
import_invite_free(struct import_invite *v)
{
	if (!v)
		return;
	free(v->programme);
	free(v->role);
	free(v->address);
	free(v->name);
	free(v->data);
	free(v->source);
	free(v->status);
	memset(v, 0, sizeof *v);
}

int
import_invite_add(struct db *db, const char *programme, const char *role, const char *address, const char *name,
		  const char *data, const char *source, int64_t *id)
{
	static const char sql[] = "INSERT INTO import_invite(programme, role, address, name, data, source, created)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	BIND_TEXT(st, 2, role);
	BIND_TEXT(st, 3, address);
	BIND_TEXT(st, 4, name);
	BIND_TEXT(st, 5, data);
	BIND_TEXT(st, 6, source);
	sqlite3_bind_int64(st, 7, now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK && id)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
import_invite_exists(struct db *db, const char *programme, const char *role, const char *address)
{
	static const char sql[] = "SELECT 1 FROM import_invite WHERE programme = ?1 AND role = ?2 AND address = ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	BIND_TEXT(st, 2, role);
	BIND_TEXT(st, 3, address);
	return db_row_status(st, sqlite3_step(st));
}

static void
invite_row(sqlite3_stmt *st, void *out)
{
	struct import_invite *v = out;
	v->id = sqlite3_column_int64(st, 0);
	v->programme = db_col_text(st, 1);
	v->role = db_col_text(st, 2);
	v->address = db_col_text(st, 3);
	v->name = db_col_text(st, 4);
	v->data = db_col_text(st, 5);
	v->source = db_col_text(st, 6);
	v->status = db_col_text(st, 7);
	v->person_id = sqlite3_column_int64(st, 8);
	v->created = sqlite3_column_int64(st, 9);
	v->answered = sqlite3_column_int64(st, 10);
}

int
import_invite_get(struct db *db, int64_t id, struct import_invite *out)
{
	static const char sql[] = "SELECT id, programme, role, address, name, data, source, status, person_id, created,"
				  " answered FROM import_invite WHERE id = ?1";
	return DB_ROW(db_stmt_int64(db, sql, id), invite_row, out);
}

int
import_invite_set_msgid(struct db *db, int64_t id, const char *msgid)
{
	static const char sql[] = "UPDATE import_invite SET mail_msgid = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, id);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 2, msgid);
	return db_step_done(db, st);
}

int
import_invite_confirm(struct db *db, int64_t id, int64_t person)
{
	static const char sql[] =
		"UPDATE import_invite SET status = 'confirmed', person_id = ?2, answered = ?3 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, id);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, now_s());
	return db_step_done(db, st);
}

int
import_is_member(struct db *db, const char *programme, const char *address)
{
	static const char sql[] = "SELECT 1 FROM endpoint e JOIN membership m ON m.person_id = e.person_id"
				  " WHERE e.kind = 'mail' AND e.address = ?2 AND e.verified = 1 AND m.programme = ?1"
				  " AND m.status IN ('active', 'pending') LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	BIND_TEXT(st, 2, address);
	return db_row_status(st, sqlite3_step(st));
}
