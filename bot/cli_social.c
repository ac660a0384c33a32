/*
 * cli_social.c - "mentorbot social -c FILE test": log in to each configured social account
 * and ask who it is, posting nothing (exit 0: every account works, 1: one does not or none is
 * configured); and the failed posts "mentorbot report" lists.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bluesky_int.h"
#include "cli.h"
#include "config.h"
#include "social.h"
#include "state/social.h"
#include "templates.h"
#include "util.h"

/* Bluesky: createSession, then getSession with the new token.  0 ok, else -1 with *err. */
static int
test_bluesky(const struct config *cfg, char **err)
{
	struct bs_client c;
	*err = NULL;
	if (bs_init(&c, cfg->bluesky.url, cfg->bluesky.handle, cfg->bluesky.password, NULL) < 0) {
		*err = xstrdup("curl");
		return -1;
	}
	long st;
	int rc = bs_login(&c, &st, err);
	if (rc == BS_OK) {
		json_t *out;
		rc = bs_call(&c, "GET", "com.atproto.server.getSession", NULL, NULL, "access", &out, &st);
		const char *did = json_string_value(json_object_get(out, "did"));
		if (rc != BS_OK || !did || strcmp(did, c.did) != 0) {
			*err = xasprintf("getSession: HTTP %ld %s", st, bs_errname(out));
			rc = BS_HTTP;
		}
		json_decref(out);
	}
	bs_free(&c);
	return rc == BS_OK ? 0 : -1;
}

static int
cmd_social_test(const struct config *cfg, const struct templates *t, const char *lang)
{
	int tested = 0, bad = 0;
	if (cfg->bluesky.present) {
		char *err;
		tested++;
		int r = test_bluesky(cfg, &err);
		const char *v[] = {"channel", "bluesky", "handle", cfg->bluesky.handle, "error", err, NULL};
		cli_say(r == 0 ? stdout : stderr, t, lang, r == 0 ? "social.test.ok" : "social.test.failed", v);
		bad += r != 0;
		free(err);
	}
	static const char *const nets[] = {"mastodon", "linkedin", "facebook", "x"};
	for (size_t i = 0; i < ARRAY_LEN(nets); i++) {
		const struct social_account_cfg *a = config_social_account(cfg, nets[i]);
		if (!a || !a->present)
			continue;
		char *who, *err;
		tested++;
		int r = social_net_verify(cfg, nets[i], &who, &err);
		const char *h = who ? who : a->id ? a->id : a->url ? a->url : "?";
		const char *v[] = {"channel", nets[i], "handle", h, "error", err, NULL};
		cli_say(r == 0 ? stdout : stderr, t, lang, r == 0 ? "social.test.ok" : "social.test.failed", v);
		bad += r != 0;
		free(who);
		free(err);
	}
	if (!tested) {
		cli_say(stderr, t, lang, "social.test.none", NULL);
		return 1;
	}
	return bad ? 1 : 0;
}

int
cli_social(const char *conf, int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "test") != 0) {
		fprintf(stderr, "usage: mentorbot social -c FILE test\n");
		return 2;
	}
	struct config cfg;
	struct templates *t = NULL;
	int rc = 1;
	if (cli_load_config(conf, &cfg) == 0 && cli_load_templates(cfg.bot.templates, &t) == 0)
		rc = cmd_social_test(&cfg, t, cli_lang(&cfg));
	templates_free(t);
	config_free(&cfg);
	return rc;
}

int
social_report(FILE *f, struct db *db, const struct templates *t, const char *lang)
{
	struct social_post *v;
	size_t n;
	int rc = state_social_failures(db, &v, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		char item[64];
		snprintf(item, sizeof item, "%s %lld", v[i].item_kind, (long long)v[i].item_id);
		const char *vars[] = {"channel", v[i].channel, "item", item, "error", v[i].error ? v[i].error : "?",
				      NULL};
		cli_say(f, t, lang, "social.report.failed", vars);
	}
	social_posts_free(v, n);
	return rc;
}
