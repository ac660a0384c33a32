/*
 * matrix_send.c - the Matrix transport's sender thread: the shared outbox
 * sender (sender.h) over the "matrix" rows, each sent as PUT
 * /rooms/{id}/send/m.room.message/{txnId}.  The txnId is derived from the row
 * ("mb<prefix>.<row id>"), so a resend after a crash is deduplicated by the
 * homeserver (per device: the access token's device is stable).  Aliases are
 * resolved on demand, direct chats opened on the first message to a user; a
 * 403 rejoins the room (or opens a fresh direct chat) once.  Network trouble
 * and 5xx: the sender backs off (1 s … 5 min), the row stays due.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "logaddr.h"
#include "logkv.h"
#include "matrix_int.h"
#include "state/state.h"
#include "util.h"

/* Room id for an alias: configured, cached, else GET /directory/room.  Caller frees; NULL if unknown. */
static char *
resolve_alias(struct send_state *s, const char *alias, int *net)
{
	struct matrix_transport *m = s->m;
	char *id = mx_configured_room_id(m, alias);
	*net = 0;
	if (id)
		return id;
	pthread_mutex_lock(&m->lock);
	const char *cached = json_string_value(json_object_get(m->aliases, alias));
	char *r = xstrdup(cached);
	pthread_mutex_unlock(&m->lock);
	if (r)
		return r;
	char *e = mx_escape(&s->c, alias);
	char *path = xasprintf("/directory/room/%s", e);
	json_t *out;
	long st;
	int rc = mx_request(&s->c, "GET", path, NULL, NULL, 30, MX_RESP_CAP, &out, &st);
	if (rc == MX_OK && json_string_value(json_object_get(out, "room_id"))) {
		r = xstrdup(json_string_value(json_object_get(out, "room_id")));
		pthread_mutex_lock(&m->lock);
		json_object_set_new(m->aliases, alias, json_string(r));
		pthread_mutex_unlock(&m->lock);
	} else if (rc == MX_HTTP) {
		log_warn("event=alias_unknown transport=matrix alias=%s status=%ld errcode=%s", LOG_KV(alias), st,
			 LOG_KV(mx_errcode(out)));
	} else {
		*net = 1;
	}
	json_decref(out);
	free(path);
	free(e);
	return r;
}

/* The direct room with user: remembered, else created.  Caller frees; NULL on failure (*net: retry later). */
static char *
direct_room(struct send_state *s, const char *user, int *net)
{
	char *key = xasprintf("matrix.dm:%s", user);
	char *rid = NULL;
	*net = 0;
	if (state_kv_get(s->db, key, &rid) == DB_OK && rid && *rid) {
		free(key);
		return rid; /* an empty value: forgotten (see forget_direct) */
	}
	free(rid);
	rid = NULL;
	json_t *body = json_pack("{s:b, s:[s], s:s}", "is_direct", 1, "invite", user, "preset", "trusted_private_chat");
	json_t *out;
	long st;
	int rc = mx_request(&s->c, "POST", "/createRoom", NULL, body, 30, MX_RESP_CAP, &out, &st);
	json_decref(body);
	if (rc == MX_OK && json_string_value(json_object_get(out, "room_id"))) {
		rid = xstrdup(json_string_value(json_object_get(out, "room_id")));
		char *k2 = xasprintf("matrix.direct:%s", rid);
		if (mx_kv_put(s->db, key, rid, k2, user) < 0)
			log_warn("event=direct_not_stored transport=matrix room=%s with=%s", LOG_KV(rid),
				 LOG_WHO(user));
		free(k2);
		log_info("event=direct_opened transport=matrix room=%s with=%s", LOG_KV(rid), LOG_WHO(user));
	} else if (rc == MX_HTTP) {
		log_warn("event=direct_failed transport=matrix with=%s status=%ld errcode=%s", LOG_WHO(user), st,
			 LOG_KV(mx_errcode(out)));
	} else {
		*net = 1;
	}
	json_decref(out);
	free(key);
	return rid;
}

/* Forget a direct room the bot can no longer post in. */
static void
forget_direct(struct send_state *s, const char *user)
{
	char *key = xasprintf("matrix.dm:%s", user);
	mx_kv_put(s->db, key, "", NULL, NULL);
	free(key);
}

/* Send one outbox row.  Returns an mx_send_rc. */
static int
send_item(struct send_state *s, const struct outbox_item *it)
{
	const char *to = it->rcpt, *type = it->chat_type, *body = it->payload;
	char *room = NULL;
	int rc = MXS_PERM, net = 0;
	char *txn = xasprintf("mb%s.%lld", s->txn_prefix, (long long)it->id);

	if (!to || !type || !body) {
		log_warn("event=send_failed transport=matrix outbox=%lld reason=bad_payload", (long long)it->id);
		goto out;
	}
	int direct = strcmp(type, "chat") == 0 && to[0] == '@';
	for (int round = 0; round < 2; round++) {
		free(room);
		room = NULL;
		if (direct)
			room = direct_room(s, to, &net);
		else if (to[0] == '#')
			room = resolve_alias(s, to, &net);
		else if (to[0] == '!')
			room = xstrdup(to);
		if (!room) {
			rc = mx_stopping(s->m) ? MXS_STOP : (net ? MXS_NET : MXS_PERM);
			goto out;
		}
		char *er = mx_escape(&s->c, room), *et = mx_escape(&s->c, txn);
		char *path = xasprintf("/rooms/%s/send/m.room.message/%s", er, et);
		free(er);
		free(et);
		json_t *content = json_pack("{s:s, s:s}", "msgtype", "m.notice", "body", body);
		json_t *out;
		long st;
		int r = mx_request(&s->c, "PUT", path, NULL, content, 30, MX_RESP_CAP, &out, &st);
		json_decref(content);
		free(path);
		if (r == MX_OK) {
			rc = MXS_OK;
		} else if (r == MX_DEAD || r == MX_STOPPED) {
			rc = MXS_STOP;
		} else if (r == MX_NET || st >= 500) {
			rc = MXS_NET;
		} else if (st == 403 && round == 0) {
			/* not (or no longer) in the room: a direct chat is opened afresh, a room rejoined */
			json_decref(out);
			if (direct) {
				forget_direct(s, to);
				continue;
			}
			char *id = NULL;
			int jr = mx_join(&s->c, room, &id);
			free(id);
			if (jr == MX_OK)
				continue;
			rc = jr == MX_NET ? MXS_NET : (jr == MX_DEAD || jr == MX_STOPPED ? MXS_STOP : MXS_PERM);
			goto out;
		} else {
			log_warn("event=send_refused transport=matrix outbox=%lld to=%s status=%ld errcode=%s",
				 (long long)it->id, LOG_WHO(to), st, LOG_KV(mx_errcode(out)));
			rc = MXS_PERM;
		}
		json_decref(out);
		break;
	}
out:
	free(txn);
	free(room);
	return rc;
}

/* The per-database txnId prefix (created once). */
struct txn_prefix {
	const char *fresh;
	char *old; /* set when one was there already */
};

static int
txn_prefix_run(struct db *db, void *ud)
{
	struct txn_prefix *t = ud;
	if (state_kv_get(db, "matrix.txn_prefix", &t->old) == DB_OK && t->old && *t->old)
		return DB_OK;
	free(t->old);
	t->old = NULL;
	return db_failed(state_kv_set(db, "matrix.txn_prefix", t->fresh)) ? DB_ERR : DB_OK;
}

static char *
txn_prefix(struct db *db)
{
	char *v = NULL;
	if (state_kv_get(db, "matrix.txn_prefix", &v) == DB_OK && v && *v)
		return v;
	free(v);
	unsigned char r[6];
	random_bytes(r, sizeof r);
	v = xasprintf("%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
	struct txn_prefix tp = {v, NULL};
	if (db_txn(db, txn_prefix_run, &tp) < 0) {
		free(tp.old);
		free(v);
		return NULL;
	}
	if (tp.old) { /* another thread made it first */
		free(v);
		return tp.old;
	}
	return v;
}

/* transport_ops.send: one row through PUT /rooms/{id}/send (the sender records the outcome). */
void
matrix_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct matrix_transport *m = handle;
	switch (send_item(&m->send, it)) {
	case MXS_OK:
		res->rc = SEND_OK;
		break;
	case MXS_PERM:
		res->rc = SEND_FAIL;
		snprintf(res->err, sizeof res->err, "refused by the homeserver");
		break;
	case MXS_NET:
		/* the row stays due; the same txnId goes out again after the pause */
		res->rc = SEND_DOWN;
		snprintf(res->err, sizeof res->err, "homeserver unreachable");
		atomic_store(&m->connected, 0);
		return;
	default:
		res->rc = SEND_STOP;
		return;
	}
	atomic_store(&m->connected, 1);
}

void *
matrix_send_main(void *arg)
{
	struct matrix_transport *m = arg;
	struct send_state *s = &m->send;
	s->m = m;
	if (mx_conn_init(&s->c, m) < 0)
		goto out;
	if (db_open(&s->db, m->ctx.db_path) < 0) {
		log_err("event=start_failed transport=matrix part=sender reason=database");
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->ready && !mx_stopping(m))
		pthread_cond_wait(&m->cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
	while (!mx_stopping(m) && !(s->txn_prefix = txn_prefix(s->db)))
		mx_sleep(m, 1000);
	m->snd.db = s->db;
	sender_run(&m->snd);
	m->snd.db = NULL;
out:
	free(s->txn_prefix);
	s->txn_prefix = NULL;
	db_close(s->db);
	s->db = NULL;
	mx_conn_free(&s->c);
	return NULL;
}
