/*
 * h_mentoring_request.c - "request <n>": open a request to a suggested
 * mentor, the cascade to the next suggestion, and the scheduler's reminder
 * and expiry of open requests and offers.  See h_mentoring.c for the design.
 * Runs inside the dispatcher's or the scheduler's transaction.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/match.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/words.h"
#include "handlers/h_mentoring_int.h"
#include "handlers/handlers.h"
#include "state/mentoring_extra.h"

/* ---- requests ---- */

enum open_result { OPEN_CREATED = 0, OPEN_ALREADY, OPEN_FULL, OPEN_MATCHED };

/*
 * Open a request mentee → mentor in programme: the mentor gets it by mail
 * (moved to the front of the replies, so it carries h->reply_msgid) and in
 * each linked chat; a reminder at half the deadline and the expiry are
 * scheduled.  *rid: the new (or already open) request.  *deadline_out: its
 * deadline.  Returns an open_result or <0.
 */
static int
request_open(struct hctx *h, const struct who *mentee, int64_t mentor, const char *programme, int64_t *rid,
	     int64_t *deadline_out)
{
	int rc = state_match_active(h->db, mentee->p.id, programme);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? OPEN_MATCHED : rc;
	rc = state_request_open_between(h->db, mentee->p.id, mentor, rid);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? OPEN_ALREADY : rc;
	int cap = 1, load = 0;
	if ((rc = state_mentor_capacity(h->db, mentor, &cap, &load)) != DB_OK)
		return rc;
	if (load >= cap)
		return OPEN_FULL;
	struct programme prog;
	rc = state_programme_get(h->db, programme, &prog);
	if (db_failed(rc))
		return rc;
	int days = rc == DB_OK && prog.request_days > 0 ? prog.request_days : 3;
	char *pname = xstrdup(rc == DB_OK && prog.name ? prog.name : programme);
	programme_free(&prog);
	struct who m;
	if ((rc = who_load(h, mentor, &m)) != DB_OK)
		goto out;
	int64_t now = now_s(), deadline = now + (int64_t)days * 86400;
	int has_mail = 0;
	for (size_t i = 0; i < m.neps; i++)
		has_mail |= m.eps[i].verified && strcmp(m.eps[i].kind, "mail") == 0;
	if ((rc = state_request_add(h->db, programme, mentee->p.id, mentor, deadline, has_mail ? h->reply_msgid : NULL,
				    rid)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.remind", *rid, now + (deadline - now) / 2, NULL)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.expire", *rid, deadline, NULL)) != DB_OK)
		goto out;
	char id[24], date[32];
	snprintf(id, sizeof id, "%lld", (long long)*rid);
	mt_fmt_date(deadline, m.lang, date);
	char *name = who_name(h, mentee, m.lang), *details = mt_who_details(h, mentee, m.lang);
	const char *acc = hctx_cmd_word_in(m.lang, "accept"), *dec = hctx_cmd_word_in(m.lang, "decline");
	char *subject = hctx_text_in(h, m.lang, "mentoring.request.mentor.subject", "id", id, "programme", pname, NULL);
	char *body = hctx_text_in(h, m.lang, "mentoring.request.mentor", "id", id, "programme", pname, "mentee", name,
				  "details", details, "deadline", date, "accept", acc, "decline", dec, NULL);
	char *chat = hctx_text_in(h, m.lang, "mentoring.request.chat", "id", id, "programme", pname, "mentee", name,
				  "accept", acc, "decline", dec, NULL);
	if (mt_tell(h, &m, "mentoring.mail.request", subject, body, chat))
		hctx_reply_last_to_front(h);
	if (deadline_out)
		*deadline_out = deadline;
	log_info("mentoring: request %lld from person %lld to mentor %lld (%s)", (long long)*rid,
		 (long long)mentee->p.id, (long long)mentor, programme);
	free(chat);
	free(body);
	free(subject);
	free(details);
	free(name);
	rc = OPEN_CREATED;
out:
	who_free(&m);
	free(pname);
	return rc;
}

/*
 * The mentee's next suggestion in programme not yet asked: a new request.
 * *text gets what to tell the mentee about it, in their language.  <0 on error.
 */
int
mt_cascade(struct hctx *h, const struct who *mentee, const char *programme, char **text)
{
	struct suggestion *sv;
	size_t n;
	*text = NULL;
	int rc = state_suggestions(h->db, mentee->p.id, &sv, &n);
	if (rc != DB_OK)
		return rc;
	for (size_t i = 0; i < n && !*text && !db_failed(rc); i++) {
		if (strcmp(sv[i].programme, programme) != 0)
			continue;
		int asked = 0;
		if ((rc = state_request_asked(h->db, mentee->p.id, sv[i].mentor, programme, &asked)) != DB_OK || asked)
			continue;
		int64_t rid = 0, deadline = 0;
		rc = request_open(h, mentee, sv[i].mentor, programme, &rid, &deadline);
		if (rc == OPEN_CREATED) {
			struct who m;
			if ((rc = who_load(h, sv[i].mentor, &m)) == DB_OK) {
				char id[24], date[32];
				snprintf(id, sizeof id, "%lld", (long long)rid);
				mt_fmt_date(deadline, mentee->lang, date);
				char *name = who_name(h, &m, mentee->lang);
				*text = hctx_text_in(h, mentee->lang, "mentoring.cascade.next", "mentor", name, "id",
						     id, "deadline", date, NULL);
				free(name);
			}
			who_free(&m);
		} else if (rc == OPEN_MATCHED) {
			*text = xstrdup("");
		}
	}
	suggestions_free(sv, n);
	if (db_failed(rc)) {
		free(*text);
		*text = NULL;
		return rc;
	}
	if (!*text)
		*text = hctx_text_in(h, mentee->lang, "mentoring.cascade.none", "find",
				     hctx_cmd_word_in(mentee->lang, "find mentor"), NULL);
	return DB_OK;
}

int
h_request_check(struct hctx *h)
{
	int64_t n;
	if (hctx_parse_id(h->argv[0], &n) < 0 || n > FIND_STORED) {
		hctx_reply(h, "mentoring.request.bad_number", "n", h->argv[0], "find",
			   hctx_cmd_word_in(h->lang, "find mentor"), NULL);
		return 1;
	}
	return 0;
}

int
h_request_run(struct hctx *h)
{
	int64_t n = 0;
	hctx_parse_id(h->argv[0], &n);
	struct suggestion *sv;
	size_t ns;
	int rc = state_suggestions(h->db, h->person.id, &sv, &ns);
	if (rc != DB_OK)
		return rc;
	const struct suggestion *s = NULL;
	for (size_t i = 0; i < ns; i++)
		if (sv[i].n == n)
			s = &sv[i];
	struct who me = {0}, m = {0};
	if (!s) {
		hctx_reply(h, "mentoring.request.bad_number", "n", h->argv[0], "find",
			   hctx_cmd_word_in(h->lang, "find mentor"), NULL);
		goto out;
	}
	if ((rc = who_load(h, h->person.id, &me)) != DB_OK || (rc = who_load(h, s->mentor, &m)) != DB_OK)
		goto out;
	char *mname = who_name(h, &m, h->lang);
	int64_t rid = 0, deadline = 0;
	char id[24], date[32];
	rc = request_open(h, &me, s->mentor, s->programme, &rid, &deadline);
	snprintf(id, sizeof id, "%lld", (long long)rid);
	if (rc == OPEN_CREATED) {
		mt_fmt_date(deadline, h->lang, date);
		hctx_reply(h, "mentoring.request.sent", "id", id, "mentor", mname, "deadline", date, NULL);
	} else if (rc == OPEN_ALREADY) {
		hctx_reply(h, "mentoring.request.already_open", "id", id, "mentor", mname, NULL);
	} else if (rc == OPEN_FULL) {
		hctx_reply(h, "mentoring.request.mentor_full", "mentor", mname, NULL);
	} else if (rc == OPEN_MATCHED) {
		char *pname = NULL;
		state_programme_exists(h->db, s->programme, &pname);
		hctx_reply(h, "mentoring.already_matched", "programme", pname ? pname : s->programme, NULL);
		free(pname);
	}
	free(mname);
out:
	who_free(&me);
	who_free(&m);
	suggestions_free(sv, ns);
	return db_failed(rc) ? rc : 0;
}

/* ---- scheduler jobs ---- */

/* The request a reminder (expire 0) or expiry (expire 1) job is about: 0 with *r loaded when it
 * is an open request (the caller frees *r); 1 when the job ends here, *r freed: skipped as not
 * open, or an offer, whose own step (mt_offer_remind/mt_offer_expire) ran; or a negative error. */
static int
job_open_request(struct hctx *h, int64_t request, int expire, struct mrequest *r, const char **result)
{
	int rc = state_request_get(h->db, request, r);
	if (rc != DB_OK || strcmp(r->status, "open") != 0) {
		*result = "skipped: request not open";
		mrequest_free(r);
		return db_failed(rc) ? rc : 1;
	}
	int is_offer = 0, eok = 0, mok = 0;
	if ((rc = state_request_offer_get(h->db, r->id, &is_offer, &eok, &mok)) != DB_OK || is_offer) {
		if (rc == DB_OK)
			rc = expire ? mt_offer_expire(h, r, result) : mt_offer_remind(h, r, eok, mok, result);
		mrequest_free(r);
		return db_failed(rc) ? rc : 1;
	}
	return 0;
}

/* Tell the mentor of r, by mail and chat in their language: the text of key (placeholders id,
 * mentee, deadline, accept, decline) under the subject of subject_key, in the envelope
 * "mentoring.mail.<kind>". */
static void
tell_mentor(struct hctx *h, const struct mrequest *r, const struct who *mentee, const struct who *mentor,
	    const char *key, const char *subject_key, const char *envelope)
{
	char id[24], date[32];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	mt_fmt_date(r->deadline, mentor->lang, date);
	char *n = who_name(h, mentee, mentor->lang);
	char *t = hctx_text_in(h, mentor->lang, key, "id", id, "mentee", n, "deadline", date, "accept",
			       hctx_cmd_word_in(mentor->lang, "accept"), "decline",
			       hctx_cmd_word_in(mentor->lang, "decline"), NULL);
	char *s = hctx_text_in(h, mentor->lang, subject_key, "id", id, NULL);
	mt_tell(h, mentor, envelope, s, t, t);
	free(s);
	free(t);
	free(n);
}

/* The reminder (expire 0) or expiry (expire 1) job of a request still open: the mentor is
 * reminded; or the request closes as expired, the mentee is told (and offered the next
 * suggestion) and then the mentor. */
static int
request_job(struct hctx *h, int64_t request, int expire, const char **result)
{
	struct mrequest r;
	int rc = job_open_request(h, request, expire, &r, result);
	if (rc != 0)
		return db_failed(rc) ? rc : 0;
	struct who mentee = {0}, mentor = {0};
	if (expire && ((rc = state_request_close(h->db, r.id, "expired", NULL)) != DB_OK ||
		       (rc = state_job_cancel(h->db, "request.remind", r.id)) != DB_OK))
		goto out;
	if ((rc = who_load(h, r.mentee, &mentee)) != DB_OK || (rc = who_load(h, r.mentor, &mentor)) != DB_OK)
		goto out;
	if (!expire) {
		tell_mentor(h, &r, &mentee, &mentor, "mentoring.reminder", "mentoring.reminder.subject",
			    "mentoring.mail.reminder");
	} else {
		/* the mentee first: the cascade's new request mail must be the first reply */
		if ((rc = mt_tell_mentee_closed(h, &mentee, &mentor, &r, "mentoring.expired.mentee", NULL)) != DB_OK)
			goto out;
		tell_mentor(h, &r, &mentee, &mentor, "mentoring.expired.mentor", "mentoring.expired.mentor.subject",
			    "mentoring.mail.notice");
		log_info("mentoring: request %lld expired", (long long)r.id);
	}
	*result = "ran";
out:
	who_free(&mentee);
	who_free(&mentor);
	mrequest_free(&r);
	return db_failed(rc) ? rc : 0;
}

int
h_request_remind_job(struct hctx *h, int64_t request, const char **result)
{
	return request_job(h, request, 0, result);
}

int
h_request_expire_job(struct hctx *h, int64_t request, const char **result)
{
	return request_job(h, request, 1, result);
}
