/*
 * h_mentoring_answer.c - the answer to a request or an offer: "accept <id>",
 * "decline <id> [reason]" and a plain yes/no reply to the request or offer
 * mail (read by bot/words.h).  See h_mentoring.c for the design.  Runs inside
 * the dispatcher's transaction.
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
#include "handlers/h_alumni.h"
#include "handlers/h_mentoring_int.h"
#include "handlers/handlers.h"
#include "state/mentoring_extra.h"

/* ---- the mentor's answer ---- */

int
h_answer_check(struct hctx *h)
{
	int64_t id;
	if (h_contact_ref_parse(h->argv[0], &id))
		return 0; /* a contact request's "k12" (h_contact.c) */
	if (hctx_parse_id(h->argv[0], &id) < 0) {
		hctx_reply(h, "mentoring.answer.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	return 0;
}

/* Who answers request r: SIDE_REQUEST (the mentor of a mentee's request), a side of an offer
 * of the whole-cohort matching, or -1 (not the sender's to answer).  *rc < 0 on a database error. */
static int
answer_side(struct hctx *h, const struct mrequest *r, int *rc)
{
	int is_offer = 0, eok = 0, mok = 0;
	*rc = state_request_offer_get(h->db, r->id, &is_offer, &eok, &mok);
	if (*rc != DB_OK || !h->known) {
		if (*rc == DB_NOTFOUND)
			*rc = DB_OK;
		return -1;
	}
	if (is_offer && r->mentee == h->person.id)
		return SIDE_OFFER_MENTEE;
	if (r->mentor == h->person.id)
		return is_offer ? SIDE_OFFER_MENTOR : SIDE_REQUEST;
	return -1;
}

/* The stable Message-ID of an offer's mail to one side (role "mentee"/"mentor"), without <>. */
char *
mt_offer_msgid(const struct hctx *h, const struct mrequest *r, const char *role)
{
	char base[80];
	snprintf(base, sizeof base, "mb.offer%lld.%lld.%s", (long long)r->id, (long long)r->created, role);
	return hctx_msgid(h, base);
}

/* The offer a Message-ID "mb.offer<id>.<created>.<role>@…" (with or without <>) names; DB_NOTFOUND if none. */
static int
offer_of_msgid(struct hctx *h, const char *msgid, struct mrequest *r)
{
	long long id = 0, created = 0;
	char role[8];
	const char *s = msgid ? msgid : "";
	while (*s == ' ' || *s == '<')
		s++;
	memset(r, 0, sizeof *r);
	if (sscanf(s, "mb.offer%lld.%lld.%7[a-z]@", &id, &created, role) != 3 || id <= 0 ||
	    (strcmp(role, "mentee") != 0 && strcmp(role, "mentor") != 0))
		return DB_NOTFOUND;
	int rc = state_request_get(h->db, id, r);
	if (rc == DB_OK) {
		/* the whole id, keyed tag included, must be the one the bot issued */
		char *want = mt_offer_msgid(h, r, role);
		size_t n = strcspn(s, "> \t");
		int same = r->created == created && strlen(want) == n && strncasecmp(s, want, n) == 0;
		free(want);
		if (!same) {
			mrequest_free(r);
			return DB_NOTFOUND;
		}
	}
	return rc;
}

/* The request or offer a mail answers: its In-Reply-To, else its References (newest first). */
static int
request_of_mail(struct hctx *h, const char *in_reply_to, const char *references, struct mrequest *r)
{
	int rc = state_request_by_msgid(h->db, in_reply_to, r);
	if (rc == DB_NOTFOUND) {
		mrequest_free(r);
		rc = offer_of_msgid(h, in_reply_to, r);
	}
	if (rc == DB_NOTFOUND && references) {
		const char *ids[32];
		char *c2;
		size_t n = mt_split_items(references, " \t\r\n", &c2, ids, 32);
		for (size_t i = n; i-- > 0 && rc == DB_NOTFOUND;) {
			mrequest_free(r);
			rc = state_request_by_msgid(h->db, ids[i], r);
			if (rc == DB_NOTFOUND) {
				mrequest_free(r);
				rc = offer_of_msgid(h, ids[i], r);
			}
		}
		free(c2);
	}
	return rc;
}

/* Load request id for the sender to answer (*side: as its mentor, or a side of an offer);
 * 1 (answered) when it is not theirs or not open. */
static int
answer_load(struct hctx *h, const char *arg, int64_t id, struct mrequest *r, int *side)
{
	int rc = state_request_get(h->db, id, r);
	if (db_failed(rc))
		return rc;
	*side = rc == DB_OK ? answer_side(h, r, &rc) : -1;
	if (db_failed(rc))
		return rc;
	if (*side < 0) {
		/* someone else's request: indistinguishable from none */
		hctx_reply(h, "mentoring.answer.unknown", "id", arg, NULL);
		return 1;
	}
	if (strcmp(r->status, "open") != 0) {
		char *sk = xasprintf("mentoring.status.%s", r->status);
		char *st = tmpl_has(h->tmpl, h->lang, sk) ? hctx_text(h, sk, NULL) : xstrdup(r->status);
		hctx_reply(h, "mentoring.answer.closed", "id", arg, "status", st, NULL);
		free(st);
		free(sk);
		return 1;
	}
	return 0;
}

/* Tell the mentee about a closed request (why_key in their language) plus the cascade's outcome. */
int
mt_tell_mentee_closed(struct hctx *h, const struct who *mentee, const struct who *mentor, const struct mrequest *r,
		      const char *why_key, const char *reason)
{
	char *ctext = NULL;
	int rc = mt_cascade(h, mentee, r->programme, &ctext);
	if (rc != DB_OK)
		return rc;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	char *mname = who_name(h, mentor, mentee->lang);
	char *rline = reason && *reason ? hctx_text_in(h, mentee->lang, "mentoring.reason_line", "reason", reason, NULL)
					: xstrdup("");
	char *why = hctx_text_in(h, mentee->lang, why_key, "mentor", mname, "id", id, "reason", rline, NULL);
	char *skey = xasprintf("%s.subject", why_key);
	char *subject = hctx_text_in(h, mentee->lang, skey, "mentor", mname, "id", id, NULL);
	char *body = *ctext ? xasprintf("%s\n\n%s", why, ctext) : xstrdup(why);
	/* the new request's mail (if any) must stay first: it carries the stored Message-ID */
	mt_tell(h, mentee, "mentoring.mail.notice", subject, body, body);
	free(body);
	free(subject);
	free(skey);
	free(why);
	free(rline);
	free(mname);
	free(ctext);
	return DB_OK;
}

/* The mentee's other open requests (and offers) in programme are withdrawn, each mentor told. */
int
mt_withdraw_others(struct hctx *h, const struct who *mentee, const char *programme)
{
	struct mrequest *others = NULL;
	size_t no = 0;
	int rc = state_requests_open_of(h->db, mentee->p.id, programme, &others, &no);
	for (size_t i = 0; i < no && rc == DB_OK; i++) {
		if ((rc = state_request_close(h->db, others[i].id, "withdrawn", NULL)) != DB_OK)
			break;
		mt_cancel_jobs(h, others[i].id, &rc);
		struct who o;
		if (rc == DB_OK && (rc = who_load(h, others[i].mentor, &o)) == DB_OK) {
			char oid[24];
			snprintf(oid, sizeof oid, "%lld", (long long)others[i].id);
			char *n = who_name(h, mentee, o.lang);
			char *t = hctx_text_in(h, o.lang, "mentoring.withdrawn", "id", oid, "mentee", n, NULL);
			char *s = hctx_text_in(h, o.lang, "mentoring.withdrawn.subject", "id", oid, NULL);
			mt_tell(h, &o, "mentoring.mail.notice", s, t, t);
			free(s);
			free(t);
			free(n);
		}
		who_free(&o);
	}
	for (size_t i = 0; i < no; i++)
		mrequest_free(&others[i]);
	free(others);
	return rc;
}

/* Introductions: each learns the other's addresses and visible profile (mail and chat). */
void
mt_introduce(struct hctx *h, const struct who *mentee, const struct who *mentor, const char *programme)
{
	char *pname = NULL;
	state_programme_exists(h->db, programme, &pname);
	const struct who *pair[2][2] = {{mentee, mentor}, {mentor, mentee}};
	for (int k = 0; k < 2; k++) {
		const struct who *to = pair[k][0], *about = pair[k][1];
		char *n = who_name(h, about, to->lang), *contact = mt_who_contact(h, about, to->lang);
		char *details = mt_who_details(h, about, to->lang);
		const char *role = k == 0 ? "mentor" : "mentee";
		char *rkey = xasprintf("role.%s", role);
		char *rword = hctx_text_in(h, to->lang, rkey, NULL);
		char *body = hctx_text_in(h, to->lang, "mentoring.intro", "name", n, "role", rword, "programme",
					  pname ? pname : programme, "contact", contact, "details", details, NULL);
		char *subject = hctx_text_in(h, to->lang, "mentoring.intro.subject", "name", n, "programme",
					     pname ? pname : programme, NULL);
		char *chat = hctx_text_in(h, to->lang, "mentoring.intro.chat", "name", n, "role", rword, "contact",
					  contact, NULL);
		mt_tell(h, to, "mentoring.mail.intro", subject, body, chat);
		free(chat);
		free(subject);
		free(body);
		free(rword);
		free(rkey);
		free(details);
		free(contact);
		free(n);
	}
	free(pname);
}

int
mt_pair_up(struct hctx *h, const struct mrequest *r, const struct who *mentee, const struct who *mentor,
	   struct mt_pair *p)
{
	int load = 0, rc;
	p->how = MT_PAIRED;
	p->cap = 1;
	p->mid = 0;
	if ((rc = state_mentor_capacity(h->db, r->mentor, &p->cap, &load)) != DB_OK)
		return rc;
	if (load >= p->cap) {
		p->how = MT_MENTOR_FULL;
		if ((rc = state_request_close(h->db, r->id, "full", NULL)) == DB_OK)
			mt_cancel_jobs(h, r->id, &rc);
		return rc;
	}
	rc = state_match_active(h->db, r->mentee, r->programme);
	if (rc == DB_NOTFOUND)
		rc = state_match_add(h->db, r->programme, r->mentee, r->mentor, r->id, &p->mid);
	else if (rc == DB_OK)
		rc = DB_NOTFOUND; /* already matched */
	if (rc == DB_NOTFOUND || rc == DB_EXISTS) {
		/* the mentee was matched elsewhere meanwhile (match_pair guards it too: DB_EXISTS) */
		p->how = MT_MENTEE_TAKEN;
		if ((rc = state_request_close(h->db, r->id, "withdrawn", NULL)) == DB_OK)
			mt_cancel_jobs(h, r->id, &rc);
		return rc;
	}
	if (rc != DB_OK || (rc = state_request_close(h->db, r->id, "accepted", NULL)) != DB_OK)
		return rc;
	mt_cancel_jobs(h, r->id, &rc);
	if (rc == DB_OK)
		rc = mt_withdraw_others(h, mentee, r->programme);
	if (rc == DB_OK)
		mt_introduce(h, mentee, mentor, r->programme);
	return rc;
}

static int
do_accept(struct hctx *h, const struct mrequest *r, const char *arg)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	char *ename = who_name(h, &mentee, h->lang);
	struct mt_pair p;
	if ((rc = mt_pair_up(h, r, &mentee, &mentor, &p)) != DB_OK)
		goto out_name;
	if (p.how == MT_MENTOR_FULL) {
		/* the last place went to someone else first: the request closed politely, move the mentee on */
		char capt[16];
		snprintf(capt, sizeof capt, "%d", p.cap);
		rc = mt_tell_mentee_closed(h, &mentee, &mentor, r, "mentoring.full.mentee", NULL);
		if (rc == DB_OK)
			hctx_reply(h, "mentoring.accept.full", "id", arg, "capacity", capt, "mentee", ename, NULL);
		goto out_name;
	}
	if (p.how == MT_MENTEE_TAKEN) {
		hctx_reply(h, "mentoring.accept.mentee_taken", "id", arg, "mentee", ename, NULL);
		goto out_name;
	}
	char *contact = mt_who_contact(h, &mentee, h->lang);
	hctx_reply(h, "mentoring.accept.done", "id", arg, "mentee", ename, "contact", contact, NULL);
	free(contact);
	log_info("mentoring: request %lld accepted; match %lld", (long long)r->id, (long long)p.mid);
out_name:
	free(ename);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

int
mt_close_declined(struct hctx *h, const struct mrequest *r, const char *reason, char **clean)
{
	char *c = xstrdup(reason ? reason : "");
	for (char *p = c; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (strlen(c) > 500)
		c[500] = '\0';
	*clean = xstrdup(str_trim(c));
	free(c);
	int rc = state_request_close(h->db, r->id, "declined", **clean ? *clean : NULL);
	if (rc == DB_OK)
		mt_cancel_jobs(h, r->id, &rc);
	return rc;
}

static int
do_decline(struct hctx *h, const struct mrequest *r, const char *arg, const char *reason)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	char *tr = NULL;
	rc = mt_close_declined(h, r, reason, &tr);
	if (rc == DB_OK)
		rc = mt_tell_mentee_closed(h, &mentee, &mentor, r, "mentoring.declined", tr);
	if (rc == DB_OK) {
		hctx_reply(h, "mentoring.decline.done", "id", arg, NULL);
		log_info("mentoring: request %lld declined", (long long)r->id);
	}
	free(tr);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

int
h_accept_run(struct hctx *h)
{
	int64_t id = 0;
	if (h_contact_ref_parse(h->argv[0], &id))
		return h_contact_answer_run(h, 1);
	hctx_parse_id(h->argv[0], &id);
	struct mrequest r;
	int side;
	int rc = answer_load(h, h->argv[0], id, &r, &side);
	if (rc == 0)
		rc = side == SIDE_REQUEST ? do_accept(h, &r, h->argv[0]) : mt_offer_accept(h, &r, h->argv[0], side);
	mrequest_free(&r);
	return db_failed(rc) ? rc : 0;
}

int
h_decline_run(struct hctx *h)
{
	int64_t id = 0;
	if (h_contact_ref_parse(h->argv[0], &id))
		return h_contact_answer_run(h, 0);
	hctx_parse_id(h->argv[0], &id);
	struct mrequest r;
	int side = -1;
	int rc = answer_load(h, h->argv[0], id, &r, &side);
	if (rc == 0) {
		/* the reason as written: the rest of the line after the id */
		const char *p = h->argline ? h->argline : "";
		while (*p && isspace((unsigned char)*p))
			p++;
		while (*p && !isspace((unsigned char)*p))
			p++;
		rc = side == SIDE_REQUEST ? do_decline(h, &r, h->argv[0], p)
					  : mt_offer_decline(h, &r, h->argv[0], side, p);
	}
	mrequest_free(&r);
	return db_failed(rc) ? rc : 0;
}

int
h_request_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text)
{
	struct mrequest r;
	int rc = request_of_mail(h, in_reply_to, references, &r);
	if (rc != DB_OK) {
		mrequest_free(&r);
		return db_failed(rc) ? rc : 1;
	}
	const char *rest;
	int yn = hctx_yes_no(text, WORDS_REQUEST, &rest);
	int side = answer_side(h, &r, &rc);
	if (db_failed(rc) || side < 0 || yn < 0) {
		mrequest_free(&r);
		return db_failed(rc) ? rc : 1; /* not an answer: handled as an ordinary mail */
	}
	char arg[24];
	snprintf(arg, sizeof arg, "%lld", (long long)r.id);
	h->cmd = cmd_by_name(yn ? "accept" : "decline");
	mrequest_free(&r);
	rc = answer_load(h, arg, atoll(arg), &r, &side);
	if (rc == 0) {
		/* the reason: the rest of the first paragraph */
		size_t len = strcspn(rest, "\n");
		char *reason = xstrndup(rest, len);
		if (side == SIDE_REQUEST)
			rc = yn ? do_accept(h, &r, arg) : do_decline(h, &r, arg, reason);
		else
			rc = yn ? mt_offer_accept(h, &r, arg, side) : mt_offer_decline(h, &r, arg, side, reason);
		free(reason);
	}
	mrequest_free(&r);
	return db_failed(rc) ? rc : 0;
}
