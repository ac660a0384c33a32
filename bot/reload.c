/*
 * reload.c - SIGHUP reads the whole configuration again (reload.h).
 *
 * fields[] says for every member of struct config whether a new value is
 * live or needs a restart, and why not live:
 *   live     [bot] language templates staff authserv_id reply_limit
 *            unknown_reply_limit flood_rate flood_burst post_interval,
 *            [xmpp] rooms, [matrix] rooms (the transports join and leave),
 *            [bridge] relay_pattern relay_accounts, [retention], [groups],
 *            [network], [offers], [site] (the daemon's main loop reads it
 *            each time).  The core reads them through core->cfg for each
 *            message or job; the chat senders' room pacing through their
 *            sender's cfg, which reconfigure() points at the new one.
 *   restart  [bot] database (every thread has a connection open), log (the
 *            log target is opened once; SIGHUP reopens it), max_mail_size
 *            (the IMAP fetch limit and the parser's caps are set when the mail
 *            transport starts), parser_memory parser_timeout (the parser
 *            process is started with them), announce_rate (the mail sender's
 *            lanes are sized from it at start); the accounts: all of [imap]
 *            and [smtp], [xmpp] jid password server tls nick ca_file, [matrix]
 *            homeserver user access_token (the connections are made with
 *            them); [bridge] pairs (chat.c remembers bridged commands by pair
 *            index); a section [imap] [smtp] [xmpp] [matrix] added or removed
 *            (transports start at start-up only; the whole section is kept).
 * A key missing here is live by default (the new configuration is used
 * wholesale): a new key of struct config needs a line in fields[].
 */
#include "reload.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "flood.h"
#include "templates.h"
#include "util.h"

enum fkind {
	F_STR,
	F_SECRET, /* a string that is wiped when dropped */
	F_INT,
	F_LONG,
	F_LIST,  /* ordered */
	F_ROOMS, /* a set: Matrix rooms, compared exactly */
	F_ROOMS_CI /* a set: XMPP rooms, compared without case */,
	F_URL, /* struct url_parts, derived from the url string */
};

/* The sections whose adding or removing needs a restart. */
enum {
	SEC_NONE = -1,
	SEC_IMAP,
	SEC_SMTP,
	SEC_XMPP,
	SEC_MATRIX,
	SEC_BLUESKY,
	SEC_MASTODON,
	SEC_LINKEDIN,
	SEC_FACEBOOK,
	SEC_X,
	SEC_COUNT
};
static const struct {
	const char *name;
	size_t off; /* of the int present */
} sections[SEC_COUNT] = {
	{"[imap]", offsetof(struct config, imap.present)},
	{"[smtp]", offsetof(struct config, smtp.present)},
	{"[xmpp]", offsetof(struct config, xmpp.present)},
	{"[matrix]", offsetof(struct config, matrix.present)},
	{"[bluesky]", offsetof(struct config, bluesky.present)},
	{"[mastodon]", offsetof(struct config, mastodon.present)},
	{"[linkedin]", offsetof(struct config, linkedin.present)},
	{"[facebook]", offsetof(struct config, facebook.present)},
	{"[x]", offsetof(struct config, x.present)},
};

struct field {
	const char *key;
	enum fkind kind;
	size_t off;
	int restart;
	int sec;
};

#define F(key, kind, m, restart, sec)                                                                                  \
	{                                                                                                              \
		key, kind, offsetof(struct config, m), restart, sec                                                    \
	}
#define LIVE 0
#define RESTART 1

static const struct field fields[] = {
	F("[bot] database", F_STR, bot.database, RESTART, SEC_NONE),
	F("[bot] language", F_STR, bot.language, LIVE, SEC_NONE),
	F("[bot] templates", F_STR, bot.templates, LIVE, SEC_NONE),
	F("[bot] staff", F_LIST, bot.staff, LIVE, SEC_NONE),
	F("[bot] authserv_id", F_STR, bot.authserv_id, LIVE, SEC_NONE),
	F("[bot] reply_limit", F_INT, bot.reply_limit, LIVE, SEC_NONE),
	F("[bot] unknown_reply_limit", F_INT, bot.unknown_reply_limit, LIVE, SEC_NONE),
	F("[bot] max_mail_size", F_LONG, bot.max_mail_size, RESTART, SEC_NONE),
	F("[bot] flood_rate", F_INT, bot.flood_rate, LIVE, SEC_NONE),
	F("[bot] flood_burst", F_INT, bot.flood_burst, LIVE, SEC_NONE),
	F("[bot] log", F_STR, bot.log, RESTART, SEC_NONE),
	F("[bot] post_interval", F_INT, bot.post_interval, LIVE, SEC_NONE),
	F("[bot] announce_rate", F_INT, bot.announce_rate, RESTART, SEC_NONE),
	F("[bot] parser_memory", F_LONG, bot.parser_memory, RESTART, SEC_NONE),
	F("[bot] parser_timeout", F_INT, bot.parser_timeout, RESTART, SEC_NONE),
	F("[bot] metrics_file", F_STR, bot.metrics_file, RESTART, SEC_NONE),

	F("[imap] url", F_STR, imap.url, RESTART, SEC_IMAP),
	F("[imap] url", F_URL, imap.u, RESTART, SEC_IMAP),
	F("[imap] user", F_STR, imap.user, RESTART, SEC_IMAP),
	F("[imap] password", F_SECRET, imap.password, RESTART, SEC_IMAP),
	F("[imap] processed", F_STR, imap.processed, RESTART, SEC_IMAP),
	F("[imap] quarantine", F_STR, imap.quarantine, RESTART, SEC_IMAP),
	F("[imap] ca_file", F_STR, imap.ca_file, RESTART, SEC_IMAP),
	F("[imap] poll_interval", F_INT, imap.poll_interval, RESTART, SEC_IMAP),

	F("[smtp] url", F_STR, smtp.url, RESTART, SEC_SMTP),
	F("[smtp] url", F_URL, smtp.u, RESTART, SEC_SMTP),
	F("[smtp] url", F_INT, smtp.starttls_required, RESTART, SEC_SMTP),
	F("[smtp] user", F_STR, smtp.user, RESTART, SEC_SMTP),
	F("[smtp] password", F_SECRET, smtp.password, RESTART, SEC_SMTP),
	F("[smtp] from", F_STR, smtp.from, RESTART, SEC_SMTP),
	F("[smtp] from", F_STR, smtp.from_addr, RESTART, SEC_SMTP),
	F("[smtp] ca_file", F_STR, smtp.ca_file, RESTART, SEC_SMTP),
	F("[smtp] rate", F_INT, smtp.rate, RESTART, SEC_SMTP),

	F("[xmpp] jid", F_STR, xmpp.jid, RESTART, SEC_XMPP),
	F("[xmpp] password", F_SECRET, xmpp.password, RESTART, SEC_XMPP),
	F("[xmpp] server", F_STR, xmpp.server_host, RESTART, SEC_XMPP),
	F("[xmpp] server", F_INT, xmpp.server_port, RESTART, SEC_XMPP),
	F("[xmpp] tls", F_INT, xmpp.tls_required, RESTART, SEC_XMPP),
	F("[xmpp] nick", F_STR, xmpp.nick, RESTART, SEC_XMPP),
	F("[xmpp] rooms", F_ROOMS_CI, xmpp.rooms, LIVE, SEC_XMPP),
	F("[xmpp] ca_file", F_STR, xmpp.ca_file, RESTART, SEC_XMPP),

	F("[matrix] homeserver", F_STR, matrix.homeserver, RESTART, SEC_MATRIX),
	F("[matrix] homeserver", F_URL, matrix.u, RESTART, SEC_MATRIX),
	F("[matrix] user", F_STR, matrix.user, RESTART, SEC_MATRIX),
	F("[matrix] access_token", F_SECRET, matrix.access_token, RESTART, SEC_MATRIX),
	F("[matrix] rooms", F_ROOMS, matrix.rooms, LIVE, SEC_MATRIX),

	F("[bluesky] url", F_STR, bluesky.url, RESTART, SEC_BLUESKY),
	F("[bluesky] url", F_URL, bluesky.u, RESTART, SEC_BLUESKY),
	F("[bluesky] handle", F_STR, bluesky.handle, RESTART, SEC_BLUESKY),
	F("[bluesky] password", F_SECRET, bluesky.password, RESTART, SEC_BLUESKY),
	F("[bluesky] hashtags", F_LIST, bluesky.hashtags, LIVE, SEC_BLUESKY),
	F("[mastodon] url", F_STR, mastodon.url, RESTART, SEC_MASTODON),
	F("[mastodon] token", F_SECRET, mastodon.token, RESTART, SEC_MASTODON),
	F("[mastodon] visibility", F_STR, mastodon.visibility, LIVE, SEC_MASTODON),
	F("[mastodon] hashtags", F_LIST, mastodon.hashtags, LIVE, SEC_MASTODON),
	F("[linkedin] url", F_STR, linkedin.url, RESTART, SEC_LINKEDIN),
	F("[linkedin] token", F_SECRET, linkedin.token, RESTART, SEC_LINKEDIN),
	F("[linkedin] organization", F_STR, linkedin.id, RESTART, SEC_LINKEDIN),
	F("[linkedin] version", F_STR, linkedin.version, RESTART, SEC_LINKEDIN),
	F("[linkedin] hashtags", F_LIST, linkedin.hashtags, LIVE, SEC_LINKEDIN),
	F("[facebook] url", F_STR, facebook.url, RESTART, SEC_FACEBOOK),
	F("[facebook] token", F_SECRET, facebook.token, RESTART, SEC_FACEBOOK),
	F("[facebook] page", F_STR, facebook.id, RESTART, SEC_FACEBOOK),
	F("[facebook] version", F_STR, facebook.version, RESTART, SEC_FACEBOOK),
	F("[facebook] hashtags", F_LIST, facebook.hashtags, LIVE, SEC_FACEBOOK),
	F("[x] url", F_STR, x.url, RESTART, SEC_X),
	F("[x] token", F_SECRET, x.token, RESTART, SEC_X),
	F("[x] hashtags", F_LIST, x.hashtags, LIVE, SEC_X),
	F("[social] events", F_LIST, social.events, LIVE, SEC_NONE),
	F("[social] offers", F_LIST, social.offers, LIVE, SEC_NONE),
	F("[social] calls", F_LIST, social.calls, LIVE, SEC_NONE),

	F("[bridge] pairs", F_LIST, bridge.pairs, RESTART, SEC_NONE),
	F("[bridge] relay_pattern", F_STR, bridge.relay_pattern, LIVE, SEC_NONE),
	F("[bridge] relay_accounts", F_LIST, bridge.relay_accounts, LIVE, SEC_NONE),

	F("[retention] raw_mail_days", F_INT, retention.raw_mail_days, LIVE, SEC_NONE),
	F("[retention] chat_journal_days", F_INT, retention.chat_journal_days, LIVE, SEC_NONE),
	F("[retention] outbox_body_days", F_INT, retention.outbox_body_days, LIVE, SEC_NONE),
	F("[retention] journal_days", F_INT, retention.journal_days, LIVE, SEC_NONE),
	F("[retention] left_people_days", F_INT, retention.left_people_days, LIVE, SEC_NONE),
	F("[retention] bounce_days", F_INT, retention.bounce_days, LIVE, SEC_NONE),

	F("[network] contact_open", F_INT, network.contact_open, LIVE, SEC_NONE),
	F("[network] contact_week", F_INT, network.contact_week, LIVE, SEC_NONE),
	F("[network] contact_days", F_INT, network.contact_days, LIVE, SEC_NONE),
	F("[network] invite_days", F_INT, network.invite_days, LIVE, SEC_NONE),

	F("[offers] post_to", F_STR, offers.post_to, LIVE, SEC_NONE),
	F("[offers] notice_days", F_INT, offers.notice_days, LIVE, SEC_NONE),
	F("[offers] days", F_INT, offers.days, LIVE, SEC_NONE),

	F("[site] dir", F_STR, site.dir, LIVE, SEC_NONE),
	F("[site] url", F_STR, site.url, LIVE, SEC_NONE),
};

#define AT(c, off, type) ((type *)(void *)((char *)(c) + (off)))
#define CAT(c, off, type) ((const type *)(const void *)((const char *)(c) + (off)))

/* ---- comparing ---- */

static int
str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int
list_eq(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static int
in_set(const struct strlist *l, const char *s, int ci)
{
	for (size_t i = 0; i < l->n; i++)
		if (ci ? strcasecmp(l->v[i], s) == 0 : strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* Items of a that b lacks, appended to out (copies); how many. */
static size_t
set_minus(const struct strlist *a, const struct strlist *b, int ci, struct strlist *out)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!in_set(b, a->v[i], ci) && !in_set(out, a->v[i], ci)) {
			out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
			out->v[out->n++] = xstrdup(a->v[i]);
			n++;
		}
	return n;
}

static int
url_eq(const struct url_parts *a, const struct url_parts *b)
{
	return str_eq(a->scheme, b->scheme) && str_eq(a->host, b->host) && a->port == b->port &&
	       str_eq(a->path, b->path);
}

static int
groups_eq(const struct config *a, const struct config *b)
{
	if (a->groups.n != b->groups.n)
		return 0;
	for (size_t i = 0; i < a->groups.n; i++)
		if (strcmp(a->groups.v[i].name, b->groups.v[i].name) != 0 ||
		    !list_eq(&a->groups.v[i].members, &b->groups.v[i].members))
			return 0;
	return 1;
}

static int
field_eq(const struct field *f, const struct config *a, const struct config *b)
{
	switch (f->kind) {
	case F_STR:
	case F_SECRET:
		return str_eq(*CAT(a, f->off, char *), *CAT(b, f->off, char *));
	case F_INT:
		return *CAT(a, f->off, int) == *CAT(b, f->off, int);
	case F_LONG:
		return *CAT(a, f->off, long) == *CAT(b, f->off, long);
	case F_LIST:
		return list_eq(CAT(a, f->off, struct strlist), CAT(b, f->off, struct strlist));
	case F_ROOMS:
	case F_ROOMS_CI: {
		const struct strlist *x = CAT(a, f->off, struct strlist), *y = CAT(b, f->off, struct strlist);
		for (size_t i = 0; i < x->n; i++)
			if (!in_set(y, x->v[i], f->kind == F_ROOMS_CI))
				return 0;
		for (size_t i = 0; i < y->n; i++)
			if (!in_set(x, y->v[i], f->kind == F_ROOMS_CI))
				return 0;
		return 1;
	}
	case F_URL:
		return url_eq(CAT(a, f->off, struct url_parts), CAT(b, f->off, struct url_parts));
	}
	return 1;
}

static int
present(const struct config *c, int sec)
{
	return *CAT(c, sections[sec].off, int);
}

/* The sections added or removed between a and b: changed[sec] = 1. */
static void
sections_changed(const struct config *a, const struct config *b, int changed[SEC_COUNT])
{
	for (int s = 0; s < SEC_COUNT; s++)
		changed[s] = present(a, s) != present(b, s);
}

static void
note(const char **names, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], key) == 0)
			return;
	if (*n < RELOAD_MAX_KEYS)
		names[(*n)++] = key;
}

void
reload_diff(const struct config *old, const struct config *new, struct reload_diff *d)
{
	int changed[SEC_COUNT];
	memset(d, 0, sizeof *d);
	sections_changed(old, new, changed);
	for (int s = 0; s < SEC_COUNT; s++)
		if (changed[s])
			note(d->restart, &d->nrestart, sections[s].name);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		const struct field *f = &fields[i];
		if ((f->sec != SEC_NONE && changed[f->sec]) || field_eq(f, old, new))
			continue;
		if (f->restart)
			note(d->restart, &d->nrestart, f->key);
		else
			note(d->live, &d->nlive, f->key);
	}
	if (!groups_eq(old, new))
		note(d->live, &d->nlive, "[groups]");
	if (old->xmpp.present && new->xmpp.present) {
		set_minus(&new->xmpp.rooms, &old->xmpp.rooms, 1, &d->xmpp_join);
		set_minus(&old->xmpp.rooms, &new->xmpp.rooms, 1, &d->xmpp_leave);
	}
	if (old->matrix.present && new->matrix.present) {
		set_minus(&new->matrix.rooms, &old->matrix.rooms, 0, &d->matrix_join);
		set_minus(&old->matrix.rooms, &new->matrix.rooms, 0, &d->matrix_leave);
	}
}

void
reload_diff_free(struct reload_diff *d)
{
	strlist_free(&d->xmpp_join);
	strlist_free(&d->xmpp_leave);
	strlist_free(&d->matrix_join);
	strlist_free(&d->matrix_leave);
}

int
reload_key_restart(const char *key)
{
	for (int s = 0; s < SEC_COUNT; s++)
		if (strcmp(key, sections[s].name) == 0)
			return 1;
	if (strcmp(key, "[groups]") == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(fields); i++)
		if (strcmp(fields[i].key, key) == 0)
			return fields[i].restart;
	return -1;
}

/* ---- keeping the running values ---- */

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
list_copy(struct strlist *to, const struct strlist *from)
{
	strlist_free(to);
	to->v = from->n ? xcalloc(from->n, sizeof *to->v) : NULL;
	for (size_t i = 0; i < from->n; i++)
		to->v[i] = xstrdup(from->v[i]);
	to->n = from->n;
}

static void
field_copy(const struct field *f, struct config *to, const struct config *from)
{
	switch (f->kind) {
	case F_STR:
	case F_SECRET: {
		char **dst = AT(to, f->off, char *);
		if (*dst && f->kind == F_SECRET)
			explicit_bzero(*dst, strlen(*dst));
		free(*dst);
		*dst = dup_or_null(*CAT(from, f->off, char *));
		break;
	}
	case F_INT:
		*AT(to, f->off, int) = *CAT(from, f->off, int);
		break;
	case F_LONG:
		*AT(to, f->off, long) = *CAT(from, f->off, long);
		break;
	case F_LIST:
	case F_ROOMS:
	case F_ROOMS_CI:
		list_copy(AT(to, f->off, struct strlist), CAT(from, f->off, struct strlist));
		break;
	case F_URL: {
		struct url_parts *dst = AT(to, f->off, struct url_parts);
		const struct url_parts *src = CAT(from, f->off, struct url_parts);
		url_parts_free(dst);
		dst->scheme = dup_or_null(src->scheme);
		dst->host = dup_or_null(src->host);
		dst->port = src->port;
		dst->path = dup_or_null(src->path);
		break;
	}
	}
}

void
reload_keep_restart(struct config *new, const struct config *old)
{
	int changed[SEC_COUNT];
	sections_changed(old, new, changed);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		const struct field *f = &fields[i];
		if (f->restart || (f->sec != SEC_NONE && changed[f->sec]))
			field_copy(f, new, old);
	}
	for (int s = 0; s < SEC_COUNT; s++)
		*AT(new, sections[s].off, int) = present(old, s);
}

/* ---- the daemon's side ---- */

struct config *
reload_load(const char *path, const struct config *cur)
{
	struct buf errors = BUF_INIT;
	struct config *n = xcalloc(1, sizeof *n);
	int nerr = config_load(path, n, &errors);
	if (nerr) {
		/* one log line per error, each with its PATH:LINE */
		for (char *line = errors.p, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (*line)
				log_err("config: %s", line);
		}
		log_err("config: %d error%s in %s; keeping the running configuration", nerr, nerr == 1 ? "" : "s",
			path);
		buf_free(&errors);
		config_free(n);
		free(n);
		return NULL;
	}
	buf_free(&errors);
	struct reload_diff d;
	reload_diff(cur, n, &d);
	for (size_t i = 0; i < d.nrestart; i++)
		log_warn("config: %s changed; takes effect after a restart", d.restart[i]);
	for (size_t i = 0; i < d.nlive; i++) {
		if (strcmp(d.live[i], "[xmpp] rooms") == 0)
			log_info("config: %s changed (%zu to join, %zu to leave)", d.live[i], d.xmpp_join.n,
				 d.xmpp_leave.n);
		else if (strcmp(d.live[i], "[matrix] rooms") == 0)
			log_info("config: %s changed (%zu to join, %zu to leave)", d.live[i], d.matrix_join.n,
				 d.matrix_leave.n);
		else
			log_info("config: %s changed", d.live[i]);
	}
	log_info("config: %s read again: %zu change%s now, %zu after a restart", path, d.nlive, d.nlive == 1 ? "" : "s",
		 d.nrestart);
	reload_diff_free(&d);
	reload_keep_restart(n, cur);
	return n;
}

struct templates *
reload_swap(struct core *core, pthread_rwlock_t *lock, const struct config *cfg, struct templates *tmpl)
{
	if (lock)
		pthread_rwlock_wrlock(lock);
	struct templates *old = (struct templates *)core->tmpl;
	core->tmpl = tmpl;
	core->cfg = cfg; /* an atomic store: chat.c reads it outside the lock */
	if (lock)
		pthread_rwlock_unlock(lock);
	if (core->flood)
		flood_set(core->flood, cfg->bot.flood_rate, cfg->bot.flood_burst);
	return old;
}
