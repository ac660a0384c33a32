/*
 * cli_site.c - "mentorbot site -c FILE [--out DIR]": write the public page,
 * its Atom feeds and the iCalendar feed (bot/site.h) into DIR, or into
 * [site] dir when --out is not given.  What it prints comes from
 * templates/<[bot] language>/site.txt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "state/state.h"

int
cli_site(const char *conf, int argc, char **argv)
{
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(conf, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	const char *dir = cfg.site.dir;
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc)
			dir = argv[++i];
		else
			bad = 1;
	}
	if (bad || !dir || !*dir) {
		cli_say(stderr, t, lang, "cli.site.usage", NULL);
		cli_close(&cfg, t, db);
		return 2;
	}
	struct site_file *v;
	size_t n;
	int rc = 0;
	if (site_build(db, &cfg, t, now_s(), &v, &n) != 0) {
		cli_say(stderr, t, lang, "cli.db_error", NULL);
		rc = 1;
	} else {
		if (site_write(dir, v, n) != 0) {
			const char *vars[] = {"dir", dir, "error", strerror(errno), NULL};
			cli_say(stderr, t, lang, "cli.site.failed", vars);
			rc = 1;
		} else {
			char num[24];
			snprintf(num, sizeof num, "%zu", n);
			const char *vars[] = {"n", num, "dir", dir, NULL};
			cli_say(stdout, t, lang, "cli.site.wrote", vars);
		}
		site_files_free(v, n);
	}
	cli_close(&cfg, t, db);
	return rc;
}
