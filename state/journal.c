/*
 * journal.c - named queries for the inbound journal, the IMAP checkpoint,
 * the outbox, per-sender reply counts and bounces.
 */
#include "state/db_internal.h"
#include "state/privacy.h"

#include <stdlib.h>
#include <string.h>

void
journal_row_free(struct journal_row *m)
{
	if (!m)
		return;
	free(m->transport);
	free(m->dedupe);
	free(m->raw);
	free(m->meta);
	memset(m, 0, sizeof *m);
}

int
state_inbound_add(struct db *db, const char *transport, const char *dedupe, const char *raw, size_t rawlen,
		  uint32_t uidvalidity, uint32_t uid, const char *meta, int64_t *id_out)
{
	static const char sql[] = "INSERT INTO inbound(transport, dedupe, received, raw, uidvalidity, uid, meta)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedupe) DO NOTHING";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, transport);
	BIND_TEXT(st, 2, dedupe);
	sqlite3_bind_int64(st, 3, now_s());
	if (raw)
		sqlite3_bind_blob(st, 4, raw, (int)rawlen, SQLITE_STATIC);
	if (uid) {
		sqlite3_bind_int64(st, 5, uidvalidity);
		sqlite3_bind_int64(st, 6, uid);
	}
	BIND_TEXT(st, 7, meta);
	int rc = db_step_done(db, st);
	if (rc != DB_OK)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

int
state_inbound_pending(struct db *db, const char *transport, int64_t *ids, int *attempts, size_t max, size_t *n)
{
	static const char sql[] =
		"SELECT id, attempts FROM inbound WHERE status = 'new' AND transport = ? ORDER BY id LIMIT ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, transport);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		ids[*n] = sqlite3_column_int64(st, 0);
		attempts[*n] = sqlite3_column_int(st, 1);
		(*n)++;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? DB_OK : DB_ERR;
}

int
state_inbound_get(struct db *db, int64_t id, struct journal_row *out)
{
	static const char sql[] =
		"SELECT id, transport, dedupe, raw, attempts, uid, uidvalidity, meta FROM inbound WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	memset(out, 0, sizeof *out);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->transport = db_col_text(st, 1);
		out->dedupe = db_col_text(st, 2);
		const void *blob = sqlite3_column_blob(st, 3);
		out->rawlen = (size_t)sqlite3_column_bytes(st, 3);
		out->raw = xmalloc(out->rawlen + 1);
		if (blob)
			memcpy(out->raw, blob, out->rawlen);
		out->raw[out->rawlen] = '\0';
		out->attempts = sqlite3_column_int(st, 4);
		out->uid = (uint32_t)sqlite3_column_int64(st, 5);
		out->uidvalidity = (uint32_t)sqlite3_column_int64(st, 6);
		out->meta = db_col_text(st, 7);
	}
	return db_row_status(st, rc);
}

int
state_inbound_attempt(struct db *db, const int64_t *ids, size_t n)
{
	static const char sql[] = "UPDATE inbound SET attempts = attempts + 1 WHERE id = ?";
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = db_stmt(db, sql);
		if (!st)
			return DB_ERR;
		sqlite3_bind_int64(st, 1, ids[i]);
		if (db_step_done(db, st) != DB_OK)
			return DB_ERR;
	}
	return DB_OK;
}

struct attempt {
	const int64_t *ids;
	size_t n;
};

static int
attempt_run(struct db *db, void *ud)
{
	struct attempt *a = ud;
	return state_inbound_attempt(db, a->ids, a->n);
}

int
state_inbound_attempt_txn(struct db *db, const int64_t *ids, size_t n)
{
	struct attempt a = {ids, n};
	return db_txn(db, attempt_run, &a);
}

int
state_inbound_finish(struct db *db, int64_t id, const char *status, const char *reason)
{
	static const char sql[] = "UPDATE inbound SET status = ?, reason = ?, finished = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	BIND_TEXT(st, 2, reason);
	sqlite3_bind_int64(st, 3, now_s());
	sqlite3_bind_int64(st, 4, id);
	return db_step_done(db, st);
}

int
state_inbound_unmoved(struct db *db, uint32_t uidvalidity, uint32_t *uids, int *quarantine, size_t max, size_t *n)
{
	static const char sql[] = "SELECT uid, status = 'quarantined' FROM inbound WHERE moved = 0 AND uidvalidity = ?"
				  " AND status != 'new' AND uid IS NOT NULL ORDER BY uid LIMIT ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, uidvalidity);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		uids[*n] = (uint32_t)sqlite3_column_int64(st, 0);
		quarantine[*n] = sqlite3_column_int(st, 1);
		(*n)++;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? DB_OK : DB_ERR;
}

int
state_inbound_mark_moved(struct db *db, uint32_t uidvalidity, const uint32_t *uids, size_t n)
{
	static const char sql[] = "UPDATE inbound SET moved = 1 WHERE uidvalidity = ? AND uid = ?";
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = db_stmt(db, sql);
		if (!st)
			return DB_ERR;
		sqlite3_bind_int64(st, 1, uidvalidity);
		sqlite3_bind_int64(st, 2, uids[i]);
		if (db_step_done(db, st) != DB_OK)
			return DB_ERR;
	}
	return DB_OK;
}

int
state_imap_checkpoint(struct db *db, const char *folder, uint32_t *uidvalidity, uint32_t *last_uid)
{
	static const char sql[] = "SELECT uidvalidity, last_uid FROM imap_checkpoint WHERE folder = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*uidvalidity = *last_uid = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, folder);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	}
	return db_row_status(st, rc);
}

int
state_imap_set_checkpoint(struct db *db, const char *folder, uint32_t uidvalidity, uint32_t last_uid)
{
	static const char sql[] =
		"INSERT INTO imap_checkpoint(folder, uidvalidity, last_uid) VALUES (?, ?, ?)"
		" ON CONFLICT(folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, folder);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	return db_step_done(db, st);
}

void
outbox_item_free(struct outbox_item *o)
{
	if (!o)
		return;
	free(o->message_id);
	free(o->transport);
	free(o->env_from);
	free(o->rcpt);
	free(o->payload);
	free(o->kind);
	free(o->pacing);
	free(o->chat_type);
	memset(o, 0, sizeof *o);
}

/* How each kind of row is spaced by the sender of its transport; anything else is not paced. */
static const struct {
	const char *kind, *transport, *pacing;
} outbox_pacing[] = {
	{"invite", "mail", "announce"},
	{"post", "xmpp", "room"},
	{"post", "matrix", "room"},
};

const char *
state_outbox_pacing(const char *transport, const char *kind)
{
	for (size_t i = 0; kind && transport && i < ARRAY_LEN(outbox_pacing); i++)
		if (strcmp(outbox_pacing[i].kind, kind) == 0 && strcmp(outbox_pacing[i].transport, transport) == 0)
			return outbox_pacing[i].pacing;
	return NULL;
}

/* One INSERT for every writer: chat_type is NULL for a mail row. */
static int
outbox_insert(struct db *db, int64_t inbound, const char *transport, const char *kind, const char *env_from,
	      const char *rcpt, const char *chat_type, const char *message_id, const char *payload, size_t len,
	      int64_t next_try)
{
	static const char sql[] =
		"INSERT INTO outbox(inbound_id, transport, env_from, rcpt, message_id, payload, created, next_try,"
		" kind, pacing, chat_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	if (!kind)
		kind = "reply";
	if (inbound)
		sqlite3_bind_int64(st, 1, inbound);
	BIND_TEXT(st, 2, transport);
	BIND_TEXT(st, 3, env_from);
	BIND_TEXT(st, 4, rcpt);
	BIND_TEXT(st, 5, message_id);
	sqlite3_bind_blob(st, 6, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now_s());
	sqlite3_bind_int64(st, 8, next_try > 0 ? next_try : 0);
	BIND_TEXT(st, 9, kind);
	BIND_TEXT(st, 10, state_outbox_pacing(transport, kind));
	BIND_TEXT(st, 11, chat_type);
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
state_outbox_put(struct db *db, int64_t inbound, const char *transport, const char *kind, const char *env_from,
		 const char *rcpt, const char *message_id, const char *payload, size_t len, int64_t next_try)
{
	return outbox_insert(db, inbound, transport, kind, env_from, rcpt, NULL, message_id, payload, len, next_try);
}

int
state_outbox_put_chat(struct db *db, int64_t inbound, const char *transport, const char *kind, const char *rcpt,
		      const char *chat_type, const char *message_id, const char *body, int64_t next_try)
{
	return outbox_insert(db, inbound, transport, kind, NULL, rcpt, chat_type, message_id, body, strlen(body),
			     next_try);
}

int
state_outbox_add(struct db *db, int64_t inbound, const char *transport, const char *env_from, const char *rcpt,
		 const char *message_id, const char *payload, size_t len)
{
	return state_outbox_put(db, inbound, transport, "reply", env_from, rcpt, message_id, payload, len, 0);
}

/* a row's lane of ?lanes (state_outbox_due_lane) */
#define LANE_OF "(CASE WHEN pacing = 'announce' THEN id % ? ELSE 0 END) = ?"

int
state_outbox_due(struct db *db, const char *transport, int64_t now, struct outbox_item *out, size_t max, size_t *n)
{
	return state_outbox_due_lane(db, transport, 1, 0, now, out, max, n);
}

int
state_outbox_due_lane(struct db *db, const char *transport, int lanes, int lane, int64_t now, struct outbox_item *out,
		      size_t max, size_t *n)
{
	static const char sql[] =
		"SELECT id, transport, env_from, rcpt, payload, attempts, message_id, kind, pacing, "
		"chat_type FROM outbox"
		" WHERE status = 'pending' AND transport = ? AND next_try <= ? AND " LANE_OF " ORDER BY id LIMIT ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, transport);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, lanes > 0 ? lanes : 1);
	sqlite3_bind_int(st, 4, lane);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct outbox_item *o = &out[*n];
		memset(o, 0, sizeof *o);
		o->id = sqlite3_column_int64(st, 0);
		o->transport = db_col_text(st, 1);
		o->env_from = db_col_text(st, 2);
		o->rcpt = db_col_text(st, 3);
		o->len = (size_t)sqlite3_column_bytes(st, 4);
		o->payload = xmalloc(o->len + 1);
		if (o->len)
			memcpy(o->payload, sqlite3_column_blob(st, 4), o->len);
		o->payload[o->len] = '\0';
		o->attempts = sqlite3_column_int(st, 5);
		o->message_id = db_col_text(st, 6);
		o->kind = db_col_text(st, 7);
		o->pacing = db_col_text(st, 8);
		o->chat_type = db_col_text(st, 9);
		(*n)++;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? DB_OK : DB_ERR;
}

/* An erased person's final confirmation keeps nothing of them once it went (or never will):
 * recipient and text go, the Message-ID stays for the dedupe (state/privacy.h). */
#define SCRUB_FINAL                                                                                                    \
	"rcpt = CASE WHEN kind = '" PRIVACY_KIND_FINAL "' THEN '' ELSE rcpt END,"                                      \
	" payload = CASE WHEN kind = '" PRIVACY_KIND_FINAL "' THEN NULL ELSE payload END"

int
state_outbox_sent(struct db *db, int64_t id)
{
	static const char sql[] =
		"UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, " SCRUB_FINAL " WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int
state_outbox_retry(struct db *db, int64_t id, int64_t next_try, const char *err)
{
	static const char sql[] = "UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_try = ?, "
				  "last_error = ? WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, next_try);
	BIND_TEXT(st, 2, err);
	sqlite3_bind_int64(st, 3, id);
	return db_step_done(db, st);
}

int
state_outbox_failed(struct db *db, int64_t id, const char *err)
{
	static const char sql[] =
		"UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, " SCRUB_FINAL
		" WHERE id = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, err);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int64_t
state_outbox_next_due(struct db *db, const char *transport, int64_t now)
{
	return state_outbox_next_due_lane(db, transport, 1, 0, now);
}

int64_t
state_outbox_next_due_lane(struct db *db, const char *transport, int lanes, int lane, int64_t now)
{
	static const char sql[] =
		"SELECT min(next_try) FROM outbox WHERE status = 'pending' AND transport = ? AND " LANE_OF;
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t r = -1;
	if (!st)
		return -1;
	BIND_TEXT(st, 1, transport);
	sqlite3_bind_int(st, 2, lanes > 0 ? lanes : 1);
	sqlite3_bind_int(st, 3, lane);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		r = sqlite3_column_int64(st, 0) - now;
		if (r < 0)
			r = 0;
	}
	sqlite3_reset(st);
	return r;
}

int
state_outbox_count(struct db *db, const char *status, int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE status = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, status);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return DB_OK;
}

int
state_outbox_pending(struct db *db, const char *transport, int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE status = 'pending' AND transport = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, transport);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERR;
}

int
state_reply_count(struct db *db, const char *addr, int64_t day, int *count, int *noticed)
{
	static const char sql[] = "SELECT count, noticed FROM reply_count WHERE address = ? AND day = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*count = *noticed = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, day);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int(st, 0);
		*noticed = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return DB_OK;
}

int
state_reply_bump(struct db *db, const char *addr, int64_t day, int notice)
{
	static const char sql[] = "INSERT INTO reply_count(address, day, count, noticed) VALUES (?, ?, ?, ?)"
				  " ON CONFLICT(address, day) DO UPDATE SET count = count + excluded.count,"
				  " noticed = max(noticed, excluded.noticed)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int(st, 3, notice ? 0 : 1);
	sqlite3_bind_int(st, 4, notice ? 1 : 0);
	return db_step_done(db, st);
}

int
state_bounce_record(struct db *db, const char *addr, const char *reason, int64_t at)
{
	static const char sql[] = "INSERT INTO bounce(address, count, last_at, last_reason) VALUES (?, 1, ?, ?)"
				  " ON CONFLICT(address) DO UPDATE SET count = count + 1, last_at = excluded.last_at,"
				  " last_reason = excluded.last_reason";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	sqlite3_bind_int64(st, 2, at);
	BIND_TEXT(st, 3, reason);
	return db_step_done(db, st);
}

int
state_bounce_count(struct db *db, const char *addr, int *count)
{
	static const char sql[] = "SELECT count FROM bounce WHERE address = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*count = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, addr);
	if (sqlite3_step(st) == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return DB_OK;
}

int
state_kv_get(struct db *db, const char *key, char **out)
{
	static const char sql[] = "SELECT value FROM kv WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	*out = NULL;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = db_col_text(st, 0);
	return db_row_status(st, rc);
}

int
state_kv_set(struct db *db, const char *key, const char *value)
{
	static const char sql[] =
		"INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, key);
	BIND_TEXT(st, 2, value);
	return db_step_done(db, st);
}

int64_t
state_outbox_last_for(struct db *db, const char *transport, const char *rcpt)
{
	static const char sql[] = "SELECT max(max(next_try, created)) FROM outbox WHERE transport = ? AND rcpt = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t r = 0;
	if (!st)
		return 0;
	BIND_TEXT(st, 1, transport);
	BIND_TEXT(st, 2, rcpt);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return r;
}

int
state_kv_del(struct db *db, const char *key)
{
	static const char sql[] = "DELETE FROM kv WHERE key = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, key);
	return db_step_done(db, st);
}

int
state_kv_list(struct db *db, const char *prefix, char ***keys, char ***values, size_t *n)
{
	static const char sql[] = "SELECT key, value FROM kv WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key";
	sqlite3_stmt *st = db_stmt(db, sql);
	*keys = *values = NULL;
	*n = 0;
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, prefix);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*keys = xrealloc(*keys, (*n + 1) * sizeof **keys);
		*values = xrealloc(*values, (*n + 1) * sizeof **values);
		(*keys)[*n] = db_col_text(st, 0);
		(*values)[*n] = db_col_text(st, 1);
		(*n)++;
	}
	return db_rows_status(st, rc);
}

void
kv_list_free(char **keys, char **values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
}

int
state_outbox_defer(struct db *db, int64_t id, int64_t next_try)
{
	static const char sql[] = "UPDATE outbox SET next_try = ? WHERE id = ? AND status = 'pending'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, next_try);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int
state_cap_take(struct db *db, const char *name, int64_t window, int cap)
{
	/* one kv row per cap: "<window> <count>"; a new window starts at 0 */
	char *v = NULL;
	int rc = state_kv_get(db, name, &v);
	if (db_failed(rc))
		return rc;
	long long w = -1, count = 0;
	if (rc == DB_OK && sscanf(v, "%lld %lld", &w, &count) != 2)
		w = -1;
	free(v);
	if (w != (long long)window)
		count = 0;
	if (count >= cap)
		return DB_NOTFOUND;
	char nv[48];
	snprintf(nv, sizeof nv, "%lld %lld", (long long)window, count + 1);
	return state_kv_set(db, name, nv);
}
