/*
 * events.c - named queries for events, invitations and answers (schema 7).
 * See state/events.h.  Every write runs inside the caller's transaction.
 */
#include "state/events.h"

#include <stdlib.h>
#include <string.h>

#include "state/db_internal.h"

void
event_free(struct event *e)
{
	free(e->uid);
	free(e->title);
	free(e->description);
	free(e->place);
	free(e->url);
	free(e->audience);
	free(e->status);
	free(e->token);
	free(e->created_by);
	memset(e, 0, sizeof *e);
}

void
events_free(struct event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		event_free(&v[i]);
	free(v);
}

#define EVENT_COLS                                                                                                     \
	"id, uid, sequence, title, description, start, end, place, url, capacity, guests, audience, public,"           \
	" claim_hours, remind_hours, status, token, created_by, created, updated, announced"

static void
event_row(sqlite3_stmt *st, void *out)
{
	struct event *e = out;
	e->id = sqlite3_column_int64(st, 0);
	e->uid = db_col_text(st, 1);
	e->sequence = sqlite3_column_int(st, 2);
	e->title = db_col_text(st, 3);
	e->description = db_col_text(st, 4);
	e->start = sqlite3_column_int64(st, 5);
	e->end = sqlite3_column_int64(st, 6);
	e->place = db_col_text(st, 7);
	e->url = db_col_text(st, 8);
	e->capacity = sqlite3_column_int(st, 9);
	e->guests = sqlite3_column_int(st, 10);
	e->audience = db_col_text(st, 11);
	e->is_public = sqlite3_column_int(st, 12);
	e->claim_hours = sqlite3_column_int(st, 13);
	e->remind_hours = sqlite3_column_int(st, 14);
	e->status = db_col_text(st, 15);
	e->token = db_col_text(st, 16);
	e->created_by = db_col_text(st, 17);
	e->created = sqlite3_column_int64(st, 18);
	e->updated = sqlite3_column_int64(st, 19);
	e->announced = sqlite3_column_int64(st, 20);
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		BIND_TEXT(st, i, s);
	else
		sqlite3_bind_null(st, i);
}

/* The fields staff set, bound to ?1 … ?12 in the order the insert and the update both name them:
 * title, description, start, end, place, url, capacity, guests, audience, public, claim_hours,
 * remind_hours. */
static void
event_bind_fields(sqlite3_stmt *st, const struct event *e)
{
	BIND_TEXT(st, 1, e->title);
	bind_text_or_null(st, 2, e->description);
	sqlite3_bind_int64(st, 3, e->start);
	sqlite3_bind_int64(st, 4, e->end);
	bind_text_or_null(st, 5, e->place);
	bind_text_or_null(st, 6, e->url);
	sqlite3_bind_int(st, 7, e->capacity);
	sqlite3_bind_int(st, 8, e->guests);
	BIND_TEXT(st, 9, e->audience ? e->audience : "all");
	sqlite3_bind_int(st, 10, e->is_public ? 1 : 0);
	sqlite3_bind_int(st, 11, e->claim_hours);
	sqlite3_bind_int(st, 12, e->remind_hours);
}

int
state_event_add(struct db *db, const struct event *e, const char *domain, int64_t *id_out)
{
	static const char sql[] =
		"INSERT INTO event(uid, sequence, title, description, start, end, place, url, capacity, guests,"
		" audience, public, claim_hours, remind_hours, status, token, created_by, created, updated)"
		" VALUES ('new:' || ?15, 0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" 'draft', ?15, ?13, ?14, ?14)";
	static const char sql_uid[] = "UPDATE event SET uid = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	event_bind_fields(st, e);
	bind_text_or_null(st, 13, e->created_by);
	sqlite3_bind_int64(st, 14, now_s());
	BIND_TEXT(st, 15, e->token);
	int rc = db_step_done(db, st);
	if (rc != DB_OK)
		return rc;
	int64_t id = sqlite3_last_insert_rowid(db->h);
	char *uid = xasprintf("event-%lld-%s@%s", (long long)id, e->token, domain);
	st = db_stmt(db, sql_uid);
	if (!st) {
		free(uid);
		return DB_ERR;
	}
	BIND_TEXT(st, 1, uid);
	sqlite3_bind_int64(st, 2, id);
	rc = db_step_done(db, st);
	free(uid);
	if (rc != DB_OK)
		return rc;
	*id_out = id;
	return DB_OK;
}

int
state_event_get(struct db *db, int64_t id, struct event *out)
{
	static const char sql[] = "SELECT " EVENT_COLS " FROM event WHERE id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), event_row, out);
}

int
state_event_by_uid(struct db *db, const char *uid, struct event *out)
{
	static const char sql[] = "SELECT " EVENT_COLS " FROM event WHERE uid = ? COLLATE NOCASE";
	return DB_ROW(db_stmt_text(db, sql, uid), event_row, out);
}

int
state_event_by_token(struct db *db, const char *token, struct event *out)
{
	static const char sql[] = "SELECT " EVENT_COLS " FROM event WHERE token = ?";
	return DB_ROW(db_stmt_text(db, sql, token), event_row, out);
}

int
state_event_update(struct db *db, const struct event *e)
{
	static const char sql[] =
		"UPDATE event SET title = ?1, description = ?2, start = ?3, end = ?4, place = ?5, url = ?6,"
		" capacity = ?7, guests = ?8, audience = ?9, public = ?10, claim_hours = ?11, remind_hours = ?12,"
		" sequence = ?13, updated = ?14 WHERE id = ?15";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	event_bind_fields(st, e);
	sqlite3_bind_int(st, 13, e->sequence);
	sqlite3_bind_int64(st, 14, now_s());
	sqlite3_bind_int64(st, 15, e->id);
	return db_step_done(db, st);
}

int
state_event_set_status(struct db *db, int64_t id, const char *status)
{
	static const char sql[] = "UPDATE event SET status = ?1, updated = ?2,"
				  " announced = CASE WHEN ?1 = 'announced' AND announced IS NULL THEN ?2 ELSE "
				  "announced END WHERE id = ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int64(st, 3, id);
	return db_step_done(db, st);
}

int
state_events(struct db *db, enum event_list which, int64_t now, struct event **out, size_t *n)
{
	static const char sql_all[] = "SELECT " EVENT_COLS " FROM event WHERE ?1 IS NOT NULL ORDER BY id DESC";
	static const char sql_up[] =
		"SELECT " EVENT_COLS " FROM event WHERE status = 'announced' AND end >= ?1 ORDER BY start, id";
	static const char sql_feed[] = "SELECT " EVENT_COLS " FROM event WHERE public = 1 AND ?1 IS NOT NULL"
				       " AND status IN ('announced', 'cancelled') ORDER BY start, id";
	const char *sql = which == EVENT_LIST_UPCOMING ? sql_up : which == EVENT_LIST_FEED ? sql_feed : sql_all;
	return DB_ROWS(db_stmt_int64(db, sql, now), event_row, out, n);
}

/* ---- invitations ---- */

void
invitations_free(struct invitation *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].address);
		free(v[i].msgid);
	}
	free(v);
}

int
state_invitation_put(struct db *db, int64_t event, int64_t person, const char *address, const char *msgid, int sequence)
{
	static const char sql[] = "INSERT INTO invitation(event_id, person_id, address, msgid, sequence, created)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(event_id, person_id) DO UPDATE SET"
				  " address = excluded.address, msgid = excluded.msgid, sequence = excluded.sequence";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	BIND_TEXT(st, 3, address);
	bind_text_or_null(st, 4, msgid);
	sqlite3_bind_int(st, 5, sequence);
	sqlite3_bind_int64(st, 6, now_s());
	return db_step_done(db, st);
}

static void
invitation_row(sqlite3_stmt *st, void *out)
{
	struct invitation *v = out;
	v->event_id = sqlite3_column_int64(st, 0);
	v->person_id = sqlite3_column_int64(st, 1);
	v->address = db_col_text(st, 2);
	v->msgid = db_col_text(st, 3);
	v->sequence = sqlite3_column_int(st, 4);
	v->created = sqlite3_column_int64(st, 5);
}

int
state_invitation_get(struct db *db, int64_t event, int64_t person, struct invitation *out)
{
	static const char sql[] = "SELECT event_id, person_id, address, msgid, sequence, created FROM invitation"
				  " WHERE event_id = ? AND person_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (out)
		memset(out, 0, sizeof *out);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		invitation_row(st, out);
	return db_row_status(st, rc);
}

int
state_invitations(struct db *db, int64_t event, struct invitation **out, size_t *n)
{
	static const char sql[] = "SELECT event_id, person_id, address, msgid, sequence, created FROM invitation"
				  " WHERE event_id = ? ORDER BY person_id";
	return DB_ROWS(db_stmt_int64(db, sql, event), invitation_row, out, n);
}

/* ---- answers ---- */

void
rsvp_free(struct rsvp *r)
{
	free(r->answer);
	free(r->status);
	free(r->comment);
	free(r->via);
	memset(r, 0, sizeof *r);
}

void
rsvps_free(struct rsvp *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rsvp_free(&v[i]);
	free(v);
}

#define RSVP_COLS                                                                                                      \
	"event_id, person_id, answer, status, guests, comment, via, itip_seq, queued, claim_until, attended, updated"

static void
rsvp_row(sqlite3_stmt *st, void *out)
{
	struct rsvp *r = out;
	r->event_id = sqlite3_column_int64(st, 0);
	r->person_id = sqlite3_column_int64(st, 1);
	r->answer = db_col_text(st, 2);
	r->status = db_col_text(st, 3);
	r->guests = sqlite3_column_int(st, 4);
	r->comment = db_col_text(st, 5);
	r->via = db_col_text(st, 6);
	r->itip_seq = sqlite3_column_int(st, 7);
	r->queued = sqlite3_column_int64(st, 8);
	r->claim_until = sqlite3_column_int64(st, 9);
	r->attended = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
	r->updated = sqlite3_column_int64(st, 11);
}

int
state_rsvp_get(struct db *db, int64_t event, int64_t person, struct rsvp *out)
{
	static const char sql[] = "SELECT " RSVP_COLS " FROM rsvp WHERE event_id = ? AND person_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		sqlite3_bind_int64(st, 1, event);
		sqlite3_bind_int64(st, 2, person);
	}
	return DB_ROW(st, rsvp_row, out);
}

int
state_rsvp_set(struct db *db, int64_t event, int64_t person, const char *answer, int guests, const char *comment,
	       const char *via, int itip_seq, int capacity)
{
	/* The capacity check and the write are one statement (see events.h). */
	static const char sql[] =
		"WITH old AS (SELECT status, guests, queued FROM rsvp WHERE event_id = ?1 AND person_id = ?2),"
		" s AS (SELECT CASE"
		"   WHEN ?3 = 'no' THEN 'declined'"
		"   WHEN ?3 = 'maybe' THEN 'maybe'"
		"   WHEN (SELECT status FROM old) = 'going' AND ?4 <= (SELECT guests FROM old) THEN 'going'"
		"   WHEN ?8 = 0 OR (SELECT coalesce(sum(1 + guests), 0) FROM rsvp"
		"     WHERE event_id = ?1 AND status = 'going' AND person_id <> ?2) + 1 + ?4 <= ?8 THEN 'going'"
		"   ELSE 'waiting' END AS status)"
		" INSERT INTO rsvp(event_id, person_id, answer, status, guests, comment, via, itip_seq, queued,"
		"   claim_until, updated)"
		" SELECT ?1, ?2, ?3, s.status, ?4, ?5, ?6, ?7,"
		"   CASE WHEN s.status = 'waiting' THEN coalesce((SELECT queued FROM old WHERE status = 'waiting'),"
		"     (SELECT coalesce(max(queued), 0) + 1 FROM rsvp WHERE event_id = ?1)) END,"
		"   NULL, ?9 FROM s WHERE 1"
		" ON CONFLICT(event_id, person_id) DO UPDATE SET answer = excluded.answer, status = excluded.status,"
		"   guests = excluded.guests, comment = excluded.comment, via = excluded.via,"
		"   itip_seq = excluded.itip_seq, queued = excluded.queued, claim_until = NULL,"
		"   updated = excluded.updated";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	BIND_TEXT(st, 3, answer);
	sqlite3_bind_int(st, 4, guests);
	bind_text_or_null(st, 5, comment);
	BIND_TEXT(st, 6, via);
	sqlite3_bind_int(st, 7, itip_seq);
	sqlite3_bind_int(st, 8, capacity);
	sqlite3_bind_int64(st, 9, now_s());
	return db_step_done(db, st);
}

int
state_rsvp_set_comment(struct db *db, int64_t event, int64_t person, const char *comment, const char *via, int itip_seq)
{
	static const char sql[] = "UPDATE rsvp SET comment = coalesce(?3, comment), via = ?4, itip_seq = ?5,"
				  " updated = ?6 WHERE event_id = ?1 AND person_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	bind_text_or_null(st, 3, comment);
	BIND_TEXT(st, 4, via);
	sqlite3_bind_int(st, 5, itip_seq);
	sqlite3_bind_int64(st, 6, now_s());
	return db_step_done(db, st);
}

int
state_rsvp_position(struct db *db, int64_t event, int64_t person, int *pos)
{
	static const char sql[] = "SELECT count(*) FROM rsvp WHERE event_id = ?1 AND status = 'waiting' AND queued <="
				  " (SELECT queued FROM rsvp WHERE event_id = ?1 AND person_id = ?2)";
	sqlite3_stmt *st = db_stmt(db, sql);
	*pos = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*pos = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}

int
state_rsvp_promote(struct db *db, int64_t event, int capacity, int64_t claim_until, int64_t *person)
{
	static const char sql[] = "UPDATE rsvp SET status = 'going', queued = NULL, claim_until = ?3, updated = ?4"
				  " WHERE event_id = ?1 AND person_id = (SELECT person_id FROM rsvp WHERE event_id = ?1"
				  "   AND status = 'waiting' ORDER BY queued LIMIT 1)"
				  " AND (?2 = 0 OR (SELECT coalesce(sum(1 + guests), 0) FROM rsvp WHERE event_id = ?1"
				  "   AND status = 'going') + 1 + guests <= ?2)"
				  " RETURNING person_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	*person = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int(st, 2, capacity);
	if (claim_until > 0)
		sqlite3_bind_int64(st, 3, claim_until);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, now_s());
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*person = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st); /* finish the statement */
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("database: %s", sqlite3_errmsg(db->h));
		return DB_ERR;
	}
	return *person ? DB_OK : DB_NOTFOUND;
}

int
state_rsvp_lapse(struct db *db, int64_t event, int64_t person, int64_t now)
{
	static const char sql[] =
		"UPDATE rsvp SET answer = 'no', status = 'declined', claim_until = NULL, updated = ?3"
		" WHERE event_id = ?1 AND person_id = ?2 AND status = 'going' AND claim_until IS NOT NULL"
		" AND claim_until <= ?3";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, now);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_rsvps(struct db *db, int64_t event, struct rsvp **out, size_t *n)
{
	static const char sql[] =
		"SELECT " RSVP_COLS " FROM rsvp WHERE event_id = ? ORDER BY"
		" CASE status WHEN 'going' THEN 0 WHEN 'waiting' THEN 1 WHEN 'maybe' THEN 2 ELSE 3 END,"
		" queued, updated, person_id";
	return DB_ROWS(db_stmt_int64(db, sql, event), rsvp_row, out, n);
}

int
state_rsvp_attended(struct db *db, int64_t event, int64_t person, int value)
{
	static const char sql[] = "UPDATE rsvp SET attended = ? WHERE event_id = ? AND person_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int(st, 1, value);
	sqlite3_bind_int64(st, 2, event);
	sqlite3_bind_int64(st, 3, person);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_rsvp_attended_all(struct db *db, int64_t event, int *n)
{
	static const char sql[] = "UPDATE rsvp SET attended = 1 WHERE event_id = ? AND status = 'going'";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*n = sqlite3_changes(db->h);
	return rc;
}

int
state_rsvp_counts(struct db *db, int64_t event, struct rsvp_counts *c)
{
	static const char sql[] = "SELECT coalesce(sum(status = 'going'), 0), coalesce(sum(CASE WHEN status = 'going' "
				  "THEN 1 + guests END), 0),"
				  " coalesce(sum(status = 'waiting'), 0), coalesce(sum(status = 'maybe'), 0),"
				  " coalesce(sum(status = 'declined'), 0) FROM rsvp WHERE event_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	memset(c, 0, sizeof *c);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, event);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->going = sqlite3_column_int(st, 0);
		c->seats = sqlite3_column_int(st, 1);
		c->waiting = sqlite3_column_int(st, 2);
		c->maybe = sqlite3_column_int(st, 3);
		c->declined = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}
