/*
 * mailin.h - the mail transport's receiving half: a thread for IMAP in,
 * journal, dispatch, move.  Started and stopped by the mail transport
 * (outbox.c), beside its sending half.
 */
#ifndef MB_MAILIN_H
#define MB_MAILIN_H

#include <stddef.h>

struct mailin;
struct transport_ctx;

/*
 * Start the thread.  It runs until *ctx->stop and mailin_stop(): connect
 * (exponential back-off 1 s … 5 min with jitter on any failure), record new
 * mail in the journal (durable commit, checkpoint in the same transaction),
 * dispatch it, then move it to the processed or quarantine folder.  IDLE
 * where offered (re-issued every 9 minutes), polling otherwise.  The thread
 * has its own database connection.  on_committed(ud) is called (on that
 * thread) when dispatch committed new outbox rows.  Returns 0 and *out, or
 * -1 (logged) with nothing left behind.
 */
int mailin_start(struct mailin **out, const struct transport_ctx *ctx, void (*on_committed)(void *ud), void *ud);

/* The IMAP session: *connected 1 while logged in and working, 0 not (then err holds why, or "");
 * mi NULL: *connected -1.  Any thread. */
void mailin_status(struct mailin *mi, int *connected, char *err, size_t errsize);

/* After *ctx->stop was set: wake the thread, wait for it and free everything.  mi may be NULL. */
void mailin_stop(struct mailin *mi);

#endif
