/*
 * h_event_reply.c - answers to an invitation by mail: which event a mail
 * answers (Message-ID, References, the keyed plus-address, a token or "#id"
 * in the subject), the calendar's iTIP REPLY, and a text reply read with the
 * pure reader bot/rsvp_text.h.  The parts that need state stay here.
 * Runs inside the dispatcher's transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/form.h"
#include "bot/ical.h"
#include "bot/keyed.h"
#include "bot/logaddr.h"
#include "bot/mime.h"
#include "bot/post.h"
#include "bot/rsvp_text.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "bot/words.h"
#include "handlers/h_event.h"
#include "handlers/h_event_int.h"
#include "handlers/handlers.h"
#include "state/events.h"

/* ---- mail answers: which event, which person ---- */

/* The event an invitation's Message-ID names (bot/rsvp_text.h), 0 when none. */
static int64_t
event_of_msgid(const struct hctx *h, const char *id, int64_t *person)
{
	return rsvp_msgid_event(id, ev_domain(h->cfg), person);
}

/* "<local>+ev<id>.<token>@…" in addr → event id when the token is the event's (older
 * invitations) or the sender's own keyed one. */
static int64_t
event_of_addr(struct hctx *h, const char *addr, int *rc)
{
	const char *plus = addr ? strstr(addr, "+ev") : NULL;
	long long id = 0;
	int n = 0;
	if (!plus || sscanf(plus, "+ev%lld.%n", &id, &n) != 1 || n == 0)
		return 0;
	const char *tok = plus + n, *at = strchr(tok, '@');
	if (!at || at - tok != 26)
		return 0;
	struct event ev;
	*rc = state_event_get(h->db, id, &ev);
	int ok = *rc == DB_OK &&
		 (strncasecmp(ev.token, tok, 26) == 0 ||
		  (h->pm && h->pm->from_addr && keyed_plus_ok(h->key, h->cfg->smtp.from_addr, addr, h->pm->from_addr)));
	if (*rc == DB_NOTFOUND)
		*rc = DB_OK;
	event_free(&ev);
	return ok ? id : 0;
}

/* A token (26 base32 characters) or (allow_id) "#<id>" in the subject; *by_token: the token matched. */
static int64_t
event_of_subject(struct hctx *h, const char *subject, int allow_id, int *by_token, int *rc)
{
	const char *s = subject ? subject : "";
	*by_token = 0;
	for (const char *p = s; *p; p++) {
		size_t n = 0;
		while (p[n] && (islower((unsigned char)p[n]) || (p[n] >= '2' && p[n] <= '7')))
			n++;
		if (n == 26 && (p == s || !isalnum((unsigned char)p[-1]))) {
			char tok[27];
			memcpy(tok, p, 26);
			tok[26] = '\0';
			struct event ev;
			*rc = state_event_by_token(h->db, tok, &ev);
			int64_t id = *rc == DB_OK ? ev.id : 0;
			event_free(&ev);
			if (*rc == DB_NOTFOUND)
				*rc = DB_OK;
			*by_token = id != 0;
			if (id || db_failed(*rc))
				return id;
		}
		if (n)
			p += n - 1;
	}
	if (!allow_id)
		return 0;
	const char *hash = strchr(s, '#');
	while (hash) {
		char *end;
		long long v = strtoll(hash + 1, &end, 10);
		if (end != hash + 1 && v > 0 && !isalnum((unsigned char)*end))
			return v;
		hash = strchr(hash + 1, '#');
	}
	return 0;
}

/* 1 if any of the mail's thread ids is a Message-ID of the bot's domain. */
static int
refers_to_bot(const struct hctx *h)
{
	const char *dom = ev_domain(h->cfg);
	char *all = xasprintf("%s %s", h->pm->in_reply_to ? h->pm->in_reply_to : "",
			      h->pm->references ? h->pm->references : "");
	int r = 0;
	for (char *save = NULL, *t = strtok_r(all, " \t\r\n", &save); t && !r; t = strtok_r(NULL, " \t\r\n", &save)) {
		const char *at = strrchr(t, '@');
		r = at && strcasecmp(at + 1, dom) == 0;
	}
	free(all);
	return r;
}

/* The event a mail answers, by In-Reply-To, References, plus-address, subject token. 0: none. */
static int64_t
event_of_mail(struct hctx *h, int *strong, int *rc)
{
	const struct parsed_mail *pm = h->pm;
	int64_t person = 0, id = event_of_msgid(h, pm->in_reply_to, &person);
	*strong = 1;
	*rc = DB_OK;
	if (!id && pm->references) {
		char *copy = xstrdup(pm->references);
		for (char *save = NULL, *t = strtok_r(copy, " \t\r\n", &save); t && !id;
		     t = strtok_r(NULL, " \t\r\n", &save))
			id = event_of_msgid(h, t, &person);
		free(copy);
	}
	/* the plus-address in To or Cc (every recipient address, "a b c") */
	for (const char *a = pm->rcpt_addrs ? pm->rcpt_addrs : pm->to_addr; !id && a && *a && *rc == DB_OK;) {
		size_t n = strcspn(a, " ");
		char *one = xstrndup(a, n);
		id = event_of_addr(h, one, rc);
		free(one);
		a += n;
		a += strspn(a, " ");
	}
	if (!id && *rc == DB_OK) {
		/* "#<id>" only when the mail is no reply to another of the bot's mails */
		int allow_id = !refers_to_bot(h);
		int by_token = 0;
		id = event_of_subject(h, pm->subject, allow_id, &by_token, rc);
		*strong = by_token; /* a bare "#<id>" is too weak to ask back about */
	}
	return id;
}

/* An iTIP REPLY: the calendar's Accept/Decline/Tentative button. */
static int
itip_answer(struct hctx *h, const struct ical_itip *it)
{
	const struct ical_vevent *v = NULL;
	struct event ev = {0};
	int rc = DB_NOTFOUND, session = 0;
	for (size_t i = 0; i < it->nevents && rc == DB_NOTFOUND; i++) {
		if (!it->events[i].uid)
			continue;
		if (strncmp(it->events[i].uid, "session-", 8) == 0)
			session = 1;
		event_free(&ev);
		rc = state_event_by_uid(h->db, it->events[i].uid, &ev);
		v = &it->events[i];
	}
	if (db_failed(rc))
		goto out;
	if (rc == DB_NOTFOUND) {
		rc = session ? 1 : DB_OK;
		if (!session) {
			hctx_reply(h, "event.rsvp.unknown", NULL);
			log_info("event: iTIP REPLY from %s for an unknown UID", LOG_WHO(h->pm->from_addr));
		}
		goto out;
	}
	rc = DB_OK;
	char id[24];
	ev_fmt_id(id, ev.id);
	const struct ical_attendee *att = ical_find_attendee(v, h->pm->from_addr);
	if (!att) {
		const char *other = v->nattendees && v->attendees[0].addr ? v->attendees[0].addr : "";
		hctx_reply(h, "event.rsvp.forged", "id", id, "title", ev.title, "attendee", other, "sender",
			   h->pm->from_addr, NULL);
		log_warn("event %lld: iTIP REPLY from %s for another attendee (%s): ignored", (long long)ev.id,
			 LOG_WHO(h->pm->from_addr), LOG_WHO(other));
		goto out;
	}
	int invited = 0;
	if (h->known) {
		rc = state_invitation_get(h->db, ev.id, h->person.id, NULL);
		if (db_failed(rc))
			goto out;
		invited = rc == DB_OK;
		rc = DB_OK;
	}
	if (!invited) {
		hctx_reply(h, "event.rsvp.unknown", NULL);
		goto out;
	}
	if (v->sequence < ev.sequence) {
		char *when = ev_when(h, &ev, h->lang);
		hctx_reply(h, "event.rsvp.outdated", "id", id, "title", ev.title, "when", when, NULL);
		free(when);
		log_info("event %lld: iTIP REPLY with SEQUENCE %d < %d from %s: ignored", (long long)ev.id, v->sequence,
			 ev.sequence, LOG_WHO(h->pm->from_addr));
		goto out;
	}
	const char *answer = att->partstat == ICAL_PS_ACCEPTED    ? "yes"
			     : att->partstat == ICAL_PS_DECLINED  ? "no"
			     : att->partstat == ICAL_PS_TENTATIVE ? "maybe"
								  : NULL;
	if (!answer) {
		hctx_reply(h, "event.rsvp.ambiguous", "id", id, "title", ev.title, "attend",
			   hctx_cmd_word(h, cmd_by_name("attend")), "regret", hctx_cmd_word(h, cmd_by_name("regret")),
			   NULL);
		goto out;
	}
	rc = ev_rsvp_apply(h, &ev, h->person.id, answer, -1, v->comment, "itip", v->sequence);
out:
	event_free(&ev);
	return rc;
}

/* 1 if c is one of the answer commands (rsvp, attend, regret, maybe). */
static int
is_rsvp_cmd(const struct command *c)
{
	return c && (strcmp(c->name, "rsvp") == 0 || strcmp(c->name, "attend") == 0 || strcmp(c->name, "regret") == 0 ||
		     strcmp(c->name, "maybe") == 0);
}

/* The calendar part of the mail: an iTIP REPLY is answered here (*done set,
 * its result returned); the UID of another method's object goes to *cal_uid
 * (caller frees). */
static int
calendar_part(struct hctx *h, int *done, char **cal_uid)
{
	const struct parsed_mail *pm = h->pm;
	*done = 0;
	*cal_uid = NULL;
	if (!pm->calendar)
		return DB_OK;
	struct ical_itip it;
	int rc = DB_OK, prc = ical_parse_reply(pm->calendar, strlen(pm->calendar), pm->calendar_method, &it);
	if (prc == ICAL_OK) {
		*done = 1;
		h->cmd = cmd_by_name("rsvp");
		rc = itip_answer(h, &it);
		if (rc == 1)
			h->cmd = NULL; /* not ours (a session's UID) */
	} else if (prc == ICAL_ERR_NOT_REPLY && it.nevents && it.events[0].uid) {
		*cal_uid = xstrdup(it.events[0].uid);
	}
	ical_itip_free(&it);
	return rc;
}

/* The event a mail answers: by event_of_mail(), else by the UID of its
 * calendar part (cal_uid, may be NULL).  0: none (or *rc < 0). */
static int64_t
answered_event(struct hctx *h, const char *cal_uid, int *strong, int *rc)
{
	int64_t id = event_of_mail(h, strong, rc);
	if (db_failed(*rc))
		return 0;
	if (!id && cal_uid) {
		struct event e;
		*rc = state_event_by_uid(h->db, cal_uid, &e);
		id = *rc == DB_OK ? e.id : 0;
		event_free(&e);
		if (db_failed(*rc))
			return 0;
		*rc = DB_OK;
	}
	return id;
}

/*
 * The answer on the first line of a reply to ev: an answer command ("zusage",
 * "rsvp yes +1") or an answer phrase.  1 when the line is no answer to ev
 * (another command, another event's id, or nothing and strong is 0);
 * otherwise 0 with *a (maybe RSVP_NONE or RSVP_AMBIGUOUS), *guests and
 * *comment (caller frees) set.
 */
static int
first_line_answer(const struct event *ev, const char *line, int strong, enum rsvp_answer *a, int *guests,
		  char **comment)
{
	const char *rest_cmd = NULL;
	const struct command *c = cmd_lookup(line, &rest_cmd, NULL);
	*a = RSVP_NONE;
	*guests = 0;
	*comment = NULL;
	if (!c || !is_rsvp_cmd(c)) {
		*a = rsvp_parse_answer(line, 1, guests, comment);
		return *a == RSVP_NONE && (c || !strong); /* another command, or too weak a match to ask back */
	}
	int64_t other = 0;
	/* "zusage 7": the command itself (with its id) is meant */
	char *w = xstrndup(rest_cmd, strcspn(rest_cmd, " \t"));
	int has_id = *w && hctx_parse_id(w, &other) == 0;
	free(w);
	if (has_id && (strcmp(c->name, "rsvp") != 0 || other != ev->id))
		return 1;
	if (strcmp(c->name, "rsvp") == 0) {
		*a = rsvp_parse_answer(has_id ? str_skip_words(rest_cmd, 1) : rest_cmd, 1, guests, comment);
	} else {
		rsvp_parse_answer(rest_cmd, 0, guests, comment);
		*a = strcmp(c->name, "attend") == 0 ? RSVP_YES : strcmp(c->name, "regret") == 0 ? RSVP_NO : RSVP_MAYBE;
	}
	return 0;
}

/* The comment kept: the rest of the first line and the new lines below it up
 * to a valediction.  Caller frees. */
static char *
reply_comment(const char *first, const char *new_text)
{
	struct buf cb = BUF_INIT;
	if (first)
		buf_adds(&cb, first);
	char *below = rsvp_cut_valediction(rsvp_after_first_line(new_text));
	char *more = str_one_line(below, COMMENT_MAX);
	free(below);
	if (*more)
		buf_addf(&cb, "%s%s", cb.len ? " " : "", more);
	free(more);
	return buf_detach(&cb);
}

int
h_event_itip_reply(struct hctx *h)
{
	if (!h->pm || !h->pm->from_addr)
		return 1;
	int done = 0;
	char *cal_uid = NULL;
	int rc = calendar_part(h, &done, &cal_uid);
	free(cal_uid);
	return done ? rc : 1;
}

int
h_event_mail_reply(struct hctx *h, const char *new_text)
{
	const struct parsed_mail *pm = h->pm;
	if (!pm || !pm->from_addr)
		return 1;
	int done = 0, strong = 1;
	char *cal_uid = NULL;
	int rc = calendar_part(h, &done, &cal_uid);
	if (done)
		return rc;
	int64_t id = answered_event(h, cal_uid, &strong, &rc);
	free(cal_uid);
	if (db_failed(rc))
		return rc;
	if (!id)
		return 1;
	struct event ev;
	rc = state_event_get(h->db, id, &ev);
	if (rc != DB_OK) {
		event_free(&ev);
		return db_failed(rc) ? rc : 1;
	}
	char *line = str_first_line(new_text, NULL);
	int guests = 0;
	char *comment = NULL;
	enum rsvp_answer a;
	char eid[24];
	ev_fmt_id(eid, ev.id);
	if ((rc = first_line_answer(&ev, line, strong, &a, &guests, &comment)) == 1)
		goto out;
	h->cmd = cmd_by_name("rsvp");
	if (!h->known) {
		hctx_reply(h, "event.rsvp.not_invited", "id", eid, "title", ev.title, NULL);
		log_info("event %lld: answer from %s, who is not known: not counted", (long long)ev.id,
			 LOG_WHO(pm->from_addr));
		rc = DB_OK;
		goto out;
	}
	int ok = 0;
	if ((rc = ev_may_answer(h, &ev, h->person.id, &ok)) < 0)
		goto out;
	if (!ok) {
		hctx_reply(h, "event.rsvp.not_invited", "id", eid, "title", ev.title, NULL);
		goto out;
	}
	if (a == RSVP_NONE || a == RSVP_AMBIGUOUS) {
		hctx_reply(h, "event.rsvp.ambiguous", "id", eid, "title", ev.title, "attend",
			   hctx_cmd_word(h, cmd_by_name("attend")), "regret", hctx_cmd_word(h, cmd_by_name("regret")),
			   NULL);
		rc = DB_OK;
		goto out;
	}
	char *all = reply_comment(comment, new_text);
	rc = ev_rsvp_apply(h, &ev, h->person.id, words_name((enum words_answer)a), guests, all, "mail", 0);
	free(all);
out:
	free(comment);
	free(line);
	event_free(&ev);
	return rc;
}
