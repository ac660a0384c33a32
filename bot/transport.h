/*
 * transport.h - how main starts the chat transports (each in its own thread).
 */
#ifndef MB_TRANSPORT_H
#define MB_TRANSPORT_H

#include <signal.h>

struct config;
struct core;

struct transport_ctx {
	const struct config *cfg;
	struct core *core;              /* shared; chat_handle() is the way in */
	const char *db_path;            /* each transport thread opens its own connection */
	volatile sig_atomic_t *stop;    /* set on SIGTERM: leave the loop, disconnect cleanly */
};

/* XMPP (libstrophe).  Start returns 0 and runs a thread, or -1 (logged). */
struct xmpp_transport;
int xmpp_transport_start(struct xmpp_transport **out, const struct transport_ctx *ctx);
/* Outbox rows for "xmpp" were committed: send them soon.  Thread-safe, never blocks. */
void xmpp_transport_notify(struct xmpp_transport *x);
/* After *stop was set: wake, wait for the thread, free. */
void xmpp_transport_join(struct xmpp_transport *x);

/* Matrix (libcurl + jansson), same contract. */
struct matrix_transport;
int matrix_transport_start(struct matrix_transport **out, const struct transport_ctx *ctx);
void matrix_transport_notify(struct matrix_transport *m);
void matrix_transport_join(struct matrix_transport *m);

#endif
