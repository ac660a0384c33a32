/*
 * chat.c - the core side of the chat transports: is a message for the bot,
 * has the other side of a bridge already carried it; then the journal
 * (durable) and dispatch (flood limits, the person, the command).  Called from the XMPP and Matrix threads,
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
#include "state/state.h"
#include "util.h"

#define BRIDGE_WINDOW_MS 30000
#define RECENT_SLOTS 256

/* Commands seen in bridged rooms, to recognise the other side's copy. */
struct recent {
	int pair, side;
	int relayed;   /* seen as a relayed copy (prefix or a bridge account) */
	char nick[64]; /* lower case */
	char hash[65]; /* of the command text */
	int64_t ms;    /* 0: free or already matched */
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

/* Index of the bridge pair room belongs to, or -1; *side 0 = XMPP, 1 = Matrix.
 * A Matrix alias in the pair is matched through the id the Matrix transport
 * resolved at its start ("matrix.room:<alias>"). */
static int
bridge_pair(struct db *db, const struct config *cfg, const char *transport, const char *room, int *side)
{
	if (!room)
		return -1;
	*side = strcmp(transport, "xmpp") == 0 ? 0 : 1;
	for (size_t i = 0; i + 1 < cfg->bridge.pairs.n; i += 2) {
		const char *want = cfg->bridge.pairs.v[i + (size_t)*side];
		if (strcasecmp(want, room) == 0)
			return (int)(i / 2);
		if (*side == 1 && want[0] == '#') {
			char *k = xasprintf("matrix.room:%s", want), *id = NULL;
			int hit = state_kv_get(db, k, &id) == DB_OK && id && strcmp(id, room) == 0;
			free(k);
			free(id);
			if (hit)
				return (int)(i / 2);
		}
	}
	return -1;
}

/*
 * 1 if this command is the other side's copy of one already handled (that
 * entry is then used up, so a later repetition counts again); else remember
 * it and return 0.  A copy matches when the nick is the same, or when either
 * of the two was relayed by the bridge's own account without a nick.
 */
static int
bridge_seen(int pair, int side, const char *nick, int relayed, const char *cmd)
{
	char hex[65], lnick[64];
	sha256_hex(cmd, strlen(cmd), hex);
	snprintf(lnick, sizeof lnick, "%s", nick ? nick : "");
	str_lower_ascii(lnick);
	int64_t now = mono_ms();
	int seen = 0;
	pthread_mutex_lock(&recent_lock);
	for (size_t i = 0; i < RECENT_SLOTS && !seen; i++) {
		struct recent *r = &recent[i];
		if (!r->ms || now - r->ms >= BRIDGE_WINDOW_MS || r->pair != pair || r->side == side ||
		    strcmp(r->hash, hex) != 0)
			continue;
		if (strcmp(r->nick, lnick) == 0 || (relayed && !*lnick) || (r->relayed && !*r->nick)) {
			r->ms = 0;
			seen = 1;
		}
	}
	if (!seen) {
		struct recent *r = &recent[recent_next++ % RECENT_SLOTS];
		r->pair = pair;
		r->side = side;
		r->relayed = relayed;
		snprintf(r->nick, sizeof r->nick, "%s", lnick);
		snprintf(r->hash, sizeof r->hash, "%s", hex);
		r->ms = now;
	}
	pthread_mutex_unlock(&recent_lock);
	return seen;
}

static int
is_relay_account(const struct config *cfg, const char *sender)
{
	for (size_t i = 0; sender && i < cfg->bridge.relay_accounts.n; i++)
		if (strcasecmp(cfg->bridge.relay_accounts.v[i], sender) == 0)
			return 1;
	return 0;
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

struct record {
	const char *transport, *key, *text, *meta;
	int64_t *id;
};

static int
record_run(struct db *db, void *ud)
{
	struct record *r = ud;
	int rc = state_inbound_add(db, r->transport, r->key, r->text, strlen(r->text), 0, 0, r->meta, r->id);
	/* the dispatch that follows is its first attempt: a message that kills the daemon is counted */
	if (rc == DB_OK)
		rc = state_inbound_attempt(db, r->id, 1);
	return rc;
}

/* Journal a chat message durably, counted as attempted once.  DB_NOTFOUND: seen before. */
static int
chat_record(struct db *db, const char *transport, const char *key, const char *text, const char *meta, int64_t *id)
{
	struct record r = {transport, key, text, meta, id};
	return db_txn(db, record_run, &r);
}

int
chat_handle(struct db *db, struct core *core, const struct chat_msg *m)
{
	const struct config *cfg = core->cfg;
	const char *botnick = cfg->xmpp.nick ? cfg->xmpp.nick : "MentorBot";
	const char *text = m->text ? m->text : "";
	const char *cmd = text;
	int side = 0;
	int pair = bridge_pair(db, cfg, m->transport, m->room, &side);
	int rc = 0;
	/* who asked: normally the sender; for a copy relayed by the bridge, the nick it names */
	const char *sender = m->sender, *nick = m->nick;
	char *relayed_nick = NULL, *guest = NULL;
	int relayed = 0, direct_ok = 1;

	if (pair >= 0) {
		const char *t = relay_strip(cfg, text, &relayed_nick);
		if (relayed_nick && strcasecmp(relayed_nick, botnick) == 0) {
			free(relayed_nick);
			return 0; /* our own answer carried back by the bridge */
		}
		if (t != text || is_relay_account(cfg, m->sender)) {
			/* a relayed copy: the person is only a nick here, not an account */
			relayed = 1;
			if (relayed_nick)
				nick = relayed_nick;
			guest = xasprintf("%s/%s", m->room, nick ? nick : "?");
			sender = guest;
			direct_ok = 0;
		}
		text = t;
	}
	if (m->room && !chat_addressed(text, botnick, &cmd))
		goto out_early;
	while (*cmd && isspace((unsigned char)*cmd))
		cmd++;
	if (!*cmd)
		goto out_early;
	/* A bridged command is handled on the side where it is seen first (see README). */
	if (pair >= 0 && bridge_seen(pair, side, relayed && !relayed_nick ? NULL : nick, relayed, cmd))
		goto out_early;

	char *key;
	if (m->id && *m->id) {
		key = xasprintf("%s:%s%s%s", m->transport, m->room ? m->room : "", m->room ? "/" : "", m->id);
	} else {
		char *all = xasprintf("%s|%s|%s|%lld", sender, m->room ? m->room : "", text, (long long)m->ts);
		char hex[65];
		sha256_hex(all, strlen(all), hex);
		key = xasprintf("%s:sha256:%s", m->transport, hex);
		free(all);
	}
	json_t *meta = json_pack("{s:s, s:s?, s:s?, s:b}", "sender", sender, "room", m->room, "nick", nick, "direct_ok",
				 direct_ok);
	char *metas = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	int64_t id = 0;
	int r = chat_record(db, m->transport, key, cmd, metas, &id);
	if (db_failed(r)) {
		rc = -1;
		goto out;
	}
	if (r == DB_NOTFOUND)
		goto out; /* seen before (a reconnect replayed it) */
	/* flood limits, the person, the command: all in dispatch, in one transaction */
	rc = dispatch(db, core, &id, 1, 0) < 0 ? -1 : 1;
out:
	free(metas);
	free(key);
out_early:
	free(relayed_nick);
	free(guest);
	return rc;
}
