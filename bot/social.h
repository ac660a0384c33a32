/*
 * social.h - publishing to social networks (issue "visibility"): the channel table, which
 * kinds of news go where ([social] events/offers/calls), and queueing an item's post on each
 * channel in the caller's transaction (state/social.h: one post per item and channel, ever).
 * The channels' transports (bot/bluesky.c) send the queued rows.
 */
#ifndef MB_SOCIAL_H
#define MB_SOCIAL_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

/* What is posted about one item. */
struct social_item {
	const char *kind; /* "event" */
	int64_t id;
	const char *lang;        /* de, en */
	const char *body;        /* the template's text: title, date, place (shortened if need be) */
	const char *link;        /* or NULL: no link, no card */
	const char *card_title;  /* the card's title (the item's title) */
	const char *card_text;   /* the card's description, or NULL */
	const char *const *tags; /* hashtags of the item (its programme's or event's), besides the channel's */
	size_t ntags;
};

/* One social network the bot can post to. */
struct social_channel {
	const char *name; /* the config section, the outbox transport and [social] list item */
	size_t max_graphemes, max_bytes;
	int (*configured)(const struct config *cfg);
	/* The outbox payload of the item's post under record key rkey, queued at now_us (caller
	 * frees), or NULL when its text cannot fit.  Bluesky: the record, text within the limits;
	 * the bearer-token networks: the pieces (bot/social_net.h), the text is built when sent. */
	char *(*payload)(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);
};
extern const struct social_channel social_channels[];
extern const size_t social_nchannels;

/* The channel named name, or NULL (not a social channel). */
const struct social_channel *social_channel(const char *name);

/* Does [social] list (events, offers, calls) send to channel (named, or "all", and configured)? */
int social_wants(const struct config *cfg, const char *list, const char *channel);

/* Queue the item's post on each channel that list sends to (in the caller's transaction).
 * *queued: how many new posts; an item posted on a channel before is not posted again.
 * DB_OK or a database error. */
int social_queue(struct db *db, const struct config *cfg, const char *list, const struct social_item *it, int *queued);

/* The Bluesky record of a post (app.bsky.feed.post) as JSON, with facets and the external
 * card; the payload of a "bluesky" row is {"rkey": …, "record": …}.  Caller frees. */
char *bluesky_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);

/* The payload of a "social" row of the bearer-token networks (bot/social_net.c, the format in
 * social_net.h): the pieces of the post, its tags the channel's hashtags and the item's. */
char *mastodon_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);
char *linkedin_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);
char *facebook_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);
char *x_payload(const struct config *cfg, const char *rkey, const struct social_item *it, int64_t now_us);
char *social_net_payload(const char *channel, const struct config *cfg, const char *rkey, const struct social_item *it);
/* mentorbot social test: ask network name who the token belongs to.  0 with *who (or NULL),
 * else -1 with *err; the caller frees both. */
int social_net_verify(const struct config *cfg, const char *name, char **who, char **err);

/* A channel's login was refused (refused = 1: staff are told once, through the scheduler job
 * SOCIAL_REFUSED_JOB, until a login succeeds again: refused = 0).  Any thread with its db. */
#define SOCIAL_REFUSED_JOB "social.refused"
int social_refused_note(struct db *db, const char *channel, int refused);
/* The job: tell each staff endpoint that channel number ref refuses the login. */
struct hctx;
int social_refused_job(struct hctx *h, int64_t ref, const char **result);

/* mentorbot social -c FILE test (bot/cli_social.c) */
int cli_social(const char *conf, int argc, char **argv);
/* The failed posts, one line each, for "mentorbot report".  DB_OK or a database error. */
#include <stdio.h>
struct templates;
int social_report(FILE *f, struct db *db, const struct templates *t, const char *lang);

#endif
