/*
 * retention_run.c - one pass of the retention purge and its notices and
 * erasures (see retention_run.h).
 */
#include "retention_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers/h_privacy.h"
#include "handlers/handlers.h"
#include "state/state.h"
#include "util.h"

void
retention_report_free(struct retention_report *r)
{
	free(r->told);
	free(r->erased);
	memset(r, 0, sizeof *r);
}

/* The slugs of the programmes p left: "mentoring, alumni".  Allocated. */
static char *
former_programmes(struct hctx *h, int64_t person)
{
	struct membership *ms = NULL;
	size_t n = 0;
	struct buf b = BUF_INIT;
	if (state_memberships(h->db, person, &ms, &n) == DB_OK)
		for (size_t i = 0; i < n; i++) {
			size_t j = 0;
			while (j < i && strcmp(ms[j].programme, ms[i].programme) != 0)
				j++;
			if (j == i) /* a programme left in two roles is named once */
				buf_addf(&b, "%s%s", b.len ? ", " : "", ms[i].programme);
		}
	memberships_free(ms, n);
	return b.p ? buf_detach(&b) : xstrdup("");
}

/* The notice to p, in their language, at their first verified mail address (else chat). */
static int
tell(struct hctx *h, const struct retention_person *p, int64_t now)
{
	struct who w = {0};
	int rc = who_load(h, p->id, &w);
	if (rc != DB_OK)
		return rc;
	const char *kind = "mail", *addr = who_mail(&w);
	for (size_t i = 0; !addr && i < w.neps; i++)
		if (w.eps[i].verified) {
			kind = w.eps[i].kind;
			addr = w.eps[i].addr;
		}
	char date[16];
	time_t t = (time_t)(retention_erase_day(now) * 86400);
	struct tm tm;
	strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&t, &tm));
	if (addr) {
		char *progs = former_programmes(h, p->id);
		hctx_reply_to(h, kind, addr, "retention.notice", "lang", w.lang, "date", date, "programmes", progs,
			      NULL);
		free(progs);
	}
	log_info("retention: person %lld told of the erasure on %s%s", (long long)p->id, date,
		 addr ? "" : " (no address: not sent)");
	who_free(&w);
	return retention_notice_mark(h->db, p, now);
}

static int
people_pass(struct hctx *h, int64_t now, int dry_run, struct retention_report *r)
{
	int64_t pruned = 0;
	int rc = dry_run ? DB_OK : retention_notices_prune(h->db, &pruned);
	if (rc == DB_OK)
		rc = retention_erase_due(h->db, now, RETENTION_PEOPLE_BATCH, &r->erased, &r->nerased);
	for (size_t i = 0; rc == DB_OK && !dry_run && i < r->nerased; i++) {
		rc = h_privacy_erase(h, r->erased[i].id, "retention");
		if (rc == DB_OK)
			rc = retention_notice_forget(h->db, r->erased[i].id);
		if (rc == DB_OK)
			log_info("retention: person %lld erased", (long long)r->erased[i].id);
	}
	if (rc == DB_OK)
		rc = retention_notice_due(h->db, h->cfg, now, RETENTION_PEOPLE_BATCH, &r->told, &r->ntold);
	for (size_t i = 0; rc == DB_OK && !dry_run && i < r->ntold; i++)
		rc = tell(h, &r->told[i], now);
	if (r->nerased == RETENTION_PEOPLE_BATCH || r->ntold == RETENTION_PEOPLE_BATCH)
		r->more = !dry_run;
	return rc;
}

int
retention_pass(struct hctx *h, int64_t now, int batch, int dry_run, struct retention_cursor *cur,
	       struct retention_report *r)
{
	memset(r, 0, sizeof *r);
	int rc = people_pass(h, now, dry_run, r);
	for (int c = 0; rc == DB_OK && c < RET_NCAT; c++) {
		if (dry_run) {
			rc = retention_count(h->db, h->cfg, (enum retention_cat)c, now, &r->rows[c]);
			continue;
		}
		rc = retention_purge(h->db, h->cfg, (enum retention_cat)c, now, batch, &cur->after[c], &r->rows[c]);
		if (r->rows[c] >= batch)
			r->more = 1;
	}
	return rc;
}

#define CURSOR_KEY "retention.cursor"

int
retention_cursor_load(struct db *db, struct retention_cursor *cur)
{
	char *v = NULL;
	memset(cur, 0, sizeof *cur);
	int rc = state_kv_get(db, CURSOR_KEY, &v);
	if (rc == DB_NOTFOUND)
		return DB_OK;
	const char *p = v;
	for (int c = 0; rc == DB_OK && c < RET_NCAT && p && *p; c++) {
		char *end;
		cur->after[c] = strtoll(p, &end, 10);
		p = end;
	}
	free(v);
	return rc;
}

int
retention_cursor_save(struct db *db, const struct retention_cursor *cur)
{
	struct buf b = BUF_INIT;
	for (int c = 0; c < RET_NCAT; c++)
		buf_addf(&b, "%s%lld", c ? " " : "", (long long)cur->after[c]);
	int rc = state_kv_set(db, CURSOR_KEY, b.p);
	buf_free(&b);
	return rc;
}

const struct tmpl_key tmpl_keys_retention[] = {
	{"retention.notice", "date,programmes"},
	{"retention.notice.subject", "date,programmes"},
	{"cli.purge.row", "category,days,count"},
	{"cli.purge.row.dry", "category,days,count"},
	{"cli.purge.told", "count,ids"},
	{"cli.purge.told.dry", "count,ids"},
	{"cli.purge.erased", "count,ids"},
	{"cli.purge.erased.dry", "count,ids"},
	{"cli.purge.failed", ""},
	{NULL, NULL},
};
