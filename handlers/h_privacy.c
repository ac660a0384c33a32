/*
 * h_privacy.c - the data rights of a person: "my data" (an export mailed to
 * a verified address) and "delete me" (confirmed by reply, then erased in
 * the command's transaction).  The SQL is in state/privacy.c.
 */
#include "handlers/h_privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/mailcmd.h"
#include "bot/mime.h"
#include "bot/util.h"
#include "handlers/h_event.h"
#include "handlers/handlers.h"
#include "state/privacy.h"

#define ERASE_TOKEN_TTL_S (24 * 3600)

const struct tmpl_key tmpl_keys_privacy[] = {
	{"cmd.my_data", ""},
	{"cmd.my_data.short", ""},
	{"cmd.delete_me", ""},
	{"cmd.delete_me.short", ""},
	{"privacy.export", "date,summary"},
	{"privacy.export.subject", "date"},
	{"privacy.export.line", "label,count"},
	{"privacy.export.sent_chat", "address"},
	{"privacy.export.no_mail", ""},
	{"privacy.section.person", ""},
	{"privacy.section.endpoints", ""},
	{"privacy.section.profile", ""},
	{"privacy.section.consents", ""},
	{"privacy.section.memberships", ""},
	{"privacy.section.applications", ""},
	{"privacy.section.suggestions", ""},
	{"privacy.section.requests", ""},
	{"privacy.section.matches", ""},
	{"privacy.section.sessions", ""},
	{"privacy.section.invitations", ""},
	{"privacy.section.rsvps", ""},
	{"privacy.section.messages_in", ""},
	{"privacy.section.messages_out", ""},
	{"privacy.section.reply_counts", ""},
	{"privacy.section.bounces", ""},
	{"privacy.section.bounce_events", ""},
	{"privacy.section.undeliverable", ""},
	{"privacy.section.audit", ""},
	{"privacy.section.tokens", ""},
	{"privacy.delete.confirm", "token,hours"},
	{"privacy.delete.confirm.chat", "token,hours"},
	{"privacy.erased", ""},
	{"privacy.erased.subject", ""},
	{"privacy.partner_left", ""},
	{"privacy.partner_left.subject", ""},
	{"privacy.staff_notice", "id,why"},
	{"privacy.staff_notice.subject", "id,why"},
	{NULL, NULL},
};

/* ---- my data ---- */

/* A journal row's "head" (its first bytes) replaced by what the person sent: the subject and
 * the command of a mail, the command of a chat message. */
static void
message_read_head(json_t *row)
{
	const char *head = json_string_value(json_object_get(row, "head"));
	const char *channel = json_string_value(json_object_get(row, "channel"));
	const struct command *c = NULL;
	if (head && channel && strcmp(channel, "mail") == 0) {
		struct parsed_mail pm = {0};
		if (mime_parse_headers(head, strlen(head), &pm) == 0 && pm.subject) {
			struct mail_cmd mc = {0};
			mail_find_command(pm.subject, "", &mc);
			c = mc.cmd;
			json_object_set_new(row, "subject", json_string(pm.subject));
			mail_cmd_free(&mc);
		}
		parsed_mail_free(&pm);
	} else if (head) {
		c = cmd_lookup(head, NULL, NULL);
	}
	json_object_set_new(row, "command", c ? json_string(c->name) : json_null());
	json_object_del(row, "head");
}

/* The summary lines "label: count" of every section, in lang. Caller frees. */
static char *
export_summary(struct hctx *h, json_t *data, const char *lang)
{
	struct buf b = BUF_INIT;
	const char *name;
	json_t *v;
	json_object_foreach(data, name, v)
	{
		if (!json_is_array(v))
			continue;
		char n[24];
		snprintf(n, sizeof n, "%zu", json_array_size(v));
		char *key = xasprintf("privacy.section.%s", name);
		char *label = hctx_text_in(h, lang, key, NULL);
		char *line = hctx_text_in(h, lang, "privacy.export.line", "label", label, "count", n, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(label);
		free(key);
	}
	return buf_detach(&b);
}

/* Queue the export of person h->person to the mail address addr. */
static int
export_mail(struct hctx *h, const char *addr, const char *lang)
{
	json_t *data;
	int rc = state_privacy_export(h->db, h->person.id, &data);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	json_t *msgs = json_object_get(data, "messages_in");
	size_t i;
	json_t *row;
	json_array_foreach(msgs, i, row) message_read_head(row);
	char date[16], fname[48];
	time_t t = (time_t)now_s();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(fname, sizeof fname, "mentorbot-data-%s.json", date);
	json_object_set_new(data, "exported", json_string(date));
	char *json = json_dumps(data, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	char *summary = export_summary(h, data, lang);
	/* asked by mail: the answer to that mail (threaded); from chat: a mail of its own */
	int answer = strcmp(h->ep_kind, "mail") == 0 && strcmp(h->ep_addr, addr) == 0;
	if (json)
		hctx_reply_to(h, answer ? NULL : "mail", answer ? NULL : addr, "privacy.export", "date", date,
			      "summary", summary, "lang", lang, "attachment", json, "attachment_type",
			      "application/json", "attachment_name", fname, NULL);
	free(summary);
	free(json);
	json_decref(data);
	return json ? DB_OK : DB_ERR;
}

int
h_my_data_run(struct hctx *h)
{
	const char *lang = h->lang;
	if (strcmp(h->ep_kind, "mail") == 0)
		return export_mail(h, h->ep_addr, lang); /* PERM_MEMBER and proven: the sender's own address */
	if (!hctx_transport_on(h, "mail")) {
		hctx_reply(h, "transports.mail_off", NULL); /* the export is a mail with a file */
		return DB_OK;
	}
	struct who w;
	int rc = who_load(h, h->person.id, &w);
	if (rc != DB_OK) {
		who_free(&w);
		return rc;
	}
	const char *addr = who_mail(&w);
	if (!addr) {
		hctx_reply(h, "privacy.export.no_mail", NULL);
	} else if ((rc = export_mail(h, addr, lang)) == DB_OK) {
		hctx_reply(h, "privacy.export.sent_chat", "address", addr, NULL);
	}
	who_free(&w);
	return rc;
}

/* ---- delete me ---- */

int
h_delete_me_run(struct hctx *h)
{
	char tok[27];
	int rc = hctx_sender_token(h, "erase", NULL, h->person.id, ERASE_TOKEN_TTL_S, tok);
	if (rc != DB_OK)
		return rc;
	hctx_reply(h, strcmp(h->ep_kind, "mail") == 0 ? "privacy.delete.confirm" : "privacy.delete.confirm.chat",
		   "token", tok, "hours", "24", NULL);
	hctx_reply_last_to_front(h); /* it carries h->reply_msgid, under which the token was stored */
	return DB_OK;
}

int
h_privacy_erase_confirm(struct hctx *h, const struct token *t)
{
	/* the token went to this endpoint of this person; it is theirs still */
	if (!h->known || t->person != h->person.id) {
		hctx_reply(h, "confirm_bad_token", NULL);
		return DB_OK;
	}
	int rc = state_token_use(h->db, t->id);
	return rc == DB_OK ? h_privacy_erase(h, h->person.id, "request") : rc;
}

/* Where a message to w goes: the endpoint (kind, addr) of the request when it is w's, else w's
 * first verified mail address, else their first verified chat id.  0 when there is none. */
static int
who_reach(const struct hctx *h, const struct who *w, const char **kind, const char **addr)
{
	const struct endpoint *chat = NULL;
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified)
			continue;
		if (h->ep_kind && h->ep_addr && strcmp(e->kind, h->ep_kind) == 0 && strcmp(e->addr, h->ep_addr) == 0) {
			*kind = e->kind, *addr = e->addr;
			return 1;
		}
		if (!chat && strcmp(e->kind, "mail") != 0)
			chat = e;
	}
	if (who_mail(w)) {
		*kind = "mail", *addr = who_mail(w);
		return 1;
	}
	if (chat)
		*kind = chat->kind, *addr = chat->addr;
	return chat != NULL;
}

/* "your partner has left the programme" to each partner of a match that was open. */
static int
tell_partners(struct hctx *h, const struct privacy_erased *e)
{
	for (size_t i = 0; i < e->npartners; i++) {
		struct who p;
		int rc = who_load(h, e->partners[i], &p);
		const char *kind, *addr;
		if (rc == DB_OK && who_reach(h, &p, &kind, &addr))
			hctx_reply_to(h, kind, addr, "privacy.partner_left", "lang", p.lang, NULL);
		who_free(&p);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* The staff notice: the stand-in's number and why, nothing of the person. */
static void
tell_staff(struct hctx *h, int64_t standin, const char *why)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)standin);
	for (size_t i = 0; i < h->cfg->bot.staff.n; i++) {
		const char *kind, *to;
		if (!hctx_staff_endpoint(h->cfg->bot.staff.v[i], &kind, &to))
			continue;
		hctx_reply_to(h, kind, to, "privacy.staff_notice", "id", id, "why", why, "lang", hctx_default_lang(h),
			      NULL);
	}
}

int
h_privacy_erase(struct hctx *h, int64_t person, const char *why)
{
	struct who w;
	int rc = who_load(h, person, &w);
	if (rc != DB_OK) {
		who_free(&w);
		return rc;
	}
	const char *kind = NULL, *addr = NULL;
	int reach = who_reach(h, &w, &kind, &addr);
	char *to_kind = reach ? xstrdup(kind) : NULL, *to_addr = reach ? xstrdup(addr) : NULL;
	char *lang = xstrdup(w.lang);
	who_free(&w);
	struct privacy_erased e;
	rc = state_privacy_erase(h->db, person,
				 h->ep_kind && *h->ep_kind ? h->ep_kind : (h->transport ? h->transport : "scheduler"),
				 why, &e);
	test_crash_point("privacy.erase: erased, not committed"); /* kill tests: all or nothing */
	if (rc == DB_OK)
		rc = tell_partners(h, &e);
	for (size_t i = 0; i < e.nseats && rc == DB_OK; i++)
		rc = h_event_seat_freed(h, e.seats[i]); /* the waiting list moves up */
	if (rc == DB_OK) {
		tell_staff(h, e.standin, why);
		/* the last message to them, queued after everything that went */
		if (to_kind)
			hctx_reply_to(h, to_kind, to_addr, "privacy.erased", "lang", lang, "kind", PRIVACY_KIND_FINAL,
				      NULL);
		if (h->known && h->person.id == person)
			h->known = 0; /* nothing after this is answered as to them */
		log_info("erased person %lld (%s): stand-in %lld", (long long)person, why, (long long)e.standin);
	}
	privacy_erased_free(&e);
	free(to_kind);
	free(to_addr);
	free(lang);
	return rc;
}
