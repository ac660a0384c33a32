/*
 * h_offer.c - offers on the company side and for members: "offer:" with
 * "Field: value" lines (an approved company contact only; validated all at
 * once; then to staff), "offer <id> renew|close", "offers [words]",
 * "interested <id>", and the jobs before and at an offer's expiry.  The staff
 * side is in h_offer_staff.c.  Runs inside the caller's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/util.h"
#include "handlers/h_event_int.h"
#include "handlers/h_network.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/offers.h"

#define DAY_S 86400

/* A date in lang, "" for 0. */
static void
date_text(int64_t t, const char *lang, char out[32])
{
	char tm[16];
	if (!t) {
		out[0] = '\0';
		return;
	}
	ev_date_time(t, lang, out, tm);
}

int64_t
h_offer_expiry(const struct hctx *h, const struct offer *o)
{
	return o->deadline ? o->deadline : o->created + (int64_t)h->cfg->offers.days * DAY_S;
}

int
h_offer_schedule(struct hctx *h, const struct offer *o)
{
	int64_t end = h_offer_expiry(h, o), notice = end - (int64_t)h->cfg->offers.notice_days * DAY_S;
	int rc = state_job_put(h->db, "offer.expire", o->id, end, NULL);
	if (rc == DB_OK && notice > now_s())
		rc = state_job_put(h->db, "offer.notice", o->id, notice, NULL);
	else if (rc == DB_OK)
		rc = state_job_cancel(h->db, "offer.notice", o->id);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

char *
h_offer_summary(struct hctx *h, const struct offer *o, const char *lang)
{
	char deadline[32], id[24];
	date_text(o->deadline, lang, deadline);
	snprintf(id, sizeof id, "%lld", (long long)o->id);
	char *kk = xasprintf("offers.kind.%s", o->kind);
	char *kind = hctx_text_in(h, lang, kk, NULL);
	char *rk = o->remote ? xasprintf("offers.remote.%s", o->remote) : NULL;
	char *remote = rk ? hctx_text_in(h, lang, rk, NULL) : NULL;
	struct buf b = {0};
	char *head = hctx_text_in(h, lang, "offers.summary", "id", id, "kind", kind, "title", o->title, "company",
				  o->company ? o->company : "", NULL);
	buf_adds(&b, head);
	const struct {
		int field;
		const char *value;
	} lines[] = {{OF_DESC, o->description}, {OF_LOCATION, o->location}, {OF_REMOTE, remote},
		     {OF_START, o->start},      {OF_DEADLINE, deadline},    {OF_LINK, o->link},
		     {OF_CONTACT, o->contact}};
	for (size_t i = 0; i < ARRAY_LEN(lines); i++) {
		if (!lines[i].value || !*lines[i].value)
			continue;
		char *l = hctx_text_in(h, lang, "offers.line", "field", offer_field_name(lines[i].field, lang), "value",
				       lines[i].value, NULL);
		buf_addf(&b, "\n%s", l);
		free(l);
	}
	free(head);
	free(remote);
	free(rk);
	free(kind);
	free(kk);
	return buf_detach(&b);
}

/* The offer id of argv[0] that the sender posted (any status): DB_OK, or 1 after answering. */
static int
own_offer(struct hctx *h, struct offer *o)
{
	int64_t id;
	int rc = hctx_parse_id(h->argv[0], &id) == 0 ? state_company_offer_get(h->db, id, o) : DB_NOTFOUND;
	if (rc == DB_OK && o->person_id != h->person.id)
		rc = DB_NOTFOUND;
	if (rc == DB_NOTFOUND)
		hctx_reply(h, "offers.unknown", "id", h->argv[0], NULL);
	return db_failed(rc) ? rc : rc == DB_OK ? DB_OK : 1;
}

/* The problems of form f, one line each, in the request's language.  Caller frees. */
static char *
form_problems(struct hctx *h, const struct offer_form *f)
{
	struct buf b = {0};
	for (int i = 0; i < OF_N; i++) {
		if (f->problem[i] == OP_NONE)
			continue;
		char *key = f->problem[i] == OP_MISSING ? xstrdup("offers.missing")
							: xasprintf("offers.invalid.%s", offer_field_name(i, "en"));
		for (char *p = key; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		char *l =
			hctx_text(h, key, "field", offer_field_name(i, h->lang), "value", f->v[i] ? f->v[i] : "", NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", l);
		free(l);
		free(key);
	}
	return buf_detach(&b);
}

/* "offer:" with the form: 0 to go on, 1 after answering (no company, or problems). */
static int
form_check(struct hctx *h)
{
	struct company_contact cc = {0};
	int rc = state_company_contact_of(h->db, h->person.id, &cc);
	company_contact_free(&cc);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "offers.not_company", NULL);
		return 1;
	}
	if (db_failed(rc))
		return rc;
	struct offer_form f = {0};
	offer_form_read(&f, h->body);
	int n = offer_form_check(&f, now_s());
	if (n) {
		char *probs = form_problems(h, &f);
		char *kinds = hctx_text(h, "offers.kinds", NULL);
		hctx_reply(h, f.n ? "offers.form_problems" : "offers.form_empty", "problems", probs, "kinds", kinds,
			   NULL);
		free(kinds);
		free(probs);
	}
	offer_form_free(&f);
	return n ? 1 : 0;
}

int
h_offer_check(struct hctx *h)
{
	if (h->argc == 0)
		return form_check(h);
	struct offer o = {0};
	int rc = own_offer(h, &o);
	const char *a = h->argc > 1 ? offer_action(h->argv[1]) : NULL;
	int64_t date;
	if (rc == DB_OK && (!a || (strcmp(a, "renew") != 0 && strcmp(a, "close") != 0))) {
		rc = h_offer_usage(h, "cmd.offer");
	} else if (rc == DB_OK && strcmp(o.status, "approved") != 0) {
		char *sk = xasprintf("offers.status.%s", o.status);
		char *st = hctx_text(h, sk, NULL);
		hctx_reply(h, "offers.not_open", "id", h->argv[0], "status", st, NULL);
		free(st);
		free(sk);
		rc = 1;
	} else if (rc == DB_OK && strcmp(a, "renew") == 0 && h->argc > 2 &&
		   offer_parse_date(h->argv[2], now_s(), &date) != 0) {
		hctx_reply(h, "offers.bad_date", "value", h->argv[2], NULL);
		rc = 1;
	}
	offer_free(&o);
	return rc;
}

/* A new offer from the form in the body: pending, staff told. */
static int
offer_post(struct hctx *h)
{
	struct company_contact cc = {0};
	struct offer_form f = {0};
	int rc = state_company_contact_of(h->db, h->person.id, &cc);
	offer_form_read(&f, h->body);
	offer_form_check(&f, now_s());
	struct offer o = {0};
	o.company_id = cc.company_id;
	o.person_id = h->person.id;
	o.company = cc.company;
	o.kind = (char *)f.kind;
	o.title = f.v[OF_TITLE];
	o.description = f.v[OF_DESC];
	o.location = f.v[OF_LOCATION];
	o.remote = (char *)f.remote;
	o.start = f.v[OF_START];
	o.deadline = f.deadline;
	o.link = f.v[OF_LINK];
	o.contact = f.v[OF_CONTACT];
	o.lang = (char *)h->lang;
	o.created = now_s();
	if (rc == DB_OK)
		rc = state_company_offer_add(h->db, &o, &o.id);
	if (rc == DB_OK) {
		char id[24], base[48];
		snprintf(id, sizeof id, "%lld", (long long)o.id);
		snprintf(base, sizeof base, "offer.%lld", (long long)o.id);
		char *text = h_offer_summary(h, &o, hctx_default_lang(h));
		char *msgid = h_offer_staff_notice(h, base, "offers.staff_notice", id, cc.company, h->ep_addr, text);
		if (msgid)
			rc = state_company_offer_set_msgid(h->db, o.id, msgid);
		hctx_reply(h, "offers.received", "id", id, "title", o.title, NULL);
		hctx_reply_last_to_front(h);
		log_info("offer %lld: posted by person %lld, waits for staff", (long long)o.id,
			 (long long)h->person.id);
		free(msgid);
		free(text);
	}
	offer_form_free(&f);
	company_contact_free(&cc);
	return rc;
}

int
h_offer_run(struct hctx *h)
{
	if (h->argc == 0)
		return offer_post(h);
	struct offer o = {0};
	int rc = own_offer(h, &o);
	if (rc != DB_OK)
		return db_failed(rc) ? rc : DB_OK;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)o.id);
	if (strcmp(offer_action(h->argv[1]), "close") == 0) {
		rc = h_offer_close(h, &o);
		if (rc == DB_OK)
			hctx_reply(h, "offers.closed", "id", id, "title", o.title, NULL);
	} else {
		int64_t end = h_offer_expiry(h, &o);
		if (end < now_s())
			end = now_s();
		int64_t date = end + (int64_t)h->cfg->offers.days * DAY_S;
		if (h->argc > 2)
			offer_parse_date(h->argv[2], now_s(), &date);
		o.deadline = date;
		char ds[32];
		date_text(date, h->lang, ds);
		rc = state_company_offer_set_deadline(h->db, o.id, date);
		if (rc == DB_OK)
			rc = h_offer_schedule(h, &o);
		if (rc == DB_OK)
			hctx_reply(h, "offers.renewed", "id", id, "title", o.title, "deadline", ds, NULL);
	}
	offer_free(&o);
	return rc;
}

int
h_offers_run(struct hctx *h)
{
	struct offer *v = NULL;
	size_t n = 0;
	int rc = state_company_offers_open(h->db, now_s(), &v, &n);
	struct buf b = {0};
	const char *query = h->argline ? h->argline : "";
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		const struct offer *o = &v[i];
		char *hay = xasprintf("%s %s %s %s %s", o->kind, o->title, o->description ? o->description : "",
				      o->location ? o->location : "", o->company ? o->company : "");
		/* the kind in both languages: "praktikum" finds an internship for everyone */
		char *kk = xasprintf("offers.kind.%s", o->kind);
		char *kde = hctx_text_in(h, "de", kk, NULL), *ken = hctx_text_in(h, "en", kk, NULL);
		char *hay2 = xasprintf("%s %s %s", hay, kde, ken);
		if (offer_text_matches(hay2, query)) {
			char *s = h_offer_summary(h, o, h->lang);
			buf_addf(&b, "%s%s", b.len ? "\n\n" : "", s);
			free(s);
		}
		free(hay2);
		free(kde);
		free(ken);
		free(kk);
		free(hay);
	}
	char *list = buf_detach(&b);
	if (rc == DB_OK)
		hctx_reply(h, *list ? "offers.list" : (*query ? "offers.none_match" : "offers.none"), "offers", list,
			   "words", query, NULL);
	free(list);
	offers_free(v, n);
	return rc;
}

/* The approved, open offer of argv[0]: DB_OK, or 1 after answering. */
static int
open_offer(struct hctx *h, struct offer *o)
{
	int64_t id;
	int rc = hctx_parse_id(h->argv[0], &id) == 0 ? state_company_offer_get(h->db, id, o) : DB_NOTFOUND;
	if (rc == DB_OK &&
	    (strcmp(o->status, "approved") != 0 || (o->deadline && o->deadline <= now_s()) || !o->person_id))
		rc = DB_NOTFOUND;
	if (rc == DB_NOTFOUND)
		hctx_reply(h, "offers.unknown", "id", h->argv[0], NULL);
	return db_failed(rc) ? rc : rc == DB_OK ? DB_OK : 1;
}

int
h_interested_check(struct hctx *h)
{
	struct offer o = {0};
	int rc = open_offer(h, &o);
	if (rc == DB_OK && o.person_id == h->person.id) {
		hctx_reply(h, "offers.own", "id", h->argv[0], NULL);
		rc = 1;
	}
	offer_free(&o);
	if (rc == DB_OK)
		rc = h_contact_limit_check(h, h->person.id);
	return rc;
}

int
h_interested_run(struct hctx *h)
{
	struct offer o = {0};
	int rc = open_offer(h, &o);
	if (rc != DB_OK)
		return db_failed(rc) ? rc : DB_OK;
	/* the message: the line after the id as written */
	const char *msg = offer_after_words(h->argline, 1);
	int64_t req = 0;
	rc = h_contact_open(h, h->person.id, o.person_id, o.id, msg, &req);
	char id[24], days[16];
	snprintf(id, sizeof id, "%lld", (long long)o.id);
	snprintf(days, sizeof days, "%d", h->cfg->network.contact_days);
	if (rc == 1 || rc == DB_OK)
		hctx_reply(h, rc == 1 ? "offers.interest_already" : "offers.interest_sent", "id", id, "title", o.title,
			   "company", o.company ? o.company : "", "days", days, NULL);
	rc = rc == 1 ? DB_OK : rc;
	offer_free(&o);
	return rc;
}

/* The expiry is near: the company contact may renew or close. */
int
h_offer_notice_job(struct hctx *h, int64_t offer, const char **result)
{
	struct offer o = {0};
	int rc = state_company_offer_get(h->db, offer, &o);
	*result = "skipped: not open";
	if (rc == DB_OK && strcmp(o.status, "approved") == 0 && o.person_id) {
		char id[24], ds[32];
		snprintf(id, sizeof id, "%lld", (long long)o.id);
		date_text(h_offer_expiry(h, &o), o.lang ? o.lang : h->lang, ds);
		rc = h_offer_tell(h, o.person_id, "offers.expiry_notice", o.company, o.title, id, ds);
		*result = "ran";
	}
	offer_free(&o);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

int
h_offer_expire_job(struct hctx *h, int64_t offer, const char **result)
{
	struct offer o = {0};
	int rc = state_company_offer_get(h->db, offer, &o);
	*result = "skipped: not open";
	if (rc == DB_OK && strcmp(o.status, "approved") == 0 && h_offer_expiry(h, &o) <= now_s() + 60) {
		rc = state_company_offer_end(h->db, o.id, "expired");
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)o.id);
		if (rc == DB_OK && o.person_id)
			rc = h_offer_tell(h, o.person_id, "offers.expired", o.company, o.title, id, "");
		log_info("offer %lld expired", (long long)o.id);
		*result = "ran";
	}
	offer_free(&o);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

const struct tmpl_key tmpl_keys_offers[] = {
	{"cmd.offer", ""},
	{"cmd.offer.short", ""},
	{"cmd.offer_review", ""},
	{"cmd.offer_review.short", ""},
	{"cmd.offers", ""},
	{"cmd.offers.short", ""},
	{"cmd.interested", ""},
	{"cmd.interested.short", ""},
	{"offers.kind.internship", ""},
	{"offers.kind.job", ""},
	{"offers.kind.thesis", ""},
	{"offers.kind.working_student", ""},
	{"offers.kind.project", ""},
	{"offers.remote.yes", ""},
	{"offers.remote.no", ""},
	{"offers.remote.hybrid", ""},
	{"offers.summary", "company,id,kind,title"},
	{"offers.line", "field,value"},
	{"offers.kinds", ""},
	{"offers.missing", "field"},
	{"offers.invalid.kind", "field,value"},
	{"offers.invalid.title", "field"},
	{"offers.invalid.remote", "field,value"},
	{"offers.invalid.deadline", "field,value"},
	{"offers.invalid.link", "field,value"},
	{"offers.form_problems", "kinds,problems"},
	{"offers.form_empty", "kinds,problems"},
	{"offers.not_company", ""},
	{"offers.received", "id,title"},
	{"offers.staff_notice", "company,id,text,who"},
	{"offers.staff_notice.subject", "company,id"},
	{"offers.unknown", "id"},
	{"offers.not_open", "id,status"},
	{"offers.status.pending", ""},
	{"offers.status.approved", ""},
	{"offers.status.rejected", ""},
	{"offers.status.expired", ""},
	{"offers.status.closed", ""},
	{"offers.bad_date", "value"},
	{"offers.closed", "id,title"},
	{"offers.renewed", "deadline,id,title"},
	{"offers.list", "offers"},
	{"offers.none_match", "words"},
	{"offers.none", ""},
	{"offers.own", "id"},
	{"offers.expiry_notice", "company,detail,id,title"},
	{"offers.expiry_notice.subject", "detail,id"},
	{"offers.expired", "company,id,title"},
	{"offers.expired.subject", "id"},
	{"offers.approved", "id,title"},
	{"offers.approved.subject", "id"},
	{"offers.rejected", "detail,id,title"},
	{"offers.rejected.subject", "id"},
	{"offers.not_pending", "id"},
	{"offers.staff_approved", "group,id,queued,title"},
	{"offers.staff_rejected", "id,title"},
	{"offers.show", "offer,reason,social,status"},
	{"offers.interest_sent", "company,days,id,title"},
	{"offers.interest_already", "company,id,title"},
	{NULL, NULL},
};
