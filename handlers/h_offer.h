/*
 * h_offer.h - companies and their offers (issue 13, point 4): "join company",
 * the staff decision on a company contact and on an offer (by replying to the
 * notice or in chat), the "offer:" form, "offers", "interested", and the jobs
 * that warn of and carry out an offer's expiry.  h_company.c, h_offer.c,
 * h_offer_staff.c; the pure readers in h_offer_form.c.
 */
#ifndef MB_H_OFFER_H
#define MB_H_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include "bot/templates.h"

struct hctx;
struct token;

/* ---- the form (h_offer_form.c, pure) ---- */

enum offer_field {
	OF_KIND,
	OF_TITLE,
	OF_DESC,
	OF_LOCATION,
	OF_REMOTE,
	OF_START,
	OF_DEADLINE,
	OF_LINK,
	OF_CONTACT,
	OF_N,
};
enum offer_problem { OP_NONE = 0, OP_MISSING, OP_INVALID };

struct offer_form {
	char *v[OF_N];      /* the values as written (one line, trimmed), NULL when not given */
	int problem[OF_N];  /* enum offer_problem, after offer_form_check */
	const char *kind;   /* normalised: internship, job, thesis, working_student, project */
	const char *remote; /* normalised: yes, no, hybrid; NULL when not given */
	int64_t deadline;   /* epoch seconds (the end of the day named), 0 when not given */
	int n;              /* form lines read */
};

/* Read the "Field: value" lines of text (German or English names; unknown lines ignored, a
 * later line wins).  Free with offer_form_free. */
void offer_form_read(struct offer_form *f, const char *text);
/* Validate everything at once against now: the number of fields with a problem (missing
 * required: kind, title, description, location; invalid: kind, remote, deadline, link). */
int offer_form_check(struct offer_form *f, int64_t now);
void offer_form_free(struct offer_form *f);
/* The field's name in lang ("de"/"en"). */
const char *offer_field_name(int field, const char *lang);
/* A date as people write it ("31.12.2026", "2026-12-31", "morgen") as the end of that day
 * (23:59 Europe/Berlin) after now: 0, or -1 when it is none or past. */
int offer_parse_date(const char *s, int64_t now, int64_t *out);
/* The word at the start of a staff answer: 1 approve (ok, ja, freigeben ...), 0 reject (nein,
 * ablehnen ...), -1 neither.  *rest: the text after it (the reason), blanks skipped. */
int offer_decision(const char *text, const char **rest);
/* The action word of "offer <id> <word>": "approve", "reject", "renew", "close", or NULL. */
const char *offer_action(const char *word);
/* 1 when every word of the folded query occurs in the folded text (case, umlauts and their
 * written-out forms ignored: "München", "muenchen" and "Munchen" are one). */
int offer_text_matches(const char *text, const char *query);
/* line past its first k blank-separated words (and the blanks after them). */
const char *offer_after_words(const char *line, int k);
/* The folded form offer_text_matches compares (lower case, ä -> ae ...).  Caller frees. */
char *offer_fold(const char *s);

/* ---- companies (h_company.c) ---- */
int h_join_company_check(struct hctx *h);
int h_join_company_run(struct hctx *h);
/* The "company" token of a stranger's "join company", confirmed. */
int h_company_confirm(struct hctx *h, const struct token *t);
int h_company_check(struct hctx *h);
int h_company_run(struct hctx *h);
/* A staff reply to a notice of a company contact or an offer; 1 when the mail is none. */
int h_offer_notice_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text);
extern const struct tmpl_key tmpl_keys_company[];

/* ---- offers (h_offer.c, h_offer_staff.c) ---- */
int h_offer_check(struct hctx *h);
int h_offer_run(struct hctx *h);
int h_offer_staff_check(struct hctx *h);
int h_offer_staff_run(struct hctx *h);
struct offer;
/* An approved offer goes to the social channels of [social] offers (once per channel). */
int h_offer_social(struct hctx *h, const struct offer *o);
/* The offer closed early: its social posts are deleted. */
int h_offer_social_delete(struct hctx *h, int64_t id);
/* Close an approved offer early (by its company or staff): its jobs and social posts end. */
int h_offer_close(struct hctx *h, const struct offer *o);
/* The link of an item's social post: own, else anchor on the public page ([site] url), or
 * NULL.  Caller frees. */
char *h_social_page_link(struct hctx *h, const char *own, const char *lang, const char *anchor);
int h_offers_run(struct hctx *h);
int h_interested_check(struct hctx *h);
int h_interested_run(struct hctx *h);
/* Staff decide offer id (approve 1 / reject 0, reason may be NULL); answers the sender. */
int h_offer_decide(struct hctx *h, int64_t id, int approve, const char *reason);
/* Staff decide the contact (company, person); answers the sender. */
int h_company_decide(struct hctx *h, int64_t company, int64_t person, int approve, const char *reason);
/* Jobs: the notice before the expiry, and the expiry. */
int h_offer_notice_job(struct hctx *h, int64_t offer, const char **result);
int h_offer_expire_job(struct hctx *h, int64_t offer, const char **result);
extern const struct tmpl_key tmpl_keys_offers[];

#endif

/* ---- shared between the files (h_company.c, h_offer.c) ---- */
/* Tell every [bot] staff entry key (vars id, company, who, text); each mail gets a keyed
 * Message-ID "<base>.<k>…": the first one's is returned (caller frees; NULL: no staff mail). */
char *h_offer_staff_notice(struct hctx *h, const char *base, const char *key, const char *id, const char *company,
			   const char *who, const char *text);
/* Tell person key (and key ".subject" for the mail) with vars company, title, id and
 * detail (a reason, a date): by mail and in every chat, in the person's language. */
int h_offer_tell(struct hctx *h, int64_t person, const char *key, const char *company, const char *title,
		 const char *id, const char *detail);
/* The "usage" answer with the long help help_key: 1 (answered). */
int h_offer_usage(struct hctx *h, const char *help_key);
/* A staff command's argv[1], when given, must be approve or reject: 0, or 1 after the usage. */
int h_offer_decision_arg(struct hctx *h, const char *help_key);
struct offer;
/* The offer as a text in lang (kind, title, company, fields).  Caller frees. */
char *h_offer_summary(struct hctx *h, const struct offer *o, const char *lang);
/* When o expires: its deadline, else created + [offers] days. */
int64_t h_offer_expiry(const struct hctx *h, const struct offer *o);
/* (Re)arm the notice and expiry jobs of approved offer o. */
int h_offer_schedule(struct hctx *h, const struct offer *o);
