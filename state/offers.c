/*
 * offers.c - named queries for companies, company contacts and offers (see offers.h).
 */
#include "state/offers.h"

#include <stdlib.h>
#include <string.h>

#include "state/db_internal.h"

void
company_contact_free(struct company_contact *c)
{
	if (!c)
		return;
	free(c->company);
	free(c->status);
	free(c->notice_msgid);
	memset(c, 0, sizeof *c);
}

void
company_contacts_free(struct company_contact *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		company_contact_free(&v[i]);
	free(v);
}

/* An UPDATE's result: DB_NOTFOUND when it changed no row. */
static int
step_changed(struct db *db, sqlite3_stmt *st)
{
	if (!st)
		return DB_ERR;
	int rc = db_step_done(db, st);
	return rc == DB_OK && sqlite3_changes(db->h) == 0 ? DB_NOTFOUND : rc;
}

int
state_company_get_or_add(struct db *db, const char *name, const char *folded, int64_t *id)
{
	static const char ins[] = "INSERT INTO company(name, folded, created) VALUES (?, ?, ?)"
				  " ON CONFLICT(folded) DO NOTHING";
	static const char sel[] = "SELECT id FROM company WHERE folded = ?";
	sqlite3_stmt *st = db_stmt(db, ins);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, name);
	BIND_TEXT(st, 2, folded);
	sqlite3_bind_int64(st, 3, now_s());
	int rc = db_step_done(db, st);
	if (db_failed(rc))
		return rc;
	if (!(st = db_stmt_text(db, sel, folded)))
		return DB_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	return db_row_status(st, rc);
}

int
state_company_get(struct db *db, int64_t id, char **name, char **status)
{
	sqlite3_stmt *st = db_stmt_int64(db, "SELECT name, status FROM company WHERE id = ?", id);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (name)
			*name = db_col_text(st, 0);
		if (status)
			*status = db_col_text(st, 1);
	}
	return db_row_status(st, rc);
}

int
state_company_contact_add(struct db *db, int64_t company, int64_t person)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO company_contact(company_id, person_id, created) VALUES (?, ?, ?)");
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, company);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, now_s());
	return db_step_done(db, st);
}

#define CC_COLS "cc.company_id, cc.person_id, c.name, cc.status, cc.notice_msgid, cc.created, cc.decided"
#define CC_FROM " FROM company_contact cc JOIN company c ON c.id = cc.company_id"

static void
cc_row(sqlite3_stmt *st, void *out)
{
	struct company_contact *c = out;
	c->company_id = sqlite3_column_int64(st, 0);
	c->person_id = sqlite3_column_int64(st, 1);
	c->company = db_col_text(st, 2);
	c->status = db_col_text(st, 3);
	c->notice_msgid = db_col_text(st, 4);
	c->created = sqlite3_column_int64(st, 5);
	c->decided = sqlite3_column_int64(st, 6);
}

int
state_company_contact_get(struct db *db, int64_t company, int64_t person, struct company_contact *out)
{
	static const char sql[] = "SELECT " CC_COLS CC_FROM " WHERE cc.company_id = ? AND cc.person_id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		sqlite3_bind_int64(st, 1, company);
		sqlite3_bind_int64(st, 2, person);
	}
	return DB_ROW(st, cc_row, out);
}

int
state_company_contact_set_msgid(struct db *db, int64_t company, int64_t person, const char *msgid)
{
	sqlite3_stmt *st =
		db_stmt(db, "UPDATE company_contact SET notice_msgid = ? WHERE company_id = ? AND person_id = ?");
	if (!st)
		return DB_ERR;
	char *id = db_msgid_key(msgid);
	BIND_TEXT(st, 1, id);
	free(id);
	sqlite3_bind_int64(st, 2, company);
	sqlite3_bind_int64(st, 3, person);
	return step_changed(db, st);
}

int
state_company_contact_decide(struct db *db, int64_t company, int64_t person, const char *status, const char *by)
{
	static const char sql[] = "UPDATE company_contact SET status = ?, decided = ?, decided_by = ?"
				  " WHERE company_id = ? AND person_id = ? AND status = 'pending'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	BIND_TEXT(st, 3, by);
	sqlite3_bind_int64(st, 4, company);
	sqlite3_bind_int64(st, 5, person);
	int rc = step_changed(db, st);
	if (rc == DB_OK && strcmp(status, "approved") == 0) {
		st = db_stmt_int64(db, "UPDATE company SET status = 'approved' WHERE id = ?", company);
		rc = st ? db_step_done(db, st) : DB_ERR;
	}
	return rc;
}

int
state_company_contacts(struct db *db, int64_t company, const char *status, struct company_contact **out, size_t *n)
{
	static const char sql[] = "SELECT " CC_COLS CC_FROM " WHERE cc.company_id = ?1 AND (?2 IS NULL OR"
				  " cc.status = ?2) ORDER BY cc.created, cc.person_id";
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt_int64(db, sql, company);
	if (st && status)
		BIND_TEXT(st, 2, status);
	return DB_ROWS(st, cc_row, out, n);
}

int
state_company_contact_of(struct db *db, int64_t person, struct company_contact *out)
{
	static const char sql[] = "SELECT " CC_COLS CC_FROM " WHERE cc.person_id = ? AND cc.status = 'approved'"
				  " ORDER BY cc.decided LIMIT 1";
	return DB_ROW(db_stmt_int64(db, sql, person), cc_row, out);
}

/* ---- offers ---- */

void
offer_free(struct offer *o)
{
	if (!o)
		return;
	char **s[] = {&o->company, &o->kind,         &o->title,      &o->description, &o->location,
		      &o->remote,  &o->start,        &o->link,       &o->contact,     &o->lang,
		      &o->status,  &o->notice_msgid, &o->decided_by, &o->reason};
	for (size_t i = 0; i < ARRAY_LEN(s); i++)
		free(*s[i]);
	memset(o, 0, sizeof *o);
}

void
offers_free(struct offer *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		offer_free(&v[i]);
	free(v);
}

#define OFFER_COLS                                                                                                     \
	"o.id, o.company_id, o.person_id, c.name, o.kind, o.title, o.description, o.location, o.remote, o.start,"      \
	" o.link, o.contact, o.lang, o.status, o.notice_msgid, o.decided_by, o.reason, o.deadline, o.created,"         \
	" o.decided, o.posted, o.closed"
#define OFFER_FROM " FROM offer o JOIN company c ON c.id = o.company_id"

static void
offer_row(sqlite3_stmt *st, void *out)
{
	struct offer *o = out;
	o->id = sqlite3_column_int64(st, 0);
	o->company_id = sqlite3_column_int64(st, 1);
	o->person_id = sqlite3_column_int64(st, 2);
	char **s[] = {&o->company, &o->kind,         &o->title,      &o->description, &o->location,
		      &o->remote,  &o->start,        &o->link,       &o->contact,     &o->lang,
		      &o->status,  &o->notice_msgid, &o->decided_by, &o->reason};
	for (size_t i = 0; i < ARRAY_LEN(s); i++)
		*s[i] = db_col_text(st, 3 + (int)i);
	o->deadline = sqlite3_column_int64(st, 17);
	o->created = sqlite3_column_int64(st, 18);
	o->decided = sqlite3_column_int64(st, 19);
	o->posted = sqlite3_column_int64(st, 20);
	o->closed = sqlite3_column_int64(st, 21);
}

int
state_company_offer_add(struct db *db, const struct offer *o, int64_t *id)
{
	static const char sql[] = "INSERT INTO offer(company_id, person_id, kind, title, description, location,"
				  " remote, start, deadline, link, contact, lang, created)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, o->company_id);
	sqlite3_bind_int64(st, 2, o->person_id);
	const char *s[] = {o->kind, o->title, o->description, o->location, o->remote, o->start};
	for (int i = 0; i < 6; i++)
		BIND_TEXT(st, 3 + i, s[i]);
	if (o->deadline)
		sqlite3_bind_int64(st, 9, o->deadline);
	BIND_TEXT(st, 10, o->link);
	BIND_TEXT(st, 11, o->contact);
	BIND_TEXT(st, 12, o->lang);
	sqlite3_bind_int64(st, 13, o->created ? o->created : now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK && id)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
state_company_offer_get(struct db *db, int64_t id, struct offer *out)
{
	static const char sql[] = "SELECT " OFFER_COLS OFFER_FROM " WHERE o.id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), offer_row, out);
}

int
state_company_offer_set_msgid(struct db *db, int64_t id, const char *msgid)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE offer SET notice_msgid = ? WHERE id = ?");
	if (!st)
		return DB_ERR;
	char *key = db_msgid_key(msgid);
	BIND_TEXT(st, 1, key);
	free(key);
	sqlite3_bind_int64(st, 2, id);
	return step_changed(db, st);
}

int
state_company_offer_decide(struct db *db, int64_t id, const char *status, const char *by, const char *reason)
{
	static const char sql[] = "UPDATE offer SET status = ?, decided = ?, decided_by = ?, reason = ?"
				  " WHERE id = ? AND status = 'pending'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	BIND_TEXT(st, 3, by);
	if (reason && *reason)
		BIND_TEXT(st, 4, reason);
	sqlite3_bind_int64(st, 5, id);
	return step_changed(db, st);
}

int
state_company_offer_end(struct db *db, int64_t id, const char *status)
{
	static const char sql[] = "UPDATE offer SET status = ?, closed = ? WHERE id = ? AND status = 'approved'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int64(st, 3, id);
	return step_changed(db, st);
}

/* One integer column of offer id (sql: "UPDATE offer SET <column> = ? WHERE id = ?"). */
static int
offer_set_int(struct db *db, const char *sql, int64_t id, int64_t v)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_int64(st, 2, id);
	return step_changed(db, st);
}

int
state_company_offer_set_deadline(struct db *db, int64_t id, int64_t deadline)
{
	return offer_set_int(db, "UPDATE offer SET deadline = ? WHERE id = ?", id, deadline);
}

int
state_company_offer_set_posted(struct db *db, int64_t id, int64_t at)
{
	return offer_set_int(db, "UPDATE offer SET posted = ? WHERE id = ?", id, at);
}

int
state_company_offers_open(struct db *db, int64_t now, struct offer **out, size_t *n)
{
	static const char sql[] = "SELECT " OFFER_COLS OFFER_FROM " WHERE o.status = 'approved' AND"
				  " (o.deadline IS NULL OR o.deadline > ?) ORDER BY o.id";
	*out = NULL;
	*n = 0;
	return DB_ROWS(db_stmt_int64(db, sql, now), offer_row, out, n);
}

int
state_company_offers_of(struct db *db, int64_t person, struct offer **out, size_t *n)
{
	static const char sql[] = "SELECT " OFFER_COLS OFFER_FROM " WHERE o.person_id = ? ORDER BY o.id DESC";
	*out = NULL;
	*n = 0;
	return DB_ROWS(db_stmt_int64(db, sql, person), offer_row, out, n);
}
