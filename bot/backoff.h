/*
 * backoff.h - the one reconnect back-off and the one timed wait the
 * transports share (mail in, mail out, XMPP, Matrix).
 *
 * Back-off: the wait starts at min, doubles after every failure up to max,
 * and goes back to min on success.  With jitter, each wait is drawn from
 * 75 % .. 125 % of the step, so that bots restarted together do not knock
 * on the server in step.  The unit is the caller's (ms or s); every caller
 * today uses milliseconds.  No locking: one back-off belongs to one thread.
 */
#ifndef MB_BACKOFF_H
#define MB_BACKOFF_H

#include <pthread.h>
#include <stdint.h>

struct backoff {
	int64_t cur; /* the next step before jitter */
	int64_t min, max;
	int jitter; /* 1: ±25 % */
};

/* Set up b: the first wait is min. */
void backoff_init(struct backoff *b, int64_t min, int64_t max, int jitter);
/* The wait before the next attempt (jittered if b->jitter); the step after it doubles, capped at max. */
int64_t backoff_next(struct backoff *b);
/* Success: the next wait is min again. */
void backoff_reset(struct backoff *b);
/* v ± 25 %, uniformly (v - v/4 .. v - v/4 + v/2, integer division); v <= 0 gives v. */
int64_t backoff_jitter(int64_t v);

/*
 * Make cond usable with timed_wait(): its clock is CLOCK_MONOTONIC, so a
 * change of the wall clock (or the test clock) neither stretches nor cuts a
 * wait.  0, or an errno value from pthread_cond_init.
 */
int timed_wait_cond_init(pthread_cond_t *cond);

/*
 * Wait on cond until ms have passed, stopping(ud) returns nonzero, or - if
 * flag is not NULL - *flag is set.  lock must not be held by the caller; it
 * guards *flag and whatever stopping() reads, and whoever sets *flag or the
 * stop condition signals cond under it (a stop flag set from a signal handler
 * needs a broadcast afterwards, as the join functions do).  cond was set up by
 * timed_wait_cond_init().  *flag is cleared before returning.  stopping may be
 * NULL (never stops early).  Returns 1 if *flag was set, else 0.
 */
int timed_wait(pthread_mutex_t *lock, pthread_cond_t *cond, int *flag, int64_t ms, int (*stopping)(void *ud), void *ud);

#endif
