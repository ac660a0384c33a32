/*
 * h_mentoring_offer.c - offers of the whole-cohort matching: both sides
 * accept, either declines; reminders, expiry, and sending a pair as an offer.
 * See h_mentoring.c for the design.  Runs inside the caller's transaction.
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

/* ---- offers of the whole-cohort matching: both sides accept, either declines ---- */

/* The programme's display name (caller frees). */
char *
mt_programme_name(struct hctx *h, const char *slug)
{
	char *pname = NULL;
	if (state_programme_exists(h->db, slug, &pname) != DB_OK || !pname) {
		free(pname);
		pname = xstrdup(slug);
	}
	return pname;
}

/* Tell w a notice about offer r: text_key rendered in w's language with the other's name,
 * subject from subject_key; reason (may be NULL) as a "Reason:" line. */
static void
offer_notice(struct hctx *h, const struct who *w, const struct who *other, const struct mrequest *r,
	     const char *text_key, const char *subject_key, const char *reason)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	char *name = who_name(h, other, w->lang);
	char *pname = mt_programme_name(h, r->programme);
	char *rline = reason && *reason ? hctx_text_in(h, w->lang, "mentoring.reason_line", "reason", reason, NULL)
					: xstrdup("");
	const char *acc = hctx_cmd_word_in(w->lang, "accept"), *dec = hctx_cmd_word_in(w->lang, "decline");
	const char *find = hctx_cmd_word_in(w->lang, "find mentor");
	char *t = hctx_text_in(h, w->lang, text_key, "id", id, "name", name, "programme", pname, "reason", rline,
			       "accept", acc, "decline", dec, "find", find, NULL);
	char *s = hctx_text_in(h, w->lang, subject_key, "id", id, "programme", pname, NULL);
	mt_tell(h, w, "mentoring.mail.notice", s, t, t);
	free(s);
	free(t);
	free(rline);
	free(pname);
	free(name);
}

int
mt_offer_accept(struct hctx *h, const struct mrequest *r, const char *arg, int side)
{
	struct who mentee = {0}, mentor = {0};
	int is_offer = 0, eok = 0, mok = 0, rc;
	char *oname = NULL;
	if ((rc = state_request_offer_get(h->db, r->id, &is_offer, &eok, &mok)) != DB_OK ||
	    (rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	int me_mentee = side == SIDE_OFFER_MENTEE;
	const struct who *me = me_mentee ? &mentee : &mentor, *other = me_mentee ? &mentor : &mentee;
	int mine = me_mentee ? eok : mok, theirs = me_mentee ? mok : eok;
	oname = who_name(h, other, h->lang);
	if (!mine && (rc = state_offer_agree(h->db, r->id, me_mentee)) != DB_OK)
		goto out;
	if (!theirs) {
		/* half of the pair: wait for the other side (told once, when this side first agrees) */
		hctx_reply(h, mine ? "match.offer.already" : "match.offer.agreed", "id", arg, "name", oname, NULL);
		if (!mine)
			offer_notice(h, other, me, r, "match.offer.other_agreed", "match.offer.other_agreed.subject",
				     NULL);
		log_info("mentoring: offer %lld accepted by its %s", (long long)r->id, me_mentee ? "mentee" : "mentor");
		goto out;
	}
	/* both agreed: a match, if the mentor still has a place (checked in this transaction) */
	struct mt_pair p;
	if ((rc = mt_pair_up(h, r, &mentee, &mentor, &p)) != DB_OK)
		goto out;
	if (p.how == MT_MENTOR_FULL) {
		char capt[16];
		snprintf(capt, sizeof capt, "%d", p.cap);
		hctx_reply(h, me_mentee ? "match.offer.full.mentee" : "match.offer.full.mentor", "id", arg, "name",
			   oname, "capacity", capt, NULL);
		offer_notice(h, other, me, r, me_mentee ? "match.offer.full.mentor" : "match.offer.full.mentee",
			     "match.offer.closed.subject", NULL);
		log_info("mentoring: offer %lld closed: mentor %lld has no free place", (long long)r->id,
			 (long long)r->mentor);
		goto out;
	}
	if (p.how == MT_MENTEE_TAKEN) {
		if (me_mentee) {
			char *pname = mt_programme_name(h, r->programme);
			hctx_reply(h, "mentoring.already_matched", "programme", pname, NULL);
			free(pname);
		} else {
			hctx_reply(h, "mentoring.accept.mentee_taken", "id", arg, "mentee", oname, NULL);
		}
		goto out;
	}
	char *contact = mt_who_contact(h, other, h->lang);
	char *rword = hctx_text(h, me_mentee ? "role.mentor" : "role.mentee", NULL);
	hctx_reply(h, "match.offer.matched", "id", arg, "name", oname, "role", rword, "contact", contact, NULL);
	free(rword);
	free(contact);
	log_info("mentoring: offer %lld accepted by both; match %lld", (long long)r->id, (long long)p.mid);
out:
	free(oname);
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

int
mt_offer_decline(struct hctx *h, const struct mrequest *r, const char *arg, int side, const char *reason)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	int me_mentee = side == SIDE_OFFER_MENTEE;
	const struct who *me = me_mentee ? &mentee : &mentor, *other = me_mentee ? &mentor : &mentee;
	char *tr = NULL;
	rc = mt_close_declined(h, r, reason, &tr);
	if (rc == DB_OK) {
		char *oname = who_name(h, other, h->lang);
		hctx_reply(h, "match.offer.declined.done", "id", arg, "name", oname, NULL);
		free(oname);
		offer_notice(h, other, me, r, me_mentee ? "match.offer.declined.mentor" : "match.offer.declined.mentee",
			     "match.offer.closed.subject", tr);
		log_info("mentoring: offer %lld declined by its %s", (long long)r->id, me_mentee ? "mentee" : "mentor");
	}
	free(tr);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* Half time: remind each side that has not accepted yet. */
int
mt_offer_remind(struct hctx *h, const struct mrequest *r, int eok, int mok, const char **result)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) == DB_OK && (rc = who_load(h, r->mentor, &mentor)) == DB_OK) {
		const struct who *pair[2][2] = {{&mentee, &mentor}, {&mentor, &mentee}};
		for (int k = 0; k < 2; k++) {
			if (k == 0 ? eok : mok)
				continue;
			const struct who *to = pair[k][0], *about = pair[k][1];
			char id[24], date[32];
			snprintf(id, sizeof id, "%lld", (long long)r->id);
			mt_fmt_date(r->deadline, to->lang, date);
			char *n = who_name(h, about, to->lang);
			char *rword = hctx_text_in(h, to->lang, k == 0 ? "role.mentor" : "role.mentee", NULL);
			const char *acc = hctx_cmd_word_in(to->lang, "accept"),
				   *dec = hctx_cmd_word_in(to->lang, "decline");
			char *t = hctx_text_in(h, to->lang, "match.offer.reminder", "id", id, "name", n, "role", rword,
					       "deadline", date, "accept", acc, "decline", dec, NULL);
			char *s = hctx_text_in(h, to->lang, "match.offer.reminder.subject", "id", id, NULL);
			mt_tell(h, to, "mentoring.mail.reminder", s, t, t);
			free(s);
			free(t);
			free(rword);
			free(n);
		}
		*result = "ran";
	}
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* The deadline: the offer expires and both are told (no cascade: the coordinators suggested it). */
int
mt_offer_expire(struct hctx *h, const struct mrequest *r, const char **result)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = state_request_close(h->db, r->id, "expired", NULL)) != DB_OK ||
	    (rc = state_job_cancel(h->db, "request.remind", r->id)) != DB_OK ||
	    (rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	offer_notice(h, &mentee, &mentor, r, "match.offer.expired.mentee", "match.offer.expired.subject", NULL);
	offer_notice(h, &mentor, &mentee, r, "match.offer.expired.mentor", "match.offer.expired.subject", NULL);
	*result = "ran";
	log_info("mentoring: offer %lld expired", (long long)r->id);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* Send one offer mentee ↔ mentor: the request row, its reminder and expiry, and a mail (and chat
 * message) to each side with a stable Message-ID, so a plain "yes"/"no" reply answers it. */
int
mt_offer_send(struct hctx *h, int64_t mentee_id, int64_t mentor_id, const char *programme, int64_t *oid)
{
	struct programme prog;
	struct who mentee = {0}, mentor = {0};
	struct mrequest r = {0};
	int rc = state_programme_get(h->db, programme, &prog);
	if (db_failed(rc))
		return rc;
	int days = rc == DB_OK && prog.request_days > 0 ? prog.request_days : 3;
	char *pname = xstrdup(rc == DB_OK && prog.name ? prog.name : programme);
	if (rc == DB_OK)
		programme_free(&prog);
	int64_t now = now_s(), deadline = now + (int64_t)days * 86400;
	if ((rc = state_offer_add(h->db, programme, mentee_id, mentor_id, deadline, oid)) != DB_OK ||
	    (rc = state_request_get(h->db, *oid, &r)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.remind", *oid, now + (deadline - now) / 2, NULL)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.expire", *oid, deadline, NULL)) != DB_OK ||
	    (rc = who_load(h, mentee_id, &mentee)) != DB_OK || (rc = who_load(h, mentor_id, &mentor)) != DB_OK)
		goto out;
	char *mentor_msgid = mt_offer_msgid(h, &r, "mentor");
	if ((rc = state_request_set_msgid(h->db, r.id, mentor_msgid)) != DB_OK) {
		free(mentor_msgid);
		goto out;
	}
	free(mentor_msgid);
	const struct who *pair[2][2] = {{&mentee, &mentor}, {&mentor, &mentee}};
	for (int k = 0; k < 2; k++) {
		const struct who *to = pair[k][0], *about = pair[k][1];
		char id[24], date[32];
		snprintf(id, sizeof id, "%lld", (long long)r.id);
		mt_fmt_date(deadline, to->lang, date);
		char *name = who_name(h, about, to->lang), *details = mt_who_details(h, about, to->lang);
		char *rword = hctx_text_in(h, to->lang, k == 0 ? "role.mentor" : "role.mentee", NULL);
		const char *acc = hctx_cmd_word_in(to->lang, "accept"), *dec = hctx_cmd_word_in(to->lang, "decline");
		char *subject = hctx_text_in(h, to->lang, "match.offer.subject", "id", id, "programme", pname, NULL);
		char *body = hctx_text_in(h, to->lang, k == 0 ? "match.offer.to_mentee" : "match.offer.to_mentor", "id",
					  id, "programme", pname, "name", name, "details", details, "deadline", date,
					  "accept", acc, "decline", dec, NULL);
		char *chat = hctx_text_in(h, to->lang, "match.offer.chat", "id", id, "programme", pname, "name", name,
					  "role", rword, "accept", acc, "decline", dec, NULL);
		char *msgid = mt_offer_msgid(h, &r, k == 0 ? "mentee" : "mentor");
		mt_tell_id(h, to, "match.mail.offer", subject, body, chat, msgid);
		free(msgid);
		free(chat);
		free(body);
		free(subject);
		free(rword);
		free(details);
		free(name);
	}
	log_info("mentoring: offer %lld mentee %lld <-> mentor %lld (%s)", (long long)r.id, (long long)mentee_id,
		 (long long)mentor_id, programme);
out:
	mrequest_free(&r);
	who_free(&mentee);
	who_free(&mentor);
	free(pname);
	return rc;
}
