/*
 * xmpp_int.h - what the files of the XMPP transport share: xmpp.c (the
 * thread, connection, timers and transport_ops), xmpp_room.c (JIDs, rooms and
 * occupants, and the stanzas that arrive: message, presence, iq) and
 * xmpp_send.c (outbox rows out as <message/>s, the in-flight window and its
 * acknowledgements for the shared sender, sender.h).  Everything runs on the
 * one "xmpp" thread.  Nothing outside the three includes it.
 */
#ifndef MB_XMPP_INT_H
#define MB_XMPP_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <strophe.h>

#include "backoff.h"
#include "sender.h"
#include "transport.h"

struct config;
struct core;
struct db;
struct outbox_item;

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
	/* SIGHUP (reconfigure): the rooms to be in, handed from the main thread */
	pthread_mutex_t want_lock;
	char **want_rooms; /* under want_lock: lower case, owned (never NULL when handed over); taken by the thread */
	size_t nwant_rooms;
	atomic_int want_set; /* want_rooms holds a new list */

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

/* ---- xmpp_room.c: JIDs, rooms, occupants; stanza handlers ---- */
char *jid_bare_lower(const char *jid);
const char *jid_resource(const char *jid);
struct room *room_find(struct xmpp_transport *x, const char *bare);
void occupants_clear(struct room *r);
const char *error_condition(xmpp_stanza_t *st);
void room_join(struct xmpp_transport *x, struct room *r);
/* Be in exactly the rooms want[0..n) (lower case): leave the others, join the new ones. */
void rooms_set(struct xmpp_transport *x, char **want, size_t n);
/* The one stanza handler (registered for every stanza): marks the round active, then hands a
 * message, presence or iq to its own reader; anything else is ignored.  Always 1 (kept). */
int on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud);

/* ---- xmpp_send.c: stanzas out, the outbox rows and their acknowledgements ---- */
void send_ping(struct xmpp_transport *x, const char *to, const char *id);
void send_stanza(xmpp_conn_t *conn, struct xmpp_transport *x, xmpp_stanza_t *st);
void inflight_remove_at(struct xmpp_transport *x, size_t i);
void batch_close(struct xmpp_transport *x);
void ack_queue(struct xmpp_transport *x, const struct inflight *f, enum send_rc rc, int retry_in, const char *err);
size_t xmpp_ack(void *handle, struct send_ack *out, size_t max);
void commit_written(struct xmpp_transport *x);
void commit_acked(struct xmpp_transport *x);
int xmpp_ready(void *handle, const struct outbox_item *it);
void xmpp_send_row(void *handle, const struct outbox_item *it, struct send_res *res);
void flush_outbox(struct xmpp_transport *x);
void outbox_error(struct xmpp_transport *x, int64_t row, xmpp_stanza_t *st);

#endif
