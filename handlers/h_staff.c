/*
 * h_staff.c - "stats [programme]" (statistik) for staff, by mail and in
 * chat, and the figures text it shares with "mentorbot report".  Reads
 * only (state/reports.c); runs in the thread that dispatches the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_bounces.h"
#include "handlers/h_import.h"
#include "handlers/h_staff.h"
#include "handlers/handlers.h"
#include "state/reports.h"

const struct tmpl_key tmpl_keys_staff[] = {
	{"cmd.stats", ""},
	{"cmd.stats.short", ""},
	{"staff.stats", "date,figures"},
	{"staff.stats.chat", "date,figures"},
	{"staff.stats.unknown_programme", "programme,programmes"},
	{"staff.stats.none", ""},
	{"staff.block.title", "name,slug"},
	{"staff.block.events", ""},
	{"staff.label.applications", ""},
	{"staff.label.pending", ""},
	{"staff.label.mentees", ""},
	{"staff.label.mentors", ""},
	{"staff.label.alumni", ""},
	{"staff.label.members", ""},
	{"staff.label.matched", ""},
	{"staff.label.requests_open", ""},
	{"staff.label.sessions_held", ""},
	{"staff.label.hours", ""},
	{"staff.label.events_announced", ""},
	{"staff.label.events_upcoming", ""},
	{"staff.label.rsvp_going", ""},
	{"staff.label.rsvp_waiting", ""},
	{"staff.label.attended", ""},
	{"staff.chat.line", "name,slug,applications,pending,mentees,mentors,matched,open,sessions,hours"},
	{"staff.chat.events", "announced,upcoming,going,waiting,attended"},
	/* mentorbot report (bot/cli_report.c) */
	{"staff.report.title", "date,scope"},
	{"staff.report.scope_all", ""},
	{"staff.report.pending", "count"},
	{"staff.report.pending.item", "id,programme,role,who,since"},
	{"staff.report.requests", "count"},
	{"staff.report.requests.item", "id,programme,mentee,mentor,since,deadline"},
	{"staff.report.matches", "count"},
	{"staff.report.matches.item", "id,programme,mentee,mentor,since"},
	{"staff.report.events", "count,percent"},
	{"staff.report.events.item", "id,title,date,going,capacity,waiting"},
	{"staff.report.none", ""},
	/* mentorbot export (bot/cli_report.c) */
	{"staff.csv.matches", ""},
	{"staff.csv.sessions", ""},
	{"staff.cli.report_usage", ""},
	{"staff.cli.export_usage", ""},
	{"staff.cli.unknown_programme", "programme,programmes"},
	{"staff.cli.cannot_write", "file,error"},
	{"staff.cli.written", "file,rows"},
	{NULL, NULL},
};

void
staff_hours(int64_t minutes, const char *lang, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f", (double)minutes / 60.0);
	if (lang && strcmp(lang, "de") == 0) {
		char *dot = strchr(buf, '.');
		if (dot)
			*dot = ',';
	}
}

void
staff_date(int64_t t, int with_time, char *buf, size_t size)
{
	struct when_tm tm;
	if (t == 0 || when_epoch_to_local(t, &tm) != 0) {
		if (size)
			buf[0] = '\0';
		return;
	}
	if (with_time)
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", tm.year, tm.mon, tm.day, tm.hour, tm.min);
	else
		snprintf(buf, size, "%04d-%02d-%02d", tm.year, tm.mon, tm.day);
}

/* Width of UTF-8 text in characters (code points; good enough for labels). */
static size_t
text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static char *
render(const struct templates *t, const char *lang, const char *key)
{
	const char *none[] = {NULL};
	return tmpl_render(t, lang, key, none);
}

/* One line of a block: indent, label, value; widths shared by all blocks. */
struct row {
	int indent;  /* 0 = block title (no value), 1 = figure, 2 = sub-figure */
	char *label; /* owned */
	char value[32];
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static void
rows_add(struct rows *r, int indent, char *label, const char *value)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	struct row *x = &r->v[r->n++];
	x->indent = indent;
	x->label = label;
	snprintf(x->value, sizeof x->value, "%s", value ? value : "");
}

static void
rows_num(struct rows *r, int indent, const struct templates *t, const char *lang, const char *key, int64_t v)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)v);
	rows_add(r, indent, render(t, lang, key), num);
}

static void
rows_out(struct rows *r, struct buf *b)
{
	size_t lw = 0, vw = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!r->v[i].indent)
			continue;
		size_t w = 2 * (size_t)r->v[i].indent + text_width(r->v[i].label);
		if (w > lw)
			lw = w;
		if (strlen(r->v[i].value) > vw)
			vw = strlen(r->v[i].value);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct row *x = &r->v[i];
		if (!x->indent) {
			buf_addf(b, "%s%s\n", i ? "\n" : "", x->label);
			continue;
		}
		size_t w = 2 * (size_t)x->indent + text_width(x->label);
		buf_addf(b, "%*s%s%*s%*s\n", 2 * x->indent, "", x->label, (int)(lw - w + 2), "", (int)vw, x->value);
	}
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].label);
	free(r->v);
	memset(r, 0, sizeof *r);
}

int
staff_figures_text(struct db *db, const struct templates *t, const char *lang, const char *programme, int64_t now,
		   int full, char **out)
{
	struct report_figures *f = NULL;
	size_t n = 0;
	struct report_events ev;
	*out = NULL;
	int rc = state_report_figures(db, programme, &f, &n);
	if (rc != DB_OK)
		return rc;
	if ((rc = state_report_events(db, programme, now, &ev)) != DB_OK) {
		report_figures_free(f, n);
		return rc;
	}
	struct buf b = BUF_INIT;
	char hours[32];
	if (n == 0) {
		char *s = render(t, lang, "staff.stats.none");
		buf_addf(&b, "%s\n", s);
		free(s);
	}
	if (full) {
		struct rows r = {0};
		for (size_t i = 0; i < n; i++) {
			const char *vars[] = {"name", f[i].name, "slug", f[i].slug, NULL};
			rows_add(&r, 0, tmpl_render(t, lang, "staff.block.title", vars), NULL);
			rows_num(&r, 1, t, lang, "staff.label.applications", f[i].applications);
			rows_num(&r, 2, t, lang, "staff.label.pending", f[i].applications_pending);
			rows_num(&r, 1, t, lang, "staff.label.mentees", f[i].mentees);
			rows_num(&r, 1, t, lang, "staff.label.mentors", f[i].mentors);
			if (f[i].alumni)
				rows_num(&r, 1, t, lang, "staff.label.alumni", f[i].alumni);
			if (f[i].members)
				rows_num(&r, 1, t, lang, "staff.label.members", f[i].members);
			rows_num(&r, 1, t, lang, "staff.label.matched", f[i].matched);
			rows_num(&r, 1, t, lang, "staff.label.requests_open", f[i].requests_open);
			rows_num(&r, 1, t, lang, "staff.label.sessions_held", f[i].sessions_held);
			staff_hours(f[i].minutes_logged, lang, hours, sizeof hours);
			rows_add(&r, 1, render(t, lang, "staff.label.hours"), hours);
		}
		if (ev.present) {
			rows_add(&r, 0, render(t, lang, "staff.block.events"), NULL);
			rows_num(&r, 1, t, lang, "staff.label.events_announced", ev.announced);
			rows_num(&r, 2, t, lang, "staff.label.events_upcoming", ev.upcoming);
			rows_num(&r, 1, t, lang, "staff.label.rsvp_going", ev.going);
			rows_num(&r, 1, t, lang, "staff.label.rsvp_waiting", ev.waiting);
			rows_num(&r, 1, t, lang, "staff.label.attended", ev.attended);
		}
		rows_out(&r, &b);
	} else {
		for (size_t i = 0; i < n; i++) {
			char a[5][24];
			snprintf(a[0], sizeof a[0], "%lld", (long long)f[i].applications);
			snprintf(a[1], sizeof a[1], "%lld", (long long)f[i].applications_pending);
			snprintf(a[2], sizeof a[2], "%lld", (long long)f[i].mentees);
			snprintf(a[3], sizeof a[3], "%lld", (long long)f[i].mentors);
			snprintf(a[4], sizeof a[4], "%lld", (long long)f[i].matched);
			char o[24], s[24];
			snprintf(o, sizeof o, "%lld", (long long)f[i].requests_open);
			snprintf(s, sizeof s, "%lld", (long long)f[i].sessions_held);
			staff_hours(f[i].minutes_logged, lang, hours, sizeof hours);
			const char *vars[] = {"name",    f[i].name, "slug",    f[i].slug, "applications", a[0],
					      "pending", a[1],      "mentees", a[2],      "mentors",      a[3],
					      "matched", a[4],      "open",    o,         "sessions",     s,
					      "hours",   hours,     NULL};
			char *line = tmpl_render(t, lang, "staff.chat.line", vars);
			buf_addf(&b, "%s\n", line);
			free(line);
		}
		if (ev.present) {
			char e[5][24];
			snprintf(e[0], sizeof e[0], "%lld", (long long)ev.announced);
			snprintf(e[1], sizeof e[1], "%lld", (long long)ev.upcoming);
			snprintf(e[2], sizeof e[2], "%lld", (long long)ev.going);
			snprintf(e[3], sizeof e[3], "%lld", (long long)ev.waiting);
			snprintf(e[4], sizeof e[4], "%lld", (long long)ev.attended);
			const char *vars[] = {"announced", e[0], "upcoming", e[1], "going", e[2],
					      "waiting",   e[3], "attended", e[4], NULL};
			char *line = tmpl_render(t, lang, "staff.chat.events", vars);
			buf_addf(&b, "%s\n", line);
			free(line);
		}
	}
	report_figures_free(f, n);
	char *net = NULL; /* the alumni and company network (handlers/h_import.c) */
	if (!programme || strcmp(programme, "alumni") == 0) {
		if ((rc = h_import_network_text(db, t, lang, full, &net)) != DB_OK) {
			buf_free(&b);
			return rc;
		}
		buf_addf(&b, "%s%s\n", full ? "\n" : "", net);
		free(net);
	}
	/* no trailing newline: the templates place the block */
	while (b.len && b.p[b.len - 1] == '\n')
		b.p[--b.len] = '\0';
	*out = buf_detach(&b);
	return DB_OK;
}

int
h_programme_arg_check(struct hctx *h, const char *key, const char *var)
{
	if (h->argc == 0)
		return 0;
	char *slug = cmd_fold(h->argv[0]);
	int rc = state_programme_exists(h->db, slug, NULL);
	free(slug);
	if (rc != DB_NOTFOUND)
		return db_failed(rc) ? rc : 0;
	char *list = state_programme_list(h->db);
	hctx_reply(h, key, var, h->argv[0], "programmes", list, NULL);
	free(list);
	return 1;
}

/* "stats [programme]": the programme, when named, must exist. */
int
h_stats_check(struct hctx *h)
{
	return h_programme_arg_check(h, "staff.stats.unknown_programme", "programme");
}

int
h_stats_run(struct hctx *h)
{
	char *slug = h->argc ? cmd_fold(h->argv[0]) : NULL;
	int full = strcmp(h->transport, "mail") == 0;
	char *text = NULL, date[32];
	int64_t now = now_s();
	int rc = staff_figures_text(h->db, h->tmpl, h->lang, slug, now, full, &text);
	char *gone = NULL; /* the bounced addresses, with the figures of all programmes */
	if (rc == DB_OK && !slug && (rc = staff_undeliverable_text(h->db, h->tmpl, h->lang, 0, &gone)) == DB_OK &&
	    gone) {
		char *both = xasprintf("%s\n\n%s", text, gone);
		free(text);
		text = both;
	}
	free(gone);
	if (rc == DB_NOTFOUND) {
		rc = DB_ERR; /* h_stats_check found the programme, in this transaction */
	} else if (rc == DB_OK) {
		staff_date(now, 1, date, sizeof date);
		hctx_reply(h, full ? "staff.stats" : "staff.stats.chat", "date", date, "figures", text, NULL);
	}
	free(text);
	free(slug);
	return rc;
}
