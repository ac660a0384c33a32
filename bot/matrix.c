/*
 * matrix.c - the Matrix transport: Client-Server API v3 over libcurl, JSON
 * with jansson.
 *
 * Two threads, each with its own curl handle and its own SQLite connection:
 *
 *   sync thread    whoami → join the configured rooms → upload a sync
 *                  filter → finish journal rows a crash left undispatched →
 *                  GET /sync long-poll loop.  Invites are accepted for
 *                  configured rooms and direct chats (is_direct) and rejected
 *                  otherwise.  Each m.room.message from someone else goes to
 *                  chat_handle() (which journals it durably); only after the
 *                  whole batch went through is next_batch stored (kv, durable
 *                  commit), so a crash replays the batch and the journal's
 *                  dedupe key (event id) drops what was already handled.  The
 *                  first start (no stored token) stores the token of one
 *                  initial sync without looking at its timelines: no backlog.
 *   sender thread  the shared outbox sender (sender.h) over the "matrix"
 *                  rows, see matrix_send.c: PUT /rooms/{id}/send/… with a
 *                  txnId derived from the row, so a resend after a crash is
 *                  deduplicated by the homeserver.  429 M_LIMIT_EXCEEDED: wait
 *                  retry_after_ms, resend the same txnId (matrix_http.c).
 *                  Network trouble and 5xx: the sender backs off with jitter,
 *                  1 s … 5 min.  Woken through sender_kick, never polls in a
 *                  tight loop.
 *
 * Files: matrix.c (this: the sync thread and transport_ops), matrix_http.c
 * (the requests and helpers both threads use), matrix_send.c (the sender
 * thread), matrix_int.h (what they share).
 *
 * SIGHUP (matrix_reconfigure) hands the sync thread a new list of rooms; its
 * long-poll ends early and the top of its loop joins and leaves
 * (matrix_http.c, mx_rooms_apply).
 *
 * A 401 on any request means the access token is dead: one log line, both
 * threads end, mail and XMPP go on.  *ctx->stop (SIGTERM) aborts a running
 * long-poll within about a second (curl progress callback).
 *
 * kv keys (state_kv_*):
 *   matrix.next_batch:<user id>   the sync token after the last handled batch
 *   matrix.txn_prefix             random, per database: txnIds never collide
 *                                 with those of an earlier database
 *   matrix.dm:<user id>           the direct room the bot uses with that user
 *   matrix.direct:<room id>       present: the room is a direct chat (value: the user)
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "chat.h"
#include "config.h"
#include "dispatch.h"
#include "logaddr.h"
#include "matrix_int.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

static void matrix_transport_notify(struct matrix_transport *m);
static void matrix_transport_join(struct matrix_transport *m);

/* ---- rooms the sync thread looks at --------------------------------------------- */

/* 1 if room is a direct chat of the bot (kv matrix.direct:<room>). */
static int
is_direct_room(struct db *db, const char *room)
{
	char *key = xasprintf("matrix.direct:%s", room);
	char *v = NULL;
	int r = state_kv_get(db, key, &v) == DB_OK;
	free(v);
	free(key);
	return r;
}

static int
is_configured_room(struct matrix_transport *m, const char *room_id, const char *alias)
{
	for (size_t i = 0; i < m->nrooms; i++) {
		if (m->rooms[i].id && strcmp(m->rooms[i].id, room_id) == 0)
			return 1;
		if (strcmp(m->rooms[i].name, room_id) == 0 || (alias && strcmp(m->rooms[i].name, alias) == 0))
			return 1;
	}
	return 0;
}

/* ---- the sync thread --------------------------------------------------------------- */

struct sync_state {
	struct matrix_transport *m;
	struct mx_conn c;
	struct db *db;
	char *filter_id; /* uploaded filter, or NULL: send the filter inline */
	char *filter_json;
	json_t *names; /* "room|user" → display name */
};

static const char *
sync_filter_param(struct sync_state *s)
{
	return s->filter_id ? s->filter_id : s->filter_json;
}

static void
names_note(struct sync_state *s, const char *room, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	if (!type || strcmp(type, "m.room.member") != 0)
		return;
	const char *who = json_string_value(json_object_get(ev, "state_key"));
	json_t *content = json_object_get(ev, "content");
	const char *dn = json_string_value(json_object_get(content, "displayname"));
	const char *ms = json_string_value(json_object_get(content, "membership"));
	if (!who)
		return;
	char *key = xasprintf("%s|%s", room, who);
	if (dn && *dn && ms && strcmp(ms, "join") == 0) {
		if (json_object_size(s->names) >= MX_NAME_CACHE_MAX)
			json_object_clear(s->names);
		json_object_set_new(s->names, key, json_string(dn));
	} else {
		json_object_del(s->names, key);
	}
	free(key);
}

/* Is ev the bot's own (new) join to the room? */
static int
is_own_join(struct sync_state *s, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *sk = json_string_value(json_object_get(ev, "state_key"));
	if (!type || strcmp(type, "m.room.member") != 0 || !sk || strcmp(sk, s->m->user_id) != 0)
		return 0;
	const char *ms = json_string_value(json_object_get(json_object_get(ev, "content"), "membership"));
	const char *prev = json_string_value(
		json_object_get(json_object_get(json_object_get(ev, "unsigned"), "prev_content"), "membership"));
	return ms && strcmp(ms, "join") == 0 && !(prev && strcmp(prev, "join") == 0);
}

/* Hand one timeline event to the core.  1: produced output, 0: nothing, <0: database error. */
static int
handle_event(struct sync_state *s, const char *room, int direct, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *sender = json_string_value(json_object_get(ev, "sender"));
	const char *event_id = json_string_value(json_object_get(ev, "event_id"));
	json_t *content = json_object_get(ev, "content");
	const char *msgtype = json_string_value(json_object_get(content, "msgtype"));
	const char *body = json_string_value(json_object_get(content, "body"));
	if (!type || strcmp(type, "m.room.message") != 0 || !sender || !body || !msgtype)
		return 0;
	if (strcmp(sender, s->m->user_id) == 0)
		return 0; /* our own answer */
	if (strcmp(msgtype, "m.text") != 0)
		return 0; /* m.notice is what bots send; images, files, emotes are not commands */
	char *key = xasprintf("%s|%s", room, sender);
	const char *dn = json_string_value(json_object_get(s->names, key));
	free(key);
	char *nick = NULL;
	if (!dn) {
		size_t n = strcspn(sender + 1, ":");
		nick = xstrndup(sender + 1, n);
	}
	struct chat_msg cm = {0};
	cm.transport = "matrix";
	cm.sender = sender;
	cm.room = direct ? NULL : room;
	cm.nick = dn ? dn : nick;
	cm.text = body;
	cm.id = event_id;
	cm.ts = json_integer_value(json_object_get(ev, "origin_server_ts")) / 1000;
	int rc = chat_handle(s->db, s->m->ctx.core, &cm);
	free(nick);
	return rc;
}

/*
 * A "limited" timeline skipped events between since and the timeline's
 * start: fetch them backwards with /messages (up to MX_BACKFILL_MAX).
 * Returns a new array in stream order (caller decrefs), or NULL.
 */
static json_t *
backfill(struct sync_state *s, const char *room, const char *prev_batch, const char *since)
{
	json_t *all = json_array();
	char *from = xstrdup(prev_batch);
	char *er = mx_escape(&s->c, room);
	char *path = xasprintf("/rooms/%s/messages", er);
	char *fl = mx_escape(&s->c, "{\"types\":[\"m.room.message\",\"m.room.member\"]}");
	char *to = mx_escape(&s->c, since);
	while (from && json_array_size(all) < MX_BACKFILL_MAX) {
		char *ef = mx_escape(&s->c, from);
		char *q = xasprintf("dir=b&limit=100&from=%s&to=%s&filter=%s", ef, to, fl);
		json_t *out;
		long st;
		int rc = mx_request(&s->c, "GET", path, q, NULL, 60, MX_SYNC_CAP, &out, &st);
		free(q);
		free(ef);
		free(from);
		from = NULL;
		if (rc != MX_OK) {
			if (rc == MX_HTTP)
				log_warn("matrix: backfill of %s: %ld %s", room, st, mx_errcode(out));
			json_decref(out);
			break;
		}
		json_t *chunk = json_object_get(out, "chunk");
		size_t i;
		json_t *ev;
		json_array_foreach(chunk, i, ev)
		{
			json_array_append(all, ev);
		}
		const char *end = json_string_value(json_object_get(out, "end"));
		if (end && json_array_size(chunk) > 0)
			from = xstrdup(end);
		json_decref(out);
	}
	free(from);
	free(to);
	free(fl);
	free(path);
	free(er);
	/* backwards → stream order */
	json_t *rev = json_array();
	for (size_t i = json_array_size(all); i-- > 0;)
		json_array_append(rev, json_array_get(all, i));
	json_decref(all);
	return rev;
}

/* Accept invites to configured rooms and direct chats, refuse the rest.  <0 on a database error. */
static int
handle_invites(struct sync_state *s, json_t *invites)
{
	const char *rid;
	json_t *inv;
	json_object_foreach(invites, rid, inv)
	{
		json_t *evs = json_object_get(json_object_get(inv, "invite_state"), "events");
		const char *inviter = NULL, *alias = NULL;
		int direct = 0;
		size_t i;
		json_t *ev;
		json_array_foreach(evs, i, ev)
		{
			const char *type = json_string_value(json_object_get(ev, "type"));
			const char *sk = json_string_value(json_object_get(ev, "state_key"));
			json_t *content = json_object_get(ev, "content");
			if (!type)
				continue;
			if (strcmp(type, "m.room.member") == 0 && sk && strcmp(sk, s->m->user_id) == 0) {
				inviter = json_string_value(json_object_get(ev, "sender"));
				direct = json_is_true(json_object_get(content, "is_direct"));
			} else if (strcmp(type, "m.room.canonical_alias") == 0) {
				alias = json_string_value(json_object_get(content, "alias"));
			}
		}
		if (is_configured_room(s->m, rid, alias)) {
			char *id = NULL;
			if (mx_join(&s->c, rid, &id) == MX_OK)
				log_info("matrix: joined configured room %s on invitation", rid);
			free(id);
		} else if (direct && inviter && inviter[0] == '@') {
			/* remember first: a crash after the join must not turn the DM into a room */
			char *k1 = xasprintf("matrix.direct:%s", rid), *k2 = xasprintf("matrix.dm:%s", inviter);
			int r = mx_kv_put(s->db, k1, inviter, k2, rid);
			free(k1);
			free(k2);
			if (r < 0)
				return r;
			char *id = NULL;
			if (mx_join(&s->c, rid, &id) == MX_OK)
				log_info("matrix: joined direct chat %s with %s", rid, LOG_WHO(inviter));
			free(id);
		} else {
			log_info("matrix: declined invitation to %s from %s (neither configured nor direct)", rid,
				 LOG_WHO(inviter));
			mx_leave(&s->c, rid);
		}
		if (mx_stopping(s->m))
			return 0;
	}
	return 0;
}

/*
 * Handle one /sync answer.  since is the token it answered (NULL for the
 * initial one, whose timelines are skipped).  Returns 1 if the core produced
 * output, 0 if not, <0 if a database error means the batch must be retried.
 */
static int
handle_sync(struct sync_state *s, json_t *resp, const char *since)
{
	json_t *rooms = json_object_get(resp, "rooms");
	int any = 0;
	int rc = handle_invites(s, json_object_get(rooms, "invite"));
	if (rc < 0)
		return rc;
	const char *rid;
	json_t *jr;
	json_object_foreach(json_object_get(rooms, "join"), rid, jr)
	{
		json_t *state = json_object_get(json_object_get(jr, "state"), "events");
		json_t *tl = json_object_get(jr, "timeline");
		json_t *events = json_object_get(tl, "events");
		size_t i;
		json_t *ev;
		json_array_foreach(state, i, ev)
		{
			names_note(s, rid, ev);
		}
		if (!since) {
			json_array_foreach(events, i, ev)
			{
				names_note(s, rid, ev);
			}
			continue; /* first start: no backlog */
		}
		json_t *list = NULL;
		const char *prev = json_string_value(json_object_get(tl, "prev_batch"));
		if (json_is_true(json_object_get(tl, "limited")) && prev) {
			list = backfill(s, rid, prev, since);
			if (mx_stopping(s->m)) {
				json_decref(list);
				return -1;
			}
		} else {
			list = json_array();
		}
		json_array_extend(list, events);
		int direct = is_direct_room(s->db, rid);
		/* in a room the bot has just joined, what came before the join is history */
		size_t start = 0;
		json_array_foreach(list, i, ev)
		{
			if (!direct && is_own_join(s, ev))
				start = i + 1;
		}
		json_array_foreach(list, i, ev)
		{
			names_note(s, rid, ev);
			if (i < start)
				continue;
			int r = handle_event(s, rid, direct, ev);
			if (r < 0) {
				json_decref(list);
				return r;
			}
			if (r > 0)
				any = 1;
		}
		json_decref(list);
	}
	return any;
}

/* A crash between the journal commit and the dispatch commit leaves rows 'new': finish them. */
static void
finish_pending(struct sync_state *s)
{
	if (dispatch_pending(s->db, s->m->ctx.core, "matrix", NULL, NULL, NULL) > 0)
		matrix_transport_notify(s->m);
}

/* whoami, joins, filter.  0 when ready, -1 when stopping or dead. */
static int
sync_setup(struct sync_state *s)
{
	struct matrix_transport *m = s->m;
	const struct config *cfg = m->ctx.cfg;
	struct backoff backoff;
	backoff_init(&backoff, MX_BACKOFF_MIN_MS, MX_BACKOFF_MAX_MS, 1);
	json_t *out = NULL;
	long st;
	int rc;

	for (;;) {
		rc = mx_request(&s->c, "GET", "/account/whoami", NULL, NULL, 30, MX_RESP_CAP, &out, &st);
		if (rc == MX_OK && json_string_value(json_object_get(out, "user_id")))
			break;
		if (rc == MX_DEAD || rc == MX_STOPPED) {
			json_decref(out);
			return -1;
		}
		int64_t d = backoff_next(&backoff);
		log_warn("matrix: whoami at %s failed (%s); retrying in %lld ms", m->base,
			 rc == MX_HTTP ? mx_errcode(out) : "no answer", (long long)d);
		json_decref(out);
		out = NULL;
		mx_sleep(m, d);
	}
	char *uid = xstrdup(json_string_value(json_object_get(out, "user_id")));
	const char *dev = json_string_value(json_object_get(out, "device_id"));
	if (cfg->matrix.user && strcmp(cfg->matrix.user, uid) != 0)
		log_warn("matrix: the token belongs to %s, not to the configured %s; acting as %s", uid,
			 cfg->matrix.user, uid);
	log_info("matrix: logged in as %s (device %s)", uid, dev ? dev : "?");
	json_decref(out);
	out = NULL;

	/* rooms: joined before "ready"; later only mx_rooms_apply (SIGHUP) changes them */
	size_t n = cfg->matrix.rooms.n;
	struct room_cfg *rooms = xcalloc(n ? n : 1, sizeof *rooms);
	for (size_t i = 0; i < n; i++) {
		rooms[i].name = xstrdup(cfg->matrix.rooms.v[i]);
		backoff_reset(&backoff);
		for (;;) {
			rc = mx_join(&s->c, rooms[i].name, &rooms[i].id);
			if (rc != MX_NET)
				break;
			int64_t d = backoff_next(&backoff);
			log_warn("matrix: no answer joining %s; retrying in %lld ms", rooms[i].name, (long long)d);
			mx_sleep(m, d);
		}
		if (rc == MX_DEAD || rc == MX_STOPPED)
			break;
		if (rooms[i].id)
			mx_room_note(s->db, &rooms[i]);
	}
	pthread_mutex_lock(&m->lock);
	m->user_id = uid;
	m->rooms = rooms;
	m->nrooms = n;
	pthread_mutex_unlock(&m->lock);
	if (mx_stopping(m))
		return -1;

	/* the sync filter: messages (and memberships, for names and joins) only */
	json_t *flt = json_pack("{s:{s:{s:[s,s], s:i}, s:{s:[s]}, s:{s:[]}, s:{s:[]}}, s:{s:[]}, s:{s:[]}}", "room",
				"timeline", "types", "m.room.message", "m.room.member", "limit", MX_TIMELINE_LIMIT,
				"state", "types", "m.room.member", "ephemeral", "types", "account_data", "types",
				"presence", "types", "account_data", "types");
	s->filter_json = json_dumps(flt, JSON_COMPACT);
	char *eu = mx_escape(&s->c, uid);
	char *path = xasprintf("/user/%s/filter", eu);
	rc = mx_request(&s->c, "POST", path, NULL, flt, 30, MX_RESP_CAP, &out, &st);
	if (rc == MX_OK && json_string_value(json_object_get(out, "filter_id")))
		s->filter_id = xstrdup(json_string_value(json_object_get(out, "filter_id")));
	else if (rc != MX_DEAD && rc != MX_STOPPED)
		log_info("matrix: could not upload the sync filter; sending it inline");
	json_decref(out);
	json_decref(flt);
	free(path);
	free(eu);
	if (rc == MX_DEAD || rc == MX_STOPPED)
		return -1;

	pthread_mutex_lock(&m->lock);
	m->ready = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void *
sync_main(void *arg)
{
	struct sync_state s = {0};
	s.m = arg;
	struct matrix_transport *m = s.m;
	char *since = NULL, *since_key = NULL;
	struct backoff backoff;
	backoff_init(&backoff, MX_BACKOFF_MIN_MS, MX_BACKOFF_MAX_MS, 1);

	s.names = json_object();
	if (mx_conn_init(&s.c, m) < 0)
		goto out;
	if (db_open(&s.db, m->ctx.db_path) < 0) {
		log_err("matrix: cannot open the database; Matrix is off");
		goto out;
	}
	if (sync_setup(&s) < 0)
		goto out;
	finish_pending(&s);
	since_key = xasprintf("matrix.next_batch:%s", m->user_id);
	if (db_failed(state_kv_get(s.db, since_key, &since)))
		since = NULL;
	if (!since)
		log_info("matrix: first start: skipping the rooms' history");
	else
		log_info("matrix: listening"); /* anything after the stored token will come */

	while (!mx_stopping(m)) {
		if (atomic_load(&m->rooms_changed) && mx_rooms_apply(&s.c, s.db) != MX_OK)
			break;
		struct buf q = BUF_INIT;
		char *ef = mx_escape(&s.c, sync_filter_param(&s));
		if (since) {
			char *es = mx_escape(&s.c, since);
			buf_addf(&q, "since=%s&timeout=%d&filter=%s", es, MX_SYNC_TIMEOUT_MS, ef);
			free(es);
		} else {
			buf_addf(&q, "timeout=0&filter=%s", ef);
		}
		free(ef);
		json_t *out;
		long st;
		s.c.wake_on_rooms = 1; /* a SIGHUP's new rooms end the wait (nothing is lost: since stays) */
		int rc = mx_request(&s.c, "GET", "/sync", q.p, NULL, MX_SYNC_TIMEOUT_MS / 1000 + 30, MX_SYNC_CAP, &out,
				    &st);
		s.c.wake_on_rooms = 0;
		buf_free(&q);
		if (rc == MX_STOPPED && !mx_stopping(m)) {
			json_decref(out);
			continue; /* the rooms changed: the top of the loop joins and leaves */
		}
		if (rc == MX_DEAD || rc == MX_STOPPED) {
			json_decref(out);
			break;
		}
		const char *next = json_string_value(json_object_get(out, "next_batch"));
		if (rc != MX_OK || !next) {
			int64_t d = backoff_next(&backoff);
			atomic_store(&m->connected, 0);
			log_warn("matrix: sync failed (%s %ld); retrying in %lld ms",
				 rc == MX_HTTP ? mx_errcode(out) : "no answer", st, (long long)d);
			json_decref(out);
			mx_sleep(m, d);
			continue;
		}
		backoff_reset(&backoff);
		atomic_store(&m->connected, 1); /* the homeserver answered: status and READY=1 */
		int r = handle_sync(&s, out, since);
		if (r > 0)
			matrix_transport_notify(m);
		if (r < 0) {
			/* not stored: the same batch comes again (handled events are deduplicated) */
			json_decref(out);
			if (!mx_stopping(m)) {
				log_warn("matrix: could not record a sync batch; trying again");
				mx_sleep(m, 1000);
			}
			continue;
		}
		if (mx_kv_put(s.db, since_key, next, NULL, NULL) < 0) {
			json_decref(out);
			mx_sleep(m, 1000);
			continue;
		}
		if (!since)
			log_info("matrix: listening (history before now skipped)");
		free(since);
		since = xstrdup(next);
		json_decref(out);
	}
out:
	free(since);
	free(since_key);
	free(s.filter_id);
	free(s.filter_json);
	json_decref(s.names);
	db_close(s.db);
	mx_conn_free(&s.c);
	/* a sender still waiting for "ready" must not wait for ever */
	if (!*m->ctx.stop && !atomic_load(&m->dead))
		atomic_store(&m->dead, 1);
	mx_broadcast(m);
	return NULL;
}

/* ---- the interface (transport.h) -------------------------------------------------- */

/* The sender's stop condition: SIGTERM, or the token died. */
static int
matrix_sender_stopping(void *handle)
{
	return mx_stopping(handle);
}

/* transport_ops.start: *out is set before the threads run (the core's notify hook may use it at once). */
static int
matrix_transport_start(void **out, const struct transport_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	*out = NULL;
	if (!cfg->matrix.present || !cfg->matrix.homeserver || !cfg->matrix.access_token) {
		log_err("matrix: [matrix] needs homeserver and access_token");
		return -1;
	}
	struct matrix_transport *m = xcalloc(1, sizeof *m);
	m->ctx = *ctx;
	m->base = xstrdup(cfg->matrix.homeserver);
	size_t bl = strlen(m->base);
	while (bl && m->base[bl - 1] == '/')
		m->base[--bl] = 0;
	m->auth = xasprintf("Authorization: Bearer %s", cfg->matrix.access_token);
	m->aliases = json_object();
	pthread_mutex_init(&m->lock, NULL);
	timed_wait_cond_init(&m->cond);
	m->snd = (struct sender){.ops = &matrix_transport_ops,
				 .handle = m,
				 .cfg = cfg,
				 .stop = ctx->stop,
				 .batch = MX_SEND_BATCH,
				 .poll_ms = MX_SEND_POLL_MS,
				 .unit = "messages",
				 .server = "Matrix",
				 .stopping = matrix_sender_stopping};
	sender_init(&m->snd);
	*out = m; /* before the threads: the core's notify hook may use it at once */
	if (pthread_create(&m->sync_thread, NULL, sync_main, m) != 0) {
		log_err("matrix: cannot start the sync thread");
		goto fail;
	}
	m->sync_started = 1;
	if (pthread_create(&m->send_thread, NULL, matrix_send_main, m) != 0) {
		log_err("matrix: cannot start the sender thread");
		atomic_store(&m->dead, 1);
		mx_broadcast(m);
		goto fail;
	}
	m->send_started = 1;
	return 0;
fail:
	*out = NULL;
	matrix_transport_join(m);
	return -1;
}

static void
matrix_transport_notify(struct matrix_transport *m)
{
	if (!m)
		return;
	sender_kick(&m->snd);
}

static void
matrix_transport_join(struct matrix_transport *m)
{
	if (!m)
		return;
	mx_broadcast(m);
	if (m->sync_started)
		pthread_join(m->sync_thread, NULL);
	if (m->send_started)
		pthread_join(m->send_thread, NULL);
	for (size_t i = 0; i < m->nrooms; i++) {
		free(m->rooms[i].name);
		free(m->rooms[i].id);
	}
	free(m->rooms);
	strlist_free(&m->want_rooms);
	json_decref(m->aliases);
	sender_destroy(&m->snd);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m->user_id);
	/* the token is a secret: do not leave it in freed memory */
	explicit_bzero(m->auth, strlen(m->auth));
	free(m->auth);
	free(m->base);
	free(m);
}

/* ---- transport_ops (transport.h) ---- */

static int
matrix_configured(const struct config *cfg)
{
	return cfg->matrix.present;
}

static void
matrix_ops_notify(void *handle)
{
	matrix_transport_notify(handle);
}

static void
matrix_ops_stop(void *handle)
{
	matrix_transport_join(handle);
}

/* transport_ops.reconfigure: the rooms go to the sync thread (its long-poll ends early); room
 * pacing follows cfg at once. */
static void
matrix_reconfigure(void *handle, const struct config *cfg)
{
	struct matrix_transport *m = handle;
	pthread_mutex_lock(&m->lock);
	strlist_free(&m->want_rooms);
	for (size_t i = 0; i < cfg->matrix.rooms.n; i++) {
		m->want_rooms.v = xrealloc(m->want_rooms.v, (m->want_rooms.n + 1) * sizeof *m->want_rooms.v);
		m->want_rooms.v[m->want_rooms.n++] = xstrdup(cfg->matrix.rooms.v[i]);
	}
	m->want_set = 1;
	atomic_store(&m->rooms_changed, 1);
	pthread_mutex_unlock(&m->lock);
	m->snd.cfg = cfg;
}

static void
matrix_status(void *handle, struct transport_status *st)
{
	struct matrix_transport *m = handle;
	st->connected = atomic_load(&m->dead) ? 0 : atomic_load(&m->connected);
	st->connects = atomic_load(&m->connects);
	sender_status(&m->snd, st);
}

/* Matrix is optional: a homeserver that is down or refuses the token must not stop mail and XMPP. */
const struct transport_ops matrix_transport_ops = {
	.name = "matrix",
	.what = "Matrix transport",
	.optional = 1,
	.configured = matrix_configured,
	.start = matrix_transport_start,
	.notify = matrix_ops_notify,
	.stop = matrix_ops_stop,
	.send = matrix_send,
	.status = matrix_status,
	.reconfigure = matrix_reconfigure,
};
