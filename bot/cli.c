/*
 * cli.c - what every CLI sub-command needs: the configuration, the
 * templates and the database opened with their errors printed, and a
 * struct core for queueing replies from a CLI process.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dispatch.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

/* Load config or print every error.  Returns 0 on success. */
int
cli_load_config(const char *path, struct config *cfg)
{
	struct buf errors = BUF_INIT;
	int n = config_load(path, cfg, &errors);
	if (n) {
		fputs(errors.p ? errors.p : "", stderr);
		fprintf(stderr, "%s: %d error%s\n", path, n, n == 1 ? "" : "s");
	}
	buf_free(&errors);
	return n;
}

int
cli_load_templates(const char *dir, struct templates **out)
{
	struct buf errors = BUF_INIT;
	int n = templates_load(dir, out, &errors);
	if (n) {
		fputs(errors.p ? errors.p : "", stderr);
		fprintf(stderr, "templates in %s: %d problem%s\n", dir, n, n == 1 ? "" : "s");
	}
	buf_free(&errors);
	return n;
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
	return 0;
}

void
cli_core(struct core *core, const struct config *cfg, const struct templates *t)
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
}

void
cli_close(struct config *cfg, struct templates *t, struct db *db)
{
	db_close(db);
	templates_free(t);
	config_free(cfg);
}
