/*
 * cli_import.c - mentorbot import -c FILE LIST.csv --programme P [--role alumnus|mentor|company]
 * [--dry-run]: the lists an office already has, as invitations.
 *
 * The list is read by bot/csv_read.c; each row is checked (an address, a valid one, a name,
 * not twice in the file, not invited before, not already a member) and every row that fails
 * is reported with its line and why.  The rest are invited in one transaction: a row in
 * import_invite, a token and one mail each, queued in the outbox with the pacing of
 * announcements (handlers/h_import.c), and one audit row.  Nobody becomes a member here: only
 * who answers the mail does.  Running the same list again invites nobody (import_invite is
 * unique per programme, role and address).  --dry-run reads and reports, and writes nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "csv_read.h"
#include "dispatch.h"
#include "handlers/h_import.h"
#include "handlers/handlers.h"
#include "mailout.h"
#include "state/imports.h"
#include "state/state.h"
#include "util.h"

#define IMPORT_MAX_BYTES (64u << 20)

/* One person of the list that passed every check. */
struct invitee {
	char *address, *name, *data;
};

struct import_run {
	const char *file, *programme, *role, *source;
	int dry;
	size_t rows, rejected, skipped;
	struct invitee *ok;
	size_t nok;
};

/* ---- the addresses seen: line of the first row with each ---- */

struct seen {
	char **addr;
	size_t *line;
	size_t cap; /* a power of two */
};

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The line address was first seen on, or 0 after recording line for it. */
static size_t
seen_put(struct seen *s, const char *address, size_t line)
{
	size_t i = (size_t)fnv(address) & (s->cap - 1);
	for (; s->addr[i]; i = (i + 1) & (s->cap - 1))
		if (strcmp(s->addr[i], address) == 0)
			return s->line[i];
	s->addr[i] = xstrdup(address);
	s->line[i] = line;
	return 0;
}

static void
seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->addr[i]);
	free(s->addr);
	free(s->line);
}

/* ---- reading and checking ---- */

static char *
read_file(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= IMPORT_MAX_BYTES)
		buf_add(&b, chunk, n);
	if (ferror(f))
		*err = errno ? errno : EIO;
	else if (b.len > IMPORT_MAX_BYTES)
		*err = EFBIG;
	fclose(f);
	*len = b.len;
	if (*err) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The profile data of a row: a JSON object of its non-empty profile columns, or NULL. */
static char *
row_data(const struct csv_row *row, const int map[CSV_NCOLS])
{
	json_t *o = json_object();
	for (int c = 0; c < CSV_NCOLS; c++) {
		const char *field = csv_col_field((enum csv_col)c);
		char *v = field ? csv_value(row, map, (enum csv_col)c) : NULL;
		if (v && *v)
			json_object_set_new(o, field, json_string(v));
		free(v);
	}
	char *s = json_object_size(o) ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return s;
}

static void
say_row(const struct templates *t, const char *lang, const char *key, size_t line, const char *address, size_t first)
{
	char l[24], f[24];
	snprintf(l, sizeof l, "%zu", line);
	snprintf(f, sizeof f, "%zu", first);
	const char *vars[] = {"line", l, "address", address, "first", f, NULL};
	cli_say(stdout, t, lang, key, vars);
}

/* Why row (of line) is not invited: a report key, or NULL when it is.  DB errors: *rc. */
static const char *
row_check(struct db *db, struct import_run *r, struct seen *s, const char *address, const char *name, size_t line,
	  size_t *first, int *rc)
{
	*first = 0;
	if (!*address)
		return "cli.import.row.missing_address";
	if (!mail_addr_valid(address))
		return "cli.import.row.bad_address";
	if (!*name)
		return "cli.import.row.missing_name";
	if ((*first = seen_put(s, address, line)) != 0)
		return "cli.import.row.duplicate";
	if ((*rc = import_is_member(db, r->programme, address)) != DB_NOTFOUND)
		return *rc == DB_OK ? "cli.import.row.member" : NULL;
	if ((*rc = import_invite_exists(db, r->programme, r->role, address)) != DB_NOTFOUND)
		return *rc == DB_OK ? "cli.import.row.invited_before" : NULL;
	*rc = DB_OK;
	return NULL;
}

/* Check every data row of tab, report the ones not invited, keep the rest in r->ok.  DB_OK or DB_ERR. */
static int
check_rows(struct db *db, const struct templates *t, const char *lang, const struct csv_table *tab,
	   const int map[CSV_NCOLS], struct import_run *r)
{
	struct seen s = {0};
	for (s.cap = 16; s.cap < 2 * tab->nrows; s.cap *= 2)
		;
	s.addr = xcalloc(s.cap, sizeof *s.addr);
	s.line = xcalloc(s.cap, sizeof *s.line);
	r->ok = xcalloc(tab->nrows, sizeof *r->ok);
	int rc = DB_OK;
	for (size_t i = 1; i < tab->nrows && rc == DB_OK; i++) {
		const struct csv_row *row = &tab->rows[i];
		char *address = csv_value(row, map, CSV_COL_EMAIL), *name = csv_value(row, map, CSV_COL_NAME);
		for (char *p = address; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		size_t first;
		const char *why = row_check(db, r, &s, address, name, row->line, &first, &rc);
		r->rows++;
		if (why) {
			say_row(t, lang, why, row->line, address, first);
			if (strstr(why, "invited_before") || strstr(why, "member"))
				r->skipped++;
			else
				r->rejected++;
		}
		if (why || rc != DB_OK) {
			free(address);
			free(name);
			continue;
		}
		struct invitee *v = &r->ok[r->nok++];
		v->address = address;
		v->name = name;
		v->data = row_data(row, map);
	}
	seen_free(&s);
	return rc;
}

/* ---- inviting ---- */

struct invite_arg {
	struct import_run *r;
	const struct config *cfg;
	size_t invited;
};

static int
invite_step(struct hctx *h, void *ud)
{
	struct invite_arg *a = ud;
	struct import_run *r = a->r;
	int rate = a->cfg->bot.announce_rate;
	int64_t now = now_s();
	int rc = DB_OK;
	a->invited = 0;
	for (size_t i = 0; i < r->nok && rc == DB_OK; i++) {
		struct import_person p = {r->programme, r->role, r->ok[i].address, r->ok[i].name, r->ok[i].data,
					  r->source,    0};
		p.not_before = rate > 0 ? now + (int64_t)(a->invited / (size_t)rate) : 0;
		rc = h_import_invite(h, &p);
		if (rc == DB_EXISTS) { /* invited meanwhile by another run */
			r->skipped++;
			rc = DB_OK;
		} else if (rc == DB_OK) {
			a->invited++;
		}
	}
	if (rc != DB_OK)
		return rc;
	char *detail = xasprintf("file=%s role=%s rows=%zu invited=%zu rejected=%zu skipped=%zu", r->source, r->role,
				 r->rows, a->invited, r->rejected, r->skipped);
	rc = cli_audit(h->db, "import", r->programme, detail);
	free(detail);
	return rc;
}

static void
say_totals(const struct templates *t, const char *lang, const struct import_run *r, size_t invited, int rate)
{
	char n[4][24];
	snprintf(n[0], sizeof n[0], "%zu", r->rows);
	snprintf(n[1], sizeof n[1], "%zu", invited);
	snprintf(n[2], sizeof n[2], "%zu", r->rejected);
	snprintf(n[3], sizeof n[3], "%zu", r->skipped);
	const char *vars[] = {"rows", n[0], "invited", n[1], "rejected", n[2], "skipped", n[3], NULL};
	cli_say(stdout, t, lang, r->dry ? "cli.import.totals.dry" : "cli.import.totals", vars);
	if (invited == 0 && r->skipped > 0) {
		cli_say(stdout, t, lang, "cli.import.nothing_new", NULL);
	} else if (invited > 0 && rate > 0 && !r->dry) {
		char rt[16], min[24];
		snprintf(rt, sizeof rt, "%d", rate);
		snprintf(min, sizeof min, "%zu", (invited + 60 * (size_t)rate - 1) / (60 * (size_t)rate));
		const char *pv[] = {"rate", rt, "minutes", min, NULL};
		cli_say(stdout, t, lang, "cli.import.paced", pv);
	}
}

/* Invite r->ok in one transaction.  0 or 1 (failed, said). */
static int
invite_all(struct db *db, const struct config *cfg, const struct templates *t, const char *lang, struct import_run *r,
	   size_t *invited)
{
	struct core core;
	struct hctx h;
	if (cli_core(&core, cfg, t, db) < 0)
		return 1;
	cli_hctx(&h, db, cfg, t, &core, lang);
	struct invite_arg a = {.r = r, .cfg = cfg};
	enum cli_txn tr = cli_staff_txn(db, &core, &h, invite_step, &a);
	hctx_free_replies(&h);
	*invited = a.invited;
	return tr == CLI_TXN_DONE ? 0 : 1;
}

/* ---- the command ---- */

/* The reader's verdict on the file, when it is not CSV_OK. */
static void
say_csv_error(const struct templates *t, const char *lang, const char *file, int status, size_t line)
{
	static const struct {
		int status;
		const char *key;
		long max;
	} keys[] = {
		{CSV_EMPTY, "cli.import.csv_empty", 0},
		{CSV_TOO_MANY_ROWS, "cli.import.csv_too_many_rows", CSV_MAX_ROWS},
		{CSV_FIELD_TOO_LONG, "cli.import.csv_field_too_long", CSV_MAX_FIELD},
		{CSV_TOO_MANY_FIELDS, "cli.import.csv_too_many_fields", CSV_MAX_FIELDS},
		{CSV_OPEN_QUOTE, "cli.import.csv_open_quote", 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].status != status)
			continue;
		char l[24], m[24];
		snprintf(l, sizeof l, "%zu", line);
		snprintf(m, sizeof m, "%ld", keys[i].max);
		const char *vars[] = {"file", file, "line", l, "max", m, NULL};
		cli_say(stderr, t, lang, keys[i].key, vars);
	}
}

/* Arguments into r: 0, or 2 (the usage) */
static int
import_args(int argc, char **argv, struct import_run *r)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			r->dry = 1;
		else if ((strcmp(argv[i], "--programme") == 0 || strcmp(argv[i], "--program") == 0) && i + 1 < argc)
			r->programme = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			r->role = argv[++i];
		else if (argv[i][0] != '-' && !r->file)
			r->file = argv[i];
		else
			return 2;
	}
	return r->file && r->programme ? 0 : 2;
}

/* The list's source for the consent record: its file name and today's date. */
static char *
import_source(const char *file)
{
	const char *base = strrchr(file, '/');
	char day[16];
	time_t now = (time_t)now_s();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return xasprintf("%s %s", base ? base + 1 : file, day);
}

/* Read, check and (unless dry) invite.  0 or 1. */
static int
import_list(struct db *db, const struct config *cfg, const struct templates *t, const char *lang, struct import_run *r,
	    const char *bytes, size_t len)
{
	struct csv_table tab;
	size_t line, invited = 0;
	int map[CSV_NCOLS], rc = 0;
	char *unknown = NULL;
	int st = csv_read(bytes, len, &tab, &line);
	if (st != CSV_OK) {
		say_csv_error(t, lang, r->file, st, line);
		csv_table_free(&tab);
		return 1;
	}
	csv_header_map(&tab.rows[0], map, &unknown);
	char rows[24], sep[2] = {tab.sep, 0};
	snprintf(rows, sizeof rows, "%zu", tab.nrows - 1);
	char *charset = cli_text(t, lang, tab.cp1252 ? "cli.import.charset.cp1252" : "cli.import.charset.utf8", NULL);
	const char *rv[] = {"file", r->file, "rows", rows, "sep", sep, "charset", charset, NULL};
	cli_say(stdout, t, lang, "cli.import.read", rv);
	free(charset);
	if (map[CSV_COL_EMAIL] < 0) {
		const char *vars[] = {"file", r->file, NULL};
		cli_say(stderr, t, lang, "cli.import.no_address_column", vars);
		rc = 1;
		goto out;
	}
	if (*unknown) {
		const char *vars[] = {"columns", unknown, NULL};
		cli_say(stdout, t, lang, "cli.import.unknown_columns", vars);
	}
	if (check_rows(db, t, lang, &tab, map, r) != DB_OK ||
	    (!r->dry && r->nok && invite_all(db, cfg, t, lang, r, &invited) != 0)) {
		cli_say(stderr, t, lang, "cli.import.failed", NULL);
		rc = 1;
		goto out;
	}
	say_totals(t, lang, r, r->dry ? r->nok : invited, cfg->bot.announce_rate);
out:
	free(unknown);
	csv_table_free(&tab);
	return rc;
}

int
cli_import(const char *conf, int argc, char **argv)
{
	struct import_run r = {.role = "alumnus"};
	struct config cfg;
	struct templates *t;
	struct db *db;
	int usage = import_args(argc, argv, &r);
	if (cli_open(conf, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	char *slug = NULL, *bytes = NULL, *source = NULL;
	int rc = 1, err;
	size_t len;
	if (usage) {
		cli_say(stderr, t, lang, "cli.import.usage", NULL);
		rc = 2;
		goto out;
	}
	if (strcmp(r.role, "alumnus") != 0 && strcmp(r.role, "mentor") != 0 && strcmp(r.role, "company") != 0) {
		const char *vars[] = {"role", r.role, NULL};
		cli_say(stderr, t, lang, "cli.import.bad_role", vars);
		rc = 2;
		goto out;
	}
	if (!r.dry && !cfg.smtp.present) { /* the invitations are mails */
		const char *vars[] = {"file", conf, NULL};
		cli_say(stderr, t, lang, "cli.mail_off", vars);
		goto out;
	}
	slug = cmd_fold(r.programme);
	int pr = state_programme_exists(db, slug, NULL);
	if (pr != DB_OK) {
		char *list = state_programme_list(db);
		const char *vars[] = {"programme", r.programme, "programmes", list, NULL};
		cli_say(stderr, t, lang, pr == DB_NOTFOUND ? "cli.import.no_programme" : "cli.db_error", vars);
		free(list);
		goto out;
	}
	r.programme = slug;
	if (!(bytes = read_file(r.file, &len, &err))) {
		const char *vars[] = {"file", r.file, "error", strerror(err), NULL};
		cli_say(stderr, t, lang, "cli.import.cannot_read", vars);
		goto out;
	}
	r.source = source = import_source(r.file);
	rc = import_list(db, &cfg, t, lang, &r, bytes, len);
	if (fflush(stdout) != 0)
		rc = 1;
out:
	for (size_t i = 0; i < r.nok; i++) {
		free(r.ok[i].address);
		free(r.ok[i].name);
		free(r.ok[i].data);
	}
	free(r.ok);
	free(source);
	free(bytes);
	free(slug);
	cli_close(&cfg, t, db);
	return rc;
}
