/*
 * social_net.c - the one transport of the bearer-token networks (Mastodon, LinkedIn, a
 * Facebook page, X; bot/social_net.h): a sender thread per configured network runs the
 * shared outbox sender (sender.h) over that network's rows and asks the network's adapter
 * to build each request and read each answer; this file makes the HTTP requests (curlx.h
 * defaults, TLS verified), adds the Bearer token, and reads the rate-limit headers.
 *
 * Exactly once: Mastodon's create is idempotent (Idempotency-Key = the row's key); for the
 * others a row that was attempted before first looks among the account's recent posts for
 * the one it may have made already (adapter->recent) and counts it as posted.
 *
 * A refused token (SN_AUTH) stops the channel until a restart, staff are told once; mail
 * and chat go on, the rows stay pending.  429: due again when the rate limit resets.
 * Also the generic payload of the "social" rows and the credentials check of
 * "mentorbot social test".
 */
#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "curlx.h"
#include "logkv.h"
#include "sender.h"
#include "social.h"
#include "social_net.h"
#include "social_text.h"
#include "state/social.h"
#include "state/state.h"
#include "util.h"

#define SN_SEND_POLL_MS 2000
#define SN_LIMITS_EVERY (24 * 3600) /* the instance's limits are read again after a day */
#define SN_TIMEOUT 60L
#define SN_MAX_BODY (4L * 1024 * 1024)
#define SN_MAX_WAIT (24L * 3600) /* a rate-limit reset further ahead is not believed */

/* One HTTP client: a curl handle and what the last answer's headers said. */
struct sn_http {
	CURL *h;
	char errbuf[CURL_ERROR_SIZE];
	const char *token;
	long retry_in; /* from the rate-limit headers: seconds, or -1 */
	char *restli_id;
};

struct snet {
	const struct transport_ops *ops;
	const struct social_net *ad;
	struct transport_ctx ctx;
	struct sn_http http; /* the sender thread's */
	char *base, *token, *id, *version;
	long max_chars;
	int64_t limits_at; /* when the limits were read (0: not yet) */
	int told_ok;       /* the refusal note was cleared since the start */
	pthread_t thread;
	int started;
	struct sender snd;
	atomic_int dead;
	atomic_int connected;
};

/* ---- HTTP ---- */

long
sn_reset_seconds(const char *name, const char *v, time_t now)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)v[0]) && strchr(v, '-') && strchr(v, 'T')) {
		/* an ISO 8601 time (Mastodon's X-RateLimit-Reset) */
		struct tm tm = {0};
		if (sscanf(v, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec) != 6)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		time_t t = timegm(&tm);
		return t == (time_t)-1 ? -1 : (long)(t - now);
	}
	char *end;
	long long n = strtoll(v, &end, 10);
	if (end == v || n < 0) {
		time_t t = curl_getdate(v, NULL); /* Retry-After as an HTTP date */
		return t < 0 ? -1 : (long)(t - now);
	}
	/* x-rate-limit-reset (X) is epoch seconds; a big number is an epoch time, a small one a delta */
	if (strcasecmp(name, "x-rate-limit-reset") == 0 || n > 1000000000LL)
		return (long)(n - (long long)now);
	return (long)n;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct sn_http *c = arg;
	size_t len = size * n;
	static const char *const names[] = {"retry-after", "ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset",
					    "x-restli-id"};
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		size_t nl = strlen(names[i]);
		if ((size_t)(colon - data) != nl || strncasecmp(data, names[i], nl) != 0)
			continue;
		char *v = xasprintf("%.*s", (int)(len - nl - 1), colon + 1);
		v[strcspn(v, "\r\n")] = '\0';
		if (i == 4) {
			free(c->restli_id);
			char *s = v;
			while (*s == ' ')
				s++;
			c->restli_id = xstrdup(s);
		} else {
			long s = sn_reset_seconds(names[i], v, time(NULL));
			if (s >= 0 && (c->retry_in < 0 || s > c->retry_in))
				c->retry_in = s;
		}
		free(v);
	}
	return len;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > SN_MAX_BODY)
		return 0;
	buf_add(b, data, size * n);
	return size * n;
}

/* Make the request: 0 with resp filled (body in *b), or -1 (no answer; *why says why). */
static int
http_do(struct sn_http *c, const struct sn_req *rq, struct sn_resp *resp, struct buf *b, const char **why)
{
	struct curl_slist *hl = NULL;
	char *auth = xasprintf("Authorization: Bearer %s", c->token ? c->token : "");
	hl = curl_slist_append(hl, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	hl = curl_slist_append(hl, "Accept: application/json");
	hl = curl_slist_append(hl, "Expect:");
	char *ct = NULL;
	if (rq->body) {
		ct = xasprintf("Content-Type: %s", rq->content_type ? rq->content_type : "application/json");
		hl = curl_slist_append(hl, ct);
	}
	for (size_t i = 0; i < SN_MAX_HEADERS && rq->headers[i]; i++)
		hl = curl_slist_append(hl, rq->headers[i]);
	curl_easy_reset(c->h);
	curlx_http_defaults(c->h, c->errbuf);
	c->errbuf[0] = '\0';
	c->retry_in = -1;
	free(c->restli_id);
	c->restli_id = NULL;
	curl_easy_setopt(c->h, CURLOPT_URL, rq->url);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, SN_TIMEOUT);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, b);
	if (strcmp(rq->method, "GET") != 0)
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
	} else if (strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	CURLcode rc = curl_easy_perform(c->h);
	curl_slist_free_all(hl);
	free(ct);
	buf_addc(b, '\0');
	b->len--;
	if (rc != CURLE_OK) {
		*why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
		return -1;
	}
	memset(resp, 0, sizeof *resp);
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = b->p;
	resp->len = b->len;
	resp->restli_id = c->restli_id;
	return 0;
}

/* One step: build with the adapter (done by the caller into rq), make it, read it.
 * Returns the outcome; -1 when there was no answer (network), with *status 0. */
static int
step(struct sn_http *c, const struct social_net *ad, const struct sn_account *a, const char *name,
     const struct sn_post_in *p, struct sn_req *rq, struct sn_result *out, long *status)
{
	struct buf b = BUF_INIT;
	struct sn_resp resp;
	const char *why = NULL;
	*status = 0;
	int rc = http_do(c, rq, &resp, &b, &why);
	if (rc < 0) {
		log_warn("event=request_failed transport=%s step=%s error=%s", a->name, name, LOG_KV(why));
		out->err = xstrdup(why ? why : "network");
	} else {
		*status = resp.status;
		rc = (int)ad->read(a, name, p, &resp, out);
	}
	buf_free(&b);
	sn_req_free(rq);
	return rc;
}

/* ---- the rows' payload ---- */

struct post_json {
	json_t *j;
	struct sn_post_in p;
	const char *tags[SOCIAL_MAX_TAGS + 8];
	const char *op;
};

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
post_parse(const char *payload, struct post_json *pj)
{
	memset(pj, 0, sizeof *pj);
	pj->j = payload ? json_loads(payload, 0, NULL) : NULL;
	if (!json_is_object(pj->j))
		return -1;
	pj->p = (struct sn_post_in){.key = jstr(pj->j, "key"),
				    .lang = jstr(pj->j, "lang"),
				    .body = jstr(pj->j, "body"),
				    .link = jstr(pj->j, "link"),
				    .card_title = jstr(pj->j, "card_title"),
				    .card_text = jstr(pj->j, "card_text"),
				    .changes = jstr(pj->j, "changes"),
				    .tags = pj->tags};
	pj->op = jstr(pj->j, "op");
	json_t *t = json_object_get(pj->j, "tags"), *v;
	size_t i;
	json_array_foreach(t, i, v)
	{
		if (json_is_string(v) && pj->p.ntags < ARRAY_LEN(pj->tags))
			pj->tags[pj->p.ntags++] = json_string_value(v);
	}
	if (!pj->p.lang)
		pj->p.lang = "de";
	if (pj->op && strcmp(pj->op, "delete") == 0)
		return pj->p.key ? 0 : -1; /* a delete needs no text */
	return pj->p.key && pj->p.body ? 0 : -1;
}

char *
social_net_payload(const char *channel, const struct config *cfg, const char *rkey, const struct social_item *it)
{
	const struct social_account_cfg *a = config_social_account(cfg, channel);
	json_t *tags = json_array();
	for (size_t i = 0; a && i < a->hashtags.n; i++)
		json_array_append_new(tags, json_string(a->hashtags.v[i]));
	for (size_t i = 0; i < it->ntags; i++)
		json_array_append_new(tags, json_string(it->tags[i]));
	json_t *p =
		json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:o}", "key", rkey, "lang",
			  it->lang && *it->lang ? it->lang : "de", "body", it->body ? it->body : "", "link", it->link,
			  "card_title", it->card_title ? it->card_title : "", "card_text", it->card_text, "tags", tags);
	char *out = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	return out;
}

#define PAYLOAD_FN(net)                                                                                                \
	char *net##_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t us)      \
	{                                                                                                              \
		(void)us;                                                                                              \
		return social_net_payload(#net, cfg, rkey, it);                                                        \
	}
PAYLOAD_FN(mastodon)
PAYLOAD_FN(linkedin)
PAYLOAD_FN(facebook)
PAYLOAD_FN(x)

/* ---- sending ---- */

static int
sn_stopping(void *handle)
{
	struct snet *n = handle;
	return *n->ctx.stop || atomic_load(&n->dead);
}

static struct sn_account
account(struct snet *n)
{
	const struct config *cfg = n->snd.cfg;
	const struct social_account_cfg *a = config_social_account(cfg, n->ad->name);
	return (struct sn_account){.name = n->ad->name,
				   .base = n->base,
				   .id = n->id,
				   .max_chars = n->max_chars,
				   .version = n->version,
				   .visibility = a && a->visibility ? a->visibility : NULL};
}

/* The token was refused: one line, the channel stops, staff are told once. */
static void
sn_die(struct snet *n, long status, const char *err)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&n->dead, &expected, 1)) {
		log_err("event=credentials_refused transport=%s status=%ld error=%s action=stop_until_restart",
			n->ad->name, status, LOG_KV(err));
		if (social_refused_note(n->snd.db, n->ad->name, 1) != DB_OK)
			log_warn("event=staff_not_told transport=%s reason=database", n->ad->name);
		sender_kick(&n->snd);
	}
}

/* The answer was usable (the token works): clear an old refusal note once. */
static void
sn_alive(struct snet *n)
{
	atomic_store(&n->connected, 1);
	if (!n->told_ok) {
		n->told_ok = 1;
		social_refused_note(n->snd.db, n->ad->name, 0);
	}
}

/* What an outcome other than SN_OK means for the row (res filled).  status 0: no answer. */
static void
not_ok(struct snet *n, const struct outbox_item *it, int oc, long status, const char *err, struct send_res *res)
{
	if (oc < 0) {
		atomic_store(&n->connected, 0);
		res->rc = SEND_DOWN;
		snprintf(res->err, sizeof res->err, "%s unreachable", n->ad->name);
	} else if (oc == SN_AUTH) {
		sn_die(n, status, err);
		res->rc = SEND_STOP;
		snprintf(res->err, sizeof res->err, "token refused");
	} else if (oc == SN_RETRY) {
		res->rc = SEND_RETRY;
		long wait = n->http.retry_in > SN_MAX_WAIT ? SN_MAX_WAIT : n->http.retry_in;
		res->retry_in = status == 429 && wait >= 0 ? (int)(wait + 1) : -1;
		res->pause = status >= 500;
		snprintf(res->err, sizeof res->err, "HTTP %ld%s", status, status == 429 ? " rate limited" : "");
		log_info("event=send_later transport=%s outbox=%lld status=%ld retry_in=%d", n->ad->name,
			 (long long)it->id, status, res->retry_in);
	} else {
		res->rc = SEND_FAIL;
		if (status)
			snprintf(res->err, sizeof res->err, "HTTP %ld %s", status, err ? err : "refused");
		else
			snprintf(res->err, sizeof res->err, "%s", err ? err : "refused");
		if (strcmp(it->kind, "social") == 0)
			state_social_failed(n->snd.db, it->id, res->err);
		log_warn("event=send_refused transport=%s outbox=%lld status=%ld error=%s", n->ad->name,
			 (long long)it->id, status, LOG_KV(err));
	}
}

/* Read the limits (Mastodon: the instance's max_characters) before the first post and daily. */
static void
refresh_limits(struct snet *n)
{
	int64_t now = (int64_t)time(NULL);
	if (!n->ad->limits || (n->limits_at && now - n->limits_at < SN_LIMITS_EVERY))
		return;
	struct sn_account a = account(n);
	struct sn_req rq = {0};
	struct sn_result out = {0};
	long st;
	if (n->ad->limits(&a, &rq) == 0 && step(&n->http, n->ad, &a, "limits", NULL, &rq, &out, &st) == SN_OK &&
	    out.max_chars > 0) {
		n->max_chars = out.max_chars;
		n->limits_at = now;
		log_info("event=limits transport=%s max_chars=%ld", n->ad->name, n->max_chars);
	}
	sn_result_free(&out);
}

/* The key of the marker a post on a network without idempotency carries while it is being
 * sent: set (committed) before the request, removed when the post is recorded.  A row found
 * with its marker (the daemon died in between) or attempted before is looked up among the
 * account's recent posts before it is posted again. */
static char *
sending_key(const struct outbox_item *it)
{
	return xasprintf("social.sending:%lld", (long long)it->id);
}

/* The post is made: record it. */
static void
posted(struct snet *n, const struct outbox_item *it, const struct sn_result *out, int again, struct send_res *res)
{
	sn_alive(n);
	if (state_social_posted(n->snd.db, it->id, out->id, NULL, out->url) != DB_OK)
		log_warn("event=social_not_recorded transport=%s outbox=%lld", n->ad->name, (long long)it->id);
	if (n->ad->recent) {
		char *k = sending_key(it);
		state_kv_del(n->snd.db, k);
		free(k);
	}
	log_info("event=posted transport=%s outbox=%lld post=%s found_again=%d", n->ad->name, (long long)it->id,
		 LOG_KV(out->id), again);
	res->rc = SEND_OK;
}

/* A network without idempotency: was this row perhaps posted before (marker or attempts)?
 * Then look: 1 found and recorded, 0 not there (the marker is set for the new try), -1 res
 * filled (no answer, or the marker could not be written: not posted blind). */
static int
look_first(struct snet *n, const struct outbox_item *it, const struct post_json *pj, struct send_res *res)
{
	char *k = sending_key(it), *v = NULL;
	int marked = state_kv_get(n->snd.db, k, &v) == DB_OK && v;
	free(v);
	int r = 0;
	if (marked || it->attempts > 0) {
		struct sn_account a = account(n);
		struct sn_req rq = {0};
		struct sn_result out = {0};
		long st = 0;
		int oc = n->ad->recent(&a, &rq) == 0 ? step(&n->http, n->ad, &a, "recent", &pj->p, &rq, &out, &st)
						     : SN_GONE;
		if (oc == SN_OK && out.id) {
			posted(n, it, &out, 1, res);
			r = 1;
		} else if (oc != SN_GONE) {
			not_ok(n, it, oc, st, out.err, res);
			r = -1;
		}
		sn_result_free(&out);
	}
	if (r == 0 && !marked && state_kv_set(n->snd.db, k, "1") != DB_OK) {
		res->rc = SEND_RETRY;
		res->retry_in = -1;
		snprintf(res->err, sizeof res->err, "database");
		r = -1;
	}
	free(k);
	return r;
}

static void
send_post(struct snet *n, const struct outbox_item *it, const struct post_json *pj, struct send_res *res)
{
	refresh_limits(n);
	if (n->ad->recent && look_first(n, it, pj, res) != 0)
		return;
	struct sn_account a = account(n);
	struct sn_req rq = {0};
	struct sn_result out = {0};
	long st = 0;
	if (n->ad->create(&a, &pj->p, &rq) < 0) {
		not_ok(n, it, SN_FAIL, 0, "text does not fit", res);
		return;
	}
	int oc = step(&n->http, n->ad, &a, "create", &pj->p, &rq, &out, &st);
	if (oc == SN_OK && out.id) {
		test_crash_point("social posted, not yet recorded"); /* tests: the exactly-once window */
		posted(n, it, &out, 0, res);
	} else {
		not_ok(n, it, oc == SN_OK || oc == SN_GONE ? SN_FAIL : oc, st, out.err ? out.err : "no post id", res);
	}
	sn_result_free(&out);
}

/* Close the change row: done (with a reply's id and url), skipped or failed. */
static void
change_done(struct snet *n, const struct outbox_item *it, const char *status, const struct sn_result *out,
	    const char *err)
{
	if (state_social_change_done(n->snd.db, it->id, status, out ? out->id : NULL, out ? out->url : NULL, err) !=
	    DB_OK)
		log_warn("event=social_not_recorded transport=%s outbox=%lld", n->ad->name, (long long)it->id);
}

/* A change of a post made before: edit, reply or delete (the row: state/social.h). */
static void
send_change(struct snet *n, const struct outbox_item *it, const struct post_json *pj, struct send_res *res)
{
	struct social_change c = {0};
	struct social_post p = {0};
	int rc = state_social_change_by_outbox(n->snd.db, it->id, &c, &p);
	if (rc == DB_NOTFOUND) {
		res->rc = SEND_FAIL; /* a row without its change: nothing it could follow */
		snprintf(res->err, sizeof res->err, "bad change row");
		return;
	}
	if (rc != DB_OK) {
		res->rc = SEND_RETRY;
		res->retry_in = -1;
		snprintf(res->err, sizeof res->err, "post not found (database)");
		return;
	}
	if (strcmp(p.status, "queued") == 0) {
		res->rc = SEND_RETRY; /* the post itself goes first */
		res->retry_in = 30;
		snprintf(res->err, sizeof res->err, "post still queued");
	} else if (!p.uri || strcmp(p.status, "posted") != 0) {
		res->rc = SEND_OK; /* never made, or deleted: nothing to change */
		change_done(n, it, "skipped", NULL, NULL);
		log_info("event=change_skipped transport=%s outbox=%lld reason=no_post", n->ad->name,
			 (long long)it->id);
	} else {
		int del = strcmp(c.op, "delete") == 0;
		const char *stepname = del ? "remove" : n->ad->edit ? "edit" : "reply";
		struct sn_account a = account(n);
		struct sn_req rq = {0};
		struct sn_result out = {0};
		long st = 0;
		int b = del           ? n->ad->remove(&a, p.uri, &rq)
			: n->ad->edit ? n->ad->edit(&a, p.uri, &pj->p, &rq)
				      : n->ad->reply(&a, p.uri, &pj->p, &rq);
		int oc = b < 0 ? SN_FAIL : step(&n->http, n->ad, &a, stepname, &pj->p, &rq, &out, &st);
		if (oc == SN_OK || oc == SN_GONE) {
			sn_alive(n);
			res->rc = SEND_OK;
			test_crash_point("social change sent, not yet recorded");
			change_done(n, it, "done", strcmp(stepname, "reply") == 0 ? &out : NULL, NULL);
			log_info("event=changed transport=%s outbox=%lld op=%s gone=%d", n->ad->name, (long long)it->id,
				 stepname, oc == SN_GONE);
		} else {
			not_ok(n, it, oc, st, b < 0 ? "text does not fit" : out.err, res);
			if (res->rc == SEND_FAIL)
				change_done(n, it, "failed", NULL, res->err);
		}
		sn_result_free(&out);
	}
	social_change_clear(&c);
	social_post_clear(&p);
}

/* transport_ops.send */
static void
sn_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct snet *n = handle;
	struct post_json pj;
	if (post_parse(it->payload, &pj) < 0) {
		not_ok(n, it, SN_FAIL, 0, "bad payload", res);
		if (strcmp(it->kind, "social_change") == 0)
			change_done(n, it, "failed", NULL, "bad payload");
	} else if (strcmp(it->kind, "social_change") == 0) {
		send_change(n, it, &pj, res);
	} else {
		send_post(n, it, &pj, res);
	}
	json_decref(pj.j);
}

/* ---- the transport ---- */

static void *
sn_main(void *arg)
{
	struct snet *n = arg;
	if (db_open(&n->snd.db, n->ctx.db_path) < 0) {
		log_err("event=start_failed transport=%s part=sender reason=database", n->ad->name);
		return NULL;
	}
	sender_run(&n->snd);
	db_close(n->snd.db);
	n->snd.db = NULL;
	return NULL;
}

static void
sn_free(struct snet *n)
{
	sender_destroy(&n->snd);
	if (n->http.h)
		curl_easy_cleanup(n->http.h);
	free(n->http.restli_id);
	free(n->base);
	if (n->token) {
		explicit_bzero(n->token, strlen(n->token));
		free(n->token);
	}
	free(n->id);
	free(n->version);
	free(n);
}

static int
sn_start(const struct transport_ops *ops, void **out, const struct transport_ctx *ctx)
{
	*out = NULL;
	const struct social_net *ad = social_net(ops->name);
	const struct social_account_cfg *a = config_social_account(ctx->cfg, ops->name);
	if (!ad || !a) {
		log_err("event=start_failed transport=%s reason=not_built_in", ops->name);
		return -1;
	}
	if (curlx_global() != CURLE_OK)
		return -1;
	struct snet *n = xcalloc(1, sizeof *n);
	n->ops = ops;
	n->ad = ad;
	n->ctx = *ctx;
	n->http.h = curl_easy_init();
	n->base = xstrdup(a->url ? a->url : ad->default_base ? ad->default_base : "");
	n->token = xstrdup(a->token ? a->token : "");
	n->http.token = n->token;
	n->id = a->id ? xstrdup(a->id) : NULL;
	n->version = a->version ? xstrdup(a->version) : NULL;
	n->snd = (struct sender){.ops = ops,
				 .handle = n,
				 .cfg = ctx->cfg,
				 .stop = ctx->stop,
				 .batch = 8,
				 .poll_ms = SN_SEND_POLL_MS,
				 .unit = "posts",
				 .server = ops->what,
				 .stopping = sn_stopping};
	if (!n->http.h || sender_init(&n->snd) < 0) {
		sn_free(n);
		return -1;
	}
	*out = n;
	if (pthread_create(&n->thread, NULL, sn_main, n) != 0) {
		log_err("event=start_failed transport=%s part=thread", ops->name);
		*out = NULL;
		sn_free(n);
		return -1;
	}
	n->started = 1;
	return 0;
}

static void
sn_notify(void *handle)
{
	if (handle)
		sender_kick(&((struct snet *)handle)->snd);
}

static void
sn_stop(void *handle)
{
	struct snet *n = handle;
	if (!n)
		return;
	sender_kick(&n->snd);
	if (n->started)
		pthread_join(n->thread, NULL);
	sn_free(n);
}

static void
sn_status(void *handle, struct transport_status *st)
{
	struct snet *n = handle;
	st->connected = atomic_load(&n->dead) ? 0 : atomic_load(&n->connected);
	sender_status(&n->snd, st);
}

static void
sn_reconfigure(void *handle, const struct config *cfg)
{
	((struct snet *)handle)->snd.cfg = cfg;
}

/* Optional, like Bluesky: a network that is down or refuses the token must not stop mail and chat. */
#define SN_OPS(net, label)                                                                                             \
	static int net##_configured(const struct config *cfg)                                                          \
	{                                                                                                              \
		return cfg->net.present && social_net(#net) != NULL;                                                   \
	}                                                                                                              \
	static int net##_start(void **out, const struct transport_ctx *ctx)                                            \
	{                                                                                                              \
		return sn_start(&net##_transport_ops, out, ctx);                                                       \
	}                                                                                                              \
	const struct transport_ops net##_transport_ops = {                                                             \
		.name = #net,                                                                                          \
		.what = label,                                                                                         \
		.optional = 1,                                                                                         \
		.configured = net##_configured,                                                                        \
		.start = net##_start,                                                                                  \
		.notify = sn_notify,                                                                                   \
		.stop = sn_stop,                                                                                       \
		.send = sn_send,                                                                                       \
		.status = sn_status,                                                                                   \
		.reconfigure = sn_reconfigure,                                                                         \
	};
SN_OPS(mastodon, "Mastodon transport")
SN_OPS(linkedin, "LinkedIn transport")
SN_OPS(facebook, "Facebook transport")
SN_OPS(x, "X transport")

/* ---- mentorbot social test ---- */

int
social_net_verify(const struct config *cfg, const char *name, char **who, char **err)
{
	*who = NULL;
	*err = NULL;
	const struct social_net *ad = social_net(name);
	const struct social_account_cfg *c = config_social_account(cfg, name);
	if (!ad || !c) {
		*err = xstrdup("not built in");
		return -1;
	}
	if (curlx_global() != CURLE_OK) {
		*err = xstrdup("curl");
		return -1;
	}
	struct sn_http h = {.h = curl_easy_init(), .token = c->token};
	struct sn_account a = {.name = name,
			       .base = c->url ? c->url : ad->default_base,
			       .id = c->id,
			       .version = c->version,
			       .visibility = c->visibility};
	struct sn_req rq = {0};
	struct sn_result out = {0};
	long st = 0;
	int oc = !h.h ? -1 : ad->verify(&a, &rq) < 0 ? SN_FAIL : step(&h, ad, &a, "verify", NULL, &rq, &out, &st);
	if (oc == SN_OK) {
		*who = out.account ? xstrdup(out.account) : NULL;
	} else {
		*err = st ? xasprintf("HTTP %ld%s%s", st, out.err ? " " : "", out.err ? out.err : "")
			  : xstrdup(out.err ? out.err : "unreachable");
	}
	sn_result_free(&out);
	free(h.restli_id);
	if (h.h)
		curl_easy_cleanup(h.h);
	return oc == SN_OK ? 0 : -1;
}
