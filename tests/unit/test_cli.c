/* The command line is its sub-command table: --help lists every entry, an unknown or incomplete
 * sub-command prints the same usage to stderr and exits 2.  Runs main() of bot/main.c in-process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mentorbot_main(int argc, char **argv);
#define main mentorbot_main
#include "bot/main.c"
#undef main

#include "t.h"

struct run {
	int rc;
	char *out, *err; /* what main() wrote to stdout and stderr */
};

static char *
slurp(FILE *f)
{
	long n = ftell(f);
	char *s = xcalloc((size_t)n + 1, 1);
	rewind(f);
	if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return s;
}

/* Run main() with argv (NULL-terminated, argv[0] included), stdout and stderr caught. */
static struct run
run_main(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	FILE *o = tmpfile(), *e = tmpfile();
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	struct run r;
	r.rc = mentorbot_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	fseek(o, 0, SEEK_END);
	fseek(e, 0, SEEK_END);
	r.out = slurp(o);
	r.err = slurp(e);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* usage() as one string */
static char *
usage_text(void)
{
	FILE *f = tmpfile();
	usage(f);
	return slurp(f);
}

static void
help_lists_every_subcommand_and_form(void)
{
	char *argv[] = {"mentorbot", "--help", NULL};
	struct run r = run_main(argv);
	CHECK(r.rc == 0);
	CHECK_STR(r.err, "");
	const char *first = "usage: mentorbot run -c FILE [-v]     run the daemon\n";
	const char *last = "       mentorbot --help | --version\n";
	CHECK(strncmp(r.out, first, strlen(first)) == 0);
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++) {
		CHECK(subcommands[i].usage[0] != NULL);
		for (size_t u = 0; u < ARRAY_LEN(subcommands[i].usage) && subcommands[i].usage[u]; u++) {
			/* each form starts with its name, on a line of its own after "mentorbot " */
			size_t len = strlen(subcommands[i].name);
			CHECK(strncmp(subcommands[i].usage[u], subcommands[i].name, len) == 0);
			CHECK(subcommands[i].usage[u][len] == ' ');
			char *line = xasprintf("mentorbot %s\n", subcommands[i].usage[u]);
			CHECK(strstr(r.out, line) != NULL);
			free(line);
		}
	}
	size_t n = strlen(r.out);
	CHECK(n > strlen(last) && strcmp(r.out + n - strlen(last), last) == 0);
	/* -h and help say the same */
	char *h1[] = {"mentorbot", "-h", NULL}, *h2[] = {"mentorbot", "help", "extra", NULL};
	struct run a = run_main(h1), b = run_main(h2);
	CHECK(a.rc == 0 && b.rc == 0);
	CHECK_STR(a.out, r.out);
	CHECK_STR(b.out, r.out);
	run_free(&a);
	run_free(&b);
	run_free(&r);
}

static void
subcommand_names_are_unique(void)
{
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++) {
		CHECK(subcommand_find(subcommands[i].name) == &subcommands[i]);
		CHECK(strcmp(subcommands[i].name, PARSEBOX_WORKER_CMD) != 0);
	}
	CHECK(subcommand_find("--help") == NULL);
	CHECK(subcommand_find("Run") == NULL);
}

static void
unknown_subcommand_prints_the_usage_to_stderr_and_exits_2(void)
{
	char *u = usage_text();
	char *none[] = {"mentorbot", NULL}, *bogus[] = {"mentorbot", "bogus", "-c", "x.ini", NULL};
	struct run a = run_main(none), b = run_main(bogus);
	CHECK(a.rc == 2 && b.rc == 2);
	CHECK_STR(a.out, "");
	CHECK_STR(b.out, "");
	CHECK_STR(a.err, u);
	CHECK_STR(b.err, u);
	run_free(&a);
	run_free(&b);
	free(u);
}

static void
missing_config_or_extra_arguments_print_the_usage(void)
{
	char *u = usage_text();
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++) {
		char *name = (char *)subcommands[i].name;
		if (subcommands[i].needs_config) {
			char *argv[] = {"mentorbot", name, "-v", NULL};
			struct run r = run_main(argv);
			CHECK(r.rc == 2);
			CHECK_STR(r.err, u);
			run_free(&r);
		}
		if (subcommands[i].max_args == 1) {
			char *argv[] = {"mentorbot", name, "-c", "/nonexistent.ini", "a", "b", NULL};
			struct run r = run_main(argv);
			CHECK(r.rc == 2);
			CHECK_STR(r.err, u);
			run_free(&r);
		}
	}
	free(u);
}

/* every word of group and programme is in the synopsis of its sub-command */
static void
words_are_in_the_usage(void)
{
	const struct {
		const char *sub;
		const struct cli_word *words;
	} t[] = {{"group", group_words}, {"programme", programme_words}};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		const struct subcommand *sc = subcommand_find(t[i].sub);
		CHECK(sc != NULL);
		if (!sc)
			continue;
		for (const struct cli_word *w = t[i].words; w->name; w++) {
			char *a = xasprintf(" %s ", w->name), *b = xasprintf(" %s\n", w->name);
			CHECK(strstr(sc->usage[0], a) || strstr(sc->usage[0], b));
			CHECK(w->min_args >= 0 && (w->max_args < 0 || w->max_args >= w->min_args));
			for (const struct cli_word *x = t[i].words; x < w; x++)
				CHECK(strcmp(x->name, w->name) != 0);
			free(a);
			free(b);
		}
	}
}

/* A configuration file in /tmp with [bot] language lang and the extra lines more; its path (static). */
static const char *
write_config(const char *lang, const char *more)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/mentorbot-test-cli-%d.ini", (int)getpid());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "[bot]\nlanguage = %s\ndatabase = /tmp/mentorbot-test-cli-%d.db\ntemplates = templates\n%s",
			lang, (int)getpid(), more);
		fclose(f);
	}
	return path;
}

/* What check-config and run print about a configuration is in its [bot] language: the count of
 * errors, "OK", and that there is no transport to receive commands or [imap] lacks [smtp] */
static void
config_problems_are_said_in_the_configured_language(void)
{
	const struct {
		const char *lang, *errors, *error, *ok, *no_inbound, *no_smtp;
	} t[] = {
		{"de", ": 2 Fehler\n", ": 1 Fehler\n", ": in Ordnung\n",
		 ": kein Transport, der Befehle empfängt: [imap] (mit [smtp]), [xmpp] oder [matrix] einrichten\n",
		 ": [imap] braucht [smtp]: ankommende Mails könnten nicht beantwortet werden\n"},
		{"en", ": 2 errors\n", ": 1 error\n", ": OK\n",
		 ": no transport to receive commands: configure [imap] (with [smtp]), [xmpp] or [matrix]\n",
		 ": [imap] needs [smtp]: mail that arrives could not be answered\n"},
	};
	const char *xmpp = "[xmpp]\njid = bot@example.test\npassword = p\n";
	const char *imap = "[imap]\nurl = imaps://imap.example.test\nuser = u\npassword = p\n";
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		const char *bad[] = {"bogus = 1\nworse = 2\n", "bogus = 1\n"}, *want[] = {t[i].errors, t[i].error};
		for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
			char *conf = xstrdup(write_config(t[i].lang, bad[k]));
			char *argv[] = {"mentorbot", "check-config", "-c", conf, NULL};
			struct run r = run_main(argv);
			char *line = xasprintf("%s%s", conf, want[k]);
			CHECK(r.rc == 1);
			CHECK(strstr(r.err, "unknown key 'bogus'") != NULL);
			CHECK(strlen(r.err) >= strlen(line) && strcmp(r.err + strlen(r.err) - strlen(line), line) == 0);
			free(line);
			run_free(&r);
			free(conf);
		}
		char *conf = xstrdup(write_config(t[i].lang, xmpp));
		char *check[] = {"mentorbot", "check-config", "-c", conf, NULL};
		struct run r = run_main(check);
		char *line = xasprintf("%s%s", conf, t[i].ok);
		CHECK(r.rc == 0);
		CHECK_STR(r.out, line);
		free(line);
		run_free(&r);
		free(conf);
		/* refused by check-config and by run alike */
		const char *more[] = {"", imap}, *says[] = {t[i].no_inbound, t[i].no_smtp};
		for (size_t k = 0; k < ARRAY_LEN(more); k++) {
			conf = xstrdup(write_config(t[i].lang, more[k]));
			char *check2[] = {"mentorbot", "check-config", "-c", conf, NULL};
			char *run[] = {"mentorbot", "run", "-c", conf, NULL};
			char **argvs[] = {check2, run};
			for (size_t a = 0; a < ARRAY_LEN(argvs); a++) {
				r = run_main(argvs[a]);
				line = xasprintf("%s%s", conf, says[k]);
				CHECK(r.rc == 1);
				CHECK(strstr(r.err, line) != NULL);
				free(line);
				run_free(&r);
			}
			unlink(conf);
			free(conf);
		}
	}
}

/* A CLI staff step writes "k", answers the terminal and returns result. */
static int
write_then(struct hctx *h, void *ud)
{
	CHECK(state_kv_set(h->db, "k", "v") == DB_OK);
	hctx_reply(h, "cli.db_error", NULL);
	return *(int *)ud;
}

/* A step that succeeds, but its transaction is gone before the commit (the commit fails). */
static int
write_then_lose_the_txn(struct hctx *h, void *ud)
{
	(void)ud;
	CHECK(state_kv_set(h->db, "k", "v") == DB_OK);
	hctx_reply(h, "cli.db_error", NULL);
	db_rollback(h->db);
	return DB_OK;
}

static int
kv_is_set(struct db *db)
{
	char *v = NULL;
	int rc = state_kv_get(db, "k", &v);
	free(v);
	return rc == DB_OK;
}

/* cli_staff_txn commits a step only when it succeeds, and says whether the handler refused or
 * the database failed: an answer in h does not tell (a failed step may have answered too) */
static void
a_staff_step_from_the_terminal_commits_only_when_it_succeeds(void)
{
	char path[] = "/tmp/mentorbot-test-cli-txn.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == DB_OK);
	struct core core = {0};
	const struct {
		int step;
		enum cli_txn want;
	} t[] = {
		{1, CLI_TXN_REFUSED},
		{DB_NOTFOUND, CLI_TXN_REFUSED},
		{DB_ERR, CLI_TXN_FAILED},
		{DB_OK, CLI_TXN_DONE},
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		struct hctx h = {0};
		h.db = db;
		int r = t[i].step;
		CHECK(cli_staff_txn(db, &core, &h, write_then, &r) == t[i].want);
		CHECK(h.nreplies == 1);
		CHECK(kv_is_set(db) == (t[i].want == CLI_TXN_DONE));
		hctx_free_replies(&h);
		CHECK(!db_failed(state_kv_del(db, "k")));
	}
	/* the step succeeded and answered, the commit failed: a database failure, nothing kept */
	struct hctx h = {0};
	h.db = db;
	CHECK(!kv_is_set(db));
	CHECK(cli_staff_txn(db, &core, &h, write_then_lose_the_txn, NULL) == CLI_TXN_FAILED);
	CHECK(h.nreplies == 1);
	CHECK(!kv_is_set(db));
	hctx_free_replies(&h);
	db_close(db);
	unlink(path);
}

int
main(void)
{
	RUN(help_lists_every_subcommand_and_form);
	RUN(subcommand_names_are_unique);
	RUN(unknown_subcommand_prints_the_usage_to_stderr_and_exits_2);
	RUN(missing_config_or_extra_arguments_print_the_usage);
	RUN(words_are_in_the_usage);
	RUN(a_staff_step_from_the_terminal_commits_only_when_it_succeeds);
	RUN(config_problems_are_said_in_the_configured_language);
	return t_done();
}
