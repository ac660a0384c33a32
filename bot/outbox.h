/*
 * outbox.h - the sender thread: delivers committed outbox rows.
 */
#ifndef MB_OUTBOX_H
#define MB_OUTBOX_H

#include <pthread.h>
#include <signal.h>

struct config;

struct outbox_sender {
	const struct config *cfg;
	const char *db_path;
	volatile sig_atomic_t *stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int kicked;
	int started;
};

/* Start the thread (it opens its own database connection). 0 or -1. */
int outbox_start(struct outbox_sender *o);
/* New rows were committed: look now instead of at the next timer. Thread-safe. */
void outbox_kick(struct outbox_sender *o);
/* Wake the thread and wait for it to finish (after *stop was set). */
void outbox_join(struct outbox_sender *o);

/* Retry delay after attempts failures: 30 s doubling up to 1 h, ±25 % jitter. */
int outbox_retry_delay(int attempts);
#define OUTBOX_MAX_ATTEMPTS 40

#endif
