/*
 * reports.c - the read-only queries of the staff figures and exports (see
 * reports.h).  Runs in whichever thread owns the struct db.
 */
#include "state/reports.h"
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

/* A person's display name and address as SQL expressions over a person id column. */
#define NAME_OF(col)                                                                                                   \
	"COALESCE((SELECT NULLIF(value, '') FROM profile WHERE person_id = " col " AND field = 'name'),"               \
	" (SELECT NULLIF(name, '') FROM person WHERE id = " col "))"
#define MAIL_OF(col) "(SELECT min(address) FROM endpoint WHERE person_id = " col " AND kind = 'mail' AND verified = 1)"

void
report_figures_free(struct report_figures *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].slug);
		free(v[i].name);
	}
	free(v);
}

int
state_report_figures(struct db *db, const char *programme, struct report_figures **out, size_t *n)
{
	static const char sql[] =
		"SELECT p.slug, p.name,"
		" (SELECT count(*) FROM application a WHERE a.programme = p.slug),"
		" (SELECT count(*) FROM application a WHERE a.programme = p.slug AND a.status = 'pending'),"
		" (SELECT count(*) FROM membership m WHERE m.programme = p.slug AND m.status = 'active'"
		"   AND m.role = 'mentee'),"
		" (SELECT count(*) FROM membership m WHERE m.programme = p.slug AND m.status = 'active'"
		"   AND m.role = 'mentor'),"
		" (SELECT count(*) FROM membership m WHERE m.programme = p.slug AND m.status = 'active'"
		"   AND m.role = 'alumnus'),"
		" (SELECT count(*) FROM membership m WHERE m.programme = p.slug AND m.status = 'active'"
		"   AND m.role = 'member'),"
		" (SELECT count(*) FROM match x WHERE x.programme = p.slug AND x.status = 'active'),"
		" (SELECT count(*) FROM request r WHERE r.programme = p.slug AND r.status = 'open'),"
		" (SELECT count(*) FROM session s JOIN match x ON x.id = s.match_id"
		"   WHERE x.programme = p.slug AND s.status = 'done'),"
		" (SELECT COALESCE(sum(s.logged_minutes), 0) FROM session s JOIN match x ON x.id = s.match_id"
		"   WHERE x.programme = p.slug AND s.status = 'done')"
		" FROM programme p WHERE ?1 IS NULL OR p.slug = ?1 ORDER BY p.id";
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	int rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct report_figures *f = &(*out)[(*n)++];
		memset(f, 0, sizeof *f);
		f->slug = db_col_text(st, 0);
		f->name = db_col_text(st, 1);
		f->applications = sqlite3_column_int64(st, 2);
		f->applications_pending = sqlite3_column_int64(st, 3);
		f->mentees = sqlite3_column_int64(st, 4);
		f->mentors = sqlite3_column_int64(st, 5);
		f->alumni = sqlite3_column_int64(st, 6);
		f->members = sqlite3_column_int64(st, 7);
		f->matched = sqlite3_column_int64(st, 8);
		f->requests_open = sqlite3_column_int64(st, 9);
		f->sessions_held = sqlite3_column_int64(st, 10);
		f->minutes_logged = sqlite3_column_int64(st, 11);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("database: report figures: %s", sqlite3_errmsg(db->h));
		report_figures_free(*out, *n);
		*out = NULL;
		*n = 0;
		return DB_ERR;
	}
	if (programme && *n == 0)
		return DB_NOTFOUND;
	return DB_OK;
}

int
state_report_has_events(struct db *db)
{
	static const char sql[] =
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('event', 'rsvp')";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return 0;
	int have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2;
	sqlite3_reset(st);
	return have;
}

int
state_report_events(struct db *db, const char *programme, int64_t now, struct report_events *out)
{
	/* prepared only when the tables exist: preparing it on an older schema would fail */
	static const char sql[] =
		"WITH e AS (SELECT * FROM event WHERE ?1 IS NULL OR audience = ?1 OR audience = 'all')"
		" SELECT (SELECT count(*) FROM e WHERE status = 'announced'),"
		" (SELECT count(*) FROM e WHERE status = 'announced' AND start > ?2),"
		" (SELECT count(*) FROM rsvp r JOIN e ON e.id = r.event_id"
		"   WHERE e.status = 'announced' AND e.start > ?2 AND r.status = 'going'),"
		" (SELECT count(*) FROM rsvp r JOIN e ON e.id = r.event_id"
		"   WHERE e.status = 'announced' AND e.start > ?2 AND r.status = 'waiting'),"
		" (SELECT count(*) FROM rsvp r JOIN e ON e.id = r.event_id WHERE r.attended = 1)";
	memset(out, 0, sizeof *out);
	if (!state_report_has_events(db))
		return DB_OK;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->present = 1;
		out->announced = sqlite3_column_int64(st, 0);
		out->upcoming = sqlite3_column_int64(st, 1);
		out->going = sqlite3_column_int64(st, 2);
		out->waiting = sqlite3_column_int64(st, 3);
		out->attended = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		log_err("database: event figures: %s", sqlite3_errmsg(db->h));
		return DB_ERR;
	}
	return DB_OK;
}

void
report_table_free(struct report_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

const char *
report_cell(const struct report_table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return t->cells[row * t->ncols + col];
}

/* Run a bound statement and collect every row as text cells. */
static int
table_fill(struct db *db, sqlite3_stmt *st, struct report_table *out)
{
	size_t cap = 0;
	int rc;
	out->ncols = (size_t)sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->nrows == cap) {
			cap = cap ? 2 * cap : 16;
			out->cells = xrealloc(out->cells, cap * out->ncols * sizeof *out->cells);
		}
		for (size_t c = 0; c < out->ncols; c++)
			out->cells[out->nrows * out->ncols + c] = db_col_text(st, (int)c);
		out->nrows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("database: report: %s", sqlite3_errmsg(db->h));
		report_table_free(out);
		return DB_ERR;
	}
	return DB_OK;
}

/* The table of sql, whose only parameter ?1 is the programme (NULL: all). */
static int
table_of_programme(struct db *db, const char *sql, const char *programme, struct report_table *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	return table_fill(db, st, out);
}

int
state_report_pending_applications(struct db *db, const char *programme, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT a.id, a.programme, a.role, " NAME_OF("a.person_id") ", " MAIL_OF("a.person_id") ","
	    " COALESCE(a.completed, a.created), a.person_id"
	    " FROM application a"
	    " WHERE a.status = 'pending' AND (?1 IS NULL OR a.programme = ?1)"
	    " ORDER BY COALESCE(a.completed, a.created), a.id";
	/* clang-format on */
	return table_of_programme(db, sql, programme, out);
}

int
state_report_stale_requests(struct db *db, const char *programme, int64_t now, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT r.id, r.programme, " NAME_OF("r.mentee_id") ", " MAIL_OF("r.mentee_id") ","
	    " " NAME_OF("r.mentor_id") ", " MAIL_OF("r.mentor_id") ", r.created, r.deadline"
	    " FROM request r"
	    " WHERE r.status = 'open' AND (?1 IS NULL OR r.programme = ?1)"
	    " AND 2 * (?2 - r.created) > r.deadline - r.created"
	    " ORDER BY r.created, r.id";
	/* clang-format on */
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, now);
	return table_fill(db, st, out);
}

int
state_report_idle_matches(struct db *db, const char *programme, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT x.id, x.programme, " NAME_OF("x.mentee_id") ", " MAIL_OF("x.mentee_id") ","
	    " " NAME_OF("x.mentor_id") ", " MAIL_OF("x.mentor_id") ", x.created"
	    " FROM match x"
	    " WHERE x.status = 'active' AND (?1 IS NULL OR x.programme = ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM session s WHERE s.match_id = x.id"
	    "   AND s.status IN ('proposed', 'confirmed', 'done'))"
	    " ORDER BY x.created, x.id";
	/* clang-format on */
	return table_of_programme(db, sql, programme, out);
}

int
state_report_filling_events(struct db *db, const char *programme, int64_t now, int percent, struct report_table *out)
{
	static const char sql[] =
		"SELECT e.id, e.title, e.start, e.capacity,"
		" (SELECT count(*) FROM rsvp r WHERE r.event_id = e.id AND r.status = 'going') AS going,"
		" (SELECT count(*) FROM rsvp r WHERE r.event_id = e.id AND r.status = 'waiting')"
		" FROM event e WHERE e.status = 'announced' AND e.start > ?2 AND e.capacity > 0"
		" AND (?1 IS NULL OR e.audience = ?1 OR e.audience = 'all')"
		" AND going * 100 >= e.capacity * ?3 ORDER BY e.start, e.id";
	memset(out, 0, sizeof *out);
	if (!state_report_has_events(db))
		return DB_OK;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, programme);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, percent);
	return table_fill(db, st, out);
}

int
state_report_matches(struct db *db, const char *programme, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT x.id, x.programme, " NAME_OF("x.mentee_id") ", " MAIL_OF("x.mentee_id") ","
	    " " NAME_OF("x.mentor_id") ", " MAIL_OF("x.mentor_id") ", x.status, x.created,"
	    " (SELECT count(*) FROM session s WHERE s.match_id = x.id AND s.status = 'done'),"
	    " (SELECT COALESCE(sum(s.logged_minutes), 0) FROM session s WHERE s.match_id = x.id"
	    "   AND s.status = 'done')"
	    " FROM match x"
	    " WHERE ?1 IS NULL OR x.programme = ?1"
	    " ORDER BY x.id";
	/* clang-format on */
	return table_of_programme(db, sql, programme, out);
}

int
state_report_sessions(struct db *db, const char *programme, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT s.id, s.match_id, x.programme, " NAME_OF("x.mentee_id") ", " NAME_OF("x.mentor_id") ","
	    " s.start, s.minutes, s.status, s.logged_minutes, s.note, s.place"
	    " FROM session s JOIN match x ON x.id = s.match_id"
	    " WHERE ?1 IS NULL OR x.programme = ?1"
	    " ORDER BY s.id";
	/* clang-format on */
	return table_of_programme(db, sql, programme, out);
}

/* ---- the alumni and company network ---- */

int
state_report_network(struct db *db, struct report_network *out)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM membership WHERE programme = 'alumni' AND status = 'active'"
		"   AND role = 'alumnus'),"
		" (SELECT count(*) FROM import_invite),"
		" (SELECT count(*) FROM import_invite WHERE status = 'confirmed'),"
		" (SELECT count(*) FROM company WHERE status = 'approved'),"
		" (SELECT count(*) FROM company WHERE status = 'pending'),"
		" (SELECT count(*) FROM offer WHERE status = 'pending'),"
		" (SELECT count(*) FROM offer WHERE status = 'approved'),"
		" (SELECT count(*) FROM offer WHERE status = 'expired'),"
		" (SELECT count(*) FROM offer WHERE status = 'closed'),"
		" (SELECT count(*) FROM offer WHERE status = 'rejected'),"
		" (SELECT count(*) FROM contact_request),"
		" (SELECT count(*) FROM contact_request WHERE status = 'accepted')";
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t *v[] = {&out->alumni,
				&out->invited,
				&out->confirmed,
				&out->companies_approved,
				&out->companies_pending,
				&out->offers_pending,
				&out->offers_approved,
				&out->offers_expired,
				&out->offers_closed,
				&out->offers_rejected,
				&out->contacts_made,
				&out->contacts_accepted};
		for (size_t i = 0; i < ARRAY_LEN(v); i++)
			*v[i] = sqlite3_column_int64(st, (int)i);
	}
	return db_row_status(st, rc) == DB_OK ? DB_OK : DB_ERR;
}

#define ALUMNI_IDS                                                                                                     \
	"(SELECT person_id FROM membership WHERE programme = 'alumni' AND role = 'alumnus' AND status = 'active')"

int
state_report_alumni_by(struct db *db, const char *field, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT NULLIF(trim(pr.value), '') AS v, count(*) FROM " ALUMNI_IDS " a"
	    " LEFT JOIN profile pr ON pr.person_id = a.person_id AND pr.field = ?1"
	    " GROUP BY v ORDER BY v IS NULL, CASE WHEN ?1 = 'year' THEN v END DESC, count(*) DESC, v";
	/* clang-format on */
	return table_of_programme(db, sql, field, out);
}

#define FIELD_OF(f) ", (SELECT value FROM profile WHERE person_id = a.person_id AND field = '" f "')"

int
state_report_alumni(struct db *db, struct report_table *out)
{
	/* clang-format off */
	static const char sql[] =
	    "SELECT a.person_id, " NAME_OF("a.person_id") ", " MAIL_OF("a.person_id") ", a.since"
	    FIELD_OF("year") FIELD_OF("field") FIELD_OF("company") FIELD_OF("position") FIELD_OF("city")
	    FIELD_OF("topics") FIELD_OF("languages") ","
	    " (SELECT group_concat(field, ' ') FROM (SELECT field FROM profile WHERE person_id = a.person_id"
	    "   AND visible = 1 AND value != '' ORDER BY field)),"
	    " (SELECT source FROM import_invite WHERE person_id = a.person_id ORDER BY id LIMIT 1)"
	    " FROM membership a WHERE a.programme = 'alumni' AND a.role = 'alumnus' AND a.status = 'active'"
	    "   AND ?1 IS NULL ORDER BY a.person_id";
	/* clang-format on */
	return table_of_programme(db, sql, NULL, out);
}

int
state_report_companies(struct db *db, struct report_table *out)
{
	static const char sql[] =
		"SELECT c.id, c.name, c.status, c.created,"
		" (SELECT count(*) FROM company_contact k WHERE k.company_id = c.id AND k.status = 'approved'),"
		" (SELECT count(*) FROM company_contact k WHERE k.company_id = c.id AND k.status = 'pending'),"
		" (SELECT count(*) FROM offer o WHERE o.company_id = c.id AND o.status = 'approved')"
		" FROM company c WHERE ?1 IS NULL ORDER BY c.id";
	return table_of_programme(db, sql, NULL, out);
}

int
state_report_offers(struct db *db, struct report_table *out)
{
	static const char sql[] =
		"SELECT o.id, c.name, o.kind, o.title, o.location, o.status, o.created, o.deadline,"
		" o.posted, o.closed, (SELECT count(*) FROM contact_request r WHERE r.offer_id = o.id)"
		" FROM offer o JOIN company c ON c.id = o.company_id WHERE ?1 IS NULL ORDER BY o.id";
	return table_of_programme(db, sql, NULL, out);
}
