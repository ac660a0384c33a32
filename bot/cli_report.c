/*
 * cli_report.c - "mentorbot report" (the staff figures and what needs
 * attention, for a desk) and "mentorbot export matches|sessions --csv"
 * (UTF-8 with BOM, CRLF).  "export attendees ID" is handed to the events
 * CLI when it is linked.  Runs in the CLI process only; every sentence
 * comes from templates/<[bot] language>/staff.txt, rendered with the
 * shared helpers of bot/cli.c (cli_lang, cli_text, cli_say).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/cli.h"
#include "bot/cli_report.h"
#include "bot/commands.h"
#include "bot/config.h"
#include "bot/csv.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_bounces.h"
#include "handlers/h_staff.h"
#include "social.h"
#include "state/reports.h"
#include "state/state.h"

static void
unknown_programme(struct db *db, const struct templates *t, const char *lang, const char *programme)
{
	char *list = state_programme_list(db);
	const char *vars[] = {"programme", programme, "programmes", list, NULL};
	cli_say(stderr, t, lang, "staff.cli.unknown_programme", vars);
	free(list);
}

/* "Name <addr>", "Name", "addr" or "#id" into an allocated string. */
static char *
who(const char *name, const char *addr, const char *id)
{
	if (name && addr)
		return xasprintf("%s <%s>", name, addr);
	if (name || addr)
		return xstrdup(name ? name : addr);
	return xasprintf("#%s", id ? id : "?");
}

static int64_t
cell_int(const struct report_table *tb, size_t row, size_t col)
{
	const char *s = report_cell(tb, row, col);
	return s ? strtoll(s, NULL, 10) : 0;
}

static void
section_head(FILE *out, const struct templates *t, const char *lang, const char *key, size_t count, const char *percent)
{
	char n[24];
	snprintf(n, sizeof n, "%zu", count);
	const char *vars[] = {"count", n, "percent", percent, NULL};
	char *s = cli_text(t, lang, key, vars);
	fprintf(out, "\n%s\n", s);
	free(s);
	if (count == 0)
		cli_say(out, t, lang, "staff.report.none", NULL);
}

/* The lists staff act on.  DB_OK or DB_ERR. */
static int
report_lists(FILE *out, struct db *db, const struct templates *t, const char *lang, const char *programme, int64_t now)
{
	struct report_table tb;
	char d1[32], d2[32];

	if (state_report_pending_applications(db, programme, &tb) != DB_OK)
		return DB_ERR;
	section_head(out, t, lang, "staff.report.pending", tb.nrows, NULL);
	for (size_t i = 0; i < tb.nrows; i++) {
		char *w = who(report_cell(&tb, i, 3), report_cell(&tb, i, 4), report_cell(&tb, i, 6));
		staff_date(cell_int(&tb, i, 5), 1, d1, sizeof d1);
		const char *vars[] = {"id",        report_cell(&tb, i, 0),
				      "programme", report_cell(&tb, i, 1),
				      "role",      report_cell(&tb, i, 2),
				      "who",       w,
				      "since",     d1,
				      NULL};
		cli_say(out, t, lang, "staff.report.pending.item", vars);
		free(w);
	}
	report_table_free(&tb);

	if (state_report_stale_requests(db, programme, now, &tb) != DB_OK)
		return DB_ERR;
	section_head(out, t, lang, "staff.report.requests", tb.nrows, NULL);
	for (size_t i = 0; i < tb.nrows; i++) {
		char *a = who(report_cell(&tb, i, 2), report_cell(&tb, i, 3), NULL);
		char *b = who(report_cell(&tb, i, 4), report_cell(&tb, i, 5), NULL);
		staff_date(cell_int(&tb, i, 6), 1, d1, sizeof d1);
		staff_date(cell_int(&tb, i, 7), 1, d2, sizeof d2);
		const char *vars[] = {"id",        report_cell(&tb, i, 0),
				      "programme", report_cell(&tb, i, 1),
				      "mentee",    a,
				      "mentor",    b,
				      "since",     d1,
				      "deadline",  d2,
				      NULL};
		cli_say(out, t, lang, "staff.report.requests.item", vars);
		free(a);
		free(b);
	}
	report_table_free(&tb);

	if (state_report_idle_matches(db, programme, &tb) != DB_OK)
		return DB_ERR;
	section_head(out, t, lang, "staff.report.matches", tb.nrows, NULL);
	for (size_t i = 0; i < tb.nrows; i++) {
		char *a = who(report_cell(&tb, i, 2), report_cell(&tb, i, 3), NULL);
		char *b = who(report_cell(&tb, i, 4), report_cell(&tb, i, 5), NULL);
		staff_date(cell_int(&tb, i, 6), 0, d1, sizeof d1);
		const char *vars[] = {"id",        report_cell(&tb, i, 0),
				      "programme", report_cell(&tb, i, 1),
				      "mentee",    a,
				      "mentor",    b,
				      "since",     d1,
				      NULL};
		cli_say(out, t, lang, "staff.report.matches.item", vars);
		free(a);
		free(b);
	}
	report_table_free(&tb);

	if (state_report_has_events(db)) {
		char pct[8];
		snprintf(pct, sizeof pct, "%d", REPORT_FILL_PERCENT);
		if (state_report_filling_events(db, programme, now, REPORT_FILL_PERCENT, &tb) != DB_OK)
			return DB_ERR;
		section_head(out, t, lang, "staff.report.events", tb.nrows, pct);
		for (size_t i = 0; i < tb.nrows; i++) {
			staff_date(cell_int(&tb, i, 2), 1, d1, sizeof d1);
			const char *vars[] = {"id",       report_cell(&tb, i, 0),
					      "title",    report_cell(&tb, i, 1),
					      "date",     d1,
					      "capacity", report_cell(&tb, i, 3),
					      "going",    report_cell(&tb, i, 4),
					      "waiting",  report_cell(&tb, i, 5),
					      NULL};
			cli_say(out, t, lang, "staff.report.events.item", vars);
		}
		report_table_free(&tb);
	}
	return DB_OK;
}

int
report_write(FILE *out, struct db *db, const struct templates *t, const char *lang, const char *programme, int64_t now)
{
	char *figures = NULL;
	int rc = staff_figures_text(db, t, lang, programme, now, 1, &figures);
	if (rc != DB_OK)
		return rc;
	char date[32];
	staff_date(now, 1, date, sizeof date);
	char *all = programme ? NULL : cli_text(t, lang, "staff.report.scope_all", NULL);
	const char *vars[] = {"date", date, "scope", programme ? programme : all, NULL};
	cli_say(out, t, lang, "staff.report.title", vars);
	free(all);
	fprintf(out, "\n%s\n", figures);
	free(figures);
	rc = report_lists(out, db, t, lang, programme, now);
	char *gone = NULL; /* bounced addresses belong to no programme: in the whole report only */
	if (rc == DB_OK && !programme && (rc = staff_undeliverable_text(db, t, lang, 1, &gone)) == DB_OK)
		fprintf(out, "\n%s\n", gone);
	free(gone);
	return rc;
}

int
cli_report(const char *conf, int argc, char **argv)
{
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(conf, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	int rc = 0;
	char *slug = NULL;
	if (argc > 1 || (argc == 1 && argv[0][0] == '-')) {
		cli_say(stderr, t, lang, "staff.cli.report_usage", NULL);
		rc = 2;
		goto out;
	}
	slug = argc ? cmd_fold(argv[0]) : NULL;
	int r = report_write(stdout, db, t, lang, slug, now_s());
	if (r == DB_OK && !slug)
		r = social_report(stdout, db, t, lang);
	if (r == DB_NOTFOUND)
		unknown_programme(db, t, lang, argv[0]);
	if (r != DB_OK || fflush(stdout) != 0)
		rc = 1;
out:
	free(slug);
	cli_close(&cfg, t, db);
	return rc;
}

/* The network exports (alumni, companies, offers): the table as it is, epoch columns as dates.
 * Staff get everything the office holds, as a CiviCRM office export would: the alumni's hidden
 * profile fields too, with a column naming the fields each one shows in the directory. */
static int
export_network(FILE *f, struct db *db, const struct templates *t, const char *lang, const char *what, size_t *rows)
{
	static const struct {
		const char *what, *header;
		int (*query)(struct db *, struct report_table *);
		int dates[4]; /* columns holding epoch seconds, -1 ends */
	} exports[] = {
		{"alumni", "import.csv.alumni", state_report_alumni, {3, -1}},
		{"companies", "import.csv.companies", state_report_companies, {3, -1}},
		{"offers", "import.csv.offers", state_report_offers, {6, 7, 8, 9}},
	};
	size_t e = 0;
	while (strcmp(exports[e].what, what) != 0)
		e++;
	struct report_table tb;
	if (exports[e].query(db, &tb) != DB_OK)
		return DB_ERR;
	csv_bom(f);
	cli_csv_header(f, t, lang, exports[e].header);
	const char **row = xcalloc(tb.ncols, sizeof *row);
	char dates[4][32];
	for (size_t i = 0; i < tb.nrows; i++) {
		for (size_t c = 0; c < tb.ncols; c++)
			row[c] = report_cell(&tb, i, c);
		for (size_t d = 0; d < ARRAY_LEN(dates) && exports[e].dates[d] >= 0; d++) {
			size_t c = (size_t)exports[e].dates[d];
			staff_date(cell_int(&tb, i, c), 0, dates[d], sizeof dates[d]);
			row[c] = dates[d];
		}
		csv_row(f, row, tb.ncols);
	}
	free(row);
	*rows = tb.nrows;
	report_table_free(&tb);
	return DB_OK;
}

int
report_export_csv(FILE *f, struct db *db, const struct templates *t, const char *lang, const char *what,
		  const char *programme, size_t *rows)
{
	struct report_table tb;
	int matches = strcmp(what, "matches") == 0;
	*rows = 0;
	if (strcmp(what, "alumni") == 0 || strcmp(what, "companies") == 0 || strcmp(what, "offers") == 0)
		return export_network(f, db, t, lang, what, rows);
	int rc = matches ? state_report_matches(db, programme, &tb) : state_report_sessions(db, programme, &tb);
	if (rc != DB_OK)
		return rc;
	csv_bom(f);
	cli_csv_header(f, t, lang, matches ? "staff.csv.matches" : "staff.csv.sessions");
	for (size_t i = 0; i < tb.nrows; i++) {
		char date[32], hours[32];
		if (matches) {
			staff_date(cell_int(&tb, i, 7), 0, date, sizeof date);
			staff_hours(cell_int(&tb, i, 9), lang, hours, sizeof hours);
			const char *row[] = {report_cell(&tb, i, 0), report_cell(&tb, i, 1),
					     report_cell(&tb, i, 2), report_cell(&tb, i, 3),
					     report_cell(&tb, i, 4), report_cell(&tb, i, 5),
					     report_cell(&tb, i, 6), date,
					     report_cell(&tb, i, 8), hours};
			csv_row(f, row, ARRAY_LEN(row));
		} else {
			staff_date(cell_int(&tb, i, 5), 1, date, sizeof date);
			const char *row[] = {report_cell(&tb, i, 0), report_cell(&tb, i, 1), report_cell(&tb, i, 2),
					     report_cell(&tb, i, 3), report_cell(&tb, i, 4), date,
					     report_cell(&tb, i, 6), report_cell(&tb, i, 7), report_cell(&tb, i, 8),
					     report_cell(&tb, i, 9), report_cell(&tb, i, 10)};
			csv_row(f, row, ARRAY_LEN(row));
		}
	}
	*rows = tb.nrows;
	report_table_free(&tb);
	return DB_OK;
}

int
cli_export(const char *conf, int argc, char **argv)
{
	/* attendees belong to the events CLI: it gets what follows the word "attendees" */
	if (argc >= 1 && strcmp(argv[0], "attendees") == 0)
		return cli_export_attendees(conf, argc - 1, argv + 1);
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(conf, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	const char *what = NULL, *outfile = NULL, *programme = NULL;
	int usage = 0;
	for (int i = 0; i < argc && !usage; i++) {
		if (strcmp(argv[i], "--csv") == 0)
			continue; /* the only format */
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			outfile = argv[++i];
		else if ((strcmp(argv[i], "--programme") == 0 || strcmp(argv[i], "--program") == 0) && i + 1 < argc)
			programme = argv[++i];
		else if (!what && (strcmp(argv[i], "matches") == 0 || strcmp(argv[i], "sessions") == 0 ||
				   strcmp(argv[i], "alumni") == 0 || strcmp(argv[i], "companies") == 0 ||
				   strcmp(argv[i], "offers") == 0))
			what = argv[i];
		else
			usage = 1;
	}
	int rc = 0;
	char *slug = NULL, *tmp = NULL;
	FILE *f = NULL;
	size_t rows = 0;
	if (usage || !what) {
		cli_say(stderr, t, lang, "staff.cli.export_usage", NULL);
		cli_say(stderr, t, lang, "import.export_usage", NULL);
		rc = 2;
		goto out;
	}
	if (programme) {
		slug = cmd_fold(programme);
		int r = state_programme_exists(db, slug, NULL);
		if (r == DB_NOTFOUND)
			unknown_programme(db, t, lang, programme);
		if (r != DB_OK) {
			rc = 1;
			goto out;
		}
	}
	/* a file appears whole or not at all: write a temporary one, then rename it */
	if (outfile) {
		tmp = xasprintf("%s.tmp.%ld", outfile, (long)getpid());
		f = fopen(tmp, "wb");
	} else {
		f = stdout;
	}
	if (!f) {
		const char *vars[] = {"file", outfile, "error", strerror(errno), NULL};
		cli_say(stderr, t, lang, "staff.cli.cannot_write", vars);
		rc = 1;
		goto out;
	}
	if (report_export_csv(f, db, t, lang, what, slug, &rows) != DB_OK) {
		rc = 1;
		goto out;
	}
	int werr = ferror(f) || fflush(f) != 0;
	if (outfile) {
		werr = werr || fsync(fileno(f)) != 0;
		werr = fclose(f) != 0 || werr;
		f = NULL;
		werr = werr || rename(tmp, outfile) != 0;
	}
	if (werr) {
		const char *vars[] = {"file", outfile ? outfile : "-", "error", strerror(errno), NULL};
		cli_say(stderr, t, lang, "staff.cli.cannot_write", vars);
		rc = 1;
		goto out;
	}
	if (outfile) {
		char n[24];
		snprintf(n, sizeof n, "%zu", rows);
		const char *vars[] = {"file", outfile, "rows", n, NULL};
		cli_say(stderr, t, lang, "staff.cli.written", vars);
	}
out:
	if (f && f != stdout)
		fclose(f);
	if (tmp && rc != 0)
		unlink(tmp);
	free(tmp);
	free(slug);
	cli_close(&cfg, t, db);
	return rc;
}
