/*
 * consent.c - see consent.h.
 */
#include "state/consent.h"

#include <stdlib.h>

#include "state/db_internal.h"

void
consents_free(struct consent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].purpose);
		free(v[i].version);
		free(v[i].channel);
		free(v[i].action);
	}
	free(v);
}

int
consent_add(struct db *db, int64_t person, const char *purpose, const char *version, const char *channel,
	    const char *action, const char *source)
{
	static const char sql[] = "INSERT INTO consent(person_id, purpose, version, channel, action, at, source)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, purpose);
	BIND_TEXT(st, 3, version);
	BIND_TEXT(st, 4, channel);
	BIND_TEXT(st, 5, action);
	sqlite3_bind_int64(st, 6, now_s());
	BIND_TEXT(st, 7, source);
	return db_step_done(db, st);
}

static void
consent_row(sqlite3_stmt *st, void *out)
{
	struct consent *c = out;
	c->purpose = db_col_text(st, 0);
	c->version = db_col_text(st, 1);
	c->channel = db_col_text(st, 2);
	c->action = db_col_text(st, 3);
	c->at = sqlite3_column_int64(st, 4);
}

/* The rows of the query sql about person (?1) into *out; on an error none (cleared). */
static int
consent_rows(struct db *db, const char *sql, int64_t person, struct consent **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc = DB_ROWS(db_stmt_int64(db, sql, person), consent_row, out, n);
	if (rc != DB_OK) {
		consents_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The latest event per purpose: the largest id (events are appended, never changed). */
#define CONSENT_LATEST "c.id IN (SELECT max(id) FROM consent WHERE person_id = ?1 GROUP BY purpose)"

int
consent_current(struct db *db, int64_t person, struct consent **out, size_t *n)
{
	static const char sql[] = "SELECT c.purpose, c.version, c.channel, c.action, c.at FROM consent c"
				  " WHERE " CONSENT_LATEST " ORDER BY c.purpose";
	return consent_rows(db, sql, person, out, n);
}

int
consent_outdated(struct db *db, int64_t person, struct consent **out, size_t *n)
{
	static const char sql[] =
		"SELECT c.purpose, p.consent_version, c.channel, c.action, c.at FROM consent c"
		" JOIN programme p ON p.slug = c.purpose"
		" WHERE " CONSENT_LATEST " AND c.action = 'given' AND c.version <> p.consent_version"
		"  AND EXISTS (SELECT 1 FROM membership m WHERE m.person_id = ?1 AND m.programme = p.slug"
		"   AND m.status IN ('active', 'pending'))"
		" ORDER BY c.purpose";
	return consent_rows(db, sql, person, out, n);
}
