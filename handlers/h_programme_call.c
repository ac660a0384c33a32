/*
 * h_programme_call.c - a programme's call for applications (see h_programme.h).  Opening a
 * call makes a new programme_call row, the item the social channels post (kind "call"), with
 * the programme's name, the deadline and how to apply; joining does not depend on it.  Runs
 * inside the dispatcher's transaction.
 */
#include "handlers/h_programme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/social.h"
#include "bot/social_text.h"
#include "bot/util.h"
#include "handlers/h_event_int.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/calls.h"

static int
word_is(const char *w, const char *a)
{
	char *f = cmd_fold(w);
	int r = !strcmp(f, a);
	free(f);
	return r;
}

int
h_programme_call_args(const struct hctx *h, int64_t *until)
{
	int64_t u = 0;
	int ok = 0;
	if (h->argc == 2) {
		ok = 1;
	} else if (h->argc == 3) {
		ok = word_is(h->argv[2], "close") || word_is(h->argv[2], "schliessen") ||
		     word_is(h->argv[2], "schließen");
		u = -1;
	} else if (h->argc == 4 && (word_is(h->argv[2], "until") || word_is(h->argv[2], "bis"))) {
		ok = offer_parse_date(h->argv[3], now_s(), &u) == 0 && u > now_s();
	}
	if (until)
		*until = u;
	return ok;
}

/* The call's post on the social channels of [social] calls: *queued how many. */
static int
call_social(struct hctx *h, const char *slug, const char *name, int64_t id, int64_t until, int *queued)
{
	*queued = 0;
	if (!h->cfg)
		return DB_OK;
	const char *lang = hctx_default_lang(h);
	char ds[32] = "", tm[16], anchor[48];
	if (until > 0)
		ev_date_time(until, lang, ds, tm);
	char *ut = until > 0 ? hctx_text_in(h, lang, "social.call.until", "until", ds, NULL) : xstrdup("");
	char *cmd = xasprintf("%s %s", hctx_cmd_word_in(lang, "join"), slug);
	const char *addr = h->cfg->smtp.present ? h->cfg->smtp.from_addr : NULL;
	char *join = addr ? hctx_text_in(h, lang, "social.call.join", "command", cmd, "address", addr, NULL)
			  : hctx_text_in(h, lang, "social.call.join_chat", "command", cmd, NULL);
	char *body = hctx_text_in(h, lang, "social.call", "name", name, "until", ut, "join", join, NULL);
	snprintf(anchor, sizeof anchor, "programme-%s", slug);
	char *link = h_social_page_link(h, NULL, lang, anchor);
	char *tagtext = NULL;
	const char *tags[SOCIAL_MAX_TAGS];
	if (state_programme_hashtags(h->db, slug, &tagtext) != DB_OK)
		tagtext = NULL;
	struct social_item it = {.kind = "call",
				 .id = id,
				 .lang = lang,
				 .body = body,
				 .link = link,
				 .card_title = name,
				 .card_text = join,
				 .tags = tags};
	it.ntags = social_tags_split(tagtext, tags, SOCIAL_MAX_TAGS);
	int rc = social_queue(h->db, h->cfg, "calls", &it, queued);
	free(tagtext);
	free(link);
	free(body);
	free(join);
	free(cmd);
	free(ut);
	return rc;
}

int
h_programme_call(struct hctx *h)
{
	int64_t until = 0, id = 0;
	h_programme_call_args(h, &until);
	char *slug = cmd_fold(h->argv[0]);
	char *name = NULL;
	int rc = state_programme_exists(h->db, slug, &name);
	if (rc == DB_OK && until < 0) {
		rc = state_call_close(h->db, slug, &id);
		if (rc == DB_NOTFOUND)
			hctx_reply(h, "programme.call.none", "slug", slug, "name", name, NULL);
		else if (rc == DB_OK && (rc = h_audit(h, "programme.call.close", slug, 0, NULL)) == DB_OK)
			hctx_reply(h, "programme.call.closed", "slug", slug, "name", name, NULL);
	} else if (rc == DB_OK) {
		int queued = 0;
		rc = state_call_open(h->db, slug, until, h->ep_addr, &id);
		if (rc == DB_OK)
			rc = call_social(h, slug, name, id, until, &queued);
		if (rc == DB_OK)
			rc = h_audit(h, "programme.call", slug, 0, h->argline);
		if (rc == DB_OK) {
			char ds[32] = "", tm[16], n[16];
			if (until > 0)
				ev_date_time(until, h->lang, ds, tm);
			char *ut = until > 0 ? hctx_text(h, "programme.call.until", "until", ds, NULL) : xstrdup("");
			snprintf(n, sizeof n, "%d", queued);
			hctx_reply(h, "programme.call.opened", "slug", slug, "name", name, "until", ut, "posts", n,
				   NULL);
			free(ut);
			log_info("event=programme_call slug=%s call=%lld social_posts=%d", slug, (long long)id, queued);
		}
	}
	free(name);
	free(slug);
	return db_failed(rc) ? rc : DB_OK;
}
