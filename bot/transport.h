/*
 * transport.h - what every transport offers main: one struct transport_ops
 * per protocol (isync's driver.h is the model), and the context each one is
 * started with.  main.c starts the configured transports in the order of its
 * table and stops them in the reverse order; it knows no transport by name.
 *
 * Threads: start() and stop() are called from the main thread only; notify()
 * from any thread (dispatch, the scheduler, another transport).  Everything
 * else a transport does happens on its own thread(s), each with its own
 * database connection.
 *
 * The mail transport is two halves: the SMTP sender thread (these ops) and
 * IMAP in, which runs on the main thread itself (mailin_run, mailin.h) until
 * *stop is set.
 */
#ifndef MB_TRANSPORT_H
#define MB_TRANSPORT_H

#include <signal.h>

struct config;
struct core;

struct transport_ctx {
	const struct config *cfg;
	struct core *core;           /* shared; chat_handle() is the way in */
	const char *db_path;         /* each transport thread opens its own connection */
	volatile sig_atomic_t *stop; /* set on SIGTERM: leave the loop, disconnect cleanly */
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
};

/* The transports (bot/outbox.c, bot/xmpp.c, bot/matrix.c); main starts them in this order. */
extern const struct transport_ops mail_transport_ops;
extern const struct transport_ops xmpp_transport_ops;
extern const struct transport_ops matrix_transport_ops;

#endif
