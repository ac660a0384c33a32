/*
 * retention_run.h - one pass of the retention purge (state/retention.h) with
 * its effects on people: the notice 14 days before an erasure, and the
 * erasure itself (h_privacy_erase).  The daily scheduler job "retention"
 * (scheduler_kinds.c) and `mentorbot purge` (cli_purge.c) both run passes
 * until nothing is left; each pass is one transaction of at most `batch`
 * rows per category, going on where the last pass stopped (a cursor), so a large purge never holds the write lock long.
 */
#ifndef MB_RETENTION_RUN_H
#define MB_RETENTION_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "state/retention.h"
#include "templates.h"

struct hctx;

/* Rows per category and people per pass of the daemon's job and the CLI. */
#define RETENTION_BATCH 2000
#define RETENTION_PEOPLE_BATCH 100

struct retention_report {
	int64_t rows[RET_NCAT];        /* purged (or, dry run: past their age) */
	struct retention_person *told; /* notices queued (dry run: due) */
	size_t ntold;
	struct retention_person *erased; /* erased (dry run: due) */
	size_t nerased;
	int more; /* a category or the people filled their batch: run another pass */
};
/* Where each category's purge goes on (retention_purge's *after); all 0 starts a day's run. */
struct retention_cursor {
	int64_t after[RET_NCAT];
};
void retention_report_free(struct retention_report *r);

/*
 * One pass at now inside h's open transaction: forget notices that no longer
 * hold, erase who is due, queue the notices that are due (in h), purge at
 * most batch rows of each category.  dry_run: only count and list.
 * DB_OK or a DB_* error (the caller rolls back).
 */
int retention_pass(struct hctx *h, int64_t now, int batch, int dry_run, struct retention_cursor *cur,
		   struct retention_report *r);
/* The daemon's cursor between passes, in kv (its passes are separate jobs). */
int retention_cursor_load(struct db *db, struct retention_cursor *cur);
int retention_cursor_save(struct db *db, const struct retention_cursor *cur);

/* The templates retention_pass and `mentorbot purge` render. */
extern const struct tmpl_key tmpl_keys_retention[];

#endif
