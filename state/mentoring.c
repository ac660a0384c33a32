/*
 * mentoring.c - named queries for mentoring: the numbered suggestions of
 * "find mentor", requests to mentors, and matches.  Capacity checks run
 * inside the caller's transaction (BEGIN IMMEDIATE), so two answers taking a
 * mentor's last place are serialised; the unique index match_pair guards the
 * mentee side as well.
 */
#include "state/db_internal.h"
#include "state/mentoring_extra.h"

#include <stdlib.h>
#include <string.h>

#define PROF_SQL(f) "(SELECT value FROM profile WHERE person_id = m.person_id AND field = '" f "')"

void
mentor_rows_free(struct mentor_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].topics);
		free(v[i].languages);
		free(v[i].field);
		free(v[i].availability);
	}
	free(v);
}

/* The one decoder of a mentor_row: person, capacity, load, topics, languages, field, availability
 * (state_mentees_unmatched selects 0 as capacity and load). */
static void
mentor_row(sqlite3_stmt *st, void *out)
{
	struct mentor_row *r = out;
	r->person = sqlite3_column_int64(st, 0);
	r->capacity = sqlite3_column_int(st, 1);
	r->load = sqlite3_column_int(st, 2);
	r->topics = db_col_text(st, 3);
	r->languages = db_col_text(st, 4);
	r->field = db_col_text(st, 5);
	r->availability = db_col_text(st, 6);
}

/* db_rows() of mentor rows; on an error the rows read so far are freed and *out, *n cleared. */
static int
mentor_rows(sqlite3_stmt *st, struct mentor_row **out, size_t *n)
{
	int rc = DB_ROWS(st, mentor_row, out, n);
	if (rc != DB_OK) {
		mentor_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
state_mentors_free(struct db *db, const char *programme, int64_t except, struct mentor_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT person_id, cap, load, t, l, f, a FROM (SELECT m.person_id,"
		" coalesce((SELECT CASE WHEN CAST(value AS INTEGER) > 0 THEN CAST(value AS INTEGER) ELSE 1 END"
		"  FROM profile WHERE person_id = m.person_id AND field = 'capacity'), 1) AS cap,"
		" (SELECT count(*) FROM match WHERE mentor_id = m.person_id AND status = 'active') AS load,"
		" " PROF_SQL("topics") " AS t, " PROF_SQL("languages") " AS l, " PROF_SQL(
			"field") " AS f,"
				 " " PROF_SQL(
					 "availability") " AS a"
							 " FROM membership m WHERE m.programme = ? AND m.role = "
							 "'mentor' AND m.status = 'active'"
							 " AND m.person_id <> ?) WHERE load < cap ORDER BY person_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		BIND_TEXT(st, 1, programme);
		sqlite3_bind_int64(st, 2, except);
	}
	return mentor_rows(st, out, n);
}

int
state_mentor_capacity(struct db *db, int64_t mentor, int *capacity, int *load)
{
	static const char sql[] =
		"SELECT coalesce((SELECT CASE WHEN CAST(value AS INTEGER) > 0 THEN CAST(value AS INTEGER) ELSE 1 END"
		"  FROM profile WHERE person_id = ?1 AND field = 'capacity'), 1),"
		" (SELECT count(*) FROM match WHERE mentor_id = ?1 AND status = 'active')";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentor);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*capacity = sqlite3_column_int(st, 0);
		*load = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}

void
suggestions_free(struct suggestion *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].programme);
	free(v);
}

int
state_suggestions_set(struct db *db, int64_t person, const struct suggestion *v, size_t n)
{
	static const char del[] = "DELETE FROM suggestion WHERE person_id = ?";
	static const char ins[] =
		"INSERT INTO suggestion(person_id, n, mentor_id, programme, score, created) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, del);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	int rc = db_step_done(db, st);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		if (!(st = db_stmt(db, ins)))
			return DB_ERR;
		sqlite3_bind_int64(st, 1, person);
		sqlite3_bind_int(st, 2, v[i].n);
		sqlite3_bind_int64(st, 3, v[i].mentor);
		BIND_TEXT(st, 4, v[i].programme);
		sqlite3_bind_double(st, 5, v[i].score);
		sqlite3_bind_int64(st, 6, now_s());
		rc = db_step_done(db, st);
	}
	return rc;
}

static void
suggestion_row(sqlite3_stmt *st, void *out)
{
	struct suggestion *s = out;
	s->n = sqlite3_column_int(st, 0);
	s->mentor = sqlite3_column_int64(st, 1);
	s->programme = db_col_text(st, 2);
	s->score = sqlite3_column_double(st, 3);
}

int
state_suggestions(struct db *db, int64_t person, struct suggestion **out, size_t *n)
{
	static const char sql[] =
		"SELECT n, mentor_id, programme, score FROM suggestion WHERE person_id = ? ORDER BY n";
	return DB_ROWS(db_stmt_int64(db, sql, person), suggestion_row, out, n);
}

void
mrequest_free(struct mrequest *r)
{
	if (!r)
		return;
	free(r->programme);
	free(r->status);
	free(r->reason);
	free(r->mail_msgid);
	memset(r, 0, sizeof *r);
}

#define REQ_COLS "id, programme, mentee_id, mentor_id, status, reason, created, deadline, answered, mail_msgid"

static void
request_row(sqlite3_stmt *st, void *out)
{
	struct mrequest *r = out;
	r->id = sqlite3_column_int64(st, 0);
	r->programme = db_col_text(st, 1);
	r->mentee = sqlite3_column_int64(st, 2);
	r->mentor = sqlite3_column_int64(st, 3);
	r->status = db_col_text(st, 4);
	r->reason = db_col_text(st, 5);
	r->created = sqlite3_column_int64(st, 6);
	r->deadline = sqlite3_column_int64(st, 7);
	r->answered = sqlite3_column_int64(st, 8);
	r->mail_msgid = db_col_text(st, 9);
}

int
state_request_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t deadline,
		  const char *mail_msgid, int64_t *id_out)
{
	static const char sql[] = "INSERT INTO request(programme, mentee_id, mentor_id, status, created, deadline,"
				  " mail_msgid) VALUES (?, ?, ?, 'open', ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, mentee);
	sqlite3_bind_int64(st, 3, mentor);
	sqlite3_bind_int64(st, 4, now_s());
	sqlite3_bind_int64(st, 5, deadline);
	BIND_TEXT(st, 6, mail_msgid);
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*id_out = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
state_request_get(struct db *db, int64_t id, struct mrequest *out)
{
	static const char sql[] = "SELECT " REQ_COLS " FROM request WHERE id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), request_row, out);
}

int
state_request_by_msgid(struct db *db, const char *msgid, struct mrequest *out)
{
	static const char sql[] = "SELECT " REQ_COLS " FROM request WHERE mail_msgid = ? ORDER BY id DESC LIMIT 1";
	memset(out, 0, sizeof *out);
	if (!msgid)
		return DB_NOTFOUND;
	char *id = db_msgid_key(msgid); /* stored without <>; accept either */
	int rc = DB_ROW(db_stmt_text(db, sql, id), request_row, out);
	free(id);
	return rc;
}

int
state_request_open_between(struct db *db, int64_t mentee, int64_t mentor, int64_t *id)
{
	static const char sql[] =
		"SELECT id FROM request WHERE mentee_id = ? AND mentor_id = ? AND status = 'open' LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentee);
	sqlite3_bind_int64(st, 2, mentor);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	return db_row_status(st, rc);
}

int
state_request_asked(struct db *db, int64_t mentee, int64_t mentor, const char *programme, int *asked)
{
	static const char sql[] =
		"SELECT count(*) FROM request WHERE mentee_id = ? AND mentor_id = ? AND programme = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentee);
	sqlite3_bind_int64(st, 2, mentor);
	BIND_TEXT(st, 3, programme);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*asked = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}

int
state_request_close(struct db *db, int64_t id, const char *status, const char *reason)
{
	static const char sql[] =
		"UPDATE request SET status = ?, reason = ?, answered = ? WHERE id = ? AND status = 'open'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	BIND_TEXT(st, 2, reason);
	sqlite3_bind_int64(st, 3, now_s());
	sqlite3_bind_int64(st, 4, id);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_requests_open_of(struct db *db, int64_t mentee, const char *programme, struct mrequest **out, size_t *n)
{
	static const char sql[] = "SELECT " REQ_COLS " FROM request WHERE mentee_id = ?1 AND status = 'open'"
				  " AND (?2 IS NULL OR programme = ?2) ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		sqlite3_bind_int64(st, 1, mentee);
		BIND_TEXT(st, 2, programme);
	}
	return DB_ROWS(st, request_row, out, n);
}

int
state_match_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t request, int64_t *id_out)
{
	static const char sql[] = "INSERT INTO match(programme, mentee_id, mentor_id, request_id, status, created)"
				  " VALUES (?, ?, ?, ?, 'active', ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, mentee);
	sqlite3_bind_int64(st, 3, mentor);
	sqlite3_bind_int64(st, 4, request);
	sqlite3_bind_int64(st, 5, now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK && id_out)
		*id_out = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
state_match_active(struct db *db, int64_t mentee, const char *programme)
{
	static const char sql[] =
		"SELECT 1 FROM match WHERE mentee_id = ? AND programme = ? AND status = 'active' LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentee);
	BIND_TEXT(st, 2, programme);
	int rc = sqlite3_step(st);
	return db_row_status(st, rc);
}

int
state_mentees_unmatched(struct db *db, const char *programme, struct mentor_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT m.person_id, 0, 0, " PROF_SQL("topics") ", " PROF_SQL("languages") ", " PROF_SQL(
			"field") ", " PROF_SQL("availability") " FROM membership m WHERE m.programme = ? AND m.role = "
							       "'mentee'"
							       " AND m.status = 'active' AND NOT EXISTS (SELECT 1 FROM "
							       "match x "
							       "WHERE x.mentee_id = m.person_id"
							       " AND x.programme = m.programme AND x.status = "
							       "'active') ORDER "
							       "BY m.person_id";
	return mentor_rows(db_stmt_text(db, sql, programme), out, n);
}

/* ---- offers of the whole-cohort matching (state/mentoring_extra.h) ---- */

int
state_request_offer_get(struct db *db, int64_t id, int *is_offer, int *mentee_ok, int *mentor_ok)
{
	static const char sql[] = "SELECT origin = 'match', mentee_ok, mentor_ok FROM request WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*is_offer = sqlite3_column_int(st, 0);
		*mentee_ok = sqlite3_column_int(st, 1);
		*mentor_ok = sqlite3_column_int(st, 2);
	}
	return db_row_status(st, rc);
}

int
state_offer_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t deadline, int64_t *id_out)
{
	static const char sql[] = "INSERT INTO request(programme, mentee_id, mentor_id, status, created, deadline,"
				  " origin, mentee_ok, mentor_ok) VALUES (?, ?, ?, 'open', ?, ?, 'match', 0, 0)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, mentee);
	sqlite3_bind_int64(st, 3, mentor);
	sqlite3_bind_int64(st, 4, now_s());
	sqlite3_bind_int64(st, 5, deadline);
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*id_out = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
state_request_set_msgid(struct db *db, int64_t id, const char *mail_msgid)
{
	static const char sql[] = "UPDATE request SET mail_msgid = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, mail_msgid);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int
state_offer_agree(struct db *db, int64_t id, int mentee_side)
{
	static const char sql_mentee[] = "UPDATE request SET mentee_ok = 1 WHERE id = ? AND status = 'open'";
	static const char sql_mentor[] = "UPDATE request SET mentor_ok = 1 WHERE id = ? AND status = 'open'";
	sqlite3_stmt *st = db_stmt(db, mentee_side ? sql_mentee : sql_mentor);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_request_open_any(struct db *db, int64_t mentee, const char *programme, int64_t *id)
{
	static const char sql[] =
		"SELECT min(id) FROM request WHERE mentee_id = ? AND programme = ? AND status = 'open'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentee);
	BIND_TEXT(st, 2, programme);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*id = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return DB_ERR;
	return found ? DB_OK : DB_NOTFOUND;
}

int
state_offers_open_to(struct db *db, int64_t mentor, int *n)
{
	static const char sql[] =
		"SELECT count(*) FROM request WHERE mentor_id = ? AND status = 'open' AND origin = 'match'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentor);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}

int
state_request_refused(struct db *db, int64_t mentee, const char *programme, int64_t **mentors, size_t *n)
{
	static const char sql[] = "SELECT DISTINCT mentor_id FROM request WHERE mentee_id = ? AND programme = ?"
				  " AND status IN ('declined', 'expired') ORDER BY mentor_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	*mentors = NULL;
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, mentee);
	BIND_TEXT(st, 2, programme);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*DB_APPEND(mentors, n) = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*mentors);
		*mentors = NULL;
		*n = 0;
		return DB_ERR;
	}
	return DB_OK;
}
