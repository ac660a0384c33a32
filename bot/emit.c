/*
 * emit.c - see emit.h.
 */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "logkv.h"
#include "mailout.h"
#include "state/bounces.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

const char *
reply_get(const struct reply *r, const char *name)
{
	for (size_t i = 0; i + 1 < r->nvars; i += 2)
		if (strcmp(r->vars[i], name) == 0)
			return r->vars[i + 1];
	return NULL;
}

/* The outbox kind of r: its "kind" variable, else a notice (state.h lists the kinds). */
static const char *
emit_kind(const struct reply *r)
{
	const char *k = reply_get(r, "kind");
	return k && *k ? k : "notice";
}

static int
emit_mail(struct db *db, const struct core *core, int64_t inbound_id, const struct reply *r, const char *lang,
	  const char *msgid, int64_t not_before)
{
	const char *const *vars = (const char *const *)r->vars;
	char *skey = xasprintf("%s.subject", r->key);
	char *subject = tmpl_render(core->tmpl, lang, skey, vars);
	char *main_text = tmpl_render(core->tmpl, lang, r->key, vars);
	char *sig = tmpl_render(core->tmpl, lang, "signature", NULL);
	char *body = xasprintf("%s\n\n%s\n", main_text, sig);
	struct mail_header extra[4];
	size_t nextra = 0;
	extra[nextra++] = (struct mail_header){"X-Mentorbot-Reply", r->key};
	static const char *const optional[][2] = {
		{"reply_to", "Reply-To"},
		{"list_unsubscribe", "List-Unsubscribe"},
		{"list_unsubscribe_post", "List-Unsubscribe-Post"},
	};
	for (size_t i = 0; i < ARRAY_LEN(optional); i++) {
		const char *v = reply_get(r, optional[i][0]);
		if (v && *v)
			extra[nextra++] = (struct mail_header){optional[i][1], v};
	}
	struct mail_out mo = {0};
	mo.from = core->cfg->smtp.from;
	mo.to = r->to_addr;
	mo.subject = subject;
	mo.message_id = msgid;
	mo.auto_submitted = reply_get(r, "auto_submitted") ? reply_get(r, "auto_submitted") : "auto-generated";
	mo.text = body;
	mo.lang = lang;
	mo.extra = extra;
	mo.nextra = nextra;
	mo.calendar = reply_get(r, "calendar");
	mo.calendar_method = mo.calendar ? reply_get(r, "calendar_method") : NULL;
	mo.attachment = reply_get(r, "attachment");
	mo.attachment_type = reply_get(r, "attachment_type");
	mo.attachment_name = reply_get(r, "attachment_name");
	size_t len;
	char *raw = mail_compose(&mo, &len);
	int rc = DB_OK;
	if (raw)
		rc = state_outbox_put(db, inbound_id, "mail", emit_kind(r), core->cfg->smtp.from_addr, r->to_addr,
				      msgid, raw, len, not_before);
	else
		log_warn("event=reply_failed key=%s to=%s reason=compose", r->key, LOG_WHO(r->to_addr));
	free(raw);
	free(body);
	free(sig);
	free(main_text);
	free(subject);
	free(skey);
	return rc;
}

static int
emit_chat(struct db *db, const struct core *core, int64_t inbound_id, const struct reply *r, const char *lang,
	  const char *msgid, int64_t not_before)
{
	char *text = tmpl_render(core->tmpl, lang, r->key, (const char *const *)r->vars);
	const char *type = reply_get(r, "chat_type");
	int rc = state_outbox_put_chat(db, inbound_id, r->to_kind, emit_kind(r), r->to_addr,
				       type && *type ? type : "chat", msgid, text, not_before);
	free(text);
	return rc;
}

/* 1 when mail can be sent: [smtp] is configured (or no configuration was given, as in tests
 * that only render). */
static int
mail_on(const struct core *core)
{
	return !core->cfg || core->cfg->smtp.present;
}

/* A mail to an undeliverable address (state/bounces.h), or any mail when no [smtp] is
 * configured, goes as text to the direct chat of the owner's verified chat account instead:
 * DB_OK with *kind and *addr (caller frees), DB_NOTFOUND when the mail can go or its owner has
 * no chat account (then the sender fails the row, or without [smtp] it is not queued). */
static int
mail_detour(struct db *db, const char *to_addr, int mail_off, char **kind, char **addr)
{
	struct person p;
	int rc = mail_off ? DB_OK : state_undeliverable_get(db, to_addr, NULL, NULL);
	if (rc != DB_OK || (rc = state_person_by_endpoint(db, "mail", to_addr, &p)) != DB_OK)
		return rc;
	struct endpoint *ep = NULL;
	size_t n = 0;
	rc = state_endpoints(db, p.id, &ep, &n);
	person_free(&p);
	int found = 0;
	for (size_t i = 0; rc == DB_OK && !found && i < n; i++)
		if (ep[i].verified && (strcmp(ep[i].kind, "xmpp") == 0 || strcmp(ep[i].kind, "matrix") == 0)) {
			*kind = xstrdup(ep[i].kind);
			*addr = xstrdup(ep[i].addr);
			found = 1;
		}
	endpoints_free(ep, n);
	return db_failed(rc) ? rc : found ? DB_OK : DB_NOTFOUND;
}

int
emit_reply(struct db *db, const struct core *core, int64_t inbound_id, const struct reply *r, const char *deflang,
	   const char *msgid)
{
	const char *lang = reply_get(r, "lang");
	lang = lang && (strcmp(lang, "de") == 0 || strcmp(lang, "en") == 0) ? lang : deflang;
	const char *own_id = reply_get(r, "message_id");
	if (own_id && *own_id)
		msgid = own_id;
	const char *nb = reply_get(r, "not_before");
	int64_t not_before = nb ? strtoll(nb, NULL, 10) : 0;
	char *kind = NULL, *addr = NULL;
	struct reply detour;
	int is_mail = strcmp(r->to_kind, "mail") == 0, mail_off = is_mail && !mail_on(core);
	int rc = is_mail ? mail_detour(db, r->to_addr, mail_off, &kind, &addr) : DB_NOTFOUND;
	if (db_failed(rc))
		return rc;
	if (rc == DB_OK) {
		detour = *r;
		detour.to_kind = kind;
		detour.to_addr = addr;
		r = &detour;
		log_info("event=mail_detour key=%s via=%s reason=%s", r->key, kind, mail_off ? "no_smtp" : "bounced");
	} else if (mail_off) {
		/* a row for a transport that does not run would wait for ever */
		log_warn("event=reply_dropped key=%s to=%s reason=no_smtp", r->key, LOG_WHO(r->to_addr));
		return DB_OK;
	}
	rc = strcmp(r->to_kind, "mail") == 0 ? emit_mail(db, core, inbound_id, r, lang, msgid, not_before)
					     : emit_chat(db, core, inbound_id, r, lang, msgid, not_before);
	if (rc == DB_NOTFOUND)
		rc = DB_OK; /* queued by an earlier run: idempotent */
	if (rc == DB_OK && core->notify)
		core->notify(core->notify_ud, r->to_kind);
	free(kind);
	free(addr);
	return rc;
}

int
emit_all(struct db *db, const struct core *core, struct hctx *h, int64_t inbound_id, const char *msgid_prefix)
{
	const char *deflang = h->lang ? h->lang : "de";
	int rc = DB_OK;
	for (size_t i = 0; rc == DB_OK && i < h->nreplies; i++) {
		const struct reply *r = &h->replies[i];
		if (!r->to_kind || !r->to_addr) {
			log_warn("event=reply_dropped key=%s reason=no_recipient msgid_prefix=%s", r->key,
				 LOG_KV(msgid_prefix));
			continue;
		}
		if (!core->has_key)
			fatal("internal error: the installation key was not loaded");
		char *msgid = keyed_msgid(core->key, msgid_prefix, i, core->bot_domain);
		rc = emit_reply(db, core, inbound_id, r, deflang, msgid);
		free(msgid);
	}
	return rc;
}
