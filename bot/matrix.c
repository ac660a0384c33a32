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
 *   sender thread  outbox rows for "matrix" → PUT /rooms/{id}/send/… with a
 *                  txnId derived from the row ("mb<prefix>.<row id>"), so a
 *                  resend after a crash is deduplicated by the homeserver
 *                  (per device: the access token's device is stable).  A row
 *                  is marked sent after the 200.  429 M_LIMIT_EXCEEDED: wait
 *                  retry_after_ms, resend the same txnId.  Network trouble and
 *                  5xx: back off with jitter, 1 s … 5 min.  Woken by a
 *                  condition variable (matrix_transport_notify), never polls
 *                  in a tight loop.
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
#include "post.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define MX_API "/_matrix/client/v3"
#define MX_SYNC_TIMEOUT_MS 30000
#define MX_TIMELINE_LIMIT 100
#define MX_BACKFILL_MAX 1000    /* events fetched back per room when a timeline is "limited" */
#define MX_SYNC_CAP (32u << 20) /* response caps */
#define MX_RESP_CAP (1u << 20)
#define MX_SEND_BATCH 32
#define MX_BACKOFF_MIN_MS 1000
#define MX_BACKOFF_MAX_MS 300000
#define MX_RETRY_AFTER_MAX_MS 300000
#define MX_NAME_CACHE_MAX 20000

/* Outcome of one HTTP request. */
enum mx_rc {
	MX_OK = 0,       /* 2xx, *out holds the JSON body (may be NULL if not JSON) */
	MX_HTTP = -1,    /* another status; *status and maybe *out (the error body) */
	MX_NET = -2,     /* no answer: connection, timeout, response over the cap, bad JSON on 2xx */
	MX_STOPPED = -3, /* *stop was set or the token died while waiting */
	MX_DEAD = -4,    /* 401: the access token is not (or no longer) valid */
};

struct room_cfg {
	char *name; /* as configured: "!id:server" or "#alias:server" */
	char *id;   /* resolved room id, or NULL (join failed) */
};

struct matrix_transport {
	struct transport_ctx ctx;
	char *base;    /* homeserver URL without the trailing '/' */
	char *auth;    /* "Authorization: Bearer …" (never logged) */
	char *user_id; /* from whoami */

	pthread_t sync_thread, send_thread;
	int sync_started, send_started;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;  /* kicks, ready, stop, dead */
	int kicked;
	int ready;              /* start-up done: user_id and rooms are set */
	atomic_int dead;        /* the token was refused: the Matrix side is over */
	struct room_cfg *rooms; /* written by the sync thread before ready, read-only after */
	size_t nrooms;
	json_t *aliases; /* alias → room id, resolved on demand by the sender */
};

static void matrix_transport_notify(struct matrix_transport *m);
static void matrix_transport_join(struct matrix_transport *m);

/* One thread's HTTP connection. */
struct mx_conn {
	struct matrix_transport *m;
	CURL *curl;
	struct curl_slist *hdrs;      /* Authorization, Accept */
	struct curl_slist *hdrs_json; /* the same plus Content-Type: application/json */
	struct buf resp;
	size_t cap;
	int over_cap;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t mx_curl_once = PTHREAD_ONCE_INIT;
static CURLcode mx_curl_init_res;

static void
mx_curl_init(void)
{
	mx_curl_init_res = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- small helpers ---------------------------------------------------------- */

static int
mx_stopping(struct matrix_transport *m)
{
	return *m->ctx.stop || atomic_load(&m->dead);
}

/* Wake every waiter (stop, dead, ready). */
static void
mx_broadcast(struct matrix_transport *m)
{
	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static int
mx_stopping_ud(void *ud)
{
	return mx_stopping(ud);
}

/* Sleep ms, or less when stopping.  Kicks do not shorten it. */
static void
mx_sleep(struct matrix_transport *m, int64_t ms)
{
	timed_wait(&m->lock, &m->cond, NULL, ms, mx_stopping_ud, m);
}

/* The sender's idle wait: until kicked, stopping, or ms passed.  Returns 1 if kicked. */
static int
mx_wait_kick(struct matrix_transport *m, int64_t ms)
{
	return timed_wait(&m->lock, &m->cond, &m->kicked, ms, mx_stopping_ud, m);
}

/* The token was refused: log once, end both threads. */
static void
mx_die(struct matrix_transport *m, const char *what, const char *errcode)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&m->dead, &expected, 1)) {
		log_err("matrix: the homeserver refused the access token (401 %s on %s); Matrix is stopped "
			"until the bot is restarted with a valid token - mail and XMPP go on",
			errcode ? errcode : "", what);
		mx_broadcast(m);
	}
}

/* URL-encode one path segment or query value.  Caller frees. */
static char *
mx_escape(struct mx_conn *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	if (!e)
		fatal("matrix: out of memory");
	char *out = xstrdup(e);
	curl_free(e);
	return out;
}

/* ---- HTTP ------------------------------------------------------------------------ */

static size_t
mx_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct mx_conn *c = ud;
	size_t n = size * nmemb;
	if (c->resp.len + n > c->cap) {
		c->over_cap = 1;
		return 0; /* aborts the transfer */
	}
	buf_add(&c->resp, data, n);
	return n;
}

static int
mx_progress_cb(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct mx_conn *c = ud;
	return mx_stopping(c->m) ? 1 : 0;
}

static int
mx_conn_init(struct mx_conn *c, struct matrix_transport *m)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	pthread_once(&mx_curl_once, mx_curl_init);
	if (mx_curl_init_res != CURLE_OK) {
		log_err("matrix: curl_global_init: %s", curl_easy_strerror(mx_curl_init_res));
		return -1;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		log_err("matrix: curl_easy_init failed");
		return -1;
	}
	c->hdrs = curl_slist_append(NULL, m->auth);
	c->hdrs = curl_slist_append(c->hdrs, "Accept: application/json");
	c->hdrs_json = curl_slist_append(NULL, m->auth);
	c->hdrs_json = curl_slist_append(c->hdrs_json, "Accept: application/json");
	c->hdrs_json = curl_slist_append(c->hdrs_json, "Content-Type: application/json");
	if (!c->hdrs || !c->hdrs_json)
		fatal("matrix: out of memory");
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mx_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, mx_progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mentorbot/" MENTORBOT_VERSION);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	return 0;
}

static void
mx_conn_free(struct mx_conn *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdrs);
	curl_slist_free_all(c->hdrs_json);
	buf_free(&c->resp);
	memset(c, 0, sizeof *c);
}

/*
 * One request, no retries.  path is already encoded and follows MX_API
 * (e.g. "/account/whoami"); query may be NULL.  body (borrowed) is sent as
 * JSON for POST/PUT.  *out gets the parsed JSON answer (caller decrefs) or
 * NULL.  *status gets the HTTP status (0 without an answer).
 */
static int
mx_request_once(struct mx_conn *c, const char *method, const char *path, const char *query, json_t *body,
		long timeout_s, size_t cap, json_t **out, long *status)
{
	struct matrix_transport *m = c->m;
	CURL *h = c->curl;
	char *url = xasprintf("%s%s%s%s%s", m->base, MX_API, path, query ? "?" : "", query ? query : "");
	char *payload = NULL;
	int rc;

	*out = NULL;
	*status = 0;
	buf_free(&c->resp);
	c->cap = cap;
	c->over_cap = 0;
	c->errbuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	} else {
		payload = body ? json_dumps(body, JSON_COMPACT) : xstrdup("{}");
		if (!payload)
			fatal("matrix: cannot serialise a request body");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs_json);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") == 0 ? NULL : method);
	}
	CURLcode cr = curl_easy_perform(h);
	if (cr == CURLE_ABORTED_BY_CALLBACK) {
		rc = MX_STOPPED;
		goto out;
	}
	if (cr != CURLE_OK) {
		if (c->over_cap)
			log_warn("matrix: %s %s: answer larger than %zu bytes", method, path, cap);
		else
			log_debug("matrix: %s %s: %s", method, path, c->errbuf[0] ? c->errbuf : curl_easy_strerror(cr));
		rc = MX_NET;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (c->resp.len) {
		json_error_t jerr;
		*out = json_loadb(c->resp.p, c->resp.len, 0, &jerr);
	}
	if (*status >= 200 && *status < 300) {
		rc = *out ? MX_OK : MX_NET;
		if (!*out)
			log_warn("matrix: %s %s: answer is not JSON", method, path);
	} else if (*status == 401) {
		mx_die(m, path, json_string_value(json_object_get(*out, "errcode")));
		rc = MX_DEAD;
	} else {
		rc = MX_HTTP;
	}
out:
	free(payload);
	free(url);
	buf_free(&c->resp);
	return rc;
}

/*
 * A request that waits out 429 M_LIMIT_EXCEEDED (retry_after_ms, then the
 * very same request again) until it gets another answer or the transport
 * stops.  Same contract as mx_request_once.
 */
static int
mx_request(struct mx_conn *c, const char *method, const char *path, const char *query, json_t *body, long timeout_s,
	   size_t cap, json_t **out, long *status)
{
	for (;;) {
		if (mx_stopping(c->m)) {
			*out = NULL;
			*status = 0;
			return atomic_load(&c->m->dead) ? MX_DEAD : MX_STOPPED;
		}
		int rc = mx_request_once(c, method, path, query, body, timeout_s, cap, out, status);
		if (rc != MX_HTTP || *status != 429)
			return rc;
		json_int_t ms = json_integer_value(json_object_get(*out, "retry_after_ms"));
		if (ms <= 0)
			ms = 1000;
		if (ms > MX_RETRY_AFTER_MAX_MS)
			ms = MX_RETRY_AFTER_MAX_MS;
		log_debug("matrix: %s %s rate-limited; retrying in %lld ms", method, path, (long long)ms);
		json_decref(*out);
		*out = NULL;
		mx_sleep(c->m, (int64_t)ms);
	}
}

static const char *
mx_errcode(json_t *err)
{
	const char *s = json_string_value(json_object_get(err, "errcode"));
	return s ? s : "?";
}

/* ---- kv helpers (each its own durable commit) ------------------------------------ */

struct kv_pair {
	const char *k1, *v1, *k2, *v2;
};

static int
kv_put_run(struct db *db, void *ud)
{
	const struct kv_pair *p = ud;
	int rc = state_kv_set(db, p->k1, p->v1);
	if (rc == DB_OK && p->k2)
		rc = state_kv_set(db, p->k2, p->v2);
	return db_failed(rc) ? DB_ERR : DB_OK;
}

static int
kv_put(struct db *db, const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct kv_pair p = {k1, v1, k2, v2};
	return db_txn(db, kv_put_run, &p);
}

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

/* ---- rooms ----------------------------------------------------------------------- */

/* Room id for a configured room name or alias, from the start-up joins (or NULL). */
static const char *
configured_room_id(struct matrix_transport *m, const char *name)
{
	for (size_t i = 0; i < m->nrooms; i++)
		if (strcmp(m->rooms[i].name, name) == 0 || (m->rooms[i].id && strcmp(m->rooms[i].id, name) == 0))
			return m->rooms[i].id;
	return NULL;
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

/* POST /join/{roomIdOrAlias}.  *room_id gets the id (caller frees). */
static int
mx_join(struct mx_conn *c, const char *room, char **room_id)
{
	char *e = mx_escape(c, room);
	char *path = xasprintf("/join/%s", e);
	json_t *out;
	long st;
	*room_id = NULL;
	int rc = mx_request(c, "POST", path, NULL, NULL, 30, MX_RESP_CAP, &out, &st);
	if (rc == MX_OK) {
		const char *id = json_string_value(json_object_get(out, "room_id"));
		*room_id = xstrdup(id ? id : room);
	} else if (rc == MX_HTTP) {
		log_warn("matrix: cannot join %s: %ld %s", room, st, mx_errcode(out));
	}
	json_decref(out);
	free(path);
	free(e);
	return rc;
}

static int
mx_leave(struct mx_conn *c, const char *room)
{
	char *e = mx_escape(c, room);
	char *path = xasprintf("/rooms/%s/leave", e);
	json_t *out;
	long st;
	int rc = mx_request(c, "POST", path, NULL, NULL, 30, MX_RESP_CAP, &out, &st);
	json_decref(out);
	free(path);
	free(e);
	return rc;
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
			int r = kv_put(s->db, k1, inviter, k2, rid);
			free(k1);
			free(k2);
			if (r < 0)
				return r;
			char *id = NULL;
			if (mx_join(&s->c, rid, &id) == MX_OK)
				log_info("matrix: joined direct chat %s with %s", rid, inviter);
			free(id);
		} else {
			log_info("matrix: declined invitation to %s from %s (neither configured nor direct)", rid,
				 inviter ? inviter : "?");
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
	if (chat_recover(s->db, s->m->ctx.core, "matrix") > 0)
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

	/* rooms: joined before "ready" so the sender can read them without a lock */
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
		if (rooms[i].id) {
			log_info("matrix: in room %s (%s)", rooms[i].name, rooms[i].id);
			/* the core matches [bridge] pairs and groups written with an alias by this */
			if (rooms[i].name[0] == '#') {
				char *k = xasprintf("matrix.room:%s", rooms[i].name);
				kv_put(s->db, k, rooms[i].id, NULL, NULL);
				free(k);
			}
		}
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
		int rc = mx_request(&s.c, "GET", "/sync", q.p, NULL, MX_SYNC_TIMEOUT_MS / 1000 + 30, MX_SYNC_CAP, &out,
				    &st);
		buf_free(&q);
		if (rc == MX_DEAD || rc == MX_STOPPED) {
			json_decref(out);
			break;
		}
		const char *next = json_string_value(json_object_get(out, "next_batch"));
		if (rc != MX_OK || !next) {
			int64_t d = backoff_next(&backoff);
			log_warn("matrix: sync failed (%s %ld); retrying in %lld ms",
				 rc == MX_HTTP ? mx_errcode(out) : "no answer", st, (long long)d);
			json_decref(out);
			mx_sleep(m, d);
			continue;
		}
		backoff_reset(&backoff);
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
		if (kv_put(s.db, since_key, next, NULL, NULL) < 0) {
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

/* ---- the sender thread ------------------------------------------------------------ */

enum send_rc { SEND_OK = 0, SEND_PERM = 1, SEND_NET = 2, SEND_STOP = 3 };

struct send_state {
	struct matrix_transport *m;
	struct mx_conn c;
	struct db *db;
	char *txn_prefix;
};

/* Room id for an alias: configured, cached, else GET /directory/room.  Caller frees; NULL if unknown. */
static char *
resolve_alias(struct send_state *s, const char *alias, int *net)
{
	struct matrix_transport *m = s->m;
	const char *id = configured_room_id(m, alias);
	*net = 0;
	if (id)
		return xstrdup(id);
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
		log_warn("matrix: unknown room alias %s: %ld %s", alias, st, mx_errcode(out));
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
		if (kv_put(s->db, key, rid, k2, user) < 0)
			log_warn("matrix: could not remember the direct room %s with %s", rid, user);
		free(k2);
		log_info("matrix: opened a direct chat %s with %s", rid, user);
	} else if (rc == MX_HTTP) {
		log_warn("matrix: cannot open a direct chat with %s: %ld %s", user, st, mx_errcode(out));
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
	kv_put(s->db, key, "", NULL, NULL);
	free(key);
}

/* Send one outbox row.  Returns a send_rc. */
static int
send_item(struct send_state *s, const struct outbox_item *it)
{
	json_error_t jerr;
	json_t *p = json_loadb(it->payload, it->len, 0, &jerr);
	const char *to = json_string_value(json_object_get(p, "to"));
	const char *type = json_string_value(json_object_get(p, "type"));
	const char *body = json_string_value(json_object_get(p, "body"));
	char *room = NULL;
	int rc = SEND_PERM, net = 0;
	char *txn = xasprintf("mb%s.%lld", s->txn_prefix, (long long)it->id);

	if (!to || !type || !body) {
		log_warn("matrix: outbox %lld: bad payload", (long long)it->id);
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
			rc = mx_stopping(s->m) ? SEND_STOP : (net ? SEND_NET : SEND_PERM);
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
			rc = SEND_OK;
		} else if (r == MX_DEAD || r == MX_STOPPED) {
			rc = SEND_STOP;
		} else if (r == MX_NET || st >= 500) {
			rc = SEND_NET;
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
			rc = jr == MX_NET ? SEND_NET : (jr == MX_DEAD || jr == MX_STOPPED ? SEND_STOP : SEND_PERM);
			goto out;
		} else {
			log_warn("matrix: outbox %lld to %s refused: %ld %s", (long long)it->id, to, st,
				 mx_errcode(out));
			rc = SEND_PERM;
		}
		json_decref(out);
		break;
	}
out:
	free(txn);
	free(room);
	json_decref(p);
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

static void *
send_main(void *arg)
{
	struct send_state s = {0};
	s.m = arg;
	struct matrix_transport *m = s.m;
	struct backoff backoff;
	backoff_init(&backoff, MX_BACKOFF_MIN_MS, MX_BACKOFF_MAX_MS, 1);

	if (mx_conn_init(&s.c, m) < 0)
		goto out;
	if (db_open(&s.db, m->ctx.db_path) < 0) {
		log_err("matrix: the sender cannot open the database; Matrix replies will not be sent");
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->ready && !mx_stopping(m))
		pthread_cond_wait(&m->cond, &m->lock);
	pthread_mutex_unlock(&m->lock);
	while (!mx_stopping(m) && !(s.txn_prefix = txn_prefix(s.db)))
		mx_sleep(m, 1000);

	int recheck = 0; /* a kick may come before its transaction commits: look again shortly */
	while (!mx_stopping(m)) {
		struct outbox_item items[MX_SEND_BATCH];
		size_t n = 0;
		if (state_outbox_due(s.db, "matrix", now_s(), items, MX_SEND_BATCH, &n) < 0) {
			mx_sleep(m, 1000);
			continue;
		}
		int trouble = 0;
		for (size_t i = 0; i < n; i++) {
			struct outbox_item *it = &items[i];
			int pace = post_pacing("matrix", it->rcpt, it->pacing, m->ctx.cfg->bot.post_interval);
			if (pace > 0) {
				state_outbox_defer(s.db, it->id, now_s() + pace);
			} else if (!trouble && !mx_stopping(m)) {
				int rc = send_item(&s, it);
				if (rc == SEND_OK) {
					state_outbox_sent(s.db, it->id);
					backoff_reset(&backoff);
				} else if (rc == SEND_PERM) {
					state_outbox_failed(s.db, it->id, "refused by the homeserver");
				} else if (rc == SEND_NET) {
					trouble = 1;
				}
			}
			outbox_item_free(it);
		}
		if (trouble) {
			/* the row stays due; the same txnId goes out again after the pause */
			int64_t d = backoff_next(&backoff);
			log_warn("matrix: homeserver unreachable while sending; retrying in %lld ms", (long long)d);
			mx_sleep(m, d);
			continue;
		}
		if (n == MX_SEND_BATCH)
			continue;
		if (n > 0)
			recheck = 0;
		int64_t next = state_outbox_next_due(s.db, "matrix", now_s());
		/* rows queued by another process (mentorbot post) are seen within 5 s */
		int64_t wait = next < 0 ? 5000 : (next == 0 ? 1000 : (next * 1000 < 5000 ? next * 1000 : 5000));
		if (recheck > 0) {
			wait = recheck == 2 ? 100 : 1000;
			recheck--;
		}
		if (mx_wait_kick(m, wait))
			recheck = 2;
	}
out:
	free(s.txn_prefix);
	db_close(s.db);
	mx_conn_free(&s.c);
	return NULL;
}

/* ---- the interface (transport.h) -------------------------------------------------- */

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
	*out = m; /* before the threads: the core's notify hook may use it at once */
	if (pthread_create(&m->sync_thread, NULL, sync_main, m) != 0) {
		log_err("matrix: cannot start the sync thread");
		goto fail;
	}
	m->sync_started = 1;
	if (pthread_create(&m->send_thread, NULL, send_main, m) != 0) {
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
	pthread_mutex_lock(&m->lock);
	m->kicked = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
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
	json_decref(m->aliases);
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

/* Matrix is optional: a homeserver that is down or refuses the token must not stop mail and XMPP. */
const struct transport_ops matrix_transport_ops = {
	.name = "matrix",
	.what = "Matrix transport",
	.optional = 1,
	.configured = matrix_configured,
	.start = matrix_transport_start,
	.notify = matrix_ops_notify,
	.stop = matrix_ops_stop,
};
