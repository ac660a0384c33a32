/*
 * people.c - named queries for people, endpoints, programmes, memberships,
 * profiles and confirmation tokens.
 */
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

void
person_free(struct person *p)
{
	if (!p)
		return;
	free(p->lang);
	free(p->name);
	free(p->consent_version);
	memset(p, 0, sizeof *p);
}

void
person_from_row(sqlite3_stmt *st, int col0, struct person *out)
{
	out->id = sqlite3_column_int64(st, col0);
	out->lang = db_col_text(st, col0 + 1);
	out->name = db_col_text(st, col0 + 2);
	out->consent_version = db_col_text(st, col0 + 3);
	out->consent_at = sqlite3_column_int64(st, col0 + 4);
	out->created = sqlite3_column_int64(st, col0 + 5);
}

static void
person_row(sqlite3_stmt *st, void *out)
{
	person_from_row(st, 0, out);
}

int
state_person_get(struct db *db, int64_t id, struct person *out)
{
	static const char sql[] =
		"SELECT id, lang, name, consent_version, consent_at, created FROM person WHERE id = ?";
	return DB_ROW(db_stmt_int64(db, sql, id), person_row, out);
}

int
state_person_by_endpoint(struct db *db, const char *kind, const char *addr, struct person *out)
{
	static const char sql[] =
		"SELECT p.id, p.lang, p.name, p.consent_version, p.consent_at, p.created FROM person p"
		" JOIN endpoint e ON e.person_id = p.id WHERE e.kind = ? AND e.address = ? AND e.verified = 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (st) {
		BIND_TEXT(st, 1, kind);
		BIND_TEXT(st, 2, addr);
	}
	return DB_ROW(st, person_row, out);
}

int
state_person_create(struct db *db, const char *lang, int64_t *id_out)
{
	static const char sql[] = "INSERT INTO person(lang, created) VALUES (?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, lang);
	sqlite3_bind_int64(st, 2, now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*id_out = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
state_person_set_lang(struct db *db, int64_t person, const char *lang)
{
	static const char sql[] = "UPDATE person SET lang = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, lang);
	sqlite3_bind_int64(st, 2, person);
	return db_step_done(db, st);
}

int
state_person_set_consent(struct db *db, int64_t person, const char *version, int64_t at)
{
	static const char sql[] = "UPDATE person SET consent_version = ?, consent_at = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, version);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, person);
	return db_step_done(db, st);
}

int
state_endpoint_add(struct db *db, int64_t person, const char *kind, const char *addr, int verified)
{
	static const char sql[] =
		"INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?, ?, ?, ?, ?)"
		" ON CONFLICT(kind, address) DO UPDATE SET person_id = excluded.person_id,"
		" verified = max(verified, excluded.verified)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, kind);
	BIND_TEXT(st, 3, addr);
	sqlite3_bind_int(st, 4, verified);
	sqlite3_bind_int64(st, 5, now_s());
	return db_step_done(db, st);
}

void
endpoints_free(struct endpoint *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].addr);
	}
	free(v);
}

static void
endpoint_row(sqlite3_stmt *st, void *out)
{
	struct endpoint *e = out;
	e->kind = db_col_text(st, 0);
	e->addr = db_col_text(st, 1);
	e->verified = sqlite3_column_int(st, 2);
}

int
state_endpoints(struct db *db, int64_t person, struct endpoint **out, size_t *n)
{
	/* an address marked undeliverable (a bounce) comes after the others of its kind, so that
	 * "the person's mail address" is one that still takes mail */
	static const char sql[] = "SELECT kind, address, verified FROM endpoint WHERE person_id = ?"
				  " ORDER BY kind, address IN (SELECT address FROM undeliverable), address";
	return DB_ROWS(db_stmt_int64(db, sql, person), endpoint_row, out, n);
}

int
state_programme_exists(struct db *db, const char *slug, char **name_out)
{
	static const char sql[] = "SELECT name FROM programme WHERE slug = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (name_out)
		*name_out = NULL;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, slug);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && name_out)
		*name_out = db_col_text(st, 0);
	return db_row_status(st, rc);
}

char *
state_programme_list(struct db *db)
{
	static const char sql[] = "SELECT slug FROM programme ORDER BY id";
	sqlite3_stmt *st = db_stmt(db, sql);
	struct buf b = BUF_INIT;
	if (!st)
		return buf_detach(&b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	return buf_detach(&b);
}

int
state_membership_set(struct db *db, int64_t person, const char *programme, const char *role, const char *status)
{
	static const char sql[] =
		"INSERT INTO membership(person_id, programme, role, status, since) VALUES (?, ?, ?, ?, ?)"
		" ON CONFLICT(person_id, programme, role) DO UPDATE SET status = excluded.status,"
		" since = CASE WHEN status = excluded.status THEN since ELSE excluded.since END";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, programme);
	BIND_TEXT(st, 3, role);
	BIND_TEXT(st, 4, status);
	sqlite3_bind_int64(st, 5, now_s());
	return db_step_done(db, st);
}

int
state_membership_leave(struct db *db, int64_t person, const char *programme, int *changed)
{
	static const char sql[] =
		"UPDATE membership SET status = 'left', since = ? WHERE person_id = ? AND status != 'left'"
		" AND (?3 IS NULL OR programme = ?3)";
	sqlite3_stmt *st = db_stmt(db, sql);
	*changed = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, person);
	if (programme)
		BIND_TEXT(st, 3, programme);
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*changed = sqlite3_changes(db->h);
	return rc;
}

void
memberships_free(struct membership *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].programme);
		free(v[i].name);
		free(v[i].role);
		free(v[i].status);
	}
	free(v);
}

static void
membership_row(sqlite3_stmt *st, void *out)
{
	struct membership *m = out;
	m->programme = db_col_text(st, 0);
	m->name = db_col_text(st, 1);
	m->role = db_col_text(st, 2);
	m->status = db_col_text(st, 3);
	m->since = sqlite3_column_int64(st, 4);
}

int
state_memberships(struct db *db, int64_t person, struct membership **out, size_t *n)
{
	static const char sql[] =
		"SELECT m.programme, coalesce(p.name, m.programme), m.role, m.status, m.since FROM membership m"
		" LEFT JOIN programme p ON p.slug = m.programme WHERE m.person_id = ? ORDER BY m.programme, m.role";
	return DB_ROWS(db_stmt_int64(db, sql, person), membership_row, out, n);
}

int
state_profile_set(struct db *db, int64_t person, const char *field, const char *value)
{
	static const char sql[] = "INSERT INTO profile(person_id, field, value) VALUES (?, ?, ?)"
				  " ON CONFLICT(person_id, field) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, field);
	BIND_TEXT(st, 3, value);
	return db_step_done(db, st);
}

int
state_profile_set_visible(struct db *db, int64_t person, const char *field, int visible)
{
	static const char sql[] = "INSERT INTO profile(person_id, field, value, visible) VALUES (?, ?, NULL, ?)"
				  " ON CONFLICT(person_id, field) DO UPDATE SET visible = excluded.visible";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	BIND_TEXT(st, 2, field);
	sqlite3_bind_int(st, 3, visible);
	return db_step_done(db, st);
}

void
profile_free(struct profile_field *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].field);
		free(v[i].value);
	}
	free(v);
}

static void
profile_row(sqlite3_stmt *st, void *out)
{
	struct profile_field *f = out;
	f->field = db_col_text(st, 0);
	f->value = db_col_text(st, 1);
	f->visible = sqlite3_column_int(st, 2);
}

int
state_profile(struct db *db, int64_t person, struct profile_field **out, size_t *n)
{
	static const char sql[] = "SELECT field, value, visible FROM profile WHERE person_id = ? ORDER BY field";
	return DB_ROWS(db_stmt_int64(db, sql, person), profile_row, out, n);
}

void
token_free(struct token *t)
{
	if (!t)
		return;
	free(t->kind);
	free(t->ep_kind);
	free(t->ep_addr);
	free(t->payload);
	free(t->lang);
	memset(t, 0, sizeof *t);
}

int
state_token_add(struct db *db, const char *hash, const struct token *t, const char *mail_msgid)
{
	static const char sql[] = "INSERT INTO token(hash, kind, person_id, ep_kind, ep_addr, payload, lang, "
				  "mail_msgid, created, expires)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, hash);
	BIND_TEXT(st, 2, t->kind);
	if (t->person)
		sqlite3_bind_int64(st, 3, t->person);
	BIND_TEXT(st, 4, t->ep_kind);
	BIND_TEXT(st, 5, t->ep_addr);
	BIND_TEXT(st, 6, t->payload);
	BIND_TEXT(st, 7, t->lang);
	BIND_TEXT(st, 8, mail_msgid);
	sqlite3_bind_int64(st, 9, now_s());
	sqlite3_bind_int64(st, 10, t->expires);
	return db_step_done(db, st);
}

static void
token_row(sqlite3_stmt *st, void *out)
{
	struct token *t = out;
	t->id = sqlite3_column_int64(st, 0);
	t->kind = db_col_text(st, 1);
	t->person = sqlite3_column_int64(st, 2);
	t->ep_kind = db_col_text(st, 3);
	t->ep_addr = db_col_text(st, 4);
	t->payload = db_col_text(st, 5);
	t->lang = db_col_text(st, 6);
	t->expires = sqlite3_column_int64(st, 7);
	t->used = sqlite3_column_int(st, 8);
}

#define TOKEN_COLS "id, kind, person_id, ep_kind, ep_addr, payload, lang, expires, used"

int
state_token_by_hash(struct db *db, const char *hash, struct token *out)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token WHERE hash = ?";
	return DB_ROW(db_stmt_text(db, sql, hash), token_row, out);
}

int
state_token_by_msgid(struct db *db, const char *msgid, struct token *out)
{
	static const char sql[] = "SELECT " TOKEN_COLS " FROM token WHERE mail_msgid = ? ORDER BY id DESC LIMIT 1";
	return DB_ROW(db_stmt_text(db, sql, msgid), token_row, out);
}

int
state_token_use(struct db *db, int64_t id)
{
	static const char sql[] = "UPDATE token SET used = 1 WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(db, st);
}

void
recipients_free(struct recipient *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].addr);
		free(v[i].lang);
	}
	free(v);
}

static void
recipient_row(sqlite3_stmt *st, void *out)
{
	struct recipient *r = out;
	r->person = sqlite3_column_int64(st, 0);
	r->addr = db_col_text(st, 1);
	r->lang = db_col_text(st, 2);
}

int
state_audience_mail(struct db *db, const char *programme, struct recipient **out, size_t *n)
{
	static const char sql[] =
		"SELECT DISTINCT p.id, e.address, p.lang FROM person p"
		" JOIN membership m ON m.person_id = p.id AND m.status = 'active' AND (?1 IS NULL OR m.programme = ?1)"
		" JOIN endpoint e ON e.person_id = p.id AND e.kind = 'mail' AND e.verified = 1 ORDER BY p.id, "
		"e.address";
	return DB_ROWS(db_stmt_text(db, sql, programme), recipient_row, out, n);
}
