/*
 * h_company.c - company contacts: "join company <name>" (a stranger first
 * proves the address with a token, as for "join"), the staff notice, and the
 * staff decision by replying to the notice or with "company <id> approve|
 * reject [reason]".  Also the notice sending and reply matching that offers
 * share (h_offer.c).  Runs inside the caller's transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/logaddr.h"
#include "bot/mailcmd.h"
#include "bot/util.h"
#include "handlers/h_mentoring_int.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/offers.h"

#define TOKEN_TTL_S (3 * 24 * 3600)
#define NAME_MAX_LEN 100

/* The company name of "join company <name>": trimmed, one line.  Caller frees. */
static char *
company_name_arg(const struct hctx *h)
{
	char *one = str_one_line(h->argline ? h->argline : "", NAME_MAX_LEN + 1);
	char *t = str_trim(one), *name = xstrdup(t);
	free(one);
	return name;
}

int
h_join_company_check(struct hctx *h)
{
	char *name = company_name_arg(h);
	int bad = !*name || strlen(name) > NAME_MAX_LEN;
	free(name);
	if (bad)
		hctx_reply(h, "company.name_missing", NULL);
	return bad;
}

char *
h_offer_staff_notice(struct hctx *h, const char *base, const char *key, const char *id, const char *company,
		     const char *who, const char *text)
{
	const char *lang = hctx_default_lang(h);
	char *first = NULL;
	int k = 0;
	for (size_t i = 0; i < h->cfg->bot.staff.n; i++) {
		const char *kind, *to;
		if (!hctx_staff_endpoint(h->cfg->bot.staff.v[i], &kind, &to))
			continue;
		if (strcmp(kind, "mail") != 0) {
			hctx_reply_to(h, kind, to, key, "id", id, "company", company, "who", who, "text", text, "lang",
				      lang, NULL);
			continue;
		}
		char *b = xasprintf("%s.%d", base, k++);
		char *msgid = hctx_msgid(h, b);
		hctx_reply_to(h, kind, to, key, "id", id, "company", company, "who", who, "text", text, "lang", lang,
			      "message_id", msgid, NULL);
		free(b);
		if (!first)
			first = msgid;
		else
			free(msgid);
	}
	return first;
}

/* "Name <address>" of person w for staff.  Caller frees. */
static char *
who_for_staff(const struct hctx *h, const struct who *w)
{
	char *name = who_name(h, w, hctx_default_lang(h));
	const char *addr = who_mail(w) ? who_mail(w) : (w->neps ? w->eps[0].addr : "");
	char *s = xasprintf("%s <%s>", name, addr);
	free(name);
	return s;
}

/* person (whose address is addr) asks to be a contact of company name. */
static int
company_join(struct hctx *h, int64_t person, const char *name)
{
	char *folded = offer_fold(name);
	int64_t cid = 0;
	int rc = state_company_get_or_add(h->db, name, folded, &cid);
	free(folded);
	if (rc != DB_OK)
		return rc;
	struct company_contact cc = {0};
	rc = state_company_contact_add(h->db, cid, person);
	if (rc == DB_EXISTS) {
		if ((rc = state_company_contact_get(h->db, cid, person, &cc)) == DB_OK)
			hctx_reply(h, strcmp(cc.status, "approved") == 0 ? "company.already" : "company.still_pending",
				   "company", cc.company, NULL);
		company_contact_free(&cc);
		return rc;
	}
	if (rc != DB_OK || (rc = state_company_contact_get(h->db, cid, person, &cc)) != DB_OK)
		return rc;
	struct who w;
	if ((rc = who_load(h, person, &w)) != DB_OK) {
		company_contact_free(&cc);
		return rc;
	}
	char id[24], base[64];
	snprintf(id, sizeof id, "%lld", (long long)cid);
	snprintf(base, sizeof base, "company.%lld.%lld", (long long)cid, (long long)person);
	char *who = who_for_staff(h, &w);
	char *msgid = h_offer_staff_notice(h, base, "company.staff_notice", id, cc.company, who, "");
	if (msgid)
		rc = state_company_contact_set_msgid(h->db, cid, person, msgid);
	if (rc == DB_OK) {
		hctx_reply(h, "company.pending", "company", cc.company, NULL);
		hctx_reply_last_to_front(h);
		log_info("company %lld: contact person %lld asks to join", (long long)cid, (long long)person);
	}
	free(msgid);
	free(who);
	who_free(&w);
	company_contact_free(&cc);
	return rc;
}

int
h_join_company_run(struct hctx *h)
{
	char *name = company_name_arg(h);
	int rc;
	if (h->known && h->proven) {
		rc = company_join(h, h->person.id, name);
		free(name);
		return rc;
	}
	char tok[27];
	rc = hctx_sender_token(h, "company", name, 0, TOKEN_TTL_S, tok);
	if (rc == DB_OK) {
		char *version = h_consent_version(h, "company");
		char *consent = h_consent_text(h, version);
		hctx_reply(h, "company.confirm", "company", name, "token", tok, "address", h->ep_addr, "consent",
			   consent, "hours", "72", NULL);
		free(consent);
		free(version);
	}
	free(name);
	return rc;
}

int
h_company_confirm(struct hctx *h, const struct token *t)
{
	int64_t pid = 0;
	int rc = h_confirm_person(h, t, "company", &pid);
	if (rc != DB_OK || (rc = h_consent_given(h, pid, "company")) != DB_OK)
		return rc;
	log_info("confirmed %s:%s as a company contact", t->ep_kind, LOG_WHO(t->ep_addr));
	return company_join(h, pid, t->payload ? t->payload : "");
}

/* Tell person (about company or offer) key: subject key ".subject", the text key. */
int
h_offer_tell(struct hctx *h, int64_t person, const char *key, const char *company, const char *title, const char *id,
	     const char *detail)
{
	struct who w;
	int rc = who_load(h, person, &w);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_OK : rc;
	char *sk = xasprintf("%s.subject", key);
	char *subject =
		hctx_text_in(h, w.lang, sk, "company", company, "title", title, "id", id, "detail", detail, NULL);
	char *text = hctx_text_in(h, w.lang, key, "company", company, "title", title, "id", id, "detail", detail, NULL);
	mt_tell_id(h, &w, "company.mail", subject, text, text, NULL);
	free(text);
	free(subject);
	free(sk);
	who_free(&w);
	return DB_OK;
}

int
h_company_decide(struct hctx *h, int64_t company, int64_t person, int approve, const char *reason)
{
	const char *status = approve ? "approved" : "rejected";
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)company);
	char *name = NULL;
	int rc = state_company_get(h->db, company, &name, NULL);
	if (rc == DB_OK)
		rc = state_company_contact_decide(h->db, company, person, status, h->ep_addr);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "company.not_pending", "id", id, NULL);
		free(name);
		return DB_OK;
	}
	char *detail =
		xasprintf("person %lld%s%s", (long long)person, reason && *reason ? ": " : "", reason ? reason : "");
	if (rc == DB_OK)
		rc = h_audit(h, approve ? "company approve" : "company reject", id, person, detail);
	if (rc == DB_OK)
		rc = h_offer_tell(h, person, approve ? "company.approved" : "company.rejected", name, "", id,
				  reason ? reason : "");
	if (rc == DB_OK) {
		hctx_reply(h, approve ? "company.staff_approved" : "company.staff_rejected", "id", id, "company", name,
			   NULL);
		log_info("company %lld: contact person %lld %s by staff", (long long)company, (long long)person,
			 status);
	}
	free(detail);
	free(name);
	return rc;
}

int
h_offer_usage(struct hctx *h, const char *help_key)
{
	char *usage = hctx_text(h, help_key, NULL);
	hctx_reply(h, "usage", "command", hctx_cmd_word(h, h->cmd), "help", usage, NULL);
	free(usage);
	return 1;
}

int
h_offer_decision_arg(struct hctx *h, const char *help_key)
{
	const char *a = h->argc > 1 ? offer_action(h->argv[1]) : NULL;
	if (h->argc > 1 && (!a || (strcmp(a, "approve") != 0 && strcmp(a, "reject") != 0)))
		return h_offer_usage(h, help_key);
	return 0;
}

int
h_company_check(struct hctx *h)
{
	int64_t id;
	char *name = NULL;
	int rc = hctx_parse_id(h->argv[0], &id) == 0 ? state_company_get(h->db, id, &name, NULL) : DB_NOTFOUND;
	free(name);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "company.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	if (db_failed(rc))
		return rc;
	return h_offer_decision_arg(h, "cmd.company");
}

/* "company <id>": the company and its contacts. */
static int
company_show(struct hctx *h, int64_t id)
{
	char *name = NULL, *status = NULL;
	struct company_contact *cc = NULL;
	size_t n = 0;
	int rc = state_company_get(h->db, id, &name, &status);
	if (rc == DB_OK)
		rc = state_company_contacts(h->db, id, NULL, &cc, &n);
	struct buf b = {0};
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct who w;
		if (who_load(h, cc[i].person_id, &w) != DB_OK)
			continue;
		char *who = who_for_staff(h, &w);
		char *sk = xasprintf("company.status.%s", cc[i].status);
		char *st = hctx_text(h, sk, NULL);
		char *line = hctx_text(h, "company.contact_line", "who", who, "status", st, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(st);
		free(sk);
		free(who);
		who_free(&w);
	}
	char *lines = buf_detach(&b);
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	char *sk = xasprintf("company.status.%s", status ? status : "pending");
	char *st = hctx_text(h, sk, NULL);
	if (rc == DB_OK)
		hctx_reply(h, "company.show", "id", ids, "company", name, "status", st, "contacts", lines, NULL);
	free(st);
	free(sk);
	free(lines);
	free(name);
	free(status);
	company_contacts_free(cc, n);
	return rc;
}

int
h_company_run(struct hctx *h)
{
	int64_t id;
	hctx_parse_id(h->argv[0], &id);
	if (h->argc == 1)
		return company_show(h, id);
	int approve = strcmp(offer_action(h->argv[1]), "approve") == 0;
	const char *reason = offer_after_words(h->argline, 2);
	struct company_contact *cc = NULL;
	size_t n = 0;
	int rc = state_company_contacts(h->db, id, "pending", &cc, &n);
	if (rc == DB_OK && n == 0) {
		char ids[24];
		snprintf(ids, sizeof ids, "%lld", (long long)id);
		hctx_reply(h, "company.not_pending", "id", ids, NULL);
	}
	for (size_t i = 0; rc == DB_OK && i < n; i++)
		rc = h_company_decide(h, id, cc[i].person_id, approve, reason);
	company_contacts_free(cc, n);
	return rc;
}

/* "company.<cid>.<pid>.<k>" / "offer.<id>.<k>" keyed ids the bot issued (with or without <>):
 * what they name, when the whole id (its keyed tag too) is one the bot made. */
static int
notice_of_msgid(struct hctx *h, const char *msgid, int64_t *company, int64_t *person, int64_t *offer)
{
	const char *s = msgid ? msgid : "";
	while (*s == ' ' || *s == '<')
		s++;
	long long a = 0, b = 0;
	int k = 0, got = 0;
	char base[80];
	if (sscanf(s, "company.%lld.%lld.%d.", &a, &b, &k) == 3) {
		snprintf(base, sizeof base, "company.%lld.%lld.%d", a, b, k);
		got = 1;
	} else if (sscanf(s, "offer.%lld.%d.", &a, &k) == 2) {
		snprintf(base, sizeof base, "offer.%lld.%d", a, k);
		got = 2;
	}
	if (!got)
		return 0;
	char *want = hctx_msgid(h, base);
	size_t n = strcspn(s, "> \t");
	int same = strlen(want) == n && strncasecmp(s, want, n) == 0;
	free(want);
	if (!same)
		return 0;
	*company = got == 1 ? a : 0;
	*person = got == 1 ? b : 0;
	*offer = got == 2 ? a : 0;
	return got;
}

int
h_offer_notice_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text)
{
	const char *ids[33];
	size_t n = 0;
	char **refs = NULL;
	int nrefs = references ? words_split(references, &refs, 32) : 0;
	for (int i = nrefs - 1; i >= 0; i--)
		ids[n++] = refs[i];
	int64_t company = 0, person = 0, offer = 0;
	int found = 0;
	for (size_t i = 0; i <= n && !found; i++)
		found = notice_of_msgid(h, i == 0 ? in_reply_to : ids[i - 1], &company, &person, &offer);
	words_free(refs, nrefs);
	if (!found)
		return 1;
	const char *reason;
	int d = offer_decision(text, &reason);
	if (d < 0) {
		hctx_reply(h, "company.notice_unclear", NULL);
		return DB_OK;
	}
	char *r = str_one_line(reason, 500);
	int rc = offer ? h_offer_decide(h, offer, d, r) : h_company_decide(h, company, person, d, r);
	free(r);
	return rc;
}

const struct tmpl_key tmpl_keys_company[] = {
	{"cmd.join_company", ""},
	{"cmd.join_company.short", ""},
	{"cmd.company", ""},
	{"cmd.company.short", ""},
	{"company.name_missing", ""},
	{"company.confirm", "address,company,consent,hours,token"},
	{"company.pending", "company"},
	{"company.still_pending", "company"},
	{"company.already", "company"},
	{"company.staff_notice", "company,id,text,who"},
	{"company.staff_notice.subject", "company,id"},
	{"company.approved", "company"},
	{"company.approved.subject", "company"},
	{"company.rejected", "company,detail"},
	{"company.rejected.subject", "company"},
	{"company.mail", "text"},
	{"company.mail.subject", "subject"},
	{"company.staff_approved", "company,id"},
	{"company.staff_rejected", "company,id"},
	{"company.not_pending", "id"},
	{"company.unknown", "id"},
	{"company.notice_unclear", ""},
	{"company.show", "company,contacts,id,status"},
	{"company.contact_line", "status,who"},
	{"company.status.pending", ""},
	{"company.status.approved", ""},
	{"company.status.rejected", ""},
	{NULL, NULL},
};
