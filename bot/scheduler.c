/*
 * scheduler.c - runs due jobs, each exactly once (see scheduler.h).  Its own
 * thread with its own database connection; it sleeps until the next due
 * time (at most a minute, or a second while a test clock is in use).
 */
#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "dispatch.h"
#include "logkv.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define JOB_BATCH 32

struct job_run {
	const struct core *core;
	const struct sched_kind *kind; /* NULL: unknown */
	struct job *job;
	const char *result;
	int done; /* the done mark's DB_OK / DB_NOTFOUND */
};

static int
job_run(struct db *db, void *ud)
{
	struct job_run *r = ud;
	int rc = DB_OK;
	if (!r->kind) {
		log_warn("event=job_dropped job=%lld kind=%s reason=unknown_kind", (long long)r->job->id,
			 LOG_KV(r->job->kind));
		r->result = "skipped: unknown kind";
	} else {
		rc = r->kind->run(db, r->core, r->job, &r->result);
	}
	/* the done mark commits with the job's effects: a crash repeats neither or both */
	if (rc == DB_OK)
		rc = r->done = state_job_done(db, r->job->id, r->result);
	return rc == DB_OK ? DB_OK : DB_ERR; /* done by someone else (DB_NOTFOUND): undo ours */
}

int
scheduler_run_due(struct db *db, const struct core *core, const struct sched_kind *kinds, size_t nkinds, int64_t now)
{
	struct job jobs[JOB_BATCH];
	size_t n = 0;
	int ran = 0;
	if (state_jobs_due(db, now, jobs, JOB_BATCH, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		struct job_run r = {core, NULL, j, "ran", DB_ERR};
		for (size_t q = 0; q < nkinds; q++)
			if (strcmp(kinds[q].kind, j->kind) == 0)
				r.kind = &kinds[q];
		/* a job runs like an inbound message: one transaction, owned by dispatch */
		if (dispatch_txn(db, core, job_run, &r) == DB_OK) {
			ran++;
			log_info("event=job_done kind=%s ref=%lld result=%s", LOG_KV(j->kind), (long long)j->ref,
				 LOG_KV(r.result));
		} else if (r.done != DB_NOTFOUND) {
			log_warn("event=job_failed kind=%s ref=%lld action=stays_due", LOG_KV(j->kind),
				 (long long)j->ref);
		}
		job_free(j);
	}
	return ran;
}

struct scheduler {
	struct transport_ctx ctx;
	char *db_path;
	const struct sched_kind *kinds;
	size_t nkinds;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int kicked, quit;
};

static int
sched_stopping(void *ud)
{
	const struct scheduler *s = ud;
	return s->quit || *s->ctx.stop;
}

static void
sched_wait(struct scheduler *s, int64_t ms)
{
	timed_wait(&s->lock, &s->cond, &s->kicked, ms, sched_stopping, s);
}

static void *
sched_main(void *arg)
{
	struct scheduler *s = arg;
	struct db *db = NULL;
	if (db_open(&db, s->db_path) < 0) {
		log_err("event=start_failed part=scheduler reason=database effect=no_reminders");
		return NULL;
	}
	/* a test clock moves in jumps: look every second then */
	int64_t cap_ms = getenv("MENTORBOT_TEST_CLOCK") ? 1000 : 60000;
	while (!*s->ctx.stop && !s->quit) {
		int r = scheduler_run_due(db, s->ctx.core, s->kinds, s->nkinds, now_s());
		if (r > 0)
			continue;
		int64_t next = state_job_next(db, now_s());
		int64_t ms = next < 0 ? cap_ms : next * 1000;
		sched_wait(s, r < 0 ? 1000 : (ms < cap_ms ? (ms > 0 ? ms : 50) : cap_ms));
	}
	db_close(db);
	return NULL;
}

int
scheduler_start(struct scheduler **out, const struct transport_ctx *ctx, const struct sched_kind *kinds, size_t nkinds)
{
	struct scheduler *s = xcalloc(1, sizeof *s);
	s->ctx = *ctx;
	s->db_path = xstrdup(ctx->db_path);
	s->kinds = kinds;
	s->nkinds = nkinds;
	pthread_mutex_init(&s->lock, NULL);
	timed_wait_cond_init(&s->cond);
	if (pthread_create(&s->thread, NULL, sched_main, s) != 0) {
		free(s->db_path);
		free(s);
		*out = NULL;
		return -1;
	}
	*out = s;
	return 0;
}

void
scheduler_kick(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->kicked = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
scheduler_join(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->quit = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->db_path);
	free(s);
}
