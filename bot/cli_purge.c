/*
 * cli_purge.c - mentorbot purge -c FILE [--dry-run]: what [retention] lets
 * go, now.  The same passes as the daemon's daily job (retention_run.h),
 * each its own transaction; --dry-run only counts.  Prints per category how
 * many rows went (or would go), and the ids of the people told or erased
 * (never their addresses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dispatch.h"
#include "handlers/handlers.h"
#include "retention_run.h"
#include "state/state.h"
#include "util.h"

/* Totals over every pass. */
struct purge_total {
	int64_t rows[RET_NCAT];
	struct buf told, erased; /* " #1 #2 …" */
	size_t ntold, nerased;
};

static void
add_ids(struct buf *b, size_t *count, const struct retention_person *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s#%lld", b->len ? " " : "", (long long)v[i].id);
	*count += n;
}

static void
add_pass(struct purge_total *t, const struct retention_report *r)
{
	for (int c = 0; c < RET_NCAT; c++)
		t->rows[c] += r->rows[c];
	add_ids(&t->told, &t->ntold, r->told, r->ntold);
	add_ids(&t->erased, &t->nerased, r->erased, r->nerased);
}

static void
print_total(const struct templates *tm, const char *lang, const struct config *cfg, struct purge_total *t, int dry)
{
	for (int c = 0; c < RET_NCAT; c++) {
		char days[16], count[24];
		snprintf(days, sizeof days, "%d", retention_days(cfg, (enum retention_cat)c));
		snprintf(count, sizeof count, "%lld", (long long)t->rows[c]);
		const char *vars[] = {
			"category", retention_cat_name((enum retention_cat)c), "days", days, "count", count, NULL};
		cli_say(stdout, tm, lang, dry ? "cli.purge.row.dry" : "cli.purge.row", vars);
	}
	char n[24];
	snprintf(n, sizeof n, "%zu", t->ntold);
	const char *tv[] = {"count", n, "ids", t->told.p ? t->told.p : "", NULL};
	cli_say(stdout, tm, lang, dry ? "cli.purge.told.dry" : "cli.purge.told", tv);
	snprintf(n, sizeof n, "%zu", t->nerased);
	const char *ev[] = {"count", n, "ids", t->erased.p ? t->erased.p : "", NULL};
	cli_say(stdout, tm, lang, dry ? "cli.purge.erased.dry" : "cli.purge.erased", ev);
}

struct pass_arg {
	int64_t now;
	struct retention_cursor cur;
	struct retention_report r;
};

static int
pass_step(struct hctx *h, void *ud)
{
	struct pass_arg *a = ud;
	retention_report_free(&a->r);
	return retention_pass(h, a->now, RETENTION_BATCH, 0, &a->cur, &a->r);
}

/* Passes until nothing is left, each committed with the notices and erasures' mails.  0 or 1. */
static int
purge_all(struct db *db, const struct core *core, struct hctx *h, struct purge_total *t)
{
	struct pass_arg a = {.now = now_s()};
	int more = 1, rc = 0;
	while (more && rc == 0) {
		enum cli_txn tr = cli_staff_txn(db, core, h, pass_step, &a);
		hctx_free_replies(h);
		if (tr != CLI_TXN_DONE) {
			rc = 1;
			break;
		}
		add_pass(t, &a.r);
		more = a.r.more;
	}
	retention_report_free(&a.r);
	return rc;
}

int
cli_purge(const char *conf, int argc, char **argv)
{
	int dry = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") != 0)
			return 2;
		dry = 1;
	}
	struct config cfg;
	struct templates *tm = NULL;
	struct db *db = NULL;
	if (cli_open(conf, &cfg, &tm, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	struct core core;
	struct hctx h;
	struct purge_total t = {.told = BUF_INIT, .erased = BUF_INIT};
	int rc = cli_core(&core, &cfg, tm, db) < 0;
	cli_hctx(&h, db, &cfg, tm, &core, lang);
	if (!rc && dry) {
		struct retention_report r;
		struct retention_cursor cur = {{0}};
		rc = retention_pass(&h, now_s(), RETENTION_BATCH, 1, &cur, &r) != DB_OK;
		add_pass(&t, &r);
		retention_report_free(&r);
	} else if (!rc) {
		rc = purge_all(db, &core, &h, &t);
	}
	if (rc)
		cli_say(stderr, tm, lang, "cli.purge.failed", NULL);
	print_total(tm, lang, &cfg, &t, dry);
	buf_free(&t.told);
	buf_free(&t.erased);
	cli_close(&cfg, tm, db);
	return rc;
}
