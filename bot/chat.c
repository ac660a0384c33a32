/*
 * chat.c - the core side of the chat transports: is a message for the bot,
 * has the other side of a bridge already carried it, flood control, then
 * journal (durable) and dispatch.  Called from the XMPP and Matrix threads,
 * each with its own database connection; shared state here is locked.
 */
#include "chat.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dispatch.h"
#include "flood.h"
#include "state/state.h"
#include "util.h"

#define BRIDGE_WINDOW_MS 30000
#define RECENT_SLOTS 256

struct recent {
	char key[80];
	int64_t ms;
};

static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct recent recent[RECENT_SLOTS];
static size_t recent_next;

int
chat_addressed(const char *text, const char *nick, const char **cmd)
{
	const char *p = text;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p == '!' && p[1] && !isspace((unsigned char)p[1])) {
		*cmd = p + 1;
		return 1;
	}
	if (*p == '@')
		p++;
	size_t n = nick ? strlen(nick) : 0;
	if (n && strncasecmp(p, nick, n) == 0 && (p[n] == ':' || p[n] == ',' || (text[0] == '@' && p[n] == ' '))) {
		p += n + 1;
		while (*p && (isspace((unsigned char)*p) || *p == ':' || *p == ','))
			p++;
		*cmd = p;
		return 1;
	}
	return 0;
}

/* Index of the bridge pair room belongs to, or -1. */
static int
bridge_pair(const struct config *cfg, const char *transport, const char *room)
{
	if (!room)
		return -1;
	int side = strcmp(transport, "xmpp") == 0 ? 0 : 1;
	for (size_t i = 0; i + 1 < cfg->bridge.pairs.n; i += 2)
		if (strcasecmp(cfg->bridge.pairs.v[i + (size_t)side], room) == 0)
			return (int)(i / 2);
	return -1;
}

/* 1 if the same command was seen in this bridged pair within the window (and remember it). */
static int
bridge_seen(int pair, const char *cmd)
{
	char hex[65], key[80];
	sha256_hex(cmd, strlen(cmd), hex);
	snprintf(key, sizeof key, "%d:%.60s", pair, hex);
	int64_t now = mono_ms();
	int seen = 0;
	pthread_mutex_lock(&recent_lock);
	for (size_t i = 0; i < RECENT_SLOTS; i++)
		if (recent[i].ms && now - recent[i].ms < BRIDGE_WINDOW_MS && strcmp(recent[i].key, key) == 0)
			seen = 1;
	if (!seen) {
		struct recent *r = &recent[recent_next++ % RECENT_SLOTS];
		snprintf(r->key, sizeof r->key, "%s", key);
		r->ms = now;
	}
	pthread_mutex_unlock(&recent_lock);
	return seen;
}

/* The bridge's relayed form "[nick] text": sets *nick_out (allocated) and returns the text part. */
static const char *
relay_strip(const struct config *cfg, const char *text, char **nick_out)
{
	regex_t re;
	regmatch_t mt[2];
	*nick_out = NULL;
	if (!cfg->bridge.relay_pattern || regcomp(&re, cfg->bridge.relay_pattern, REG_EXTENDED) != 0)
		return text;
	const char *out = text;
	if (regexec(&re, text, 2, mt, 0) == 0 && mt[0].rm_so == 0) {
		if (mt[1].rm_so >= 0)
			*nick_out = xstrndup(text + mt[1].rm_so, (size_t)(mt[1].rm_eo - mt[1].rm_so));
		out = text + mt[0].rm_eo;
	}
	regfree(&re);
	return out;
}

int
chat_handle(struct db *db, struct core *core, const struct chat_msg *m)
{
	const struct config *cfg = core->cfg;
	const char *botnick = cfg->xmpp.nick ? cfg->xmpp.nick : "MentorBot";
	const char *text = m->text ? m->text : "";
	const char *cmd = text;
	int pair = bridge_pair(cfg, m->transport, m->room);
	int rc = 0;

	if (pair >= 0) {
		char *relayed_nick = NULL;
		const char *t = relay_strip(cfg, text, &relayed_nick);
		int own = relayed_nick && strcasecmp(relayed_nick, botnick) == 0;
		free(relayed_nick);
		if (own)
			return 0; /* our own answer carried back by the bridge */
		text = t;
	}
	if (m->room && !chat_addressed(text, botnick, &cmd))
		return 0;
	while (*cmd && isspace((unsigned char)*cmd))
		cmd++;
	if (!*cmd)
		return 0;
	/* A bridged command is handled on the side where it is seen first (see README). */
	if (pair >= 0 && bridge_seen(pair, cmd))
		return 0;

	char *key;
	if (m->id && *m->id) {
		key = xasprintf("%s:%s%s%s", m->transport, m->room ? m->room : "", m->room ? "/" : "", m->id);
	} else {
		char *all = xasprintf("%s|%s|%s|%lld", m->sender, m->room ? m->room : "", text, (long long)m->ts);
		char hex[65];
		sha256_hex(all, strlen(all), hex);
		key = xasprintf("%s:sha256:%s", m->transport, hex);
		free(all);
	}
	json_t *meta = json_pack("{s:s, s:s?, s:s?, s:b}", "sender", m->sender, "room", m->room, "nick", m->nick,
				 "direct_ok", 1);
	char *metas = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	int64_t id = 0;
	if (db_begin(db) < 0) {
		rc = -1;
		goto out;
	}
	int r = state_inbound_add(db, m->transport, key, cmd, strlen(cmd), 0, 0, metas, &id);
	if (r < 0 || db_commit(db) < 0) {
		db_rollback(db);
		rc = -1;
		goto out;
	}
	if (r == DB_NOTFOUND)
		goto out; /* seen before (a reconnect replayed it) */

	/* flood control per person across transports */
	struct person p;
	char *fkey = state_person_by_endpoint(db, m->transport, m->sender, &p) == DB_OK
			     ? xasprintf("p:%lld", (long long)p.id)
			     : xasprintf("e:%s:%s", m->transport, m->sender);
	person_free(&p);
	int fl = core->flood ? flood_take(core->flood, fkey, mono_ms()) : FLOOD_OK;
	free(fkey);
	if (core->tmpl_lock)
		pthread_rwlock_rdlock(core->tmpl_lock);
	if (fl == FLOOD_OK)
		r = dispatch_chat(db, core, id);
	else
		r = dispatch_chat_flood(db, core, id, fl == FLOOD_NOTICE);
	if (core->tmpl_lock)
		pthread_rwlock_unlock(core->tmpl_lock);
	rc = r < 0 ? -1 : 1;
out:
	free(metas);
	free(key);
	return rc;
}
