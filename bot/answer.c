/*
 * answer.c - the answers of dispatch: a reply rendered from its template
 * into the outbox as a mail threaded to the one it answers, or as a chat
 * message (short in the room, long ones directly); the daily reply limit and
 * the hourly cap for unknown senders; quarantine with a reason the sender
 * can read; the one decider of the language they are answered in.  Runs inside dispatch's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch_int.h"
#include "emit.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "logkv.h"
#include "mailout.h"
#include "quote.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

#define CHAT_ROOM_MAX_LINES 4

/* The stored choice ("de", else "en"), or without one deflt ("en", else "de"). */
const char *
lang_or(const char *stored, const char *deflt)
{
	if (stored)
		return strcmp(stored, "de") == 0 ? "de" : "en";
	return (deflt && strcmp(deflt, "en") == 0) ? "en" : "de";
}

/* The one decider of the reply language, for every channel: the person's stored choice, a German
 * command word, the language of text, the mail's Content-Language (NULL for chat), the command
 * word's language, else deflt. */
const char *
answer_lang(const char *stored, const char *cmd_lang, const char *text, const char *content_language, const char *deflt)
{
	if (stored)
		return lang_or(stored, deflt);
	if (cmd_lang && strcmp(cmd_lang, "de") == 0)
		return "de";
	const char *g = lang_guess(text);
	if (g)
		return g;
	if (content_language) {
		if (strncasecmp(content_language, "de", 2) == 0)
			return "de";
		if (strncasecmp(content_language, "en", 2) == 0)
			return "en";
	}
	if (cmd_lang)
		return cmd_lang;
	return lang_or(NULL, deflt);
}

const char *
mail_lang(const struct parsed_mail *pm, const struct mail_cmd *mc, const char *new_text, const char *stored,
	  const char *deflt)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s\n%s", pm->subject ? pm->subject : "", new_text ? new_text : "");
	const char *lang = answer_lang(stored, mc->cmd_lang, b.p, pm->content_language, deflt);
	buf_free(&b);
	return lang;
}

/* Render one reply and queue it as a mail in the outbox. */
/* key rendered for the sender, with the note a handler added after it (HCTX_NOTE_AFTER, e.g.
 * the request to agree to a changed consent text: handlers/h_consent.c).  Caller frees. */
static char *
answer_text(const struct mailctx *m, const char *key, const char *const *vars)
{
	char *text = tmpl_render(m->core->tmpl, m->lang, key, vars);
	for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
		if (strcmp(vars[i], HCTX_NOTE_AFTER) == 0 && *vars[i + 1]) {
			char *t = xasprintf("%s\n\n%s", text, vars[i + 1]);
			free(text);
			return t;
		}
	return text;
}

/* The value of name in the NULL-ended name, value pairs of vars, or NULL. */
static const char *
var_get(const char *const *vars, const char *name)
{
	for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
		if (strcmp(vars[i], name) == 0)
			return vars[i + 1];
	return NULL;
}

int
queue_reply(struct mailctx *m, const char *key, const char *const *vars)
{
	const struct core *core = m->core;
	if (m->silent) {
		/* the last guard against a mail loop: an automatic mail is never answered */
		log_info("event=reply_held channel=mail inbound=%lld key=%s reason=automatic", (long long)m->row->id,
			 key);
		return DB_OK;
	}
	char *body_main = answer_text(m, key, vars);
	char *sig = tmpl_render(core->tmpl, m->lang, "signature", NULL);
	char *body = xasprintf("%s\n\n%s\n", body_main, sig);
	char *subject;
	if (m->known) {
		int was_reply;
		char *subj = subject_strip(m->pm->subject, &was_reply);
		subject = xasprintf("Re: %s", *subj ? subj : key);
		free(subj);
	} else {
		/* a stranger's Subject is not sent back: nobody can use the bot to mail their text to others */
		char *t = tmpl_render(core->tmpl, m->lang, "reply.subject", NULL);
		subject = xasprintf("Re: %s", t);
		free(t);
	}
	char *msgid = reply_msgid(core, m->row->dedupe, (size_t)m->nsent);
	struct buf refs = BUF_INIT;
	if (m->pm->references)
		buf_adds(&refs, m->pm->references);
	if (m->pm->message_id && (!m->pm->references || !strstr(m->pm->references, m->pm->message_id)))
		buf_addf(&refs, "%s%s", refs.len ? " " : "", m->pm->message_id);
	struct mail_header extra[] = {{"X-Mentorbot-Reply", key}};
	struct mail_out mo = {0};
	mo.from = core->cfg->smtp.from;
	mo.to = m->rcpt;
	mo.subject = subject;
	mo.message_id = msgid;
	mo.in_reply_to = m->pm->message_id;
	mo.references = refs.len ? refs.p : NULL;
	mo.auto_submitted = "auto-replied";
	mo.text = body;
	mo.lang = m->lang;
	mo.extra = extra;
	mo.nextra = 1;
	mo.attachment = var_get(vars, "attachment"); /* "my data": its JSON file */
	mo.attachment_type = var_get(vars, "attachment_type");
	mo.attachment_name = var_get(vars, "attachment_name");
	size_t len = 0;
	char *raw = mail_compose(&mo, &len);
	int rc = DB_OK;
	if (raw)
		rc = state_outbox_add(m->db, m->row->id, "mail", core->cfg->smtp.from_addr, m->rcpt, msgid, raw, len);
	else
		log_warn("event=reply_failed channel=mail inbound=%lld key=%s reason=compose", (long long)m->row->id,
			 key);
	if (rc == DB_NOTFOUND)
		rc = DB_OK; /* already queued by an earlier run: idempotent */
	m->nsent++;
	free(raw);
	buf_free(&refs);
	free(msgid);
	free(subject);
	free(body);
	free(sig);
	free(body_main);
	return rc;
}

/* Queue a chat message in the outbox of transport (payload documented in chat.h). */
int
queue_chat(struct mailctx *m, const char *transport, const char *to, const char *type, const char *body)
{
	char *msgid = reply_msgid(m->core, m->row->dedupe, (size_t)m->nsent++);
	int rc = state_outbox_put_chat(m->db, m->row->id, transport, "reply", to, type, msgid, body, 0);
	if (rc == DB_NOTFOUND)
		rc = DB_OK;
	if (rc == DB_OK && m->core->notify)
		m->core->notify(m->core->notify_ud, transport);
	free(msgid);
	return rc;
}

/* Answer in the chat the message came from: short in the room, long ones directly with a pointer. */
int
queue_chat_answer(struct mailctx *m, const char *key, const char *const *vars)
{
	char *text = answer_text(m, key, vars);
	int rc;
	if (!m->room) {
		rc = queue_chat(m, m->transport, m->sender, "chat", text);
	} else {
		size_t lines = 1;
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		if (lines <= CHAT_ROOM_MAX_LINES || !m->sender_direct) {
			char *body = m->nick ? xasprintf("%s: %s", m->nick, text) : xstrdup(text);
			rc = queue_chat(m, m->transport, m->room, "groupchat", body);
			free(body);
		} else {
			rc = queue_chat(m, m->transport, m->sender, "chat", text);
			if (rc == DB_OK) {
				const char *pv[] = {"nick", m->nick ? m->nick : "", NULL};
				char *ptr = tmpl_render(m->core->tmpl, m->lang, "chat.see_direct", pv);
				rc = queue_chat(m, m->transport, m->room, "groupchat", ptr);
				free(ptr);
			}
		}
	}
	free(text);
	return rc;
}

/*
 * May this mail be answered?  The sender's daily reply limit, then the hourly
 * cap on answers to addresses that are no known people (all of them
 * together: a flood of forged senders cannot turn the bot into a mail
 * cannon).  ALLOW_YES, ALLOW_NOTICE (send the daily-limit notice, once),
 * ALLOW_SILENT, or ALLOW_CAP (quarantine it).  *rc gets a database error.
 */
int
reply_allowance(struct mailctx *m, int wanted, int *rc)
{
	int count, noticed, limit = m->core->cfg->bot.reply_limit;
	int64_t day = now_s() / 86400;
	*rc = state_reply_count(m->db, m->rcpt, day, &count, &noticed);
	if (db_failed(*rc))
		return ALLOW_SILENT;
	int allow = ALLOW_YES;
	if (limit > 0 && count + wanted > limit)
		allow = noticed ? ALLOW_SILENT : ALLOW_NOTICE;
	int cap = m->core->cfg->bot.unknown_reply_limit;
	if (allow != ALLOW_SILENT && !m->known && !m->counted && cap > 0) {
		*rc = state_cap_take(m->db, "cap.unknown_replies", now_s() / 3600, cap);
		if (db_failed(*rc))
			return ALLOW_SILENT;
		if (*rc == DB_NOTFOUND) {
			*rc = DB_OK;
			return ALLOW_CAP;
		}
		m->counted = 1;
	}
	return allow;
}

int
send_limit_notice(struct mailctx *m)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", m->core->cfg->bot.reply_limit);
	const char *vars[] = {"limit", lim, NULL};
	int rc = queue_reply(m, "reply_limit", vars);
	if (rc == DB_OK)
		rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 1);
	log_info("event=limit channel=mail inbound=%lld to=%s limit=reply_limit notice=sent", (long long)m->row->id,
		 LOG_WHO(m->rcpt));
	return rc;
}

/* Emit the replies a handler queued, under the reply limit. */
int
emit_replies(struct mailctx *m, struct hctx *h)
{
	int rc = DB_OK;
	for (size_t i = 0; i < h->nreplies && rc == DB_OK; i++) {
		const struct reply *r = &h->replies[i];
		if (m->silent && (!r->to_kind || (strcmp(r->to_kind, "mail") == 0 && r->to_addr && m->rcpt &&
						  strcasecmp(r->to_addr, m->rcpt) == 0))) {
			/* an automatic mail: nothing goes back to its sender (others, e.g. someone moved
			 * up from the waiting list, are still told) */
			log_info("event=reply_held channel=mail inbound=%lld key=%s reason=automatic",
				 (long long)m->row->id, r->key);
			continue;
		}
		if (r->to_kind) {
			/* to someone else: a fresh mail or a direct chat message (bot/emit.c) */
			char *msgid = reply_msgid(m->core, m->row->dedupe, (size_t)m->nsent++);
			rc = emit_reply(m->db, m->core, m->row->id, r, m->lang, msgid);
			free(msgid);
		} else if (m->pm) {
			rc = queue_reply(m, r->key, (const char *const *)r->vars);
			if (rc == DB_OK)
				rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 0);
		} else {
			rc = queue_chat_answer(m, r->key, (const char *const *)r->vars);
		}
	}
	return rc;
}

/* A reason as the sender reads it, rendered in their language. Caller frees. */
char *
reason_text(struct mailctx *m, const char *error)
{
	const char *key = "reason.unreadable";
	char limit[32] = "";
	if (strncmp(error, "mail too large", 14) == 0) {
		key = "reason.too_large";
		snprintf(limit, sizeof limit, "%ld KB", m->core->caps.max_size / 1024);
	} else if (strstr(error, "nest") || strstr(error, "parts")) {
		key = "reason.too_complex";
	} else if (strcmp(error, "crashed") == 0) {
		key = "reason.crashed";
	} else if (strncmp(error, "parser ", 7) == 0) {
		key = "reason.parser";
	} else if (strcmp(error, "internal") == 0) {
		key = "reason.internal";
	} else if (strcmp(error, "several senders") == 0) {
		key = "reason.several_senders";
	}
	const char *vars[] = {"limit", limit, "detail", error, NULL};
	return tmpl_render(m->core->tmpl, m->lang, key, vars);
}

int
answer(struct mailctx *m, const char *key, const char *const *vars, int limit_notice)
{
	if (!m->pm)
		return queue_chat_answer(m, key, vars);
	if (m->silent)
		return DB_OK; /* an automatic mail is never answered (a loop); not counted either */
	int rc;
	int allow = reply_allowance(m, 1, &rc);
	if (db_failed(rc))
		return rc;
	if (allow == ALLOW_NOTICE && limit_notice)
		return send_limit_notice(m);
	if (allow == ALLOW_CAP)
		log_warn("event=limit channel=mail inbound=%lld limit=unknown_reply_limit notice=no",
			 (long long)m->row->id);
	if (allow != ALLOW_YES)
		return DB_OK;
	rc = queue_reply(m, key, vars);
	if (rc == DB_OK)
		rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 0);
	return rc;
}

int
quarantine(struct mailctx *m, const char *why)
{
	log_warn("event=quarantine channel=%s inbound=%lld reason=%s", m->in->channel, (long long)m->row->id,
		 LOG_KV(why));
	int rc = state_inbound_finish(m->db, m->row->id, "quarantined", why);
	/* nobody to tell: no sender address, or an automatic mail (answering it could loop) */
	if (rc != DB_OK || !(m->pm ? m->rcpt : m->sender) || (m->pm && m->pm->is_auto))
		return rc;
	char *reason = reason_text(m, why);
	const char *vars[] = {"reason", reason, NULL};
	rc = answer(m, m->pm ? "quarantined" : "quarantined.chat", vars, 1);
	free(reason);
	return rc;
}
