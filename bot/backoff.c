/*
 * backoff.c - see backoff.h.  Called from every transport thread; no shared
 * state here, the randomness comes from random_bytes() (thread-safe).
 */
#include "backoff.h"

#include <errno.h>
#include <time.h>

#include "util.h"

void
backoff_init(struct backoff *b, int64_t min, int64_t max, int jitter)
{
	b->min = min;
	b->max = max < min ? min : max;
	b->jitter = jitter;
	b->cur = min;
}

int64_t
backoff_jitter(int64_t v)
{
	if (v <= 0)
		return v;
	unsigned int r;
	random_bytes(&r, sizeof r);
	return v - v / 4 + (int64_t)(r % (unsigned int)(v / 2 + 1));
}

int64_t
backoff_next(struct backoff *b)
{
	int64_t d = b->cur < b->min ? b->min : b->cur;
	b->cur = d * 2 > b->max ? b->max : d * 2;
	return b->jitter ? backoff_jitter(d) : d;
}

void
backoff_reset(struct backoff *b)
{
	b->cur = b->min;
}

int
timed_wait_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

int
timed_wait(pthread_mutex_t *lock, pthread_cond_t *cond, int *flag, int64_t ms, int (*stopping)(void *ud), void *ud)
{
	struct timespec ts;
	if (ms < 0)
		ms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(lock);
	while (!(flag && *flag) && !(stopping && stopping(ud)))
		if (pthread_cond_timedwait(cond, lock, &ts) == ETIMEDOUT)
			break;
	int woken = flag ? *flag : 0;
	if (flag)
		*flag = 0;
	pthread_mutex_unlock(lock);
	return woken;
}
