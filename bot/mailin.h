/*
 * mailin.h - the mail thread: IMAP in, journal, dispatch, move.
 */
#ifndef MB_MAILIN_H
#define MB_MAILIN_H

#include <signal.h>

struct config;
struct core;
struct db;

struct mailin {
	const struct config *cfg;
	struct core *core;
	struct db *db;
	volatile sig_atomic_t *stop;   /* set by SIGTERM/SIGINT */
	volatile sig_atomic_t *reload; /* set by SIGHUP; the loop calls on_reload */
	void (*on_reload)(void *ud);
	volatile sig_atomic_t *status; /* set by SIGUSR1; the loop calls on_status (may be NULL) */
	void (*on_status)(void *ud);
	void (*on_committed)(void *ud); /* new outbox rows are committed: wake the sender */
	void *ud;
	int wake_fd; /* readable when a signal arrived */
};

/*
 * Run until *stop: connect (exponential back-off 1 s … 5 min with jitter on
 * any failure), record new mail in the journal (durable commit, checkpoint
 * in the same transaction), dispatch it, then move it to the processed or
 * quarantine folder.  IDLE where offered (re-issued every 9 minutes),
 * polling otherwise.
 */
void mailin_run(struct mailin *mi);

/* Drain the journal: dispatch every 'new' mail (crash-safe attempt counting). Returns 0 or <0. */
int mailin_process_pending(struct mailin *mi);

#endif
