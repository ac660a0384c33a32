/*
 * h_contact.c - contact requests through the bot (h_network.h, h_alumni.h):
 * an asker's request to an alumnus ("contact <n>") or to the company contact
 * of an offer ("interested <offer>", h_offer.c).  The receiver gets the
 * message and the asker's visible profile by mail (a reply "ja"/"nein"
 * answers it: its Message-ID is stored with the request) and in each linked
 * chat ("accept k12" / "decline k12").  Only a yes exchanges the addresses:
 * each side gets the other's name and verified mail address (their chat
 * addresses when they have no mail).  A no tells the asker politely and
 * nothing else; an unanswered request expires after [network] contact_days
 * (the "contact.expire" job), its asker told.  Runs inside the caller's
 * transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/mailcmd.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/words.h"
#include "handlers/h_alumni.h"
#include "handlers/h_network.h"
#include "handlers/handlers.h"
#include "state/directory.h"

#define CONTACT_JOB "contact.expire"

static int
cfg_or(const struct hctx *h, int v, int def)
{
	return h->cfg && v > 0 ? v : def;
}

int
h_contact_days(const struct hctx *h)
{
	return cfg_or(h, h->cfg ? h->cfg->network.contact_days : 0, 14);
}

/* A request's number as shown to a reader of lang: "k12" (Kontakt) or "c12" (contact). */
void
h_contact_ref(int64_t id, const char *lang, char out[24])
{
	snprintf(out, 24, "%c%lld", strcmp(lang, "de") == 0 ? 'k' : 'c', (long long)id);
}

int
h_contact_ref_parse(const char *s, int64_t *id)
{
	if (!s)
		return 0;
	if (*s == '#')
		s++;
	if (tolower((unsigned char)*s) != 'k' && tolower((unsigned char)*s) != 'c')
		return 0;
	s++;
	if (!isdigit((unsigned char)*s) || *s == '0')
		return 0;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	if (*s)
		return 0;
	*id = v;
	return 1;
}

static void
fmt_date(int64_t t, const char *lang, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, strcmp(lang, "de") == 0 ? "%d.%m.%Y" : "%Y-%m-%d", &tm);
}

/*
 * Tell w: in each verified chat (not the one the message came from, which gets the direct
 * answer) chat_text, and by mail (the first verified address) mail_text under subject with
 * Message-ID msgid (NULL: the caller's).
 */
static void
tell(struct hctx *h, const struct who *w, const char *subject, const char *mail_text, const char *chat_text,
     const char *msgid)
{
	int mailed = 0;
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		int is_sender = h->ep_kind && h->ep_addr && strcmp(e->kind, h->ep_kind) == 0 &&
				strcmp(e->addr, h->ep_addr) == 0;
		if (e->verified && strcmp(e->kind, "mail") != 0 && !is_sender)
			hctx_reply_to(h, e->kind, e->addr, "alumni.chat", "text", chat_text, "lang", w->lang, NULL);
	}
	for (size_t i = 0; !w->mail_off && i < w->neps && !mailed; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified || strcmp(e->kind, "mail") != 0)
			continue;
		mailed = 1;
		if (msgid)
			hctx_reply_to(h, "mail", e->addr, "alumni.mail", "subject", subject, "text", mail_text, "lang",
				      w->lang, "message_id", msgid, NULL);
		else
			hctx_reply_to(h, "mail", e->addr, "alumni.mail", "subject", subject, "text", mail_text, "lang",
				      w->lang, NULL);
	}
}

/* How to reach w, one line each: the verified mail addresses, or (none) the chat addresses. */
static char *
contact_lines(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	const char *mail = who_mail(w);
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified || (mail && strcmp(e->kind, "mail") != 0))
			continue;
		char *line = hctx_text_in(h, lang, "alumni.contact_line", "kind", e->kind, "address", e->addr, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
	}
	return buf_detach(&b);
}

/* The line naming offer (title, kind) in lang, or "" for a contact to an alumnus. */
static char *
offer_line(struct hctx *h, int64_t offer, const char *lang, int *rc)
{
	if (offer <= 0)
		return xstrdup("");
	char *title = NULL, *kind = NULL;
	*rc = dir_offer_brief(h->db, offer, &title, &kind);
	if (*rc == DB_NOTFOUND)
		*rc = DB_OK;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)offer);
	char *kkey = xasprintf("alumni.kind.%s", kind ? kind : "");
	char *kword = tmpl_has(h->tmpl, lang, kkey) ? hctx_text_in(h, lang, kkey, NULL) : xstrdup(kind ? kind : "");
	char *line = hctx_text_in(h, lang, "alumni.contact.offer_line", "offer", id, "title", title ? title : "",
				  "kind", kword, NULL);
	free(kword);
	free(kkey);
	free(title);
	free(kind);
	return line;
}

/* The receiver's mail and chat message about request rid. */
static void
tell_receiver(struct hctx *h, const struct who *a, const struct who *t, int64_t rid, int64_t offer, const char *message,
	      int64_t deadline, const char *msgid, int *rc)
{
	const char *lang = t->lang;
	char ref[24], date[32];
	h_contact_ref(rid, lang, ref);
	fmt_date(deadline, lang, date);
	char *name = who_name(h, a, lang), *details = h_alumni_details(h, a, lang);
	char *oline = offer_line(h, offer, lang, rc);
	const char *acc = hctx_cmd_word_in(lang, "accept"), *dec = hctx_cmd_word_in(lang, "decline");
	const char *key = offer > 0 ? "alumni.contact.to_offer" : "alumni.contact.to";
	char *skey = xasprintf("%s.subject", key);
	char *subject = hctx_text_in(h, lang, skey, "name", name, "offer", oline, NULL);
	char *body = hctx_text_in(h, lang, key, "name", name, "details", details, "message", message, "offer", oline,
				  "deadline", date, "ref", ref, "accept", acc, "decline", dec, NULL);
	char *chat = hctx_text_in(h, lang, "alumni.contact.to.chat", "name", name, "message", message, "offer", oline,
				  "ref", ref, "accept", acc, "decline", dec, NULL);
	tell(h, t, subject, body, chat, msgid);
	free(chat);
	free(body);
	free(subject);
	free(skey);
	free(oline);
	free(details);
	free(name);
}

int
h_contact_open(struct hctx *h, int64_t asker, int64_t to_id, int64_t offer, const char *message, int64_t *id)
{
	int64_t rid = 0;
	int rc = dir_contact_open_between(h->db, asker, to_id, offer, &rid);
	if (rc != DB_NOTFOUND) {
		if (rc == DB_OK && id)
			*id = rid;
		return rc == DB_OK ? 1 : rc;
	}
	struct who a = {0}, t = {0};
	char *msgid = NULL;
	if ((rc = who_load(h, asker, &a)) != DB_OK || (rc = who_load(h, to_id, &t)) != DB_OK)
		goto out;
	if ((rc = dir_contact_add(h->db, asker, to_id, offer, message, &rid)) != DB_OK)
		goto out;
	char base[48];
	snprintf(base, sizeof base, "mb.contact%lld", (long long)rid);
	msgid = who_mail(&t) ? hctx_msgid(h, base) : NULL;
	int64_t deadline = now_s() + (int64_t)h_contact_days(h) * 86400;
	if ((rc = dir_contact_set_msgid(h->db, rid, msgid)) != DB_OK ||
	    (rc = state_job_put(h->db, CONTACT_JOB, rid, deadline, NULL)) != DB_OK)
		goto out;
	tell_receiver(h, &a, &t, rid, offer, message ? message : "", deadline, msgid, &rc);
	if (rc == DB_OK && id)
		*id = rid;
	if (rc == DB_OK)
		log_info("network: contact request %lld from person %lld to person %lld (offer %lld)", (long long)rid,
			 (long long)asker, (long long)to_id, (long long)offer);
out:
	free(msgid);
	who_free(&a);
	who_free(&t);
	return rc;
}

int
h_contact_limit_check(struct hctx *h, int64_t asker)
{
	int open = 0, recent = 0;
	int rc = dir_contact_counts(h->db, asker, now_s() - 7 * 86400, &open, &recent);
	if (db_failed(rc))
		return rc;
	int max_open = cfg_or(h, h->cfg ? h->cfg->network.contact_open : 0, 3);
	int max_week = cfg_or(h, h->cfg ? h->cfg->network.contact_week : 0, 10);
	char lim[16];
	if (open >= max_open) {
		snprintf(lim, sizeof lim, "%d", max_open);
		hctx_reply(h, "alumni.limit.open", "limit", lim, NULL);
		return 1;
	}
	if (recent >= max_week) {
		snprintf(lim, sizeof lim, "%d", max_week);
		hctx_reply(h, "alumni.limit.week", "limit", lim, NULL);
		return 1;
	}
	return 0;
}

/* ---- the receiver's answer ---- */

/* Yes: both learn the other's name and address; the asker by mail and chat, the receiver in
 * the answer. */
static int
answer_yes(struct hctx *h, const struct contact_req *r, const struct who *a, const struct who *t)
{
	int rc = DB_OK;
	char *aname = who_name(h, a, h->lang), *acontact = contact_lines(h, a, h->lang);
	char *tname = who_name(h, t, a->lang), *tcontact = contact_lines(h, t, a->lang);
	char *oline = offer_line(h, r->offer, a->lang, &rc);
	char *body = hctx_text_in(h, a->lang, "alumni.contact.accepted.asker", "name", tname, "contact", tcontact,
				  "offer", oline, NULL);
	char *subject = hctx_text_in(h, a->lang, "alumni.contact.accepted.asker.subject", "name", tname, NULL);
	tell(h, a, subject, body, body, NULL);
	hctx_reply(h, "alumni.contact.accepted", "name", aname, "contact", acontact, NULL);
	free(subject);
	free(body);
	free(oline);
	free(tcontact);
	free(tname);
	free(acontact);
	free(aname);
	return rc;
}

/* No: the asker is told politely, nothing else. */
static int
answer_no(struct hctx *h, const struct contact_req *r, const struct who *a, const struct who *t)
{
	int rc = DB_OK;
	char *aname = who_name(h, a, h->lang), *tname = who_name(h, t, a->lang);
	char *oline = offer_line(h, r->offer, a->lang, &rc);
	char *body = hctx_text_in(h, a->lang, "alumni.contact.declined.asker", "name", tname, "offer", oline, NULL);
	char *subject = hctx_text_in(h, a->lang, "alumni.contact.declined.asker.subject", "name", tname, NULL);
	tell(h, a, subject, body, body, NULL);
	hctx_reply(h, "alumni.contact.declined", "name", aname, NULL);
	free(subject);
	free(body);
	free(oline);
	free(tname);
	free(aname);
	return rc;
}

/* The sender answers request r (ref: its number as written). */
static int
answer(struct hctx *h, const struct contact_req *r, int yes, const char *ref)
{
	if (!h->known || r->to != h->person.id) {
		/* someone else's request: indistinguishable from none */
		hctx_reply(h, "alumni.answer.unknown", "ref", ref, NULL);
		return DB_OK;
	}
	if (strcmp(r->status, "open") != 0) {
		char *sk = xasprintf("alumni.status.%s", r->status);
		char *st = tmpl_has(h->tmpl, h->lang, sk) ? hctx_text(h, sk, NULL) : xstrdup(r->status);
		hctx_reply(h, "alumni.answer.closed", "ref", ref, "status", st, NULL);
		free(st);
		free(sk);
		return DB_OK;
	}
	struct who a = {0}, t = {0};
	int rc = dir_contact_close(h->db, r->id, yes ? "accepted" : "declined");
	if (rc == DB_OK)
		rc = state_job_cancel(h->db, CONTACT_JOB, r->id);
	if (rc == DB_NOTFOUND)
		rc = DB_OK;
	if (rc == DB_OK && (rc = who_load(h, r->asker, &a)) == DB_OK && (rc = who_load(h, r->to, &t)) == DB_OK)
		rc = yes ? answer_yes(h, r, &a, &t) : answer_no(h, r, &a, &t);
	if (rc == DB_OK)
		log_info("network: contact request %lld %s", (long long)r->id, yes ? "accepted" : "declined");
	who_free(&a);
	who_free(&t);
	return rc;
}

int
h_contact_answer_run(struct hctx *h, int yes)
{
	int64_t id = 0;
	h_contact_ref_parse(h->argv[0], &id);
	struct contact_req r;
	int rc = dir_contact_get(h->db, id, &r);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "alumni.answer.unknown", "ref", h->argv[0], NULL);
		rc = DB_OK;
	} else if (rc == DB_OK) {
		rc = answer(h, &r, yes, h->argv[0]);
	}
	contact_req_free(&r);
	return db_failed(rc) ? rc : 0;
}

/* The request a mail answers: its In-Reply-To, else its References (newest first). */
static int
request_of_mail(struct hctx *h, const char *in_reply_to, const char *references, struct contact_req *r)
{
	int rc = dir_contact_by_msgid(h->db, in_reply_to, r);
	if (rc == DB_NOTFOUND && references) {
		char **ids;
		int n = words_split(references, &ids, 32);
		for (int i = n - 1; i >= 0 && rc == DB_NOTFOUND; i--) {
			contact_req_free(r);
			rc = dir_contact_by_msgid(h->db, ids[i], r);
		}
		words_free(ids, n);
	}
	return rc;
}

int
h_contact_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text)
{
	struct contact_req r;
	int rc = request_of_mail(h, in_reply_to, references, &r);
	const char *rest;
	int yn = rc == DB_OK ? hctx_yes_no(text, WORDS_REQUEST, &rest) : -1;
	if (rc != DB_OK || yn < 0 || !h->known || r.to != h->person.id) {
		contact_req_free(&r);
		return db_failed(rc) ? rc : 1; /* not an answer: handled as an ordinary mail */
	}
	char ref[24];
	h_contact_ref(r.id, h->lang, ref);
	h->cmd = cmd_by_name(yn ? "accept" : "decline");
	rc = answer(h, &r, yn, ref);
	contact_req_free(&r);
	return db_failed(rc) ? rc : 0;
}

int
h_contact_expire_job(struct hctx *h, int64_t request, const char **result)
{
	struct contact_req r;
	int rc = dir_contact_get(h->db, request, &r);
	if (rc != DB_OK || strcmp(r.status, "open") != 0) {
		*result = "skipped: request not open";
		contact_req_free(&r);
		return db_failed(rc) ? rc : DB_OK;
	}
	struct who a = {0}, t = {0};
	if ((rc = dir_contact_close(h->db, r.id, "expired")) == DB_OK && (rc = who_load(h, r.asker, &a)) == DB_OK &&
	    (rc = who_load(h, r.to, &t)) == DB_OK) {
		char days[16];
		snprintf(days, sizeof days, "%d", h_contact_days(h));
		char *tname = who_name(h, &t, a.lang);
		char *oline = offer_line(h, r.offer, a.lang, &rc);
		char *body = hctx_text_in(h, a.lang, "alumni.contact.expired.asker", "name", tname, "days", days,
					  "offer", oline, NULL);
		char *subject = hctx_text_in(h, a.lang, "alumni.contact.expired.asker.subject", "name", tname, NULL);
		tell(h, &a, subject, body, body, NULL);
		free(subject);
		free(body);
		free(oline);
		free(tname);
		*result = "ran";
	}
	who_free(&a);
	who_free(&t);
	contact_req_free(&r);
	return rc;
}
