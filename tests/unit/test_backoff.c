/*
 * test_backoff.c - the transports' shared back-off and timed wait.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "outbox.h"
#include "t.h"
#include "util.h"

static int64_t
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_backoff_doubles_from_min_and_stops_at_max(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 300000, 0);
	int64_t want[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000};
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		CHECK(backoff_next(&b) == want[i]);
}

static void
test_backoff_reset_starts_again_at_min(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 300000, 0);
	for (int i = 0; i < 20; i++)
		backoff_next(&b);
	backoff_reset(&b);
	CHECK(backoff_next(&b) == 1000);
	CHECK(backoff_next(&b) == 2000);
}

static void
test_backoff_jitter_stays_within_a_quarter(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 300000, 1);
	int64_t step = 1000;
	int differed = 0;
	for (int i = 0; i < 12; i++) {
		int64_t d = backoff_next(&b);
		CHECK(d >= step - step / 4 && d <= step + step / 4);
		differed |= d != step;
		step = step * 2 > 300000 ? 300000 : step * 2;
	}
	CHECK(differed);
	for (int i = 0; i < 1000; i++) {
		int64_t d = backoff_jitter(40);
		CHECK(d >= 30 && d <= 50);
	}
	CHECK(backoff_jitter(0) == 0);
}

static void
test_outbox_retry_delay_keeps_its_steps(void)
{
	/* 30 s doubling up to 1 h, ±25 % */
	int base[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};
	for (int a = 0; a < (int)ARRAY_LEN(base); a++)
		for (int k = 0; k < 50; k++) {
			int d = outbox_retry_delay(a);
			CHECK(d >= base[a] - base[a] / 4 && d <= base[a] - base[a] / 4 + base[a] / 2);
		}
	int d = outbox_retry_delay(1000);
	CHECK(d >= 2700 && d <= 4500);
}

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int flag;
	int stop;
	int delay_ms;
	int set_stop; /* 1: the thread sets stop instead of flag */
};

static int
waiter_stopping(void *ud)
{
	struct waiter *w = ud;
	return w->stop;
}

static void *
waker(void *arg)
{
	struct waiter *w = arg;
	usleep((useconds_t)w->delay_ms * 1000);
	pthread_mutex_lock(&w->lock);
	if (w->set_stop)
		w->stop = 1;
	else
		w->flag = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
waiter_init(struct waiter *w)
{
	memset(w, 0, sizeof *w);
	pthread_mutex_init(&w->lock, NULL);
	CHECK(timed_wait_cond_init(&w->cond) == 0);
}

static void
waiter_destroy(struct waiter *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

static void
test_timed_wait_returns_at_the_deadline(void)
{
	struct waiter w;
	waiter_init(&w);
	int64_t t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, &w.flag, 150, waiter_stopping, &w) == 0);
	int64_t took = ms_now() - t0;
	CHECK(took >= 150 && took < 2000);
	/* without a flag or a stop function too */
	t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, NULL, 50, NULL, NULL) == 0);
	CHECK(ms_now() - t0 >= 50);
	waiter_destroy(&w);
}

static void
test_timed_wait_returns_early_when_woken(void)
{
	struct waiter w;
	waiter_init(&w);
	w.delay_ms = 50;
	pthread_t th;
	pthread_create(&th, NULL, waker, &w);
	int64_t t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, &w.flag, 10000, waiter_stopping, &w) == 1);
	CHECK(ms_now() - t0 < 5000);
	CHECK(w.flag == 0); /* consumed */
	pthread_join(th, NULL);
	/* a wake that came before the wait is not lost */
	w.flag = 1;
	t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, &w.flag, 10000, waiter_stopping, &w) == 1);
	CHECK(ms_now() - t0 < 1000);
	waiter_destroy(&w);
}

static void
test_timed_wait_returns_early_on_stop(void)
{
	struct waiter w;
	waiter_init(&w);
	w.delay_ms = 50;
	w.set_stop = 1;
	pthread_t th;
	pthread_create(&th, NULL, waker, &w);
	int64_t t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, &w.flag, 10000, waiter_stopping, &w) == 0);
	CHECK(ms_now() - t0 < 5000);
	pthread_join(th, NULL);
	/* without a flag (a plain sleep): only stop ends it early */
	t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, NULL, 10000, waiter_stopping, &w) == 0);
	CHECK(ms_now() - t0 < 1000);
	waiter_destroy(&w);
}

static void
test_timed_wait_without_flag_ignores_wakes(void)
{
	struct waiter w;
	waiter_init(&w);
	w.delay_ms = 20;
	pthread_t th;
	pthread_create(&th, NULL, waker, &w);
	int64_t t0 = ms_now();
	CHECK(timed_wait(&w.lock, &w.cond, NULL, 200, waiter_stopping, &w) == 0);
	CHECK(ms_now() - t0 >= 200);
	pthread_join(th, NULL);
	waiter_destroy(&w);
}

int
main(void)
{
	RUN(test_backoff_doubles_from_min_and_stops_at_max);
	RUN(test_backoff_reset_starts_again_at_min);
	RUN(test_backoff_jitter_stays_within_a_quarter);
	RUN(test_outbox_retry_delay_keeps_its_steps);
	RUN(test_timed_wait_returns_at_the_deadline);
	RUN(test_timed_wait_returns_early_when_woken);
	RUN(test_timed_wait_returns_early_on_stop);
	RUN(test_timed_wait_without_flag_ignores_wakes);
	return t_done();
}
