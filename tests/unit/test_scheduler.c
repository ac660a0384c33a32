/* The persistent scheduler: due jobs run once, with their effects, across restarts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/dispatch.h"
#include "bot/scheduler.h"
#include "bot/util.h"
#include "state/state.h"
#include "t.h"

static char path[64];
static int runs, fail_next;

/* A job whose effect is a row in kv: "effect:<ref>" counts how often it ran. */
static int
effect_run(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	(void)core;
	if (fail_next) {
		fail_next = 0;
		return -1;
	}
	char *k = xasprintf("effect:%lld", (long long)job->ref), *v = NULL;
	int n = state_kv_get(db, k, &v) == DB_OK ? atoi(v) : 0;
	char num[16];
	snprintf(num, sizeof num, "%d", n + 1);
	int rc = state_kv_set(db, k, num);
	free(k);
	free(v);
	runs++;
	*result = "ran";
	return rc;
}

static const struct sched_kind kinds[] = {{"effect", effect_run}};

static int
effect_count(struct db *db, int64_t ref)
{
	char *k = xasprintf("effect:%lld", (long long)ref), *v = NULL;
	int n = state_kv_get(db, k, &v) == DB_OK ? atoi(v) : 0;
	free(k);
	free(v);
	return n;
}

static void
due_jobs_run_once_and_future_ones_wait(void)
{
	struct db *db;
	unlink(path);
	CHECK(db_open(&db, path) == 0);
	struct core core = {0};
	CHECK(db_begin(db) == 0);
	CHECK(state_job_put(db, "effect", 1, 1000, NULL) == 0);
	CHECK(state_job_put(db, "effect", 2, 2000, NULL) == 0);
	CHECK(db_commit(db) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 999) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 1500) == 1);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 1500) == 0);
	CHECK(effect_count(db, 1) == 1 && effect_count(db, 2) == 0);
	CHECK(state_job_next(db, 1500) == 500);
	db_close(db);
	/* "restart": a new connection sees job 2 still due, job 1 done */
	CHECK(db_open(&db, path) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 5000) == 1);
	CHECK(effect_count(db, 1) == 1 && effect_count(db, 2) == 1);
	CHECK(state_job_next(db, 5000) == -1);
	db_close(db);
}

static void
a_failed_job_stays_due_and_its_effects_are_undone(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	struct core core = {0};
	CHECK(db_begin(db) == 0 && state_job_put(db, "effect", 3, 100, NULL) == 0 && db_commit(db) == 0);
	fail_next = 1;
	CHECK(scheduler_run_due(db, &core, kinds, 1, 200) == 0);
	CHECK(effect_count(db, 3) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 200) == 1);
	CHECK(effect_count(db, 3) == 1);
	db_close(db);
}

static void
cancelled_and_rescheduled_jobs(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	struct core core = {0};
	CHECK(db_begin(db) == 0);
	CHECK(state_job_put(db, "effect", 4, 100, NULL) == 0);
	CHECK(state_job_put(db, "effect", 5, 100, NULL) == 0);
	CHECK(state_job_cancel(db, "effect", 4) == 0);
	CHECK(state_job_put(db, "effect", 5, 900, NULL) == 0); /* moved later */
	CHECK(state_job_put(db, "unknown-kind", 6, 100, NULL) == 0);
	CHECK(db_commit(db) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 500) == 1); /* only the unknown one, dropped */
	CHECK(effect_count(db, 4) == 0 && effect_count(db, 5) == 0);
	CHECK(scheduler_run_due(db, &core, kinds, 1, 900) == 1);
	CHECK(effect_count(db, 5) == 1);
	db_close(db);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-sched-%d.db", (int)getpid());
	RUN(due_jobs_run_once_and_future_ones_wait);
	RUN(a_failed_job_stays_due_and_its_effects_are_undone);
	RUN(cancelled_and_rescheduled_jobs);
	char *cmd = xasprintf("rm -f %s %s-wal %s-shm", path, path, path);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	free(cmd);
	return t_done();
}
