/*
 * transport.h - what every transport offers main: one struct transport_ops
 * per protocol (isync's driver.h is the model), and the context each one is
 * started with.  main.c starts the configured transports in the order of its
 * table and stops them in the reverse order; it knows no transport by name.
 *
 * Threads: start(), stop() and reconfigure() are called from the main thread only; notify()
 * from any thread (dispatch, the scheduler, another transport).  Everything
 * else a transport does happens on its own thread(s), each with its own
 * database connection.
 *
 * Sending is shared: each transport has one struct sender (sender.h) that
 * claims its due outbox rows, applies their pacing, calls send() for each and
 * records the outcome (sent, due again with the shared back-off, failed) in
 * one place.  The transport only talks to its server.  Mail and Matrix run
 * the sender's loop on a thread of their own; XMPP drives it from its
 * connection thread (libstrophe is single-threaded).
 *
 * The mail transport is two halves, both started and stopped by these ops:
 * the IMAP thread (mailin.h: fetch, journal, dispatch, move) and the SMTP
 * sender thread.  The main thread only starts, stops and handles signals.
 */
#ifndef MB_TRANSPORT_H
#define MB_TRANSPORT_H

#include <signal.h>
#include <stdint.h>

struct config;
struct core;
struct outbox_item;
struct send_ack;
struct send_res;

struct transport_ctx {
	const struct config *cfg;
	struct core *core;           /* shared; chat_handle() is the way in */
	const char *db_path;         /* each transport thread opens its own connection */
	volatile sig_atomic_t *stop; /* set on SIGTERM: leave the loop, disconnect cleanly */
};

/* What a running transport reports (transport_log_status, sender.h). */
struct transport_status {
	int connected;          /* 1: to its server now, 0: not, -1: the transport cannot tell */
	unsigned long connects; /* connections opened since start */
	unsigned long sent;     /* rows the server took since start */
	unsigned long failed;   /* rows given up since start */
	int64_t last_send;      /* epoch s of the last row the server took, 0: none */
	char last_error[256];   /* the last refusal or connection trouble, "" if none */
};

struct transport_ops {
	/* the outbox rows this transport sends: outbox.transport = name ("mail", "xmpp", "matrix") */
	const char *name;
	/* how main words a failed start (after "cannot start the "), e.g. "XMPP transport" */
	const char *what;
	/* 1: a failed start is logged and the bot runs without this transport; 0: it is fatal */
	int optional;

	/* Is the transport configured in cfg?  Pure. */
	int (*configured)(const struct config *cfg);

	/*
	 * Start the transport's thread(s).  ctx itself may be temporary (the
	 * transport copies what it keeps); what it points to must outlive the
	 * transport (main's configuration, core, database path and stop flag).
	 * On success returns 0 and sets *handle, which the transport owns until
	 * stop(); *handle may be set before the threads run, so that notify() from
	 * them works at once.  On failure returns -1 (logged), leaves *handle NULL
	 * and has released everything it took.
	 */
	int (*start)(void **handle, const struct transport_ctx *ctx);

	/*
	 * Outbox rows for name were committed: send them soon.  Thread-safe, never
	 * blocks for long (a mutex at most), takes nothing.  handle may be NULL
	 * (the transport is not running): then it does nothing.
	 */
	void (*notify)(void *handle);

	/*
	 * After *ctx->stop was set: wake the threads, wait for them, and free the
	 * handle and everything the transport owns.  Rows still pending stay in
	 * the outbox for the next start.  handle may be NULL.
	 */
	void (*stop)(void *handle);

	/*
	 * May row go out now?  0 leaves it due and untouched, before any pacing
	 * (an XMPP room not joined yet, a row already in flight).  Called on the
	 * sending thread; row belongs to the sender.  NULL: always.
	 */
	int (*ready)(void *handle, const struct outbox_item *row);

	/*
	 * Send one outbox row.  Called on the sending thread only, after ready()
	 * and pacing.  row belongs to the sender and lives for the call; the
	 * transport copies what it keeps.  The transport writes nothing to the
	 * outbox: it fills *res (res->rc and, for a refusal, err and retry_in)
	 * and the sender records the outcome.  The one exception is
	 * sender_mark_sent(), for a transport that must record the row at a
	 * precise moment inside the send (mail: just before the final ".").
	 */
	void (*send)(void *handle, const struct outbox_item *row, struct send_res *res);

	/*
	 * Outcomes of rows send() answered SEND_LATER for that became known
	 * since the last call (XMPP: written to the socket, acknowledged by the
	 * server's ping, an error stanza, the connection lost): up to max into
	 * out, returns how many.  They belong to the sender from then on (it
	 * records them, again on the next call if the database was busy); the
	 * transport keeps only what it needs to know what is still in flight.
	 * Called on the sending thread.  NULL: send() always knows the outcome.
	 */
	size_t (*ack)(void *handle, struct send_ack *out, size_t max);

	/*
	 * Fill *st (zeroed by the caller): the connection's side, and the
	 * sender's through sender_status().  Any thread; takes short locks
	 * only.  handle is not NULL.
	 */
	void (*status)(void *handle, struct transport_status *st);

	/*
	 * SIGHUP read a new configuration (bot/reload.h): cfg outlives the
	 * transport, and its keys that need a restart (the account) are the
	 * running ones.  Take what is live - the rooms to be in, the sender's
	 * pacing - and return at once: the transport's own thread joins the new
	 * rooms and leaves the removed ones.  Main thread only; handle is not
	 * NULL.  NULL: nothing of the transport is live.
	 */
	void (*reconfigure)(void *handle, const struct config *cfg);
};

/* The transports (bot/outbox.c, bot/xmpp.c, bot/matrix.c); main starts them in this order. */
extern const struct transport_ops mail_transport_ops;
extern const struct transport_ops xmpp_transport_ops;
extern const struct transport_ops matrix_transport_ops;

#endif
