/*
 * post.c - the internal API features use to post to a group, and what
 * "mentorbot post" calls.  It only writes outbox rows; the transports send.
 */
#include "post.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dispatch.h"
#include "keyed.h"
#include "logaddr.h"
#include "logkv.h"
#include "mailout.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

char *
group_members(struct db *db, const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->groups.n; i++)
		if (strcmp(cfg->groups.v[i].name, name) == 0) {
			struct buf b = BUF_INIT;
			for (size_t j = 0; j < cfg->groups.v[i].members.n; j++)
				buf_addf(&b, "%s%s", j ? ", " : "", cfg->groups.v[i].members.v[j]);
			return buf_detach(&b);
		}
	char *key = xasprintf("group:%s", name), *v = NULL;
	state_kv_get(db, key, &v);
	free(key);
	return v;
}

/* One room message, spaced from the previous post to that room. */
static int
post_room(struct db *db, const struct config *cfg, const char *transport, const char *room, const char *text,
	  const char *msgid)
{
	int64_t last = state_outbox_last_for(db, transport, room), now = now_s();
	int64_t at = last + cfg->bot.post_interval > now ? last + cfg->bot.post_interval : now;
	int rc = state_outbox_put_chat(db, 0, transport, "post", room, "groupchat", msgid, text, at);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

static int
post_mail(struct db *db, const struct config *cfg, const struct templates *tmpl, const char *addr, const char *lang,
	  const char *text, const char *msgid)
{
	const char *vars[] = {"text", text, NULL};
	char *subject = tmpl_render(tmpl, lang, "post.subject", vars);
	char *body_main = tmpl_render(tmpl, lang, "post", vars);
	char *sig = tmpl_render(tmpl, lang, "signature", NULL);
	char *body = xasprintf("%s\n\n%s\n", body_main, sig);
	char *unsub = xasprintf("<mailto:%s?subject=leave>", cfg->smtp.from_addr);
	struct mail_header extra[] = {{"X-Mentorbot-Reply", "post"}, {"List-Unsubscribe", unsub}};
	struct mail_out mo = {0};
	mo.from = cfg->smtp.from;
	mo.to = addr;
	mo.subject = subject;
	mo.message_id = msgid;
	mo.auto_submitted = "auto-generated";
	mo.text = body;
	mo.lang = lang;
	mo.extra = extra;
	mo.nextra = 2;
	size_t len;
	char *raw = mail_compose(&mo, &len);
	int rc = raw ? state_outbox_put(db, 0, "mail", "post", cfg->smtp.from_addr, addr, msgid, raw, len, now_s())
		     : DB_OK;
	free(raw);
	free(unsub);
	free(body);
	free(sig);
	free(body_main);
	free(subject);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

struct post_run {
	const struct config *cfg;
	const struct templates *tmpl;
	const struct strlist *members;
	const char *group, *hex, *at, *text;
	int n;
	int mail_skipped; /* mail recipients left out: no [smtp] */
	const char *deflang;
	int in_txn; /* a handler's post, inside its transaction (it audits itself) */
};

static int
post_run(struct db *db, void *ud)
{
	struct post_run *r = ud;
	const struct config *cfg = r->cfg;
	int rc = DB_OK, mail = cfg->smtp.present; /* without it a mail row would wait for ever */
	for (size_t i = 0; rc == DB_OK && i < r->members->n; i++) {
		const char *m = r->members->v[i];
		char *msgid = xasprintf("post.%s.%d%s", r->hex, r->n, r->at);
		if (strncmp(m, "xmpp:", 5) == 0) {
			rc = post_room(db, cfg, "xmpp", m + 5, r->text, msgid);
			r->n++;
		} else if (strncmp(m, "matrix:", 7) == 0) {
			rc = post_room(db, cfg, "matrix", m + 7, r->text, msgid);
			r->n++;
		} else if (strncmp(m, "members:", 8) == 0) {
			const char *prog = strcmp(m + 8, "all") == 0 ? NULL : m + 8;
			struct recipient *rc_list;
			size_t nr;
			rc = state_audience_mail(db, prog, &rc_list, &nr);
			if (!mail)
				r->mail_skipped += (int)nr;
			for (size_t j = 0; mail && rc == DB_OK && j < nr; j++) {
				char *id = xasprintf("post.%s.%d%s", r->hex, r->n++, r->at);
				rc = post_mail(db, cfg, r->tmpl, rc_list[j].addr,
					       rc_list[j].lang ? rc_list[j].lang : r->deflang, r->text, id);
				free(id);
			}
			recipients_free(rc_list, nr);
		} else if (strchr(m, '@') && !mail) {
			r->mail_skipped++;
		} else if (strchr(m, '@')) {
			rc = post_mail(db, cfg, r->tmpl, m, r->deflang, r->text, msgid);
			r->n++;
		} else {
			log_warn("event=post_skipped group=%s member=%s reason=unknown_kind", LOG_KV(r->group),
				 LOG_WHO(m));
		}
		free(msgid);
	}
	if (rc == DB_OK && !r->in_txn) { /* the command line's post */
		char *detail = xasprintf("posts=%d", r->n);
		rc = cli_audit(db, "post", r->group, detail);
		free(detail);
	}
	return rc;
}

static int
post_group(struct db *db, const struct config *cfg, const struct templates *tmpl, const unsigned char *key,
	   const char *group, const char *text, int *queued, int *mail_skipped, int in_txn)
{
	*queued = *mail_skipped = 0;
	char *members = group_members(db, cfg, group);
	if (!members)
		return 1;
	struct strlist l = {NULL, 0};
	strlist_split(&l, members, ',');
	free(members);
	/* ids stable for this post: a repeated CLI call within the same second is not posted twice */
	char *seed = xasprintf("%s|%s|%lld", group, text, (long long)now_s());
	char hex[25];
	keyed_tag(key, "post", seed, hex, 24);
	free(seed);
	const char *at = strrchr(cfg->smtp.from_addr ? cfg->smtp.from_addr : "@mentorbot.invalid", '@');
	struct post_run r = {cfg, tmpl, &l, group, hex, at, text, 0, 0, NULL, in_txn};
	r.deflang = cfg->bot.language && strcmp(cfg->bot.language, "en") == 0 ? "en" : "de";
	int rc = in_txn ? post_run(db, &r) : dispatch_txn(db, NULL, post_run, &r);
	strlist_free(&l);
	if (rc != DB_OK)
		return -1;
	*queued = r.n;
	*mail_skipped = r.mail_skipped;
	if (r.mail_skipped)
		log_warn("event=post group=%s queued=%d mail_skipped=%d reason=no_smtp", LOG_KV(group), r.n,
			 r.mail_skipped);
	return 0;
}

int
post_to_group(struct db *db, const struct config *cfg, const struct templates *tmpl, const unsigned char *key,
	      const char *group, const char *text, int *queued, int *mail_skipped)
{
	return post_group(db, cfg, tmpl, key, group, text, queued, mail_skipped, 0);
}

int
post_to_group_txn(struct db *db, const struct config *cfg, const struct templates *tmpl, const unsigned char *key,
		  const char *group, const char *text, int *queued)
{
	int skipped;
	return post_group(db, cfg, tmpl, key, group, text, queued, &skipped, 1);
}

#define PACING_ROOMS 64

static pthread_mutex_t pacing_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char key[256];
	int64_t last_ms;
} pacing[PACING_ROOMS];

int
post_pacing(const char *transport, const char *room, const char *pacing_class, int interval_s)
{
	if (!pacing_class || strcmp(pacing_class, "room") != 0 || interval_s <= 0 || !room)
		return 0;
	char key[256];
	snprintf(key, sizeof key, "%s %s", transport, room);
	int64_t now = mono_ms();
	int wait = 0;
	pthread_mutex_lock(&pacing_lock);
	size_t slot = 0;
	for (size_t i = 0; i < PACING_ROOMS; i++) {
		if (strcmp(pacing[i].key, key) == 0) {
			slot = i;
			break;
		}
		if (pacing[i].last_ms < pacing[slot].last_ms)
			slot = i; /* the least recently used slot, if the room is new */
	}
	if (strcmp(pacing[slot].key, key) == 0 && now - pacing[slot].last_ms < (int64_t)interval_s * 1000) {
		wait = (int)(((int64_t)interval_s * 1000 - (now - pacing[slot].last_ms) + 999) / 1000);
	} else {
		snprintf(pacing[slot].key, sizeof pacing[slot].key, "%s", key);
		pacing[slot].last_ms = now;
	}
	pthread_mutex_unlock(&pacing_lock);
	return wait;
}
