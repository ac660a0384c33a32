/*
 * bench_import.c - bench.network.import_10k_s (issue 13, Benchmark): "mentorbot import" of a
 * 10,000-row list (Windows-1252, ';', umlauts, 1 % of the rows bad or duplicate) into a fresh
 * database, end to end as the command runs it: the file read and converted, every row
 * checked, 10,000 invitations recorded with their tokens and their mails queued in the outbox
 * (paced), in one committed transaction.  Median of 3 runs, each on a fresh database; its
 * stdout (the report) goes to /dev/null.
 *
 * Built by tests/bench/bench_import.py (make build/bench/bench_import).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/cli.h"
#include "bot/util.h"
#include "state/db_internal.h"
#include "state/state.h"

#define ROWS 10000
#define RUNS 3

static void
write_list(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fatal("bench_import: cannot write %s", path);
	fputs("Vorname;Nachname;E-Mail;Abschluss;Studiengang;Firma;Stadt;Themen\r\n", f);
	for (int i = 1; i <= ROWS; i++) {
		char addr[64]; /* every 200th address bad, every 300th a duplicate of the row before */
		if (i % 200 == 0)
			snprintf(addr, sizeof addr, "kaputt%d-at-example.test", i);
		else
			snprintf(addr, sizeof addr, "person%d@example.test", i % 300 == 0 ? i - 1 : i);
		/* J\xfcrgen M\xfcller, M\xfcnchen: Windows-1252 umlauts */
		fprintf(f,
			"J\xfcrgen %d;M\xfcller;%s;%d;Informatik;B\xe4"
			"cker GmbH;M\xfcnchen;\"Cloud; KI\"\r\n",
			i, addr, 1990 + i % 35);
	}
	fclose(f);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(void)
{
	char dir[64], list[96], conf[96], dbpath[96];
	snprintf(dir, sizeof dir, "/tmp/mb-bench-import-%d", (int)getpid());
	snprintf(list, sizeof list, "%s/alumni.csv", dir);
	snprintf(conf, sizeof conf, "%s/mentorbot.ini", dir);
	snprintf(dbpath, sizeof dbpath, "%s/state.db", dir);
	if (mkdir(dir, 0700) != 0)
		fatal("bench_import: cannot make %s", dir);
	write_list(list);
	char cwd[512];
	if (!getcwd(cwd, sizeof cwd))
		fatal("bench_import: no working directory");
	FILE *c = fopen(conf, "w");
	fprintf(c,
		"[bot]\ndatabase = %s\nlanguage = de\ntemplates = %s/templates\nstaff = staff@example.test\n"
		"announce_rate = 20\n[imap]\nurl = imap://127.0.0.1:1/INBOX\nuser = bot@example.test\npassword = x\n"
		"[smtp]\nurl = smtp://127.0.0.1:1\nfrom = MentorBot <bot@example.test>\n",
		dbpath, cwd);
	fclose(c);
	double s[RUNS];
	int64_t queued = 0;
	char *argv[] = {list, "--programme", "alumni", NULL};
	for (int r = 0; r < RUNS; r++) {
		unlink(dbpath);
		struct db *db = NULL;
		if (db_open(&db, dbpath) < 0) /* migrated before the clock starts */
			fatal("bench_import: cannot open %s", dbpath);
		db_close(db);
		fflush(stdout);
		int out = dup(1);
		if (!freopen("/dev/null", "w", stdout))
			fatal("bench_import: /dev/null");
		int64_t t0 = mono_ms();
		int rc = cli_import(conf, 3, argv);
		s[r] = (double)(mono_ms() - t0) / 1000.0;
		fflush(stdout);
		dup2(out, 1);
		close(out);
		if (rc != 0)
			fatal("bench_import: import failed (%d)", rc);
		if (db_open(&db, dbpath) < 0 || state_outbox_pending(db, "mail", &queued) != DB_OK)
			fatal("bench_import: cannot count the outbox");
		db_close(db);
	}
	qsort(s, RUNS, sizeof s[0], cmp_d);
	printf("bench.network.import_10k_s: %.2f\n", s[RUNS / 2]);
	printf("# %d rows (Windows-1252, ';'), %lld invitations queued with their tokens; median of %d (target 5)\n",
	       ROWS, (long long)queued, RUNS);
	char *rm = xasprintf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		fprintf(stderr, "bench_import: %s failed\n", rm);
	free(rm);
	return 0;
}
