/*
 * bluesky.c - the Bluesky transport: one sender thread runs the shared outbox sender
 * (sender.h) over the "bluesky" rows, each a social post {"rkey", "record"} (bot/social.c).
 *
 * Exactly once: each post is created with com.atproto.repo.createRecord and the record key
 * fixed when it was queued.  A retry after a crash between the PDS taking the post and the
 * outbox row being marked sent asks for the same key again; the PDS refuses a second record
 * under it (the reference PDS with a 500 InternalServerError, so any refusal is checked),
 * and the bot then reads the record back (getRecord) and counts it as posted.
 *
 * The session: createSession with the handle and app password at the first post, refreshed
 * (refreshSession) when the access token expired, a new login when the token is refused.  A
 * login the PDS refuses (401: wrong or revoked password) stops this transport until a
 * restart, with one log line; mail and chat go on, the rows stay pending.  429: the row is
 * due again when the rate limit resets.  Network trouble and 5xx: the sender backs off.
 */
#include "bluesky.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bluesky_int.h"
#include "config.h"
#include "logkv.h"
#include "sender.h"
#include "social.h"
#include "state/social.h"
#include "state/state.h"
#include "util.h"

#define BS_SEND_POLL_MS 2000 /* rows queued by handlers are seen within 2 s */
#define BS_COLLECTION "app.bsky.feed.post"

struct bluesky {
	struct transport_ctx ctx;
	struct bs_client c; /* the sender thread's */
	pthread_t thread;
	int started;
	struct sender snd;
	atomic_int dead;      /* the login was refused: this channel is over until a restart */
	atomic_int connected; /* the last request reached the PDS */
};

static int
bs_stopping(void *handle)
{
	struct bluesky *b = handle;
	return *b->ctx.stop || atomic_load(&b->dead);
}

/* The login was refused: one line, the channel stops; the rows stay pending. */
static void
bs_die(struct bluesky *b, long status, const char *err)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&b->dead, &expected, 1)) {
		log_err("event=credentials_refused transport=bluesky status=%ld handle=%s error=%s "
			"action=stop_until_restart",
			status, LOG_KV(b->c.handle), LOG_KV(err));
		if (social_refused_note(b->snd.db, "bluesky", 1) != DB_OK)
			log_warn("event=staff_not_told transport=bluesky reason=database");
		sender_kick(&b->snd);
	}
}

/* A session: BS_OK, BS_NET (try later), BS_STOPPED (refused or stopping). */
static int
ensure_session(struct bluesky *b)
{
	if (atomic_load(&b->dead))
		return BS_STOPPED; /* refused once: no second login until a restart */
	if (b->c.access)
		return BS_OK;
	long st;
	char *err;
	int rc = bs_login(&b->c, &st, &err);
	if (rc == BS_HTTP && (st == 401 || st == 400 || st == 403)) {
		bs_die(b, st, err);
		rc = BS_STOPPED;
	} else if (rc == BS_HTTP) {
		log_warn("event=login_failed transport=bluesky status=%ld error=%s", st, LOG_KV(err));
		rc = BS_NET;
	} else if (rc == BS_OK) {
		log_info("event=logged_in transport=bluesky handle=%s did=%s", LOG_KV(b->c.handle), LOG_KV(b->c.did));
		social_refused_note(b->snd.db, "bluesky", 0);
	}
	free(err);
	return rc;
}

/* The access token expired or was refused: refresh, else log in again.  BS_OK or not. */
static int
renew_session(struct bluesky *b, const char *why)
{
	log_info("event=session_renew transport=bluesky reason=%s", LOG_KV(why));
	if (strcmp(why, "ExpiredToken") == 0 && bs_refresh(&b->c) == BS_OK)
		return BS_OK;
	if (b->c.access) {
		explicit_bzero(b->c.access, strlen(b->c.access));
		free(b->c.access);
		b->c.access = NULL;
	}
	return ensure_session(b);
}

/* Read the record under rkey back: 1 with *uri and *cid set (caller frees), 0 not there, -1 unknown. */
static int
get_record(struct bluesky *b, const char *rkey, char **uri, char **cid)
{
	char *d = bs_escape(&b->c, b->c.did), *k = bs_escape(&b->c, rkey);
	char *q = xasprintf("repo=%s&collection=%s&rkey=%s", d, BS_COLLECTION, k);
	json_t *out;
	long st;
	int rc = bs_call(&b->c, "GET", "com.atproto.repo.getRecord", q, NULL, "access", &out, &st), r = -1;
	if (rc == BS_OK && json_string_value(json_object_get(out, "uri"))) {
		*uri = xstrdup(json_string_value(json_object_get(out, "uri")));
		*cid = xstrdup(json_string_value(json_object_get(out, "cid")));
		r = 1;
	} else if (rc == BS_HTTP && (st == 400 || st == 404) && strcmp(bs_errname(out), "RecordNotFound") == 0) {
		r = 0;
	}
	json_decref(out);
	free(q);
	free(k);
	free(d);
	return r;
}

/* The post is on the PDS: record its address and web URL. */
static void
posted(struct bluesky *b, const struct outbox_item *it, const char *rkey, const char *uri, const char *cid, int again)
{
	char *url = xasprintf("https://bsky.app/profile/%s/post/%s", b->c.handle, rkey);
	atomic_store(&b->connected, 1);
	if (state_social_posted(b->snd.db, it->id, uri, cid, url) != DB_OK)
		log_warn("event=social_not_recorded transport=bluesky outbox=%lld", (long long)it->id);
	log_info("event=posted transport=bluesky outbox=%lld rkey=%s found_again=%d", (long long)it->id, rkey, again);
	free(url);
}

static void
fail_row(struct bluesky *b, const struct outbox_item *it, struct send_res *res, const char *why)
{
	res->rc = SEND_FAIL;
	snprintf(res->err, sizeof res->err, "%s", why);
	state_social_failed(b->snd.db, it->id, why);
	log_warn("event=send_refused transport=bluesky outbox=%lld error=%s", (long long)it->id, LOG_KV(why));
}

/* One POST of an XRPC procedure with a session, renewed once when the token is refused.
 * BS_OK with *out; BS_HTTP with *out and *st for the caller to judge; anything else: res is
 * filled (the PDS unreachable, the login refused, rate limited). */
static int
session_post(struct bluesky *b, const char *method, json_t *body, json_t **out, long *st, struct send_res *res)
{
	*out = NULL;
	for (int round = 0; round < 2; round++) {
		int s = ensure_session(b);
		if (s != BS_OK) {
			res->rc = s == BS_NET ? SEND_DOWN : SEND_STOP;
			snprintf(res->err, sizeof res->err, "%s",
				 atomic_load(&b->dead) ? "login refused (handle or app password)" : "PDS unreachable");
			return s;
		}
		int rc = bs_call(&b->c, "POST", method, NULL, body, "access", out, st);
		const char *en = bs_errname(*out);
		if (rc == BS_OK) {
			atomic_store(&b->connected, 1);
			return BS_OK;
		}
		if (rc == BS_STOPPED) {
			res->rc = SEND_STOP;
		} else if (rc == BS_NET) {
			atomic_store(&b->connected, 0);
			res->rc = SEND_DOWN;
			snprintf(res->err, sizeof res->err, "PDS unreachable");
		} else if (*st == 429) {
			res->rc = SEND_RETRY;
			res->retry_in = b->c.retry_after > 0 ? (int)b->c.retry_after : -1;
			snprintf(res->err, sizeof res->err, "rate limited");
		} else if (round == 0 &&
			   (*st == 401 || strcmp(en, "ExpiredToken") == 0 || strcmp(en, "InvalidToken") == 0)) {
			renew_session(b, en);
			json_decref(*out);
			*out = NULL;
			continue;
		} else {
			return BS_HTTP;
		}
		json_decref(*out);
		*out = NULL;
		return rc == BS_HTTP ? BS_NET : rc;
	}
	return BS_NET;
}

/* The change is over (done, skipped or failed): recorded on its row. */
static void
change_over(struct bluesky *b, const struct outbox_item *it, struct send_res *res, const char *status, const char *uri,
	    const char *url, const char *err)
{
	if (state_social_change_done(b->snd.db, it->id, status, uri, url, err) != DB_OK)
		log_warn("event=social_not_recorded transport=bluesky outbox=%lld", (long long)it->id);
	res->rc = strcmp(status, "failed") == 0 ? SEND_FAIL : SEND_OK;
	if (err)
		snprintf(res->err, sizeof res->err, "%s", err);
	log_info("event=social_change transport=bluesky outbox=%lld status=%s", (long long)it->id, status);
}

/* A delete: deleteRecord of the post (the PDS answers a delete of a record not there with success). */
static void
change_delete(struct bluesky *b, const struct outbox_item *it, const struct social_post *p, struct send_res *res)
{
	if (ensure_session(b) != BS_OK) {
		res->rc = atomic_load(&b->dead) ? SEND_STOP : SEND_DOWN;
		snprintf(res->err, sizeof res->err, "PDS unreachable");
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "repo", b->c.did, "collection", BS_COLLECTION, "rkey", p->rkey);
	json_t *out;
	long st = 0;
	int rc = session_post(b, "com.atproto.repo.deleteRecord", body, &out, &st, res);
	json_decref(body);
	if (rc == BS_OK) {
		test_crash_point("bluesky change sent, not yet recorded");
		change_over(b, it, res, "done", NULL, NULL, NULL);
	} else if (rc == BS_HTTP) {
		char *why = xasprintf("HTTP %ld %s", st, bs_errname(out));
		if (st >= 500) {
			res->rc = SEND_DOWN;
			snprintf(res->err, sizeof res->err, "%s", why);
		} else {
			change_over(b, it, res, "failed", NULL, NULL, why);
		}
		free(why);
	}
	if (rc == BS_OK || rc == BS_HTTP)
		json_decref(out);
}

/* An edit: a reply under the post with what changed, under the key fixed when it was queued. */
static void
change_reply(struct bluesky *b, const struct outbox_item *it, const struct social_change *c,
	     const struct social_post *p, json_t *rec, struct send_res *res)
{
	if (ensure_session(b) != BS_OK) {
		res->rc = atomic_load(&b->dead) ? SEND_STOP : SEND_DOWN;
		snprintf(res->err, sizeof res->err, "PDS unreachable");
		return;
	}
	json_t *ref = json_pack("{s:s, s:s}", "uri", p->uri, "cid", p->cid ? p->cid : "");
	json_object_set_new(rec, "reply", json_pack("{s:O, s:O}", "root", ref, "parent", ref));
	json_decref(ref);
	json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "repo", b->c.did, "collection", BS_COLLECTION, "rkey", c->rkey,
				 "record", rec);
	json_t *out;
	long st = 0;
	int rc = session_post(b, "com.atproto.repo.createRecord", body, &out, &st, res);
	json_decref(body);
	char *uri = NULL, *cid = NULL;
	if (rc == BS_OK) {
		test_crash_point("bluesky change sent, not yet recorded");
		char *url = xasprintf("https://bsky.app/profile/%s/post/%s", b->c.handle, c->rkey);
		change_over(b, it, res, "done", json_string_value(json_object_get(out, "uri")), url, NULL);
		free(url);
	} else if (rc == BS_HTTP) {
		/* refused: perhaps the reply is there already (a retry after a crash) */
		char *why = xasprintf("HTTP %ld %s", st, bs_errname(out));
		int g = get_record(b, c->rkey, &uri, &cid);
		if (g == 1) {
			char *url = xasprintf("https://bsky.app/profile/%s/post/%s", b->c.handle, c->rkey);
			change_over(b, it, res, "done", uri, url, NULL);
			free(url);
		} else if (st >= 500 || g < 0) {
			res->rc = st >= 500 ? SEND_DOWN : SEND_RETRY;
			res->retry_in = -1;
			snprintf(res->err, sizeof res->err, "%s", why);
		} else {
			change_over(b, it, res, "failed", NULL, NULL, why);
		}
		free(why);
	}
	if (rc == BS_OK || rc == BS_HTTP)
		json_decref(out);
	free(uri);
	free(cid);
}

/* A "social_change" row: waits while its post is queued; nothing to do when the post failed
 * or is gone; else the reply or the delete. */
static void
bluesky_change(struct bluesky *b, const struct outbox_item *it, struct send_res *res)
{
	struct social_change c = {0};
	struct social_post p = {0};
	json_t *pl = it->payload ? json_loads(it->payload, 0, NULL) : NULL;
	const char *op = json_string_value(json_object_get(pl, "op"));
	json_t *rec = json_object_get(pl, "record");
	int rc = state_social_change_by_outbox(b->snd.db, it->id, &c, &p);
	if (rc != DB_OK || !op) {
		res->rc = rc == DB_NOTFOUND || !op ? SEND_FAIL : SEND_RETRY;
		res->retry_in = -1;
		snprintf(res->err, sizeof res->err, "%s",
			 rc == DB_OK || rc == DB_NOTFOUND ? "bad change row" : "database");
	} else if (strcmp(p.status, "queued") == 0) {
		res->rc = SEND_RETRY; /* its post first */
		res->retry_in = 30;
		snprintf(res->err, sizeof res->err, "the post is still queued");
	} else if (strcmp(p.status, "posted") != 0 || !p.uri) {
		change_over(b, it, res, "skipped", NULL, NULL, NULL);
	} else if (strcmp(op, "delete") == 0) {
		change_delete(b, it, &p, res);
	} else if (json_is_object(rec)) {
		change_reply(b, it, &c, &p, rec, res);
	} else {
		change_over(b, it, res, "failed", NULL, NULL, "bad payload");
	}
	social_change_clear(&c);
	social_post_clear(&p);
	json_decref(pl);
}

/* transport_ops.send: one post through createRecord with its fixed rkey, or a change. */
static void
bluesky_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct bluesky *b = handle;
	if (it->kind && strcmp(it->kind, "social_change") == 0) {
		bluesky_change(b, it, res);
		return;
	}
	json_t *p = it->payload ? json_loads(it->payload, 0, NULL) : NULL;
	const char *rkey = json_string_value(json_object_get(p, "rkey"));
	json_t *rec = json_object_get(p, "record");
	if (!rkey || !json_is_object(rec)) {
		fail_row(b, it, res, "bad payload");
		json_decref(p);
		return;
	}
	for (int round = 0; round < 2; round++) {
		int s = ensure_session(b);
		if (s != BS_OK) {
			res->rc = s == BS_NET ? SEND_DOWN : SEND_STOP;
			snprintf(res->err, sizeof res->err, "%s",
				 atomic_load(&b->dead) ? "login refused (handle or app password)" : "PDS unreachable");
			break;
		}
		json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "repo", b->c.did, "collection", BS_COLLECTION, "rkey",
					 rkey, "record", rec);
		json_t *out;
		long st;
		int rc = bs_call(&b->c, "POST", "com.atproto.repo.createRecord", NULL, body, "access", &out, &st);
		json_decref(body);
		const char *en = bs_errname(out);
		if (rc == BS_OK) {
			atomic_store(&b->connected, 1);
			test_crash_point("bluesky posted, not yet recorded"); /* tests: the exactly-once window */
			posted(b, it, rkey, json_string_value(json_object_get(out, "uri")),
			       json_string_value(json_object_get(out, "cid")), 0);
			res->rc = SEND_OK;
		} else if (rc == BS_STOPPED) {
			res->rc = SEND_STOP;
		} else if (rc == BS_NET) {
			atomic_store(&b->connected, 0);
			res->rc = SEND_DOWN;
			snprintf(res->err, sizeof res->err, "PDS unreachable");
		} else if (st == 429) {
			res->rc = SEND_RETRY;
			res->retry_in = b->c.retry_after > 0 ? (int)b->c.retry_after : -1;
			snprintf(res->err, sizeof res->err, "rate limited");
		} else if (round == 0 &&
			   (st == 401 || strcmp(en, "ExpiredToken") == 0 || strcmp(en, "InvalidToken") == 0)) {
			renew_session(b, en); /* a failure: the next round's ensure_session says why */
			json_decref(out);
			continue;
		} else {
			/* refused: perhaps the record is there already (a retry after a crash: the
			 * reference PDS answers a second record under a key with a 500) */
			char *uri = NULL, *cid = NULL, *why = xasprintf("HTTP %ld %s", st, en);
			int g = get_record(b, rkey, &uri, &cid);
			if (g == 1) {
				posted(b, it, rkey, uri, cid, 1);
				res->rc = SEND_OK;
			} else if (st >= 500) {
				res->rc = SEND_DOWN; /* the PDS is unwell: the sender backs off */
				snprintf(res->err, sizeof res->err, "%s", why);
			} else if (g < 0) {
				res->rc = SEND_RETRY;
				res->retry_in = -1;
				snprintf(res->err, sizeof res->err, "%s", why);
			} else {
				fail_row(b, it, res, why);
			}
			free(why);
			free(uri);
			free(cid);
		}
		json_decref(out);
		break;
	}
	json_decref(p);
}

static void *
bluesky_main(void *arg)
{
	struct bluesky *b = arg;
	if (db_open(&b->snd.db, b->ctx.db_path) < 0) {
		log_err("event=start_failed transport=bluesky part=sender reason=database");
		return NULL;
	}
	sender_run(&b->snd);
	db_close(b->snd.db);
	b->snd.db = NULL;
	return NULL;
}

static int
bluesky_configured(const struct config *cfg)
{
	return cfg->bluesky.present;
}

static void
bluesky_free(struct bluesky *b)
{
	sender_destroy(&b->snd);
	bs_free(&b->c);
	free(b);
}

static int
bluesky_start(void **out, const struct transport_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	*out = NULL;
	struct bluesky *b = xcalloc(1, sizeof *b);
	b->ctx = *ctx;
	if (bs_init(&b->c, cfg->bluesky.url, cfg->bluesky.handle, cfg->bluesky.password, ctx->stop) < 0) {
		free(b);
		return -1;
	}
	b->snd = (struct sender){.ops = &bluesky_transport_ops,
				 .handle = b,
				 .cfg = cfg,
				 .stop = ctx->stop,
				 .batch = 8,
				 .poll_ms = BS_SEND_POLL_MS,
				 .unit = "posts",
				 .server = "Bluesky",
				 .stopping = bs_stopping};
	sender_init(&b->snd);
	*out = b;
	if (pthread_create(&b->thread, NULL, bluesky_main, b) != 0) {
		log_err("bluesky: cannot start the sender thread");
		*out = NULL;
		bluesky_free(b);
		return -1;
	}
	b->started = 1;
	return 0;
}

static void
bluesky_notify(void *handle)
{
	if (handle)
		sender_kick(&((struct bluesky *)handle)->snd);
}

static void
bluesky_stop(void *handle)
{
	struct bluesky *b = handle;
	if (!b)
		return;
	sender_kick(&b->snd);
	if (b->started)
		pthread_join(b->thread, NULL);
	bluesky_free(b);
}

static void
bluesky_status(void *handle, struct transport_status *st)
{
	struct bluesky *b = handle;
	st->connected = atomic_load(&b->dead) ? 0 : atomic_load(&b->connected);
	sender_status(&b->snd, st);
}

static void
bluesky_reconfigure(void *handle, const struct config *cfg)
{
	((struct bluesky *)handle)->snd.cfg = cfg;
}

/* Optional: a PDS that is down or refuses the login must not stop mail and chat. */
const struct transport_ops bluesky_transport_ops = {
	.name = "bluesky",
	.what = "Bluesky transport",
	.optional = 1,
	.configured = bluesky_configured,
	.start = bluesky_start,
	.notify = bluesky_notify,
	.stop = bluesky_stop,
	.send = bluesky_send,
	.status = bluesky_status,
	.reconfigure = bluesky_reconfigure,
};
