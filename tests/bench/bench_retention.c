/*
 * bench_retention.c - bench.privacy.purge_100k_rows_s (issue 12, Benchmark):
 * the time to purge 100,000 expired rows (50,000 raw mails of 1 KB, 20,000
 * chat journal rows of 1 KB, 20,000 sent outbox bodies, 10,000 bounce events, all
 * older than their [retention] age, among 10,000 recent rows that stay) the
 * way the daily job does: passes of RETENTION_BATCH rows per category, each
 * its own transaction.  Also the longest pass, i.e. the longest the purge
 * holds the write lock (bench.privacy.purge_pass_max_ms).
 *
 * Built by tests/bench/bench_retention.py (make build/bench/bench_retention).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/retention_run.h"
#include "bot/util.h"
#include "state/db_internal.h"
#include "state/retention.h"
#include "state/state.h"

#define DAY 86400

static void
exec(struct db *db, const char *s)
{
	char *err = NULL;
	if (sqlite3_exec(db->h, s, NULL, NULL, &err) != SQLITE_OK)
		fatal("bench_retention: %s", err ? err : "?");
}

static void
fill(struct db *db, int64_t now)
{
	int64_t old = now - 400 * DAY, recent = now - DAY;
	char *s = xasprintf(
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 75000)"
		" INSERT INTO inbound(transport, dedupe, received, raw, status, meta)"
		" SELECT CASE WHEN i BETWEEN 50001 AND 70000 THEN 'xmpp' ELSE 'mail' END, 'd' || i,"
		"  CASE WHEN i <= 70000 THEN %lld ELSE %lld END, randomblob(1024), 'done', NULL FROM n;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)"
		" INSERT INTO outbox(transport, rcpt, message_id, payload, status, created)"
		" SELECT 'mail', 'a' || i || '@example.test', 'o' || i, randomblob(1024), 'sent',"
		"  CASE WHEN i <= 20000 THEN %lld ELSE %lld END FROM n;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
		" INSERT INTO bounce_event(address, at) SELECT 'b' || i || '@example.test', %lld FROM n;",
		(long long)old, (long long)recent, (long long)old, (long long)recent, (long long)old);
	exec(db, "BEGIN");
	exec(db, s);
	exec(db, "COMMIT");
	free(s);
}

int
main(void)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/mb-bench-retention-%d.db", (int)getpid());
	struct db *db = NULL;
	if (db_open(&db, path) < 0)
		fatal("bench_retention: cannot open %s", path);
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.retention.raw_mail_days = cfg.retention.chat_journal_days = cfg.retention.journal_days = 30;
	cfg.retention.outbox_body_days = 30;
	cfg.retention.bounce_days = cfg.retention.left_people_days = 365;
	int64_t now = now_s();
	fill(db, now);
	int64_t total = 0, max_ms = 0, t0 = mono_ms();
	int more = 1;
	struct retention_cursor cur = {{0}};
	while (more) {
		int64_t p0 = mono_ms();
		more = 0;
		exec(db, "BEGIN IMMEDIATE");
		for (int c = 0; c < RET_NCAT; c++) {
			int64_t n = 0;
			if (retention_purge(db, &cfg, (enum retention_cat)c, now, RETENTION_BATCH, &cur.after[c], &n) != DB_OK)
				fatal("bench_retention: purge failed");
			total += n;
			more |= n >= RETENTION_BATCH;
		}
		exec(db, "COMMIT");
		if (mono_ms() - p0 > max_ms)
			max_ms = mono_ms() - p0;
	}
	double s = (double)(mono_ms() - t0) / 1000.0;
	if (total != 100000)
		fatal("bench_retention: purged %lld rows, expected 100000", (long long)total);
	printf("bench.privacy.purge_100k_rows_s: %.2f\n", s);
	printf("bench.privacy.purge_pass_max_ms: %lld\n", (long long)max_ms);
	db_close(db);
	char *cmd = xasprintf("rm -f %s %s-wal %s-shm", path, path, path);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_retention: cleanup failed\n");
	free(cmd);
	return 0;
}
