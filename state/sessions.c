/*
 * sessions.c - named queries for mentoring sessions (table session, schema
 * 5) and the match look-ups they need.  Every write runs inside the
 * caller's transaction.
 */
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

void
mmatch_free(struct mmatch *m)
{
	free(m->programme);
	free(m->status);
	memset(m, 0, sizeof *m);
}

static void
match_row(sqlite3_stmt *st, void *out)
{
	struct mmatch *m = out;
	m->id = sqlite3_column_int64(st, 0);
	m->programme = db_col_text(st, 1);
	m->mentee = sqlite3_column_int64(st, 2);
	m->mentor = sqlite3_column_int64(st, 3);
	m->status = db_col_text(st, 4);
}

int
state_match_get(struct db *db, int64_t id, struct mmatch *out)
{
	static const char sql[] = "SELECT id, programme, mentee_id, mentor_id, status FROM match WHERE id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), match_row, out);
}

int
state_matches_of(struct db *db, int64_t person, int64_t *ids, size_t max, size_t *n)
{
	static const char sql[] =
		"SELECT id FROM match WHERE (mentee_id = ?1 OR mentor_id = ?1) AND status = 'active' ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			ids[*n] = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	sqlite3_reset(st);
	if (*n > max)
		*n = max;
	return rc == SQLITE_DONE ? DB_OK : DB_ERR;
}

void
msession_free(struct msession *s)
{
	free(s->place);
	free(s->status);
	free(s->uid);
	free(s->note);
	free(s->mail_msgid);
	free(s->prompt_msgid);
	memset(s, 0, sizeof *s);
}

#define SESSION_COLS                                                                                                   \
	"id, match_id, proposer_id, start, minutes, place, status, uid, sequence, logged_minutes, note,"               \
	" mail_msgid, prompt_msgid, created, updated"

static void
session_row(sqlite3_stmt *st, void *out)
{
	struct msession *s = out;
	s->id = sqlite3_column_int64(st, 0);
	s->match_id = sqlite3_column_int64(st, 1);
	s->proposer = sqlite3_column_int64(st, 2);
	s->start = sqlite3_column_int64(st, 3);
	s->minutes = sqlite3_column_int(st, 4);
	s->place = db_col_text(st, 5);
	s->status = db_col_text(st, 6);
	s->uid = db_col_text(st, 7);
	s->sequence = sqlite3_column_int(st, 8);
	s->has_logged = sqlite3_column_type(st, 9) != SQLITE_NULL;
	s->logged_minutes = sqlite3_column_int(st, 9);
	s->note = db_col_text(st, 10);
	s->mail_msgid = db_col_text(st, 11);
	s->prompt_msgid = db_col_text(st, 12);
	s->created = sqlite3_column_int64(st, 13);
	s->updated = sqlite3_column_int64(st, 14);
}

int
state_session_add(struct db *db, int64_t match, int64_t proposer, int64_t start, int minutes, const char *place,
		  const char *domain, const char *mail_msgid, int64_t *id_out)
{
	/* the UID names the row id, known only after the insert: a random placeholder first */
	static const char ins[] = "INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, "
				  "mail_msgid, created, updated)"
				  " VALUES (?, ?, ?, ?, ?, 'proposed', 'tmp-' || lower(hex(randomblob(16))), ?, ?, ?)";
	static const char upd[] = "UPDATE session SET uid = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, ins);
	if (!st)
		return DB_ERR;
	int64_t now = now_s();
	sqlite3_bind_int64(st, 1, match);
	sqlite3_bind_int64(st, 2, proposer);
	sqlite3_bind_int64(st, 3, start);
	sqlite3_bind_int(st, 4, minutes);
	BIND_TEXT(st, 5, place && *place ? place : NULL);
	BIND_TEXT(st, 6, mail_msgid);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	int rc = db_step_done(db, st);
	if (rc != DB_OK)
		return rc;
	int64_t id = sqlite3_last_insert_rowid(db->h);
	char *uid = xasprintf("session-%lld@%s", (long long)id, domain && *domain ? domain : "mentorbot.invalid");
	if (!(st = db_stmt(db, upd))) {
		free(uid);
		return DB_ERR;
	}
	BIND_TEXT(st, 1, uid);
	sqlite3_bind_int64(st, 2, id);
	rc = db_step_done(db, st);
	free(uid);
	if (rc == DB_OK && id_out)
		*id_out = id;
	return rc;
}

int
state_session_get(struct db *db, int64_t id, struct msession *out)
{
	static const char sql[] = "SELECT " SESSION_COLS " FROM session WHERE id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), session_row, out);
}

int
state_session_by_msgid(struct db *db, const char *msgid, struct msession *out, int *is_prompt)
{
	static const char by_mail[] =
		"SELECT " SESSION_COLS " FROM session WHERE mail_msgid = ? ORDER BY id DESC LIMIT 1";
	/* prompt_msgid holds both prompts, space separated; few rows, no index needed */
	static const char by_prompt[] = "SELECT " SESSION_COLS " FROM session"
					" WHERE instr(' ' || prompt_msgid || ' ', ' ' || ?1 || ' ') > 0"
					" ORDER BY id DESC LIMIT 1";
	memset(out, 0, sizeof *out);
	*is_prompt = 0;
	if (!msgid)
		return DB_NOTFOUND;
	char *id = db_msgid_key(msgid);
	int rc = *id ? DB_ROW(db_stmt_text(db, by_mail, id), session_row, out) : DB_NOTFOUND;
	sqlite3_stmt *st;
	if (rc == DB_NOTFOUND && *id && (st = db_stmt_text(db, by_prompt, id)) != NULL) {
		rc = DB_ROW(st, session_row, out);
		*is_prompt = rc == DB_OK;
	}
	free(id);
	return rc;
}

int
state_session_set_status(struct db *db, int64_t id, const char *from, const char *status)
{
	static const char sql[] =
		"UPDATE session SET status = ?1, updated = ?2 WHERE id = ?3 AND (?4 IS NULL OR status = ?4)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int64(st, 3, id);
	BIND_TEXT(st, 4, from);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_session_replace_proposed(struct db *db, int64_t match, int64_t except, int64_t **ids, size_t *n)
{
	static const char sel[] =
		"SELECT id FROM session WHERE match_id = ? AND status = 'proposed' AND id <> ? ORDER BY id";
	static const char upd[] = "UPDATE session SET status = 'replaced', updated = ?"
				  " WHERE match_id = ? AND status = 'proposed' AND id <> ?";
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(db, sel);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, match);
	sqlite3_bind_int64(st, 2, except);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*DB_APPEND(ids, n) = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || !(st = db_stmt(db, upd)))
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, match);
	sqlite3_bind_int64(st, 3, except);
	return db_step_done(db, st);
}

int
state_session_cancel(struct db *db, int64_t id, int *sequence)
{
	static const char sql[] = "UPDATE session SET status = 'cancelled', sequence = sequence + 1, updated = ?"
				  " WHERE id = ? AND status IN ('proposed', 'confirmed') RETURNING sequence";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sequence)
		*sequence = sqlite3_column_int(st, 0);
	int rc2 = rc == SQLITE_ROW ? sqlite3_step(st) : rc;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW && rc2 == SQLITE_DONE)
		return DB_OK;
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	log_err("database: %s", sqlite3_errmsg(db->h));
	return DB_ERR;
}

int
state_session_done(struct db *db, int64_t id, int minutes, const char *note)
{
	static const char sql[] = "UPDATE session SET status = 'done', logged_minutes = ?, note = ?, updated = ?"
				  " WHERE id = ? AND status IN ('confirmed', 'done')";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int(st, 1, minutes);
	BIND_TEXT(st, 2, note && *note ? note : NULL);
	sqlite3_bind_int64(st, 3, now_s());
	sqlite3_bind_int64(st, 4, id);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_session_set_prompt(struct db *db, int64_t id, const char *msgids)
{
	static const char sql[] = "UPDATE session SET prompt_msgid = ?, updated = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, msgids);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int64(st, 3, id);
	return db_step_done(db, st);
}
