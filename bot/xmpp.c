/*
 * xmpp.c - the XMPP transport (libstrophe): multi-user chat rooms (XEP-0045)
 * and direct messages.
 *
 * Thread: one "xmpp" thread, started through xmpp_transport_ops (transport.h), owns the
 * libstrophe context and connection and its own SQLite connection.  Other
 * threads touch only the atomic flags (notify, quit) and, on SIGHUP, the
 * list of rooms to be in (want_rooms, under want_lock), which the thread
 * takes at the top of its loop to join and leave.
 *
 * In:  every stanza is filtered here (errors, delayed/history copies, the
 *      bot's own reflections, empty bodies, rooms not yet joined) and handed
 *      to chat_handle(), which journals it durably and dispatches it.  When
 *      that produced outbox rows, they are sent in the same loop iteration.
 * Out: outbox rows of transport "xmpp" are sent as <message/>s with the id
 *      "mb-<row id>" (and the same XEP-0359 origin-id, so a receiver can
 *      recognise a resent copy).  libstrophe forgets its send queue when the
 *      connection drops, so a row is marked sent only when the server has
 *      provably processed it: each batch is followed by an IQ ping
 *      (XEP-0199) and the batch is marked sent when its answer arrives (a
 *      server handles one stream in order).  Unacknowledged rows stay
 *      pending and are sent again after a reconnect or restart; the only
 *      window for a duplicate is between the server taking a message and
 *      our commit of the ping's answer.
 * Keepalive: a ping to the server every 60 s (no answer in 30 s: drop the
 *      connection), a XEP-0410 self-ping to each room every 5 minutes (an
 *      error that says "not joined": join again).  Reconnects back off
 *      exponentially with jitter from 1 s to 5 minutes.
 * Loop: xmpp_run_once() with a short timeout.  libstrophe's select() is not
 *      woken by data already decrypted inside the TLS layer, so after any
 *      activity the loop polls with a zero timeout a few times before it
 *      sleeps again (see style.md, "libstrophe").
 * Files: this one (thread, connection, timers, transport_ops), xmpp_room.c
 *      (rooms, occupants, incoming stanzas), xmpp_send.c (outbox rows out and
 *      their acknowledgements); xmpp_int.h is what they share.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strophe.h>
#include <time.h>

#include "backoff.h"
#include "chat.h"
#include "config.h"
#include "dispatch.h"
#include "logkv.h"
#include "sender.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"
#include "xmpp_int.h"

static void xmpp_transport_join(struct xmpp_transport *x);

/* ---------------------------------------------------------------- helpers */

/* Lower-case copy of s (caller frees). */
static char *
lower_dup(const char *s)
{
	char *r = xstrdup(s ? s : "");
	str_lower_ascii(r);
	return r;
}

/* ------------------------------------------------------------ send helpers */

/* ------------------------------------------------------------------ outbox */

/* --------------------------------------------------------------- handlers */

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error, xmpp_stream_error_t *se, void *ud)
{
	struct xmpp_transport *x = ud;
	x->activity = 1;
	if (status == XMPP_CONN_CONNECT) {
		log_info("event=connected transport=xmpp jid=%s tls=%s", LOG_KV(x->cfg->xmpp.jid),
			 xmpp_conn_is_secured(conn) ? "yes" : "no");
		x->online = 1;
		atomic_store(&x->connected, 1);
		backoff_reset(&x->backoff);
		xmpp_handler_add(conn, on_stanza, NULL, NULL, NULL, x);
		xmpp_stanza_t *pres = xmpp_presence_new(x->ctx);
		send_stanza(conn, x, pres);
		xmpp_stanza_release(pres);
		for (size_t i = 0; i < x->nrooms; i++) {
			x->rooms[i].tries = 0;
			room_join(x, &x->rooms[i]);
		}
		x->keepalive_at = mono_ms() + KEEPALIVE_MS;
		x->keepalive_sent = 0;
		flush_outbox(x); /* direct messages left from before */
		return;
	}
	if (status == XMPP_CONN_RAW_CONNECT)
		return;
	if (x->online)
		log_warn("event=disconnected transport=xmpp error=%d stream_error=%s", error, se ? "yes" : "no");
	else
		log_warn("event=connect_failed transport=xmpp error=%d stream_error=%s", error, se ? "yes" : "no");
	x->online = 0;
	atomic_store(&x->connected, 0);
	x->dead = 1;
}

static void
strophe_log(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
	(void)ud;
	/* warnings and errors only: debug output would show the SASL exchange (the password) */
	if (level >= XMPP_LEVEL_WARN) {
		char m[201];
		snprintf(m, sizeof m, "%s", msg ? msg : "");
		log_warn("event=library transport=xmpp area=%s message=%s", LOG_KV(area), LOG_KV(m));
	}
}

/* ------------------------------------------------------------ connection */

static void
conn_start(struct xmpp_transport *x)
{
	const struct config *cfg = x->cfg;
	x->conn = xmpp_conn_new(x->ctx);
	atomic_fetch_add(&x->connects, 1);
	long flags = XMPP_CONN_FLAG_DISABLE_SM; /* the outbox, not stream management, resends */
	flags |= cfg->xmpp.tls_required ? XMPP_CONN_FLAG_MANDATORY_TLS : XMPP_CONN_FLAG_DISABLE_TLS;
	xmpp_conn_set_flags(x->conn, flags);
	/* a fixed resource: a new session replaces a stale one of a killed process */
	char *jid = strchr(cfg->xmpp.jid, '/') ? xstrdup(cfg->xmpp.jid) : xasprintf("%s/mentorbot", cfg->xmpp.jid);
	xmpp_conn_set_jid(x->conn, jid);
	free(jid);
	xmpp_conn_set_pass(x->conn, cfg->xmpp.password ? cfg->xmpp.password : "");
	if (cfg->xmpp.ca_file)
		xmpp_conn_set_cafile(x->conn, cfg->xmpp.ca_file);
	x->dead = 0;
	x->online = 0;
	atomic_store(&x->connected, 0);
	if (xmpp_connect_client(x->conn, cfg->xmpp.server_host, (unsigned short)cfg->xmpp.server_port, on_conn, x) !=
	    XMPP_EOK) {
		log_warn("event=connect_failed transport=xmpp server=%s reason=cannot_start",
			 LOG_KV(cfg->xmpp.server_host ? cfg->xmpp.server_host : "SRV"));
		x->dead = 1;
	}
}

/* The connection ended: forget what libstrophe dropped, plan the next attempt. */
static void
conn_reap(struct xmpp_transport *x)
{
	xmpp_conn_release(x->conn);
	x->conn = NULL;
	x->online = 0;
	atomic_store(&x->connected, 0);
	x->dead = 0;
	/* unacknowledged rows may have died with the connection: they go out again */
	for (size_t i = 0; i < x->nfl;)
		if (x->fl[i].acked) {
			i++;
		} else {
			if (x->fl[i].written)
				ack_queue(x, &x->fl[i], SEND_RETRY, 0, "connection lost before acknowledgement");
			inflight_remove_at(x, i);
		}
	x->unacked_batch = 0;
	sender_collect(&x->snd);
	for (size_t i = 0; i < x->nrooms; i++) {
		x->rooms[i].joined = 0;
		x->rooms[i].rejoin_at = 0;
		occupants_clear(&x->rooms[i]);
	}
	int64_t wait = backoff_next(&x->backoff);
	log_info("event=retry transport=xmpp retry_in_ms=%lld", (long long)wait);
	x->next_connect = mono_ms() + wait;
}

/* Timers of a live connection: keepalive, self-pings, planned rejoins, outbox poll. */
static void
timers(struct xmpp_transport *x)
{
	int64_t now = mono_ms();
	if (x->keepalive_sent && now - x->keepalive_sent > KEEPALIVE_TIMEOUT_MS) {
		log_warn("event=ping_timeout transport=xmpp seconds=%d action=reconnect", KEEPALIVE_TIMEOUT_MS / 1000);
		x->keepalive_sent = 0;
		xmpp_disconnect(x->conn);
		return;
	}
	if (now >= x->keepalive_at) {
		char id[48];
		snprintf(id, sizeof id, "mbk-%lld", (long long)++x->keepalive_seq);
		send_ping(x, NULL, id);
		if (!x->keepalive_sent)
			x->keepalive_sent = now;
		x->keepalive_at = now + KEEPALIVE_MS;
	}
	for (size_t i = 0; i < x->nrooms; i++) {
		struct room *r = &x->rooms[i];
		if (!r->joined && r->rejoin_at && now >= r->rejoin_at) {
			room_join(x, r);
		} else if (r->joined && now >= r->selfping_at) {
			char id[64], *to = xasprintf("%s/%s", r->jid, r->nick);
			snprintf(id, sizeof id, "mbs-%zu-%lld", i, (long long)++x->selfping_seq);
			send_ping(x, to, id);
			free(to);
			r->selfping_at = now + SELFPING_MS;
		}
	}
	if (now >= x->next_outbox_ms)
		flush_outbox(x);
}

/* Shutdown: wait briefly for outstanding acknowledgements, then close the stream. */
static void
conn_close(struct xmpp_transport *x)
{
	if (!x->conn)
		return;
	if (x->online) {
		batch_close(x);
		int64_t until = mono_ms() + STOP_ACK_WAIT_MS;
		while (x->online && !x->dead && mono_ms() < until) {
			size_t waiting = 0;
			for (size_t i = 0; i < x->nfl; i++)
				waiting += !x->fl[i].acked;
			commit_acked(x);
			if (!waiting)
				break;
			xmpp_run_once(x->ctx, LOOP_MS);
		}
		commit_acked(x);
		xmpp_disconnect(x->conn);
	}
	int64_t until = mono_ms() + 3000;
	while (!x->dead && mono_ms() < until)
		xmpp_run_once(x->ctx, LOOP_MS);
	commit_acked(x);
	xmpp_conn_release(x->conn);
	x->conn = NULL;
}

/* SIGHUP handed a new list of rooms: take it and be in exactly those. */
static void
take_rooms(struct xmpp_transport *x)
{
	pthread_mutex_lock(&x->want_lock);
	char **want = x->want_rooms;
	size_t n = x->nwant_rooms;
	x->want_rooms = NULL;
	x->nwant_rooms = 0;
	pthread_mutex_unlock(&x->want_lock);
	if (!want)
		return; /* taken in an earlier round (the flag was set again meanwhile) */
	rooms_set(x, want, n);
	for (size_t i = 0; i < n; i++)
		free(want[i]);
	free(want);
}

static void *
xmpp_main(void *arg)
{
	struct xmpp_transport *x = arg;
	if (db_open(&x->db, x->db_path) < 0) {
		log_err("event=start_failed transport=xmpp reason=database effect=offline");
		return NULL;
	}
	db_sync_normal(x->db);
	x->snd.db = x->db;
	dispatch_pending(x->db, x->core, "xmpp", NULL, NULL, NULL); /* what an earlier run journalled, unfinished */
	x->ctx = xmpp_ctx_new(NULL, &(xmpp_log_t){strophe_log, NULL});
	int spin = 0;
	while (!*x->stop && !atomic_load(&x->quit)) {
		if (atomic_exchange(&x->want_set, 0))
			take_rooms(x);
		if (!x->conn && mono_ms() >= x->next_connect)
			conn_start(x);
		if (x->conn && x->online) {
			if (atomic_exchange(&x->notify, 0))
				flush_outbox(x);
			timers(x);
		}
		commit_acked(x);
		x->activity = 0;
		/*
		 * Write what is queued, and record it as written, before any wait: a
		 * run that writes and then sleeps in select() would leave rows written
		 * but unrecorded for the whole timeout, and a kill -9 then would send
		 * them twice after the restart.
		 */
		for (int i = 0; i < 8 && x->conn && xmpp_conn_send_queue_len(x->conn) > 0; i++) {
			xmpp_run_once(x->ctx, 0);
			commit_written(x);
		}
		int busy = x->conn && xmpp_conn_send_queue_len(x->conn) > 0;
		xmpp_run_once(x->ctx, spin > 0 || busy ? 0 : LOOP_MS);
		commit_written(x);
		if (x->activity)
			spin = SPIN_ROUNDS;
		else if (spin > 0)
			spin--;
		if (x->conn && x->dead)
			conn_reap(x);
	}
	conn_close(x);
	xmpp_ctx_free(x->ctx);
	x->ctx = NULL;
	sender_collect(&x->snd);
	x->snd.db = NULL;
	db_close(x->db);
	x->db = NULL;
	return NULL;
}

/* ------------------------------------------------------------ public API */

static int
xmpp_transport_start(struct xmpp_transport **out, const struct transport_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	*out = NULL;
	if (!cfg->xmpp.jid || !strchr(cfg->xmpp.jid, '@')) {
		log_err("event=start_failed transport=xmpp reason=bad_jid");
		return -1;
	}
	struct xmpp_transport *x = xcalloc(1, sizeof *x);
	x->cfg = cfg;
	x->core = ctx->core;
	x->db_path = xstrdup(ctx->db_path);
	x->stop = ctx->stop;
	atomic_init(&x->notify, 1);
	atomic_init(&x->quit, 0);
	atomic_init(&x->want_set, 0);
	pthread_mutex_init(&x->want_lock, NULL);
	backoff_init(&x->backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 1);
	x->snd = (struct sender){.ops = &xmpp_transport_ops,
				 .handle = x,
				 .cfg = cfg,
				 .stop = ctx->stop,
				 .batch = OUTBOX_BATCH,
				 .poll_ms = OUTBOX_POLL_MS,
				 .unit = "messages",
				 .server = "XMPP"};
	sender_init(&x->snd);
	x->bare_jid = jid_bare_lower(cfg->xmpp.jid);
	x->rooms = xcalloc(cfg->xmpp.rooms.n ? cfg->xmpp.rooms.n : 1, sizeof *x->rooms);
	for (size_t i = 0; i < cfg->xmpp.rooms.n; i++) {
		struct room *r = &x->rooms[x->nrooms];
		r->jid = lower_dup(cfg->xmpp.rooms.v[i]);
		if (room_find(x, r->jid)) {
			free(r->jid);
			r->jid = NULL;
			continue; /* listed twice */
		}
		r->nick = xstrdup(cfg->xmpp.nick ? cfg->xmpp.nick : "MentorBot");
		x->nrooms++;
	}
	xmpp_initialize();
	if (pthread_create(&x->thread, NULL, xmpp_main, x) != 0) {
		log_err("event=start_failed transport=xmpp reason=thread");
		xmpp_transport_join(x);
		return -1;
	}
	x->started = 1;
	*out = x;
	return 0;
}

static void
xmpp_transport_notify(struct xmpp_transport *x)
{
	if (x)
		atomic_store(&x->notify, 1);
}

static void
xmpp_transport_join(struct xmpp_transport *x)
{
	if (!x)
		return;
	atomic_store(&x->quit, 1);
	if (x->started)
		pthread_join(x->thread, NULL);
	for (size_t i = 0; i < x->nrooms; i++) {
		occupants_clear(&x->rooms[i]);
		free(x->rooms[i].occ);
		free(x->rooms[i].jid);
		free(x->rooms[i].nick);
	}
	free(x->rooms);
	for (size_t i = 0; i < x->nwant_rooms; i++)
		free(x->want_rooms[i]);
	free(x->want_rooms);
	pthread_mutex_destroy(&x->want_lock);
	free(x->fl);
	free(x->acks);
	sender_destroy(&x->snd);
	free(x->bare_jid);
	free(x->db_path);
	free(x);
	xmpp_shutdown();
}

/* ---- transport_ops (transport.h) ---- */

static int
xmpp_configured(const struct config *cfg)
{
	return cfg->xmpp.present;
}

static int
xmpp_ops_start(void **handle, const struct transport_ctx *ctx)
{
	struct xmpp_transport *x = NULL;
	int rc = xmpp_transport_start(&x, ctx);
	*handle = x;
	return rc;
}

static void
xmpp_ops_notify(void *handle)
{
	xmpp_transport_notify(handle);
}

static void
xmpp_ops_stop(void *handle)
{
	xmpp_transport_join(handle);
}

/* transport_ops.reconfigure: the rooms go to the thread; room pacing follows cfg at once. */
static void
xmpp_reconfigure(void *handle, const struct config *cfg)
{
	struct xmpp_transport *x = handle;
	char **want = xcalloc(cfg->xmpp.rooms.n ? cfg->xmpp.rooms.n : 1, sizeof *want);
	size_t n = 0;
	for (size_t i = 0; i < cfg->xmpp.rooms.n; i++) {
		char *r = lower_dup(cfg->xmpp.rooms.v[i]);
		size_t k = 0;
		while (k < n && strcmp(want[k], r) != 0)
			k++;
		if (k < n)
			free(r); /* listed twice */
		else
			want[n++] = r;
	}
	pthread_mutex_lock(&x->want_lock);
	for (size_t i = 0; i < x->nwant_rooms; i++)
		free(x->want_rooms[i]);
	free(x->want_rooms);
	x->want_rooms = want;
	x->nwant_rooms = n;
	atomic_store(&x->want_set, 1);
	pthread_mutex_unlock(&x->want_lock);
	x->snd.cfg = cfg;
}

static void
xmpp_status(void *handle, struct transport_status *st)
{
	struct xmpp_transport *x = handle;
	st->connected = atomic_load(&x->connected);
	st->connects = atomic_load(&x->connects);
	sender_status(&x->snd, st);
}

const struct transport_ops xmpp_transport_ops = {
	.name = "xmpp",
	.what = "XMPP transport",
	.optional = 0,
	.configured = xmpp_configured,
	.start = xmpp_ops_start,
	.notify = xmpp_ops_notify,
	.stop = xmpp_ops_stop,
	.ready = xmpp_ready,
	.send = xmpp_send_row,
	.ack = xmpp_ack,
	.status = xmpp_status,
	.reconfigure = xmpp_reconfigure,
};
