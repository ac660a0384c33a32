/*
 * matrix_http.c - the Matrix transport's requests (libcurl, JSON with
 * jansson) and the small helpers both its threads use: waits and the stop
 * condition, the kv pairs, the configured rooms, joining (see matrix.c).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "curlx.h"
#include "logkv.h"
#include "matrix_int.h"
#include "state/state.h"
#include "util.h"

/* ---- small helpers ---------------------------------------------------------- */

int
mx_stopping(struct matrix_transport *m)
{
	return *m->ctx.stop || atomic_load(&m->dead);
}

/* Wake every waiter (stop, dead, ready). */
void
mx_broadcast(struct matrix_transport *m)
{
	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	sender_kick(&m->snd);
}

static int
mx_stopping_ud(void *ud)
{
	return mx_stopping(ud);
}

/* Sleep ms, or less when stopping.  Kicks do not shorten it. */
void
mx_sleep(struct matrix_transport *m, int64_t ms)
{
	timed_wait(&m->lock, &m->cond, NULL, ms, mx_stopping_ud, m);
}

/* The token was refused: log once, end both threads. */
void
mx_die(struct matrix_transport *m, const char *what, const char *errcode)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&m->dead, &expected, 1)) {
		/* one line, and Matrix stops until a restart with a valid token; mail and XMPP go on */
		log_err("event=token_refused transport=matrix status=401 errcode=%s path=%s action=stop_until_restart",
			LOG_KV(errcode), LOG_KV(what));
		mx_broadcast(m);
	}
}

/* URL-encode one path segment or query value.  Caller frees. */
char *
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
	return mx_stopping(c->m) || (c->wake_on_rooms && atomic_load(&c->m->rooms_changed)) ? 1 : 0;
}

int
mx_conn_init(struct mx_conn *c, struct matrix_transport *m)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	CURLcode global = curlx_global();
	if (global != CURLE_OK) {
		log_err("event=start_failed transport=matrix reason=curl_global_init error=%s",
			LOG_KV(curl_easy_strerror(global)));
		return -1;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		log_err("event=start_failed transport=matrix reason=curl_easy_init");
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
	curlx_http_defaults(h, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mx_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, mx_progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	return 0;
}

void
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
	long conns = 0;
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK && conns > 0)
		atomic_fetch_add(&m->connects, (unsigned long)conns);
	if (cr == CURLE_ABORTED_BY_CALLBACK) {
		rc = MX_STOPPED;
		goto out;
	}
	if (cr != CURLE_OK) {
		if (c->over_cap)
			log_warn("event=http_failed transport=matrix method=%s path=%s reason=answer_too_large cap=%zu",
				 method, LOG_KV(path), cap);
		else
			log_debug("event=http_failed transport=matrix method=%s path=%s error=%s", method, LOG_KV(path),
				  LOG_KV(c->errbuf[0] ? c->errbuf : curl_easy_strerror(cr)));
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
			log_warn("event=http_failed transport=matrix method=%s path=%s reason=not_json", method,
				 LOG_KV(path));
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
int
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
		log_debug("event=rate_limited transport=matrix method=%s path=%s retry_in_ms=%lld", method,
			  LOG_KV(path), (long long)ms);
		json_decref(*out);
		*out = NULL;
		mx_sleep(c->m, (int64_t)ms);
	}
}

const char *
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

int
mx_kv_put(struct db *db, const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct kv_pair p = {k1, v1, k2, v2};
	return db_txn(db, kv_put_run, &p);
}

/* ---- rooms ----------------------------------------------------------------------- */

/* Room id for a configured room name or alias, from the joins (or NULL).  Caller frees. */
char *
mx_configured_room_id(struct matrix_transport *m, const char *name)
{
	char *id = NULL;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nrooms && !id; i++)
		if (strcmp(m->rooms[i].name, name) == 0 || (m->rooms[i].id && strcmp(m->rooms[i].id, name) == 0))
			id = m->rooms[i].id ? xstrdup(m->rooms[i].id) : NULL;
	pthread_mutex_unlock(&m->lock);
	return id;
}

int
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

void
mx_room_note(struct db *db, const struct room_cfg *r)
{
	log_info("matrix: in room %s (%s)", r->name, r->id);
	/* the core matches [bridge] pairs and groups written with an alias by this */
	if (r->name[0] == '#') {
		char *k = xasprintf("matrix.room:%s", r->name);
		mx_kv_put(db, k, r->id, NULL, NULL);
		free(k);
	}
}

static const struct room_cfg *
room_named(const struct room_cfg *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

int
mx_rooms_apply(struct mx_conn *c, struct db *db)
{
	struct matrix_transport *m = c->m;
	struct strlist want = {0};
	pthread_mutex_lock(&m->lock);
	int set = m->want_set;
	want = m->want_rooms;
	m->want_rooms = (struct strlist){0};
	m->want_set = 0;
	atomic_store(&m->rooms_changed, 0);
	pthread_mutex_unlock(&m->lock);
	if (!set)
		return MX_OK;
	/* only this thread writes m->rooms: reading it here needs no lock */
	struct room_cfg *v = xcalloc(want.n ? want.n : 1, sizeof *v);
	size_t n = 0;
	int rc = MX_OK;
	for (size_t i = 0; i < want.n; i++) {
		if (room_named(v, n, want.v[i]))
			continue; /* listed twice */
		const struct room_cfg *had = room_named(m->rooms, m->nrooms, want.v[i]);
		struct room_cfg *r = &v[n++];
		r->name = xstrdup(want.v[i]);
		if (had && had->id) {
			r->id = xstrdup(had->id);
			continue;
		}
		if (rc == MX_DEAD || rc == MX_STOPPED)
			continue;
		rc = mx_join(c, r->name, &r->id);
		if (r->id)
			mx_room_note(db, r);
		else if (rc != MX_DEAD && rc != MX_STOPPED)
			log_warn("matrix: cannot join %s now; an invitation or the next reload tries again", r->name);
	}
	for (size_t i = 0; i < m->nrooms; i++) {
		const struct room_cfg *r = &m->rooms[i];
		if (room_named(v, n, r->name) || rc == MX_DEAD || rc == MX_STOPPED)
			continue;
		rc = mx_leave(c, r->id ? r->id : r->name);
		if (rc == MX_OK)
			log_info("matrix: left %s (no longer configured)", r->name);
		else if (rc != MX_DEAD && rc != MX_STOPPED)
			log_warn("matrix: could not leave %s", r->name);
	}
	pthread_mutex_lock(&m->lock);
	struct room_cfg *old = m->rooms;
	size_t nold = m->nrooms;
	m->rooms = v;
	m->nrooms = n;
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < nold; i++) {
		free(old[i].name);
		free(old[i].id);
	}
	free(old);
	strlist_free(&want);
	return rc == MX_DEAD || rc == MX_STOPPED ? rc : MX_OK;
}

/* POST /join/{roomIdOrAlias}.  *room_id gets the id (caller frees). */
int
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
		log_warn("event=join_failed transport=matrix room=%s status=%ld errcode=%s", LOG_KV(room), st,
			 LOG_KV(mx_errcode(out)));
	}
	json_decref(out);
	free(path);
	free(e);
	return rc;
}
