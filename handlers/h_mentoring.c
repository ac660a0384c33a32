/*
 * h_mentoring.c - find a mentor, request one, and the mentor's answer:
 * "find mentor [words]", "request <n>", "accept <id>", "decline <id> [reason]",
 * a plain "ja/yes/nein/no" reply to the request mail, and the scheduler's
 * reminder and expiry of open requests (with the cascade to the mentee's
 * next suggestion).
 *
 * Like every handler these are pure functions over the state API: they run
 * inside the transaction the dispatcher (or the scheduler) opened and only
 * queue replies.  Text for a person other than the sender is rendered here
 * in that person's language and handed to a "mentoring.mail.*" or
 * "mentoring.chat" envelope template, so a German mentor reads German even
 * when an English mentee asked.
 *
 * Message-IDs: a request's mail is always moved to the front of the queued
 * replies, so it carries h->reply_msgid (the id the first reply gets); that
 * id is stored in request.mail_msgid and a plain reply to that mail answers
 * the request.  One run creates at most one request.
 *
 * Whole-cohort matching for staff: "match <programme>" shows the optimal
 * assignment (bot/match_cohort.c) of the programme's free mentees to its mentors'
 * free places; "match <programme> publish" (also from the CLI) recomputes it
 * in the transaction and sends each pair as an offer: a request row with
 * origin 'match' that both sides accept (mentee_ok, mentor_ok).  The pair
 * becomes a match when the second side accepts (capacity checked then, as for
 * a request); either side declining closes it and tells the other; reminder
 * and expiry run as for requests, but an expired offer does not cascade.
 * Offer mails carry stable Message-IDs "mb.offer<id>.<created>.<role>@domain"
 * (reply variable message_id), so a plain "yes"/"no" reply from either side
 * answers.  A pair that one side refused (declined or let expire) is not
 * suggested again; mentees with an open request or offer are left out.
 *
 * Files: this one holds the helpers and how the handler sees and tells
 * people; h_mentoring_find.c "find mentor", h_mentoring_request.c "request"
 * and the jobs, h_mentoring_answer.c "accept"/"decline" and replies,
 * h_mentoring_offer.c the offers, h_mentoring_cohort.c "match" (shared
 * declarations in h_mentoring_int.h).
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

/* ---- small helpers ---- */

void
mt_fmt_date(int64_t t, const char *lang, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, strcmp(lang, "de") == 0 ? "%d.%m.%Y %H:%M UTC" : "%Y-%m-%d %H:%M UTC", &tm);
}

/* Split a profile value into trimmed items at any of seps.  Items point into *copy (caller frees). */
size_t
mt_split_items(const char *value, const char *seps, char **copy, const char **items, size_t max)
{
	size_t n = 0;
	*copy = xstrdup(value ? value : "");
	char *save = NULL;
	for (char *t = strtok_r(*copy, seps, &save); t && n < max; t = strtok_r(NULL, seps, &save)) {
		t = str_trim(t);
		if (*t)
			items[n++] = t;
	}
	return n;
}

/* "topics=3,language=2,field=1,availability=1[,query=3][,language_required=0]" */
void
mt_parse_weights(const char *s, struct match_weights *w)
{
	static const struct match_weights def = MATCH_WEIGHTS_DEFAULT;
	*w = def;
	char *copy;
	const char *items[16];
	size_t n = mt_split_items(s, ",; ", &copy, items, 16);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		int v;
		if (sscanf(items[i], "%31[a-z_]=%d", name, &v) != 2 || v < 0 || v > 1000)
			continue;
		if (!strcmp(name, "topics"))
			w->topics = v;
		else if (!strcmp(name, "language") || !strcmp(name, "languages"))
			w->language = v;
		else if (!strcmp(name, "field"))
			w->field = v;
		else if (!strcmp(name, "availability"))
			w->availability = v;
		else if (!strcmp(name, "query"))
			w->query = v;
		else if (!strcmp(name, "language_required"))
			w->language_required = v != 0;
	}
	free(copy);
}

/* ---- people as the handler sees them ---- */

int
mt_who_visible(const struct who *w, const char *field)
{
	return who_value(w, field, 1) != NULL;
}

/* Profile fields shown to others, in this order; only visible ones are ever shown. */
static const char *const shown_fields[] = {"field", "topics", "languages", "availability", "company", "city", "goals"};

/* The visible profile fields of w as lines in lang ("" if none).  Caller frees. */
char *
mt_who_details(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(shown_fields); i++) {
		const char *v = who_value(w, shown_fields[i], 1);
		if (!v)
			continue;
		char *lkey = xasprintf("mentoring.label.%s", shown_fields[i]);
		char *label = hctx_text_in(h, lang, lkey, NULL);
		char *line = hctx_text_in(h, lang, "mentoring.detail", "field", label, "value", v, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(label);
		free(lkey);
	}
	return buf_detach(&b);
}

/* The verified addresses of w, one a line.  Caller frees. */
char *
mt_who_contact(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < w->neps; i++) {
		if (!w->eps[i].verified)
			continue;
		char *line = hctx_text_in(h, lang, "mentoring.contact", "kind", w->eps[i].kind, "address",
					  w->eps[i].addr, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
	}
	return buf_detach(&b);
}

/*
 * Tell w by mail (first verified mail address) and in every linked chat,
 * except on the endpoint the request came from (that one gets the direct
 * answer).  envelope: "mentoring.mail.<kind>".  msgid: the mail's own
 * Message-ID, or NULL for the caller's.  Returns 1 when a mail was queued
 * (it is the last reply then), else 0.
 */
int
mt_tell_id(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	   const char *chat_text, const char *msgid)
{
	int mailed = 0;
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified)
			continue;
		int is_sender = h->ep_kind && h->ep_addr && strcmp(e->kind, h->ep_kind) == 0 &&
				strcmp(e->addr, h->ep_addr) == 0;
		if (strcmp(e->kind, "mail") != 0 && !is_sender && chat_text)
			hctx_reply_to(h, e->kind, e->addr, "mentoring.chat", "text", chat_text, "lang", w->lang, NULL);
	}
	for (size_t i = 0; i < w->neps && !mailed; i++) {
		const struct endpoint *e = &w->eps[i];
		if (e->verified && strcmp(e->kind, "mail") == 0) {
			if (msgid)
				hctx_reply_to(h, "mail", e->addr, envelope, "subject", subject, "text", mail_text,
					      "lang", w->lang, "message_id", msgid, NULL);
			else
				hctx_reply_to(h, "mail", e->addr, envelope, "subject", subject, "text", mail_text,
					      "lang", w->lang, NULL);
			mailed = 1;
		}
	}
	return mailed;
}

int
mt_tell(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	const char *chat_text)
{
	return mt_tell_id(h, w, envelope, subject, mail_text, chat_text, NULL);
}

void
mt_cancel_jobs(struct hctx *h, int64_t request, int *rc)
{
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "request.remind", request);
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "request.expire", request);
}
