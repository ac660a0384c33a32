/*
 * social.c - the social channels, which news go where, and queueing the posts (see social.h).
 */
#include "social.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "config.h"
#include "handlers/handlers.h"
#include "logkv.h"
#include "social_text.h"
#include "state/social.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

static int
bluesky_configured(const struct config *cfg)
{
	return cfg->bluesky.present;
}

#define SN_CONFIGURED(net)                                                                                             \
	static int net##_configured(const struct config *cfg)                                                          \
	{                                                                                                              \
		return cfg->net.present;                                                                               \
	}
SN_CONFIGURED(mastodon)
SN_CONFIGURED(linkedin)
SN_CONFIGURED(facebook)
SN_CONFIGURED(x)

const struct social_channel social_channels[] = {
	{"bluesky", 300, 3000, bluesky_configured, bluesky_payload},
	{"mastodon", 500, 20000, mastodon_configured, mastodon_payload},
	{"linkedin", 3000, 30000, linkedin_configured, linkedin_payload},
	{"facebook", 63206, 250000, facebook_configured, facebook_payload},
	{"x", 280, 4000, x_configured, x_payload},
};
const size_t social_nchannels = ARRAY_LEN(social_channels);

static const struct strlist *
social_list(const struct config *cfg, const char *list)
{
	if (strcmp(list, "events") == 0)
		return &cfg->social.events;
	if (strcmp(list, "offers") == 0)
		return &cfg->social.offers;
	if (strcmp(list, "calls") == 0)
		return &cfg->social.calls;
	return NULL;
}

const struct social_channel *
social_channel(const char *name)
{
	for (size_t i = 0; i < social_nchannels; i++)
		if (strcmp(social_channels[i].name, name) == 0)
			return &social_channels[i];
	return NULL;
}

int
social_wants(const struct config *cfg, const char *list, const char *channel)
{
	const struct strlist *l = cfg ? social_list(cfg, list) : NULL;
	const struct social_channel *ch = social_channel(channel);
	if (!l || !ch || !ch->configured(cfg))
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], "all") == 0 || strcmp(l->v[i], channel) == 0)
			return 1;
	return 0;
}

/* Microseconds since the epoch (the test clock's seconds when it is set). */
static int64_t
now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return now_s() * 1000000 + tv.tv_usec;
}

int
social_queue(struct db *db, const struct config *cfg, const char *list, const struct social_item *it, int *queued)
{
	*queued = 0;
	for (size_t i = 0; i < social_nchannels; i++) {
		const struct social_channel *ch = &social_channels[i];
		if (!social_wants(cfg, list, ch->name))
			continue;
		char item[64], rkey[14];
		snprintf(item, sizeof item, "%s:%lld", it->kind, (long long)it->id);
		int64_t us = now_us();
		social_rkey(ch->name, item, us, rkey);
		char *payload = ch->payload(cfg, rkey, it, us);
		if (!payload) {
			log_warn("event=social_skipped channel=%s item=%s reason=text_does_not_fit", ch->name, item);
			continue;
		}
		int rc = state_social_queue(db, ch->name, it->kind, it->id, rkey, payload);
		free(payload);
		if (rc == DB_NOTFOUND)
			continue; /* posted (or queued) before */
		if (rc != DB_OK)
			return rc;
		(*queued)++;
		log_info("event=social_queued channel=%s item=%s rkey=%s", ch->name, item, rkey);
	}
	return DB_OK;
}

int
social_refused_job(struct hctx *h, int64_t ref, const char **result)
{
	if (ref < 0 || (size_t)ref >= social_nchannels) {
		*result = "skipped: no such channel";
		return 0;
	}
	const struct social_channel *ch = &social_channels[ref];
	const char *handle = strcmp(ch->name, "bluesky") == 0 && h->cfg->bluesky.handle ? h->cfg->bluesky.handle : "?";
	const struct social_account_cfg *acc = config_social_account(h->cfg, ch->name);
	if (acc)
		handle = acc->id ? acc->id : acc->url ? acc->url : "?"; /* the account: organization, page, instance */
	const char *lang = hctx_default_lang(h);
	for (size_t i = 0, k = 0; i < h->cfg->bot.staff.n; i++) {
		const char *kind, *to;
		if (!hctx_staff_endpoint(h->cfg->bot.staff.v[i], &kind, &to))
			continue;
		char *b = xasprintf("social.refused.%s.%zu", ch->name, k++);
		char *msgid = strcmp(kind, "mail") == 0 ? hctx_msgid(h, b) : NULL;
		hctx_reply_to(h, kind, to, "social.refused", "channel", ch->name, "handle", handle, "lang", lang,
			      msgid ? "message_id" : NULL, msgid, NULL);
		free(msgid);
		free(b);
	}
	*result = "ran";
	return 0;
}

int
social_refused_note(struct db *db, const char *channel, int refused)
{
	const struct social_channel *ch = social_channel(channel);
	if (!ch)
		return DB_ERR;
	char *key = xasprintf("social.refused:%s", channel);
	char *v = NULL;
	int told = state_kv_get(db, key, &v) == DB_OK && v && *v == '1';
	free(v);
	int rc = DB_OK;
	if (refused && !told) {
		/* once: until a login succeeds again */
		if ((rc = db_begin(db)) == DB_OK) {
			rc = state_kv_set(db, key, "1");
			if (rc == DB_OK)
				rc = state_job_put(db, SOCIAL_REFUSED_JOB, (int64_t)(ch - social_channels), now_s(),
						   NULL);
			rc = rc == DB_OK ? db_commit(db) : (db_rollback(db), rc);
		}
	} else if (!refused && told) {
		rc = state_kv_set(db, key, "0");
	}
	free(key);
	return rc;
}

/* The template keys of social.txt, with their placeholders (bot/template_keys.c). */
const struct tmpl_key tmpl_keys_social[] = {
	{"social.event", "title,when,place"},           {"social.event.place", "place"},
	{"social.status.posted", "channel,url"},        {"social.status.queued", "channel"},
	{"social.status.failed", "channel,error"},      {"social.queued", "channels"},
	{"social.queued.nolink", "channels"},           {"social.test.ok", "channel,handle"},
	{"social.test.failed", "channel,handle,error"}, {"social.test.none", ""},
	{"social.report.failed", "channel,item,error"}, {"social.refused", "channel,handle"},
	{"social.refused.subject", "channel,handle"},   {NULL, NULL},
};

/* ---- Bluesky's record ---- */

static json_t *
facets_json(const struct social_text *t)
{
	json_t *a = json_array();
	for (size_t i = 0; i < t->nfacets; i++) {
		const struct social_facet *f = &t->facets[i];
		json_t *feat =
			f->kind == SOCIAL_FACET_LINK
				? json_pack("{s:s, s:s}", "$type", "app.bsky.richtext.facet#link", "uri", f->value)
				: json_pack("{s:s, s:s}", "$type", "app.bsky.richtext.facet#tag", "tag", f->value);
		json_array_append_new(a, json_pack("{s:s, s:{s:I, s:I}, s:[o]}", "$type", "app.bsky.richtext.facet",
						   "index", "byteStart", (json_int_t)f->start, "byteEnd",
						   (json_int_t)f->end, "features", feat));
	}
	return a;
}

char *
bluesky_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t us)
{
	const char *lang = it->lang, *body = it->body, *link = it->link, *card_title = it->card_title,
		   *card_text = it->card_text;
	const char *tags[SOCIAL_MAX_TAGS];
	size_t nt = 0;
	for (size_t i = 0; i < cfg->bluesky.hashtags.n && nt < SOCIAL_MAX_TAGS; i++)
		tags[nt++] = cfg->bluesky.hashtags.v[i];
	for (size_t i = 0; i < it->ntags && nt < SOCIAL_MAX_TAGS; i++)
		tags[nt++] = it->tags[i];
	struct social_text t;
	if (social_text_build(body, link, tags, nt, 300, 3000, &t) < 0)
		return NULL;
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char created[64];
	snprintf(created, sizeof created, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000 / 1000));
	json_t *rec = json_pack("{s:s, s:s, s:s, s:[s]}", "$type", "app.bsky.feed.post", "text", t.text, "createdAt",
				created, "langs", lang && *lang ? lang : "de");
	if (t.nfacets)
		json_object_set_new(rec, "facets", facets_json(&t));
	const char *uri = NULL;
	for (size_t i = 0; i < t.nfacets; i++)
		if (t.facets[i].kind == SOCIAL_FACET_LINK)
			uri = t.facets[i].value;
	if (uri) {
		/* the card: the item's title and a short description, cleaned and within bounds */
		char *ct = social_clean(card_title ? card_title : "", card_title ? strlen(card_title) : 0, 0);
		struct social_text d;
		char *desc = NULL;
		if (card_text && social_text_build(card_text, NULL, NULL, 0, 300, 1000, &d) == 0) {
			desc = xstrdup(d.text);
			social_text_free(&d);
		}
		struct social_text tt;
		if (social_text_build(ct, NULL, NULL, 0, 300, 1000, &tt) == 0) {
			free(ct);
			ct = xstrdup(tt.text);
			social_text_free(&tt);
		}
		json_object_set_new(rec, "embed",
				    json_pack("{s:s, s:{s:s, s:s, s:s}}", "$type", "app.bsky.embed.external",
					      "external", "uri", uri, "title", ct, "description", desc ? desc : ""));
		free(ct);
		free(desc);
	}
	social_text_free(&t);
	json_t *p = json_pack("{s:s, s:o}", "rkey", rkey, "record", rec);
	char *out = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return out;
}
