/*
 * h_event_social.c - public events on the social channels (bot/social.h): the post queued at
 * "announce <id> send", its change (a reply or an edit) or deletion when the event changes or
 * is cancelled, and where it was posted, for staff ("announce <id>").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/social.h"
#include "bot/social_text.h"
#include "bot/util.h"
#include "handlers/h_event_int.h"
#include "handlers/h_social.h"
#include "handlers/handlers.h"
#include "state/calls.h"
#include "state/events.h"
#include "state/social.h"

char *
ev_social_status(struct hctx *h, int64_t id)
{
	return h_social_status(h, "event", id);
}

/* What the social channels post about a public event (free with ev_item_free). */
struct ev_item {
	struct social_item it;
	struct evtext t;
	char *place, *body, *page, *tagtext;
	const char *tags[SOCIAL_MAX_TAGS];
};

static void
ev_item_make(struct hctx *h, const struct event *ev, struct ev_item *e)
{
	memset(e, 0, sizeof *e);
	const char *lang = hctx_default_lang(h);
	evtext_make(h, ev, lang, &e->t);
	e->place = ev->place && *ev->place ? hctx_text_in(h, lang, "social.event.place", "place", ev->place, NULL)
					   : xstrdup("");
	e->body = hctx_text_in(h, lang, "social.event", "title", ev->title, "when", e->t.when, "place", e->place, NULL);
	/* the event's own link, else its entry on the public page ([site] url, bot/site.c) */
	if ((!ev->url || !*ev->url) && h->cfg->site.url && *h->cfg->site.url) {
		size_t n = strlen(h->cfg->site.url);
		e->page = xasprintf("%s%sindex.%s.html#event-%lld", h->cfg->site.url,
				    h->cfg->site.url[n - 1] == '/' ? "" : "/", lang, (long long)ev->id);
	}
	if (state_event_hashtags(h->db, ev->id, &e->tagtext) != DB_OK)
		e->tagtext = NULL;
	e->it = (struct social_item){.kind = "event",
				     .id = ev->id,
				     .lang = lang,
				     .body = e->body,
				     .link = ev->url && *ev->url ? ev->url : e->page,
				     .card_title = ev->title,
				     .card_text = ev->description,
				     .tags = e->tags};
	e->it.ntags = social_tags_split(e->tagtext, e->tags, SOCIAL_MAX_TAGS);
}

static void
ev_item_free(struct ev_item *e)
{
	free(e->page);
	free(e->body);
	free(e->place);
	free(e->tagtext);
	evtext_free(&e->t);
}

/* A public event goes to the social channels of [social] events, once per channel.  *note:
 * what staff are told about it (after event.sent), or NULL.  Caller frees. */
int
ev_social_queue(struct hctx *h, const struct event *ev, char **note)
{
	*note = NULL;
	if (!ev->is_public || !h->cfg)
		return DB_OK;
	struct ev_item e;
	ev_item_make(h, ev, &e);
	int queued = 0, rc = social_queue(h->db, h->cfg, "events", &e.it, &queued);
	if (rc == DB_OK && queued) {
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < social_nchannels; i++)
			if (social_wants(h->cfg, "events", social_channels[i].name)) {
				if (names.len)
					buf_adds(&names, ", ");
				buf_adds(&names, social_channels[i].name);
			}
		char *ch = buf_detach(&names);
		*note = hctx_text(h, e.it.link ? "social.queued" : "social.queued.nolink", "channels", ch, NULL);
		free(ch);
	}
	ev_item_free(&e);
	return rc;
}

/* A change (op "edit", with what changed) or the cancellation ("delete") of an event follows
 * its posts on the social channels. */
int
ev_social_change(struct hctx *h, const struct event *ev, const char *op, const char *changes)
{
	if (!h->cfg)
		return DB_OK;
	struct ev_item e;
	ev_item_make(h, ev, &e);
	char *ch = changes ? hctx_text_in(h, e.it.lang, "social.event.changed", "title", ev->title, "changes", changes,
					  NULL)
			   : NULL;
	int q = 0, rc = social_change(h->db, h->cfg, op, &e.it, ch, &q);
	free(ch);
	ev_item_free(&e);
	return rc;
}

int
ev_social_hashtags_save(struct hctx *h, int64_t id, const char *value)
{
	char *copy = xstrdup(value ? value : "");
	const char *v[SOCIAL_MAX_TAGS];
	size_t n = strcmp(copy, "-") == 0 ? 0 : social_tags_split(copy, v, SOCIAL_MAX_TAGS);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", b.len ? " " : "", v[i]);
	int rc = state_event_hashtags_set(h->db, id, b.p);
	buf_free(&b);
	free(copy);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}
