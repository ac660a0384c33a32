/*
 * programmes.c - named queries for programmes and the scheduler's jobs.
 */
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

void
programme_free(struct programme *p)
{
	if (!p)
		return;
	free(p->slug);
	free(p->name);
	free(p->policy);
	free(p->consent_version);
	free(p->questions);
	free(p->weights);
	memset(p, 0, sizeof *p);
}

void
programmes_free(struct programme *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		programme_free(&v[i]);
	free(v);
}

int
state_programme_put(struct db *db, const struct programme *p)
{
	static const char sql[] =
		"INSERT INTO programme(slug, name, policy, request_days, consent_version, questions, weights, created)"
		" VALUES (?1, coalesce(?2, ?1), coalesce(?3, 'open'), coalesce(?4, 3), coalesce(?5, '2026-11-1'),"
		"  coalesce(?6, 'field,topics,languages,goals,availability'),"
		"  coalesce(?7, 'topics=3,language=2,field=1,availability=1'), ?8)"
		" ON CONFLICT(slug) DO UPDATE SET name = coalesce(?2, name), policy = coalesce(?3, policy),"
		"  request_days = coalesce(?4, request_days), consent_version = coalesce(?5, consent_version),"
		"  questions = coalesce(?6, questions), weights = coalesce(?7, weights)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, p->slug);
	BIND_TEXT(st, 2, p->name); /* NULL: a new programme is named by its slug, an existing one keeps its name */
	BIND_TEXT(st, 3, p->policy);
	if (p->request_days > 0)
		sqlite3_bind_int(st, 4, p->request_days);
	BIND_TEXT(st, 5, p->consent_version);
	BIND_TEXT(st, 6, p->questions);
	BIND_TEXT(st, 7, p->weights);
	sqlite3_bind_int64(st, 8, now_s());
	return db_step_done(db, st);
}

#define PROG_COLS "id, slug, name, policy, request_days, consent_version, questions, weights"

static void
programme_row(sqlite3_stmt *st, void *out)
{
	struct programme *p = out;
	p->id = sqlite3_column_int64(st, 0);
	p->slug = db_col_text(st, 1);
	p->name = db_col_text(st, 2);
	p->policy = db_col_text(st, 3);
	p->request_days = sqlite3_column_int(st, 4);
	p->consent_version = db_col_text(st, 5);
	p->questions = db_col_text(st, 6);
	p->weights = db_col_text(st, 7);
}

int
state_programme_get(struct db *db, const char *slug, struct programme *out)
{
	static const char sql[] = "SELECT " PROG_COLS " FROM programme WHERE slug = ?";
	return DB_ROW(db_stmt_text(db, sql, slug), programme_row, out);
}

int
state_programmes(struct db *db, struct programme **out, size_t *n)
{
	static const char sql[] = "SELECT " PROG_COLS " FROM programme ORDER BY id";
	return DB_ROWS(db_stmt(db, sql), programme_row, out, n);
}

void
job_free(struct job *j)
{
	if (!j)
		return;
	free(j->kind);
	free(j->payload);
	memset(j, 0, sizeof *j);
}

int
state_job_put(struct db *db, const char *kind, int64_t ref, int64_t due, const char *payload)
{
	static const char sql[] =
		"INSERT INTO job(due, kind, ref, payload, created) VALUES (?, ?, ?, ?, ?)"
		" ON CONFLICT(kind, ref) DO UPDATE SET due = excluded.due, payload = excluded.payload,"
		" done = 0, result = NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, due);
	BIND_TEXT(st, 2, kind);
	sqlite3_bind_int64(st, 3, ref);
	BIND_TEXT(st, 4, payload);
	sqlite3_bind_int64(st, 5, now_s());
	return db_step_done(db, st);
}

int
state_job_cancel(struct db *db, const char *kind, int64_t ref)
{
	static const char sql[] =
		"UPDATE job SET done = 1, result = 'cancelled' WHERE kind = ? AND ref = ? AND done = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, kind);
	sqlite3_bind_int64(st, 2, ref);
	return db_step_done(db, st);
}

int
state_jobs_due(struct db *db, int64_t now, struct job *out, size_t max, size_t *n)
{
	static const char sql[] =
		"SELECT id, due, kind, ref, payload FROM job WHERE done = 0 AND due <= ? ORDER BY due, id LIMIT ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct job *j = &out[*n];
		j->id = sqlite3_column_int64(st, 0);
		j->due = sqlite3_column_int64(st, 1);
		j->kind = db_col_text(st, 2);
		j->ref = sqlite3_column_int64(st, 3);
		j->payload = db_col_text(st, 4);
		(*n)++;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? DB_OK : DB_ERR;
}

int
state_job_done(struct db *db, int64_t id, const char *result)
{
	static const char sql[] = "UPDATE job SET done = 1, result = ? WHERE id = ? AND done = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, result);
	sqlite3_bind_int64(st, 2, id);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int64_t
state_job_next(struct db *db, int64_t now)
{
	static const char sql[] = "SELECT min(due) FROM job WHERE done = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t r = -1;
	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		r = sqlite3_column_int64(st, 0) - now;
		if (r < 0)
			r = 0;
	}
	sqlite3_reset(st);
	return r;
}
