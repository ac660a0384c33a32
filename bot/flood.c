/*
 * flood.c - token buckets keyed by person ("p:<id>") or, for strangers, by
 * endpoint.  A fixed-size table with least-recently-used eviction keeps the
 * memory bounded whatever a flood of new senders does.  One mutex: every
 * transport thread calls in.
 */
#include "flood.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FLOOD_SLOTS 4096
#define FLOOD_KEY 96

struct bucket {
	char key[FLOOD_KEY];
	double tokens;
	int64_t last_ms;
	int noticed;
};

struct flood {
	pthread_mutex_t lock;
	double rate_per_ms;
	double burst;
	struct bucket slot[FLOOD_SLOTS];
};

struct flood *
flood_new(int rate_per_min, int burst)
{
	struct flood *f = xcalloc(1, sizeof *f);
	pthread_mutex_init(&f->lock, NULL);
	f->rate_per_ms = (rate_per_min > 0 ? rate_per_min : 20) / 60000.0;
	f->burst = burst > 0 ? burst : 10;
	return f;
}

void
flood_free(struct flood *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void
flood_set(struct flood *f, int rate_per_min, int burst)
{
	pthread_mutex_lock(&f->lock);
	f->rate_per_ms = (rate_per_min > 0 ? rate_per_min : 20) / 60000.0;
	f->burst = burst > 0 ? burst : 10;
	for (size_t i = 0; i < FLOOD_SLOTS; i++)
		if (f->slot[i].tokens > f->burst)
			f->slot[i].tokens = f->burst;
	pthread_mutex_unlock(&f->lock);
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
flood_take(struct flood *f, const char *key, int64_t now_ms)
{
	int r = FLOOD_OK;
	pthread_mutex_lock(&f->lock);
	/* open addressing over 8 probes; the oldest probed slot is recycled */
	uint32_t h = hash(key);
	struct bucket *b = NULL, *oldest = NULL;
	for (int i = 0; i < 8; i++) {
		struct bucket *c = &f->slot[(h + (uint32_t)i) % FLOOD_SLOTS];
		if (strncmp(c->key, key, FLOOD_KEY - 1) == 0 && c->key[0]) {
			b = c;
			break;
		}
		if (!oldest || c->last_ms < oldest->last_ms)
			oldest = c;
	}
	if (!b) {
		b = oldest;
		memset(b, 0, sizeof *b);
		strncpy(b->key, key, FLOOD_KEY - 1);
		b->tokens = f->burst;
		b->last_ms = now_ms;
	}
	b->tokens += (double)(now_ms - b->last_ms) * f->rate_per_ms;
	if (b->tokens > f->burst)
		b->tokens = f->burst;
	b->last_ms = now_ms;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		b->noticed = 0;
	} else {
		r = b->noticed ? FLOOD_SILENT : FLOOD_NOTICE;
		b->noticed = 1;
	}
	pthread_mutex_unlock(&f->lock);
	return r;
}
