/*
 * main.c - the mentorbot command line: the sub-command table, its usage and
 * the small sub-commands; "run" starts the daemon (bot/daemon.c).
 *
 * Design: one process, a thread per transport, one core.
 *
 *   mail thread     IMAP in (libetpan): fetch → journal (durable commit) →
 *                   dispatch a batch of mails, one savepoint per command →
 *                   move the mails on the server.
 *   mail sender     outbox → SMTP (libcurl); marks rows sent.
 *   XMPP thread     libstrophe connection: room and direct messages → the
 *                   core (chat.c) → its own outbox rows, sent in the same loop.
 *   Matrix threads  one long-polls /sync into the core, one sends the outbox
 *                   (PUT with a txnId derived from the row), so a long poll
 *                   never delays an answer.
 *
 * Every thread owns its own SQLite connection; SQLite (WAL, BEGIN
 * IMMEDIATE, busy timeout) serialises the short write transactions, so a
 * slow or dead server on one transport never blocks another: each thread
 * blocks only in its own poll()/IDLE/select().  The core (dispatch.c) is a
 * set of functions every transport thread calls; what they share in memory
 * (templates, flood buckets, bridge copies, post pacing) is locked.  Signals
 * only set flags and write to a self-pipe that wakes the main thread, which
 * does nothing else (reload, status, stop); the mail thread has a pipe of
 * its own for stopping, and the senders are woken by condition variables or
 * flags.  Nothing busy-waits.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "dispatch.h"
#include "emit.h"
#include "handlers/handlers.h"
#include "mailcmd.h"
#include "mime.h"
#include "parsebox.h"
#include "post.h"
#include "site.h"
#include "social.h"
#include "state/state.h"
#include "status.h"
#include "templates.h"
#include "util.h"

/* The usage, from the sub-command table at the end of this file. */
static void usage(FILE *f);

static int
cmd_check_config(const char *path, int argc, char **argv)
{
	struct config cfg;
	struct templates *t = NULL;
	int n = cli_load_config(path, &cfg);
	if (!n)
		n = cli_load_templates(cfg.bot.templates, &t);
	if (!n)
		n = cli_check_transports(t, &cfg, path);
	if (!n) {
		const char *vars[] = {"file", path, NULL};
		cli_say(stdout, t, cli_lang(&cfg), "cli.config.ok", vars);
	}
	templates_free(t);
	config_free(&cfg);
	return n ? 1 : 0;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = (!path || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "mentorbot: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	/* hard stop well above any sane cap: the parser reports the cap itself */
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 256u * 1024 * 1024)
		buf_add(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
cmd_parse(const char *conf, int argc, char **argv)
{
	const char *path = argc ? argv[0] : NULL;
	size_t len;
	char *raw = read_all(path, &len);
	if (!raw)
		return 1;
	struct mail_caps caps = MAIL_CAPS_DEFAULT;
	struct parsed_mail pm;
	mime_parse(raw, len, &caps, &pm);
	char *text, *fwd;
	int forwarded = mail_own_text(pm.text, &text, &fwd); /* as the daemon reads it */
	struct mail_cmd mc;
	mail_find_command(pm.subject, text, &mc);
	json_t *o = json_object();
	json_object_set_new(o, "from", jstr(pm.from_addr));
	json_object_set_new(o, "subject", jstr(pm.subject));
	json_object_set_new(o, "message_id", jstr(pm.message_id));
	json_object_set_new(o, "lang", json_string(mail_lang(&pm, &mc, text, NULL, "de")));
	json_object_set_new(o, "auto", json_boolean(pm.is_auto || pm.is_bounce));
	json_object_set_new(o, "auto_reason", jstr(pm.auto_reason ? pm.auto_reason : (pm.is_bounce ? "bounce" : NULL)));
	json_object_set_new(o, "bounce", json_boolean(pm.is_bounce));
	json_object_set_new(o, "text", json_string(forwarded ? fwd : text));
	json_object_set_new(o, "forwarded", json_boolean(forwarded));
	json_object_set_new(o, "html", json_boolean(pm.text_from_html));
	json_object_set_new(o, "command", mc.cmd ? json_string(mc.cmd->name) : json_null());
	json_t *args = json_array();
	if (mc.cmd) {
		char **w;
		int n = words_split(mc.argline, &w, 32);
		for (int i = 0; i < n; i++)
			json_array_append_new(args, json_string(w[i]));
		words_free(w, n);
	}
	json_object_set_new(o, "args", args);
	json_object_set_new(o, "calendar", json_boolean(pm.calendar != NULL));
	json_object_set_new(o, "error", jstr(pm.error));
	char *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (out) {
		puts(out);
		free(out);
	}
	json_decref(o);
	mail_cmd_free(&mc);
	free(text);
	free(fwd);
	parsed_mail_free(&pm);
	free(raw);
	return 0;
}

/* -v / --verbose, wherever it stands: only "run" reads it */
static int cli_verbose;

static int
cmd_run(const char *path, int argc, char **argv)
{
	return daemon_run(path, cli_verbose);
}

static int
cmd_post(const char *path, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(path, &cfg, &t, &db))
		return 1;
	struct buf text = BUF_INIT;
	for (int i = 1; i < argc; i++)
		buf_addf(&text, "%s%s", i > 1 ? " " : "", argv[i]);
	const char *lang = cli_lang(&cfg);
	int queued = 0, skipped = 0;
	unsigned char key[KEYED_KEY_LEN];
	int rc = state_install_key(db, key, sizeof key) == DB_OK
			 ? post_to_group(db, &cfg, t, key, argv[0], text.p, &queued, &skipped)
			 : -1;
	if (rc == 1) {
		const char *vars[] = {"group", argv[0], "file", path, NULL};
		cli_say(stderr, t, lang, "cli.post.no_group", vars);
	} else if (rc < 0) {
		cli_say(stderr, t, lang, "cli.post.failed", NULL);
	} else {
		char n[16];
		snprintf(n, sizeof n, "%d", queued);
		const char *vars[] = {"count", n, "group", argv[0], NULL};
		cli_say(stdout, t, lang, queued == 1 ? "cli.post.queued.one" : "cli.post.queued", vars);
		snprintf(n, sizeof n, "%d", skipped);
		const char *off[] = {"count", n, "group", argv[0], "file", path, NULL};
		if (skipped)
			cli_say(stderr, t, lang, "cli.mail_off.post", off);
	}
	buf_free(&text);
	cli_close(&cfg, t, db);
	return rc == 0 ? 0 : 1;
}

/*
 * Sub-commands with words of their own (group list|set|del, programme
 * list|add): the configuration, templates and database are opened before
 * the word is looked up, so an unknown word after a broken configuration
 * reports the configuration.
 */
struct cli_db {
	struct config cfg;
	struct templates *t;
	struct db *db;
	const char *lang; /* of what is printed: [bot] language */
};

struct cli_word {
	const char *name;
	int min_args, max_args; /* after the word; max -1: no limit.  Outside: the usage, exit 2 */
	int (*run)(struct cli_db *c, int argc, char **argv); /* argv[0] is the word */
};

/* Look argv[0] up in words (ended by a NULL name), open and run it.  The exit status. */
static int
run_word(const struct cli_word *words, const char *path, int argc, char **argv)
{
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	struct cli_db c;
	if (cli_open(path, &c.cfg, &c.t, &c.db))
		return 1;
	c.lang = cli_lang(&c.cfg);
	const struct cli_word *w = words;
	while (w->name && strcmp(w->name, argv[0]) != 0)
		w++;
	int rc;
	if (w->name && argc - 1 >= w->min_args && (w->max_args < 0 || argc - 1 <= w->max_args)) {
		rc = w->run(&c, argc, argv);
	} else {
		usage(stderr);
		rc = 2;
	}
	cli_close(&c.cfg, c.t, c.db);
	return rc;
}

static int
group_list(struct cli_db *c, int argc, char **argv)
{
	for (size_t i = 0; i < c->cfg.groups.n; i++) {
		char *m = group_members(c->db, &c->cfg, c->cfg.groups.v[i].name);
		const char *vars[] = {"group", c->cfg.groups.v[i].name, "members", m, NULL};
		cli_say(stdout, c->t, c->lang, "cli.group.item.config", vars);
		free(m);
	}
	/* groups set from the CLI live in the database */
	char **k, **v;
	size_t n;
	int rc = 0;
	if (state_kv_list(c->db, "group:", &k, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			const char *vars[] = {"group", k[i] + 6, "members", v[i], NULL};
			cli_say(stdout, c->t, c->lang, "cli.group.item.database", vars);
		}
	} else {
		rc = 1;
	}
	kv_list_free(k, v, n);
	return rc;
}

/* One key written (value) or deleted (value NULL) in its own transaction. */
struct kv_write {
	const char *key, *value;
};

static int
kv_write_run(struct db *db, void *ud)
{
	const struct kv_write *w = ud;
	int rc = w->value ? state_kv_set(db, w->key, w->value) : state_kv_del(db, w->key);
	if (rc == DB_OK) /* the keys are "group:NAME" */
		rc = cli_audit(db, w->value ? "group.set" : "group.del", strchr(w->key, ':') + 1, w->value);
	return rc;
}

static int
kv_write(struct db *db, const char *key, const char *value)
{
	struct kv_write w = {key, value};
	return db_txn(db, kv_write_run, &w) == DB_OK ? 0 : 1;
}

static int
group_set(struct cli_db *c, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	for (int i = 2; i < argc; i++)
		buf_addf(&b, "%s%s", i > 2 ? ", " : "", argv[i]);
	char *key = xasprintf("group:%s", argv[1]);
	int rc = kv_write(c->db, key, b.p);
	if (rc) {
		cli_say(stderr, c->t, c->lang, "cli.db_error", NULL);
	} else {
		const char *vars[] = {"group", argv[1], "members", b.p, NULL};
		cli_say(stdout, c->t, c->lang, "cli.group.set", vars);
	}
	free(key);
	buf_free(&b);
	return rc;
}

static int
group_del(struct cli_db *c, int argc, char **argv)
{
	char *key = xasprintf("group:%s", argv[1]);
	int rc = kv_write(c->db, key, NULL);
	if (rc) {
		cli_say(stderr, c->t, c->lang, "cli.db_error", NULL);
	}
	free(key);
	return rc;
}

static const struct cli_word group_words[] = {
	{.name = "list", .min_args = 0, .max_args = -1, .run = group_list},
	{.name = "set", .min_args = 2, .max_args = -1, .run = group_set}, /* NAME MEMBER… */
	{.name = "del", .min_args = 1, .max_args = 1, .run = group_del},  /* NAME */
	{.name = NULL},
};

static int
programme_list(struct cli_db *c, int argc, char **argv)
{
	struct programme *v;
	size_t n;
	if (state_programmes(c->db, &v, &n) != 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		/* the two columns padded as before: slug 16, name 28 */
		char *slug = xasprintf("%-16s", v[i].slug ? v[i].slug : "");
		char *name = xasprintf("%-28s", v[i].name ? v[i].name : "");
		char days[16];
		snprintf(days, sizeof days, "%d", v[i].request_days);
		const char *vars[] = {"slug",      slug,           "name",    name,         "policy",
				      v[i].policy, "days",         days,      "consent",    v[i].consent_version,
				      "questions", v[i].questions, "weights", v[i].weights, NULL};
		cli_say(stdout, c->t, c->lang, "cli.programme.item", vars);
		free(slug);
		free(name);
	}
	programmes_free(v, n);
	return 0;
}

static int
programme_put_run(struct db *db, void *ud)
{
	const struct programme *p = ud;
	int known = state_programme_exists(db, p->slug, NULL);
	int rc = db_failed(known) ? known : state_programme_put(db, p);
	if (rc == DB_OK)
		rc = cli_audit(db, known == DB_NOTFOUND ? "programme.add" : "programme.set", p->slug,
			       p->consent_version);
	return rc;
}

static int
programme_add(struct cli_db *c, int argc, char **argv)
{
	int rc = 0;
	struct programme p = {0};
	char *slug = cmd_fold(argv[1]);
	p.slug = slug;
	for (int i = 2; i + 1 < argc && rc == 0; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--name") == 0)
			p.name = (char *)v;
		else if (strcmp(k, "--policy") == 0 && (strcmp(v, "open") == 0 || strcmp(v, "approve") == 0))
			p.policy = (char *)v;
		else if (strcmp(k, "--days") == 0 && atoi(v) > 0 && atoi(v) <= 60)
			p.request_days = atoi(v);
		else if (strcmp(k, "--questions") == 0)
			p.questions = (char *)v;
		else if (strcmp(k, "--weights") == 0)
			p.weights = (char *)v;
		else if (strcmp(k, "--consent") == 0)
			p.consent_version = (char *)v;
		else {
			const char *vars[] = {"option", k, "value", v, NULL};
			cli_say(stderr, c->t, c->lang, "cli.programme.bad_option", vars);
			rc = 2;
		}
	}
	if ((argc - 2) % 2 != 0) {
		const char *vars[] = {"option", argv[argc - 1], NULL};
		cli_say(stderr, c->t, c->lang, "cli.programme.needs_value", vars);
		rc = 2;
	}
	for (const char *s = slug; rc == 0 && *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) {
			cli_say(stderr, c->t, c->lang, "cli.programme.bad_slug", NULL);
			rc = 2;
		}
	if (rc == 0) {
		rc = db_txn(c->db, programme_put_run, &p) == DB_OK ? 0 : 1;
		if (rc) {
			cli_say(stderr, c->t, c->lang, "cli.db_error", NULL);
		} else {
			const char *vars[] = {"programme", slug, NULL};
			cli_say(stdout, c->t, c->lang, "cli.programme.saved", vars);
		}
	}
	free(slug);
	return rc;
}

/* The staff command "match", checked and run as dispatch would. */
static int
match_step(struct hctx *h, void *ud)
{
	(void)ud;
	int rc = h_match_check(h);
	return rc == 0 ? h_match_run(h) : rc;
}

static const struct cli_word programme_words[] = {
	{.name = "list", .min_args = 0, .max_args = -1, .run = programme_list},
	{.name = "add", .min_args = 1, .max_args = -1, .run = programme_add}, /* SLUG [--option value]… */
	{.name = "set", .min_args = 1, .max_args = -1, .run = programme_add}, /* the same, for an existing one */
	{.name = NULL},
};

static int
cmd_match(const char *path, int argc, char **argv)
{
	int ids = argc == 2 && strcmp(argv[1], "--ids") == 0;
	if (argc != 1 && argc != 2) {
		usage(stderr);
		return 2;
	}
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(path, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	char *slug = cmd_fold(argv[0]);
	int rc;
	if (ids) {
		/* for scripts: the assignment by person ids, tab-separated */
		struct buf out = BUF_INIT;
		rc = h_cohort_preview(db, slug, &out);
		if (rc == DB_OK)
			fputs(out.p ? out.p : "", stdout);
		else if (rc == DB_NOTFOUND) {
			const char *vars[] = {"programme", slug, NULL};
			cli_say(stderr, t, lang, "cli.match.no_programme", vars);
		}
		buf_free(&out);
		rc = rc == DB_OK ? 0 : 1;
	} else {
		/* the staff command itself: the preview (changes nothing), or publish with its offers emitted,
		 * in one transaction; the answer staff would get is printed */
		struct core core;
		struct hctx h = {0};
		if (cli_core(&core, &cfg, t, db) < 0) {
			cli_close(&cfg, t, db);
			return 1;
		}
		h.key = core.key;
		char *args[3] = {argv[0], argc == 2 ? argv[1] : NULL, NULL};
		h.db = db;
		h.cfg = &cfg;
		h.tmpl = t;
		h.cmd = cmd_by_name("match");
		h.transport = "cli";
		h.ep_addr = cli_actor();
		h.staff = 1;
		h.argc = argc;
		h.argv = args;
		h.argline = "";
		h.body = "";
		h.lang = lang;
		enum cli_txn hr = h.cmd ? cli_staff_txn(db, &core, &h, match_step, NULL) : CLI_TXN_FAILED;
		if (hr != CLI_TXN_FAILED)
			for (size_t i = 0; i < h.nreplies; i++)
				if (!h.replies[i].to_kind) {
					char *text = tmpl_render(t, h.lang, h.replies[i].key,
								 (const char *const *)h.replies[i].vars);
					fprintf(hr == CLI_TXN_DONE ? stdout : stderr, "%s\n", text);
					free(text);
				}
		if (hr == CLI_TXN_FAILED) {
			const char *vars[] = {"programme", slug, NULL};
			cli_say(stderr, t, lang, "cli.match.publish_failed", vars);
		}
		rc = hr == CLI_TXN_DONE ? 0 : 1;
		hctx_free_replies(&h);
	}
	free(slug);
	cli_close(&cfg, t, db);
	return rc;
}

static int
cmd_audit(const char *path, int argc, char **argv)
{
	int rc = cli_audit_cmd(path, argc, argv);
	if (rc == -2) {
		usage(stderr);
		rc = 2;
	}
	return rc;
}

/* status and backup (bot/cli_status.c, bot/cli_backup.c): -2 is a usage error */
static int
cmd_status(const char *path, int argc, char **argv)
{
	int rc = cli_status(path, argc, argv);
	if (rc == -2) {
		usage(stderr);
		rc = STATUS_UNKNOWN; /* a monitoring system reads any other status as a finding */
	}
	return rc;
}

static int
cmd_backup(const char *path, int argc, char **argv)
{
	int rc = cli_backup(path, argc, argv);
	if (rc == -2) {
		usage(stderr);
		rc = 2;
	}
	return rc;
}

/*
 * The sub-commands: the one table behind dispatch, --help and the usage
 * error.  Each function gets the -c FILE (NULL when not given) and the
 * positional arguments after the sub-command, with -c/--config FILE and
 * -v/--verbose taken out wherever they stand; it returns the exit status
 * (0 ok, 1 failed, 2 usage).
 */
struct subcommand {
	const char *name;
	int needs_config; /* without -c FILE: the usage, exit 2 */
	int max_args;     /* more positional arguments: the usage, exit 2; -1: the function checks */
	int (*run)(const char *conf, int argc, char **argv);
	const struct cli_word *words; /* instead of run: the words after the sub-command (run_word) */
	/* the synopses after "mentorbot ", one per form; a '\n' continues one with the text after it */
	const char *usage[2];
};

/* clang-format off: one entry, one block */
static const struct subcommand subcommands[] = {
	{.name = "run",
	 .needs_config = 1,
	 .max_args = 1,
	 .run = cmd_run,
	 .usage = {"run -c FILE [-v]     run the daemon"}},
	{.name = "check-config",
	 .needs_config = 1,
	 .max_args = 1,
	 .run = cmd_check_config,
	 .usage = {"check-config -c FILE   check a configuration file"}},
	{.name = "parse",
	 .needs_config = 0,
	 .max_args = 1,
	 .run = cmd_parse,
	 .usage = {"parse [FILE.eml|-]     show how the bot reads a mail (JSON)"}},
	{.name = "post",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cmd_post,
	 .usage = {"post -c FILE GROUP TEXT…   post to a group's rooms and mail recipients"}},
	{.name = "group",
	 .needs_config = 1,
	 .max_args = -1,
	 .words = group_words,
	 .usage = {"group -c FILE list | set NAME MEMBER… | del NAME"}},
	{.name = "match",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cmd_match,
	 .usage = {"match -c FILE PROGRAMME [publish|--ids]   preview the optimal whole-cohort\n"
		   "                 matching; publish: send each pair as an offer both sides accept;\n"
		   "                 --ids: the preview by person ids, tab-separated, for scripts"}},
	{.name = "programme",
	 .needs_config = 1,
	 .max_args = -1,
	 .words = programme_words,
	 .usage = {"programme -c FILE list | add SLUG | set SLUG [--name N] [--policy open|approve]\n"
		   "                 [--days N] [--consent V] [--questions f1,f2] [--weights topics=3,language=2,…]"}},
	{.name = "report",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_report,
	 .usage = {"report -c FILE [PROGRAMME]   figures and what needs attention"}},
	{.name = "export",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_export,
	 .usage = {"export -c FILE matches|sessions|alumni|companies|offers [--csv] [--out FILE] [--programme P]",
		   "export -c FILE attendees ID [--csv] [--out FILE]"}},
	{.name = "event",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_event,
	 .usage = {"event -c FILE add|list|show|send|change|cancel …   events (mentorbot event help)"}},
	{.name = "feed",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_feed,
	 .usage = {"feed -c FILE [--out FILE]   iCalendar feed of the public events"}},
	{.name = "site",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_site,
	 .usage = {"site -c FILE [--out DIR]   the public page, its Atom and iCalendar feeds (default: [site] dir)"}},
	{.name = "purge",
	 .needs_config = 1,
	 .max_args = 1,
	 .run = cli_purge,
	 .usage = {"purge -c FILE [--dry-run]   purge what [retention] lets go now (counts, person ids)"}},
	{.name = "import",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cli_import,
	 .usage = {"import -c FILE LIST.csv --programme P [--role alumnus|mentor|company] [--dry-run]"
		   "   invite a list by mail"}},
	{.name = "status",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cmd_status,
	 .usage = {"status -c FILE [--json]   daemon, transports, backlogs; exit 0 OK, 1 WARNING,\n"
		   "                 2 CRITICAL, 3 UNKNOWN (Nagios plugin conventions)"}},
	{.name = "social",
	 .needs_config = 1,
	 .max_args = 1,
	 .run = cli_social,
	 .usage = {"social -c FILE test   log in to each social account ([bluesky]), posting nothing"}},
	{.name = "backup",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cmd_backup,
	 .usage = {"backup -c FILE [--force] OUT.db   online copy of the database, integrity-checked"}},
	{.name = "audit",
	 .needs_config = 1,
	 .max_args = -1,
	 .run = cmd_audit,
	 .usage = {"audit -c FILE [--since YYYY-MM-DD] [--json]   the staff audit log"}},
};
/* clang-format on */

static void
usage(FILE *f)
{
	const char *lead = "usage: ";
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++)
		for (size_t u = 0; u < ARRAY_LEN(subcommands[i].usage) && subcommands[i].usage[u]; u++) {
			fprintf(f, "%smentorbot %s\n", lead, subcommands[i].usage[u]);
			lead = "       ";
		}
	fprintf(f, "%smentorbot --help | --version\n", lead);
}

static const struct subcommand *
subcommand_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	/* the database (personal data, raw mails), exports and logs are nobody else's business */
	umask(077);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], PARSEBOX_WORKER_CMD) == 0)
		return parsebox_worker_main(argc, argv); /* before anything else: a limited process */
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("mentorbot %s\n", MENTORBOT_VERSION);
		return 0;
	}
	const struct subcommand *sc = subcommand_find(cmd);
	if (!sc) {
		usage(stderr);
		return 2;
	}
	const char *conf = NULL;
	char **pos = xcalloc((size_t)argc, sizeof *pos);
	int npos = 0;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			cli_verbose = 1;
		else
			pos[npos++] = argv[i];
	}
	int rc;
	if ((sc->needs_config && !conf) || (sc->max_args >= 0 && npos > sc->max_args)) {
		usage(stderr);
		rc = 2;
	} else {
		rc = sc->words ? run_word(sc->words, conf, npos, pos) : sc->run(conf, npos, pos);
	}
	free(pos);
	return rc;
}
