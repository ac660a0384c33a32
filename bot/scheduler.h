/*
 * scheduler.h - the persistent scheduler: reminders, deadlines and cascades.
 *
 * Due times live in SQLite (state_job_*).  A job runs inside one transaction
 * together with its effects (state changes, outbox rows) and its "done"
 * mark, so a restart neither misses a job (it is still pending and due) nor
 * repeats one (its done mark committed with its effects).  Time comes from
 * now_s(), which tests override with MENTORBOT_TEST_CLOCK instead of sleeping.
 */
#ifndef MB_SCHEDULER_H
#define MB_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

struct core;
struct db;
struct job;
struct transport_ctx;

struct sched_kind {
	const char *kind;
	/* Run one due job inside the open transaction.  Return 0, or <0 to roll the
	 * job back (it stays pending and is tried again).  *result: a short word for
	 * the record (static string), e.g. "ran" or "skipped: request answered". */
	int (*run)(struct db *db, const struct core *core, const struct job *job, const char **result);
};

/* The job kinds of the daemon (scheduler_kinds.c). */
extern const struct sched_kind sched_kinds[];
extern const size_t sched_nkinds;

/* Run every job due at now with the given kinds.  Returns the number run, or <0. */
int scheduler_run_due(struct db *db, const struct core *core, const struct sched_kind *kinds, size_t nkinds,
		      int64_t now);

struct scheduler;
/* Start the scheduler thread (own database connection). 0 or -1. */
int scheduler_start(struct scheduler **out, const struct transport_ctx *ctx, const struct sched_kind *kinds,
		    size_t nkinds);
/* New jobs were committed: look again now.  Thread-safe. */
void scheduler_kick(struct scheduler *s);
void scheduler_join(struct scheduler *s);

#endif
