/*
 * cli.c - what every CLI sub-command needs: the configuration, the
 * templates and the database opened with their errors printed, a struct
 * core for queueing replies from a CLI process, and the sentences it
 * prints, rendered from templates/<[bot] language>/cli.txt (and staff.txt).
 * Not from templates: the usage (printed before a configuration is read),
 * and the loaders' own lines about a configuration or template file that
 * does not load; the count after them is, whenever templates load.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "csv.h"
#include "dispatch.h"
#include "emit.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

/* The n problems a loader collected in errors, then their count about file: the template key
 * (key_one when n is 1) rendered from t in lang, or without templates to say it with only
 * "FILE: N".  To stderr; frees errors.  Returns n. */
static int
print_problems(int n, struct buf *errors, const struct templates *t, const char *lang, const char *key_one,
	       const char *key, const char *file)
{
	if (n) {
		fputs(errors->p ? errors->p : "", stderr);
		char count[16];
		snprintf(count, sizeof count, "%d", n);
		const char *vars[] = {"file", file, "count", count, NULL};
		if (t)
			cli_say(stderr, t, lang, n == 1 ? key_one : key, vars);
		else
			fprintf(stderr, "%s: %s\n", file, count);
	}
	buf_free(errors);
	return n;
}

/* Load config or print every error.  Returns 0 on success. */
int
cli_load_config(const char *path, struct config *cfg)
{
	struct buf errors = BUF_INIT;
	int n = config_load(path, cfg, &errors);
	struct templates *t = NULL;
	if (n && cfg->bot.templates) {
		/* the count in the language the file asks for, from the templates it names (or the default) */
		struct buf ignored = BUF_INIT;
		templates_load(cfg->bot.templates, &t, &ignored);
		buf_free(&ignored);
	}
	print_problems(n, &errors, t, cli_lang(cfg), "cli.config.errors.one", "cli.config.errors", path);
	templates_free(t);
	return n;
}

int
cli_load_templates(const char *dir, struct templates **out)
{
	struct buf errors = BUF_INIT;
	/* templates that do not load cannot say so: the count stays without words */
	return print_problems(templates_load(dir, out, &errors), &errors, NULL, NULL, NULL, NULL, dir);
}

/* Open config, templates and database for a CLI command.  0 or 1 (printed). */
int
cli_open(const char *path, struct config *cfg, struct templates **t, struct db **db)
{
	*t = NULL;
	*db = NULL;
	if (cli_load_config(path, cfg))
		return 1;
	if (cli_load_templates(cfg->bot.templates, t) || db_open(db, cfg->bot.database) < 0) {
		templates_free(*t);
		config_free(cfg);
		return 1;
	}
	unsigned char key[KEYED_KEY_LEN];
	if (state_install_key(*db, key, sizeof key) == DB_OK)
		log_who_key(key);
	memset(key, 0, sizeof key);
	return 0;
}

int
cli_core(struct core *core, const struct config *cfg, const struct templates *t, struct db *db)
{
	memset(core, 0, sizeof *core);
	core->cfg = cfg;
	core->tmpl = t;
	core->caps.max_size = (size_t)cfg->bot.max_mail_size;
	core->caps.max_depth = 20;
	core->caps.max_parts = 500;
	core->bot_addr = cfg->smtp.from_addr;
	const char *at = cfg->smtp.from_addr ? strrchr(cfg->smtp.from_addr, '@') : NULL;
	core->bot_domain = at ? at + 1 : "mentorbot.invalid";
	return core_key_load(core, db);
}

void
cli_hctx(struct hctx *h, struct db *db, const struct config *cfg, const struct templates *t, const struct core *core,
	 const char *lang)
{
	memset(h, 0, sizeof *h);
	h->db = db;
	h->cfg = cfg;
	h->tmpl = t;
	h->key = core->key;
	h->transport = "cli";
	h->ep_kind = "";
	h->ep_addr = "";
	h->staff = 1;
	h->argline = "";
	h->body = "";
	h->lang = lang;
}

void
cli_close(struct config *cfg, struct templates *t, struct db *db)
{
	db_close(db);
	templates_free(t);
	config_free(cfg);
}

const char *
cli_lang(const struct config *cfg)
{
	return cfg && cfg->bot.language && strcmp(cfg->bot.language, "en") == 0 ? "en" : "de";
}

char *
cli_text(const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	/* tmpl_render() stops at a NULL value: give it "" instead */
	size_t n = 0;
	while (vars && vars[n])
		n += 2;
	const char **v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i += 2) {
		v[i] = vars[i];
		v[i + 1] = vars[i + 1] ? vars[i + 1] : "";
	}
	char *s = tmpl_render(t, lang, key, v);
	free(v);
	return s;
}

void
cli_say(FILE *f, const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	char *s = cli_text(t, lang, key, vars);
	fprintf(f, "%s\n", s);
	free(s);
}

int
cli_check_transports(const struct templates *t, const struct config *cfg, const char *path)
{
	enum config_transports c = config_transports_check(cfg);
	if (c == CONFIG_TRANSPORTS_OK)
		return 0;
	const char *vars[] = {"file", path, NULL};
	cli_say(stderr, t, cli_lang(cfg), c == CONFIG_NO_INBOUND ? "cli.run.no_inbound" : "cli.run.imap_needs_smtp",
		vars);
	return 1;
}

void
cli_csv_header(FILE *f, const struct templates *t, const char *lang, const char *key)
{
	char *h = cli_text(t, lang, key, NULL);
	const char *cols[32];
	size_t n = 0;
	char *save = NULL;
	for (char *c = strtok_r(h, ",", &save); c && n < ARRAY_LEN(cols); c = strtok_r(NULL, ",", &save))
		cols[n++] = c;
	csv_row(f, cols, n);
	free(h);
}

/* Every key the CLI renders itself, with the placeholders it provides. */
const struct tmpl_key tmpl_keys_cli[] = {
	{"cli.db_error", ""},
	{"cli.config.errors.one", "file,count"},
	{"cli.config.errors", "file,count"},
	{"cli.config.ok", "file"},
	{"cli.run.no_inbound", "file"},
	{"cli.run.imap_needs_smtp", "file"},
	{"cli.mail_off", "file"}, /* templates/<lang>/transports.txt */
	{"cli.mail_off.post", "count,group,file"},
	{"cli.cannot_write", "file,error"},
	{"cli.post.queued.one", "count,group"},
	{"cli.post.queued", "count,group"},
	{"cli.post.no_group", "group,file"},
	{"cli.post.failed", ""},
	{"cli.group.item.config", "group,members"},
	{"cli.group.item.database", "group,members"},
	{"cli.group.set", "group,members"},
	{"cli.programme.item", "slug,name,policy,days,consent,questions,weights"},
	{"cli.programme.bad_option", "option,value"},
	{"cli.programme.needs_value", "option"},
	{"cli.programme.bad_slug", ""},
	{"cli.programme.saved", "programme"},
	{"cli.match.no_programme", "programme"},
	{"cli.match.publish_failed", "programme"},
	{"cli.event.usage", ""},
	{"cli.event.unknown_sub", "sub"},
	{"cli.event.bad_option", "option"},
	{"cli.event.bad_id", "id"},
	{"cli.event.not_found", "id"},
	{"cli.event.nothing_to_change", ""},
	{"cli.event.created", "id"},
	{"cli.event.announced", "id,mails,rooms"},
	{"cli.event.list.draft", ""},
	{"cli.event.list.announced", ""},
	{"cli.event.list.cancelled", ""},
	{"cli.event.list.answers", "going,waiting,maybe,declined"},
	{"cli.event.show", "uid,sequence,going,seats,waiting,maybe,declined"},
	{"cli.export.no_event", "id"},
	{"cli.csv.attendees", ""},
	{"cli.feed.failed", "error"},
	{NULL, NULL},
};

struct staff_step {
	const struct core *core;
	struct hctx *h;
	int (*step)(struct hctx *h, void *ud);
	void *ud;
	int result; /* step's */
	int queued; /* its addressed replies became outbox rows */
};

/* Only the replies with a recipient are queued: the answers to the terminal are printed. */
static int
queue_addressed(struct db *db, const struct core *core, const struct hctx *h)
{
	unsigned char rnd[8];
	random_bytes(rnd, sizeof rnd);
	char prefix[40];
	snprintf(prefix, sizeof prefix, "mb.cli%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
		 rnd[4], rnd[5], rnd[6], rnd[7]);
	struct hctx out = *h;
	out.replies = xcalloc(h->nreplies + 1, sizeof *out.replies);
	out.nreplies = 0;
	for (size_t i = 0; i < h->nreplies; i++)
		if (h->replies[i].to_kind && h->replies[i].to_addr)
			out.replies[out.nreplies++] = h->replies[i];
	int rc = emit_all(db, core, &out, 0, prefix);
	free(out.replies); /* the replies themselves stay owned by h */
	return rc;
}

static int
staff_step_run(struct db *db, void *ud)
{
	struct staff_step *s = ud;
	s->result = s->step(s->h, s->ud);
	if (s->result != DB_OK)
		return DB_ERR; /* refused or failed: undone */
	s->queued = queue_addressed(db, s->core, s->h) == DB_OK;
	return s->queued ? DB_OK : DB_ERR;
}

enum cli_txn
cli_staff_txn(struct db *db, const struct core *core, struct hctx *h, int (*step)(struct hctx *h, void *ud), void *ud)
{
	struct staff_step s = {.core = core, .h = h, .step = step, .ud = ud, .result = DB_ERR};
	int rc = db_txn(db, staff_step_run, &s);
	if (db_failed(s.result))
		return CLI_TXN_FAILED; /* the step itself met a database failure (or never ran: BEGIN failed) */
	if (s.result != DB_OK)
		return CLI_TXN_REFUSED; /* DB_NOTFOUND or positive: the handler answered why */
	return s.queued && rc == DB_OK ? CLI_TXN_DONE : CLI_TXN_FAILED; /* queueing or COMMIT failed */
}
