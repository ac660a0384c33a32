/*
 * xmpp.c - the XMPP transport (libstrophe): multi-user chat rooms (XEP-0045)
 * and direct messages.
 *
 * Thread: one "xmpp" thread, started through xmpp_transport_ops (transport.h), owns the
 * libstrophe context and connection and its own SQLite connection.  Other
 * threads touch only the two atomic flags (notify, quit).
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
#include "sender.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_PING "urn:xmpp:ping"
#define NS_DELAY "urn:xmpp:delay"
#define NS_DELAY_LEGACY "jabber:x:delay"
#define NS_SID "urn:xmpp:sid:0"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

#define LOOP_MS 10                 /* idle wait in xmpp_run_once() */
#define SPIN_ROUNDS 3              /* zero-timeout rounds after activity (TLS buffer) */
#define KEEPALIVE_MS 60000         /* ping the server this often */
#define KEEPALIVE_TIMEOUT_MS 30000 /* no answer: the connection is dead */
#define SELFPING_MS 300000         /* XEP-0410 room self-ping */
#define REJOIN_MS 30000            /* retry a failed room join */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS (300 * 1000)
#define OUTBOX_BATCH 64       /* rows fetched per flush */
#define MAX_INFLIGHT 512      /* rows sent but not yet acknowledged */
#define OUTBOX_POLL_MS 5000   /* look at the outbox even without a notify */
#define STOP_ACK_WAIT_MS 1500 /* on shutdown: wait this long for outstanding acks */
#define MAX_NICK_TRIES 5
#define MAX_BODY 60000

struct occupant {
	char *nick;
	char *jid; /* real bare JID (lower case), or NULL when the room hides it */
};

struct room {
	char *jid;           /* room bare JID, lower case */
	char *nick;          /* the nick we (try to) use */
	int tries;           /* nick conflicts so far */
	int joined;          /* our self-presence arrived */
	int64_t rejoin_at;   /* mono ms of the next join attempt, 0: none planned */
	int64_t selfping_at; /* mono ms of the next self-ping */
	struct occupant *occ;
	size_t nocc, capocc;
};

struct inflight {
	int64_t row;
	int64_t batch;  /* the ping that acknowledges it */
	int acked;      /* the server answered the ping */
	int written;    /* committed as sent: it left our process (socket buffer) */
	int64_t enq_at; /* x->enq_total right after it was queued */
	int attempts;   /* the row's attempts when it was sent */
};

struct xmpp_transport {
	const struct config *cfg;
	struct core *core;
	char *db_path;
	volatile sig_atomic_t *stop;
	pthread_t thread;
	int started;
	atomic_int notify; /* outbox rows were committed by someone */
	atomic_int quit;   /* join() was called */

	struct db *db;
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;      /* NULL while disconnected */
	int online;             /* session established (after XMPP_CONN_CONNECT) */
	int dead;               /* the connection ended; release it in the loop */
	int activity;           /* something happened in this round */
	int64_t next_connect;   /* mono ms */
	struct backoff backoff; /* reconnects */
	char *bare_jid;         /* lower case */

	struct room *rooms;
	size_t nrooms;

	struct inflight *fl;
	size_t nfl, capfl;
	int64_t enq_total; /* stanzas this transport handed to libstrophe's send queue */
	int64_t batch_seq;
	int64_t unacked_batch; /* rows sent since the last batch ping */
	int64_t next_outbox_ms;
	struct sender snd;     /* the shared outbox sender, driven from this thread */
	struct send_ack *acks; /* outcomes learnt, for ops->ack */
	size_t nacks, capacks;
	atomic_int connected;  /* online, for status() */
	atomic_ulong connects; /* connections started */

	int64_t keepalive_at;   /* next server ping */
	int64_t keepalive_sent; /* 0: no ping outstanding */
	int64_t keepalive_seq;
	int64_t selfping_seq;
};

static void send_stanza(xmpp_conn_t *conn, struct xmpp_transport *x, xmpp_stanza_t *st);
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

/* Bare part of a JID, lower case (caller frees). */
static char *
jid_bare_lower(const char *jid)
{
	const char *slash = jid ? strchr(jid, '/') : NULL;
	char *r = slash ? xstrndup(jid, (size_t)(slash - jid)) : xstrdup(jid ? jid : "");
	str_lower_ascii(r);
	return r;
}

/* Resource part of a JID (pointer into jid), or NULL. */
static const char *
jid_resource(const char *jid)
{
	const char *slash = jid ? strchr(jid, '/') : NULL;
	return slash ? slash + 1 : NULL;
}

static struct room *
room_find(struct xmpp_transport *x, const char *bare)
{
	for (size_t i = 0; i < x->nrooms; i++)
		if (strcmp(x->rooms[i].jid, bare) == 0)
			return &x->rooms[i];
	return NULL;
}

static struct occupant *
occupant_find(struct room *r, const char *nick)
{
	for (size_t i = 0; i < r->nocc; i++)
		if (strcmp(r->occ[i].nick, nick) == 0)
			return &r->occ[i];
	return NULL;
}

/* Remember nick -> real JID (jid may be NULL: anonymous room). */
static void
occupant_set(struct room *r, const char *nick, const char *jid)
{
	struct occupant *o = occupant_find(r, nick);
	if (!o) {
		if (r->nocc == r->capocc) {
			r->capocc = r->capocc ? r->capocc * 2 : 16;
			r->occ = xrealloc(r->occ, r->capocc * sizeof *r->occ);
		}
		o = &r->occ[r->nocc++];
		o->nick = xstrdup(nick);
		o->jid = NULL;
	}
	free(o->jid);
	o->jid = jid ? jid_bare_lower(jid) : NULL;
}

static void
occupant_remove(struct room *r, const char *nick)
{
	struct occupant *o = occupant_find(r, nick);
	if (!o)
		return;
	free(o->nick);
	free(o->jid);
	*o = r->occ[--r->nocc];
}

static void
occupants_clear(struct room *r)
{
	for (size_t i = 0; i < r->nocc; i++) {
		free(r->occ[i].nick);
		free(r->occ[i].jid);
	}
	r->nocc = 0;
}

/* Replace characters XML 1.0 does not allow (they would end the stream) by spaces; in place. */
static void
xml_clean(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			*p = ' ';
}

/* The stanza error condition of an error stanza ("" when none). */
static const char *
error_condition(xmpp_stanza_t *st)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");
	for (xmpp_stanza_t *c = e ? xmpp_stanza_get_children(e) : NULL; c; c = xmpp_stanza_get_next(c)) {
		const char *ns = xmpp_stanza_get_ns(c);
		const char *name = xmpp_stanza_get_name(c);
		if (ns && name && strcmp(ns, NS_STANZAS) == 0 && strcmp(name, "text") != 0)
			return name;
	}
	return "";
}

/* Does the muc#user <x/> carry <status code='code'/>? */
static int
muc_has_status(xmpp_stanza_t *xuser, const char *code)
{
	for (xmpp_stanza_t *c = xuser ? xmpp_stanza_get_children(xuser) : NULL; c; c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_get_name(c);
		const char *v = name && strcmp(name, "status") == 0 ? xmpp_stanza_get_attribute(c, "code") : NULL;
		if (v && strcmp(v, code) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ send helpers */

/* Send <iq type='get' id=id to=to><ping/></iq>; to NULL: the server. */
static void
send_ping(struct xmpp_transport *x, const char *to, const char *id)
{
	xmpp_stanza_t *iq = xmpp_iq_new(x->ctx, "get", id);
	if (to)
		xmpp_stanza_set_to(iq, to);
	xmpp_stanza_t *p = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(p, "ping");
	xmpp_stanza_set_ns(p, NS_PING);
	xmpp_stanza_add_child(iq, p);
	xmpp_stanza_release(p);
	send_stanza(x->conn, x, iq);
	xmpp_stanza_release(iq);
}

/* Join (or rejoin) room r with its current nick, without history. */
static void
room_join(struct xmpp_transport *x, struct room *r)
{
	char *to = xasprintf("%s/%s", r->jid, r->nick);
	xmpp_stanza_t *pres = xmpp_presence_new(x->ctx);
	xmpp_stanza_set_to(pres, to);
	xmpp_stanza_t *mx = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(mx, "x");
	xmpp_stanza_set_ns(mx, NS_MUC);
	xmpp_stanza_t *h = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(h, "history");
	xmpp_stanza_set_attribute(h, "maxstanzas", "0");
	xmpp_stanza_add_child(mx, h);
	xmpp_stanza_release(h);
	xmpp_stanza_add_child(pres, mx);
	xmpp_stanza_release(mx);
	send_stanza(x->conn, x, pres);
	xmpp_stanza_release(pres);
	r->joined = 0;
	r->rejoin_at = mono_ms() + REJOIN_MS; /* no answer by then: try again */
	occupants_clear(r);
	log_debug("xmpp: joining %s as %s", r->jid, r->nick);
	free(to);
}

/* ------------------------------------------------------------------ outbox */

/*
 * Every stanza goes through here, so the length of libstrophe's send queue
 * tells which rows have reached the socket: a row is written once the queue
 * holds no more elements than were queued after it.  Elements libstrophe
 * queues by itself can only make that estimate later, never too early.
 */
static void
send_stanza(xmpp_conn_t *conn, struct xmpp_transport *x, xmpp_stanza_t *st)
{
	xmpp_send(conn, st);
	x->enq_total++;
}

static int
inflight_has(struct xmpp_transport *x, int64_t row)
{
	for (size_t i = 0; i < x->nfl; i++)
		if (x->fl[i].row == row)
			return 1;
	return 0;
}

static void
inflight_add(struct xmpp_transport *x, int64_t row, int attempts)
{
	if (x->nfl == x->capfl) {
		x->capfl = x->capfl ? x->capfl * 2 : 64;
		x->fl = xrealloc(x->fl, x->capfl * sizeof *x->fl);
	}
	x->fl[x->nfl].row = row;
	x->fl[x->nfl].batch = x->batch_seq + 1; /* the ping that will follow */
	x->fl[x->nfl].acked = 0;
	x->fl[x->nfl].written = 0;
	x->fl[x->nfl].attempts = attempts;
	x->nfl++;
}

static void
inflight_remove_at(struct xmpp_transport *x, size_t i)
{
	x->fl[i] = x->fl[--x->nfl];
}

/* Close the open batch: one ping acknowledges every row sent since the last one. */
static void
batch_close(struct xmpp_transport *x)
{
	if (!x->unacked_batch)
		return;
	x->batch_seq++;
	char id[48];
	snprintf(id, sizeof id, "mbo-%lld", (long long)x->batch_seq);
	send_ping(x, NULL, id);
	x->unacked_batch = 0;
}

/* An outcome for the shared sender to record (transport_ops.ack hands them over). */
static void
ack_queue(struct xmpp_transport *x, const struct inflight *f, enum send_rc rc, int retry_in, const char *err)
{
	if (x->nacks == x->capacks) {
		x->capacks = x->capacks ? x->capacks * 2 : 64;
		x->acks = xrealloc(x->acks, x->capacks * sizeof *x->acks);
	}
	struct send_ack *a = &x->acks[x->nacks++];
	memset(a, 0, sizeof *a);
	a->row = f->row;
	a->attempts = f->attempts;
	a->res.rc = rc;
	a->res.retry_in = retry_in;
	snprintf(a->res.err, sizeof a->res.err, "%s", err ? err : "");
}

/* transport_ops.ack: the outcomes queued since the last call, oldest first. */
static size_t
xmpp_ack(void *handle, struct send_ack *out, size_t max)
{
	struct xmpp_transport *x = handle;
	size_t n = x->nacks < max ? x->nacks : max;
	memcpy(out, x->acks, n * sizeof *out);
	memmove(x->acks, x->acks + n, (x->nacks - n) * sizeof *x->acks);
	x->nacks -= n;
	return n;
}

/*
 * Rows are recorded as sent as soon as libstrophe has written them to the
 * socket (its send queue is empty): a kill -9 after that still delivers
 * them, since the kernel sends what is in the socket buffer, so a restart
 * must not send them again.  The ping acknowledgement then only decides
 * what to resend when the connection (not the process) dies first.
 */
static void
commit_written(struct xmpp_transport *x)
{
	if (!x->conn)
		return;
	int64_t queued = xmpp_conn_send_queue_len(x->conn);
	for (size_t i = 0; i < x->nfl; i++)
		if (!x->fl[i].written && queued <= x->enq_total - x->fl[i].enq_at) {
			/* left the process: libstrophe's send queue shrank below what was queued after it */
			x->fl[i].written = 1;
			ack_queue(x, &x->fl[i], SEND_OK, 0, NULL);
		}
	sender_collect(&x->snd);
}

/* Forget acknowledged rows (recording any not yet marked). */
static void
commit_acked(struct xmpp_transport *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->nfl;)
		if (x->fl[i].acked) {
			if (!x->fl[i].written)
				ack_queue(x, &x->fl[i], SEND_OK, 0, NULL);
			inflight_remove_at(x, i);
			n++;
		} else {
			i++;
		}
	sender_collect(&x->snd);
	/* the window has room again: rows that waited for it go out now, not at the next timer */
	if (n)
		atomic_store(&x->notify, 1);
}

/*
 * transport_ops.ready: a row already in flight is not sent twice, the window
 * holds at most MAX_INFLIGHT, and a room message waits for the join (before
 * its pacing is counted).  A direct message (a resource) never waits.
 */
static int
xmpp_ready(void *handle, const struct outbox_item *it)
{
	struct xmpp_transport *x = handle;
	if (x->nfl >= MAX_INFLIGHT || inflight_has(x, it->id))
		return 0;
	if (!it->rcpt || jid_resource(it->rcpt))
		return 1;
	char *bare = jid_bare_lower(it->rcpt);
	struct room *r = room_find(x, bare);
	free(bare);
	return !r || r->joined;
}

/* transport_ops.send: one row as a <message/>; its outcome comes through xmpp_ack. */
static void
xmpp_send_row(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct xmpp_transport *x = handle;
	const char *to = it->rcpt, *type = it->chat_type, *body = it->payload;
	if (!to || !*to || !body || !type || (strcmp(type, "groupchat") != 0 && strcmp(type, "chat") != 0)) {
		res->rc = SEND_FAIL;
		snprintf(res->err, sizeof res->err, "unusable payload");
		return;
	}
	char *bare = jid_bare_lower(to);
	char *text = strlen(body) > MAX_BODY ? xstrndup(body, MAX_BODY) : xstrdup(body);
	xml_clean(text);
	char id[48];
	snprintf(id, sizeof id, "mb-%lld", (long long)it->id);
	/* a groupchat goes to the bare room JID; a direct message keeps the resource (MUC private message) */
	xmpp_stanza_t *msg = xmpp_message_new(x->ctx, type, strcmp(type, "groupchat") == 0 ? bare : to, id);
	xmpp_message_set_body(msg, text);
	xmpp_stanza_t *oid = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(oid, "origin-id");
	xmpp_stanza_set_ns(oid, NS_SID);
	xmpp_stanza_set_attribute(oid, "id", id);
	xmpp_stanza_add_child(msg, oid);
	xmpp_stanza_release(oid);
	send_stanza(x->conn, x, msg);
	xmpp_stanza_release(msg);
	inflight_add(x, it->id, it->attempts);
	x->fl[x->nfl - 1].enq_at = x->enq_total;
	x->unacked_batch++;
	res->rc = SEND_LATER;
	free(text);
	free(bare);
}

/* Send every due row that is not already on its way (the shared sender); then one ping for the batch. */
static void
flush_outbox(struct xmpp_transport *x)
{
	if (!x->online)
		return;
	int64_t wait = 0;
	for (int rounds = 0; rounds < 16 && x->nfl < MAX_INFLIGHT && wait == 0; rounds++)
		wait = sender_drain(&x->snd, x->nfl);
	batch_close(x);
	x->next_outbox_ms = mono_ms() + (wait > 0 && wait < OUTBOX_POLL_MS ? wait : OUTBOX_POLL_MS);
}

/* A stanza error came back for outbox row `row`. */
static void
outbox_error(struct xmpp_transport *x, int64_t row, xmpp_stanza_t *st)
{
	const char *cond = error_condition(st);
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");
	const char *etype = e ? xmpp_stanza_get_attribute(e, "type") : NULL;
	struct inflight f = {0};
	f.row = row;
	for (size_t i = 0; i < x->nfl; i++)
		if (x->fl[i].row == row) {
			f = x->fl[i];
			inflight_remove_at(x, i);
			break;
		}
	char *err = xasprintf("xmpp error %s (%s)", *cond ? cond : "?", etype ? etype : "?");
	const char *from = xmpp_stanza_get_from(st);
	char *bare = jid_bare_lower(from);
	struct room *r = room_find(x, bare);
	if (r && (strcmp(cond, "not-acceptable") == 0 || strcmp(cond, "forbidden") == 0) && !jid_resource(from)) {
		/* we are not (or no longer) in that room: join again, then the row goes out */
		log_warn("xmpp: outbox %lld: %s; rejoining %s", (long long)row, err, r->jid);
		ack_queue(x, &f, SEND_RETRY, 0, err);
		if (r->joined)
			room_join(x, r);
	} else if ((etype && (strcmp(etype, "wait") == 0)) || strcmp(cond, "resource-constraint") == 0 ||
		   strcmp(cond, "remote-server-timeout") == 0 || strcmp(cond, "internal-server-error") == 0) {
		ack_queue(x, &f, SEND_RETRY, 60, err);
	} else {
		ack_queue(x, &f, SEND_FAIL, 0, err);
	}
	sender_collect(&x->snd);
	free(bare);
	free(err);
}

/* --------------------------------------------------------------- handlers */

/* Hand one message to the core; on new outbox rows, send them right away. */
static void
deliver(struct xmpp_transport *x, const struct chat_msg *m)
{
	int rc = -1;
	/* libstrophe wrote its queue before reading this message: record that first */
	commit_written(x);
	for (int attempt = 0; attempt < 3 && rc < 0; attempt++) {
		if (attempt) {
			struct timespec ts = {0, 50 * 1000000L};
			nanosleep(&ts, NULL);
		}
		rc = chat_handle(x->db, x->core, m);
	}
	if (rc < 0)
		log_err("xmpp: message from %s could not be recorded (database)", m->sender);
	else if (rc == 1)
		flush_outbox(x);
}

static int
on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xmpp_transport *x = ud;
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	const char *sid = xmpp_stanza_get_id(st);
	char *bare = NULL, *body = NULL, *sender = NULL, *idbuf = NULL;
	x->activity = 1;
	if (type && strcmp(type, "error") == 0) {
		if (sid && strncmp(sid, "mb-", 3) == 0)
			outbox_error(x, strtoll(sid + 3, NULL, 10), st);
		return 1;
	}
	if (!from || (type && strcmp(type, "headline") == 0))
		return 1;
	if (xmpp_stanza_get_child_by_name_and_ns(st, "delay", NS_DELAY) ||
	    xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_DELAY_LEGACY))
		return 1; /* history or an offline/replayed copy: never a fresh command */
	body = xmpp_message_get_body(st);
	if (!body || !*body)
		goto out;
	bare = jid_bare_lower(from);
	const char *res = jid_resource(from);
	struct room *r = room_find(x, bare);
	xmpp_stanza_t *oid = xmpp_stanza_get_child_by_name_and_ns(st, "origin-id", NS_SID);
	const char *msgid = oid && xmpp_stanza_get_attribute(oid, "id") ? xmpp_stanza_get_attribute(oid, "id") : sid;
	struct chat_msg m = {0};
	m.transport = "xmpp";
	m.text = body;
	if (type && strcmp(type, "groupchat") == 0) {
		if (!r || !r->joined || !res || !*res)
			goto out; /* not our room, before our join, or the room itself speaking */
		if (strcmp(res, r->nick) == 0)
			goto out; /* our own message reflected */
		struct occupant *o = occupant_find(r, res);
		if (o && o->jid && strcmp(o->jid, x->bare_jid) == 0)
			goto out; /* another session of ours */
		sender = o && o->jid ? xstrdup(o->jid) : xasprintf("%s/%s", r->jid, res);
		m.room = r->jid;
		m.nick = res;
	} else if (r) {
		/* a private message through the room (room/nick) */
		if (!res || !*res || !xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_MUC_USER) ||
		    strcmp(res, r->nick) == 0)
			goto out;
		struct occupant *o = occupant_find(r, res);
		sender = o && o->jid ? xstrdup(o->jid) : xasprintf("%s/%s", r->jid, res);
		m.nick = res;
	} else {
		if (!strchr(bare, '@') || strcmp(bare, x->bare_jid) == 0)
			goto out; /* the server itself, or ourselves */
		sender = xstrdup(bare);
	}
	m.sender = sender;
	/* stanza ids are chosen by the sending client: scope them by sender */
	if (msgid && *msgid)
		idbuf = xasprintf("%s/%s", sender, msgid);
	else
		m.ts = now_s();
	m.id = idbuf;
	deliver(x, &m);
out:
	free(idbuf);
	free(sender);
	free(bare);
	if (body)
		xmpp_free(x->ctx, body);
	(void)conn;
	return 1;
}

static int
on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xmpp_transport *x = ud;
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	x->activity = 1;
	if (!from)
		return 1;
	char *bare = jid_bare_lower(from);
	const char *res = jid_resource(from);
	struct room *r = room_find(x, bare);
	if (!r || !res)
		goto out;
	xmpp_stanza_t *xu = xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_MUC_USER);
	if (type && strcmp(type, "error") == 0) {
		const char *cond = error_condition(st);
		if (strcmp(cond, "conflict") == 0 && r->tries < MAX_NICK_TRIES) {
			r->tries++;
			const char *base = x->cfg->xmpp.nick ? x->cfg->xmpp.nick : "MentorBot";
			free(r->nick);
			r->nick = xasprintf("%s_%d", base, r->tries + 1);
			log_warn("xmpp: nick taken in %s; trying %s", r->jid, r->nick);
			room_join(x, r);
		} else {
			log_warn("xmpp: cannot join %s: %s; trying again in %d s", r->jid, *cond ? cond : "error",
				 REJOIN_MS / 1000);
			r->joined = 0;
			r->rejoin_at = mono_ms() + REJOIN_MS;
		}
		goto out;
	}
	int self = muc_has_status(xu, "110") || strcmp(res, r->nick) == 0;
	if (type && strcmp(type, "unavailable") == 0) {
		if (self && muc_has_status(xu, "303")) {
			goto out; /* our nick change: the new presence follows */
		} else if (self) {
			log_warn("xmpp: left %s (kicked or room closed); rejoining", r->jid);
			r->joined = 0;
			r->rejoin_at = mono_ms() + 1000;
		} else {
			occupant_remove(r, res);
		}
		goto out;
	}
	xmpp_stanza_t *item = xu ? xmpp_stanza_get_child_by_name(xu, "item") : NULL;
	const char *real = item ? xmpp_stanza_get_attribute(item, "jid") : NULL;
	if (self) {
		if (strcmp(res, r->nick) != 0) {
			free(r->nick);
			r->nick = xstrdup(res); /* the room may have changed our nick */
		}
		if (!r->joined) {
			r->joined = 1;
			r->rejoin_at = 0;
			r->selfping_at = mono_ms() + SELFPING_MS;
			log_info("xmpp: joined %s as %s", r->jid, r->nick);
			flush_outbox(x); /* room messages that waited for the join */
		}
	} else {
		occupant_set(r, res, real);
	}
out:
	free(bare);
	(void)conn;
	return 1;
}

/* A XEP-0410 self-ping answer for room index idx. */
static void
selfping_result(struct xmpp_transport *x, size_t idx, xmpp_stanza_t *st)
{
	if (idx >= x->nrooms)
		return;
	struct room *r = &x->rooms[idx];
	const char *type = xmpp_stanza_get_type(st);
	if (!type || strcmp(type, "result") == 0)
		return;
	const char *cond = error_condition(st);
	/* these mean the ping reached an occupant that is us: still joined */
	if (strcmp(cond, "service-unavailable") == 0 || strcmp(cond, "feature-not-implemented") == 0)
		return;
	if (strcmp(cond, "remote-server-timeout") == 0 || strcmp(cond, "remote-server-not-found") == 0)
		return; /* cannot tell; the next self-ping decides */
	log_warn("xmpp: self-ping to %s: %s; rejoining", r->jid, *cond ? cond : "error");
	room_join(x, r);
}

static int
on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xmpp_transport *x = ud;
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);
	x->activity = 1;
	if (!type)
		return 1;
	if (strcmp(type, "get") == 0 || strcmp(type, "set") == 0) {
		xmpp_stanza_t *reply;
		if (strcmp(type, "get") == 0 && xmpp_stanza_get_child_by_name_and_ns(st, "ping", NS_PING)) {
			reply = xmpp_iq_new(x->ctx, "result", id ? id : "");
			if (xmpp_stanza_get_from(st))
				xmpp_stanza_set_to(reply, xmpp_stanza_get_from(st));
		} else {
			reply = xmpp_stanza_reply_error(st, "cancel", "service-unavailable", NULL);
		}
		if (reply) {
			send_stanza(conn, x, reply);
			xmpp_stanza_release(reply);
		}
		return 1;
	}
	if (!id)
		return 1;
	if (strncmp(id, "mbo-", 4) == 0) {
		/* result or error: either way the server has processed everything sent before */
		int64_t b = strtoll(id + 4, NULL, 10);
		for (size_t i = 0; i < x->nfl; i++)
			if (x->fl[i].batch <= b)
				x->fl[i].acked = 1;
		x->keepalive_sent = 0; /* any answer proves the connection alive */
		commit_acked(x);       /* at once: this is the window for a duplicate after a crash */
	} else if (strncmp(id, "mbk-", 4) == 0) {
		x->keepalive_sent = 0;
	} else if (strncmp(id, "mbs-", 4) == 0) {
		char *end;
		unsigned long idx = strtoul(id + 4, &end, 10);
		selfping_result(x, (size_t)idx, st);
	}
	return 1;
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error, xmpp_stream_error_t *se, void *ud)
{
	struct xmpp_transport *x = ud;
	x->activity = 1;
	if (status == XMPP_CONN_CONNECT) {
		log_info("xmpp: connected as %s (%s)", x->cfg->xmpp.jid,
			 xmpp_conn_is_secured(conn) ? "TLS" : "clear text");
		x->online = 1;
		atomic_store(&x->connected, 1);
		backoff_reset(&x->backoff);
		xmpp_handler_add(conn, on_message, NULL, "message", NULL, x);
		xmpp_handler_add(conn, on_presence, NULL, "presence", NULL, x);
		xmpp_handler_add(conn, on_iq, NULL, "iq", NULL, x);
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
		log_warn("xmpp: disconnected (error %d%s)", error, se ? ", stream error" : "");
	else
		log_warn("xmpp: connection failed (error %d%s)", error, se ? ", stream error" : "");
	x->online = 0;
	atomic_store(&x->connected, 0);
	x->dead = 1;
}

static void
strophe_log(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
	(void)ud;
	/* warnings and errors only: debug output would show the SASL exchange (the password) */
	if (level >= XMPP_LEVEL_WARN)
		log_warn("xmpp: libstrophe %s: %.200s", area, msg);
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
		log_warn("xmpp: cannot start connecting to %s",
			 cfg->xmpp.server_host ? cfg->xmpp.server_host : "(SRV)");
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
	log_info("xmpp: reconnecting in %.1f s", (double)wait / 1000.0);
	x->next_connect = mono_ms() + wait;
}

/* Timers of a live connection: keepalive, self-pings, planned rejoins, outbox poll. */
static void
timers(struct xmpp_transport *x)
{
	int64_t now = mono_ms();
	if (x->keepalive_sent && now - x->keepalive_sent > KEEPALIVE_TIMEOUT_MS) {
		log_warn("xmpp: no answer to a ping for %d s; reconnecting", KEEPALIVE_TIMEOUT_MS / 1000);
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

static void *
xmpp_main(void *arg)
{
	struct xmpp_transport *x = arg;
	if (db_open(&x->db, x->db_path) < 0) {
		log_err("xmpp: cannot open the database; XMPP stays offline");
		return NULL;
	}
	db_sync_normal(x->db);
	x->snd.db = x->db;
	chat_recover(x->db, x->core, "xmpp"); /* what an earlier run journalled but did not finish */
	x->ctx = xmpp_ctx_new(NULL, &(xmpp_log_t){strophe_log, NULL});
	int spin = 0;
	while (!*x->stop && !atomic_load(&x->quit)) {
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
		log_err("xmpp: [xmpp] jid is missing or not a JID");
		return -1;
	}
	struct xmpp_transport *x = xcalloc(1, sizeof *x);
	x->cfg = cfg;
	x->core = ctx->core;
	x->db_path = xstrdup(ctx->db_path);
	x->stop = ctx->stop;
	atomic_init(&x->notify, 1);
	atomic_init(&x->quit, 0);
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
		log_err("xmpp: cannot start the thread");
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
};
