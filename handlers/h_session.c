/*
 * h_session.c - mentoring sessions: "session <match> <date> <time>
 * [duration] [place]" (termin), "confirm <session>" (bestätigen, routed here
 * from h_member.c when the argument is a number), "done <session> [minutes]
 * [note]" (erledigt) and "cancel <session>" (termin absagen), plus what the
 * parts of the session handler share (h_session_int.h): the two people, a
 * session as people read it, telling a person, the calendar object, and
 * confirming and logging a session.  A plain "ja/yes/ok" or "nein/no" reply
 * to the proposal mail, a reply to the prompt mail, and the scheduler's
 * reminder (24 h before) and prompt (after the end) are in h_session_mail.c.
 *
 * A confirmed session sends both people an iTIP invitation (METHOD:REQUEST,
 * built by bot/ical.c with the session's stable UID and SEQUENCE); a cancel
 * of a confirmed one sends METHOD:CANCEL with SEQUENCE + 1.  The calendar
 * text travels as the reply variables "calendar"/"calendar_method", which
 * the dispatcher and the scheduler put into the mail's text/calendar part.
 *
 * Like h_mentoring.c: pure functions over the state API inside the caller's
 * transaction; text for the other person is rendered in their language and
 * handed to a "session.mail.*" or "mentoring.chat" envelope.  Only the two
 * people of the match (and staff) may see or change a session; to anyone
 * else a session id is indistinguishable from none.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/ical.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_session_int.h"
#include "handlers/handlers.h"

#define SESSION_REMIND_BEFORE 86400 /* the reminder, seconds before the start */
#define PLACE_MAX 200
#define NOTE_MAX 500
#define MATCHES_MAX 16

/* ---- small helpers (the same shape as in h_mentoring.c) ---- */

int
h_session_is_id(const char *s)
{
	int64_t v;
	return s && hctx_parse_id(s, &v) == 0;
}

/* ---- the two people ---- */

/*
 * Tell w by mail (first verified address; with a calendar part when cal is
 * set) and in every linked chat except the endpoint the request came from.
 * Returns 1 when a mail was queued (the last reply then), else 0.
 */
int
session_tell(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	     const char *chat_text, const char *cal, const char *method)
{
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified || strcmp(e->kind, "mail") == 0 || !chat_text)
			continue;
		if (h->ep_kind && h->ep_addr && strcmp(e->kind, h->ep_kind) == 0 && strcmp(e->addr, h->ep_addr) == 0)
			continue;
		hctx_reply_to(h, e->kind, e->addr, "mentoring.chat", "text", chat_text, "lang", w->lang, NULL);
	}
	const char *addr = who_mail(w);
	if (!addr)
		return 0;
	if (cal)
		hctx_reply_to(h, "mail", addr, envelope, "subject", subject, "text", mail_text, "lang", w->lang,
			      "calendar", cal, "calendar_method", method, NULL);
	else
		hctx_reply_to(h, "mail", addr, envelope, "subject", subject, "text", mail_text, "lang", w->lang, NULL);
	return 1;
}

/* ---- a session as people read it ---- */

void
sctx_free(struct sctx *c)
{
	msession_free(&c->s);
	mmatch_free(&c->m);
	who_free(&c->mentee);
	who_free(&c->mentor);
}

/* The other person of the match than person id (the mentee when id is neither). */
const struct who *
session_other_of(const struct sctx *c, int64_t id)
{
	return c->mentee.p.id == id ? &c->mentor : &c->mentee;
}

/* "03.12.2026, 15:00–16:00 (Europe/Berlin)" in lang.  Caller frees. */
char *
session_when_text(const struct hctx *h, const struct msession *s, const char *lang)
{
	struct when_tm a, b;
	if (when_epoch_to_local(s->start, &a) != 0 || when_epoch_to_local(s->start + (int64_t)s->minutes * 60, &b) != 0)
		return xstrdup("?");
	char date[32], start[16], end[16], mins[16];
	if (strcmp(lang, "de") == 0)
		snprintf(date, sizeof date, "%02d.%02d.%04d", a.day, a.mon, a.year);
	else
		snprintf(date, sizeof date, "%04d-%02d-%02d", a.year, a.mon, a.day);
	snprintf(start, sizeof start, "%02d:%02d", a.hour, a.min);
	snprintf(end, sizeof end, "%02d:%02d", b.hour, b.min);
	snprintf(mins, sizeof mins, "%d", s->minutes);
	return hctx_text_in(h, lang, "session.when", "date", date, "time", start, "end", end, "minutes", mins, "tz",
			    ICAL_TZID, NULL);
}

/* The place line ("" when none).  Caller frees. */
char *
session_where_text(const struct hctx *h, const struct msession *s, const char *lang)
{
	if (!s->place || !*s->place)
		return xstrdup("");
	return hctx_text_in(h, lang, "session.where", "place", s->place, NULL);
}

/* Load session id with its match and people.  1 (answered "unknown") when it is not the sender's. */
int
sctx_load(struct hctx *h, const char *arg, int64_t id, struct sctx *c)
{
	memset(c, 0, sizeof *c);
	int rc = state_session_get(h->db, id, &c->s);
	if (rc == DB_OK)
		rc = state_match_get(h->db, c->s.match_id, &c->m);
	if (db_failed(rc))
		return rc;
	if (rc == DB_NOTFOUND || !h->known ||
	    (!h->staff && c->m.mentee != h->person.id && c->m.mentor != h->person.id)) {
		hctx_reply(h, "session.unknown", "id", arg, NULL);
		return 1;
	}
	if ((rc = who_load(h, c->m.mentee, &c->mentee)) != DB_OK ||
	    (rc = who_load(h, c->m.mentor, &c->mentor)) != DB_OK)
		return rc;
	return 0;
}

/* Load the session the command's first argument names, as sctx_load. */
static int
sctx_load_arg(struct hctx *h, struct sctx *c)
{
	int64_t id = 0;
	hctx_parse_id(h->argv[0], &id);
	return sctx_load(h, h->argv[0], id, c);
}

/* Answer "session #id is <status>". */
void
session_reply_closed(struct hctx *h, const char *arg, const char *status)
{
	char *sk = xasprintf("session.status.%s", status);
	char *st = tmpl_has(h->tmpl, h->lang, sk) ? hctx_text(h, sk, NULL) : xstrdup(status);
	hctx_reply(h, "session.closed", "id", arg, "status", st, NULL);
	free(st);
	free(sk);
}

static void
cancel_jobs(struct hctx *h, int64_t session, int *rc)
{
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "session.remind", session);
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "session.prompt", session);
}

/* The bot's domain for UIDs: the part after '@' of the From address. */
static const char *
bot_domain(const struct hctx *h)
{
	const char *a = h->cfg && h->cfg->smtp.from_addr ? strchr(h->cfg->smtp.from_addr, '@') : NULL;
	return a ? a + 1 : "mentorbot.invalid";
}

/* The iTIP object for c's session in lang (REQUEST, or CANCEL when cancel). Caller frees; NULL on error. */
static char *
session_ical(struct hctx *h, const struct sctx *c, const char *lang, int cancel)
{
	struct ical_person att[2];
	size_t na = 0;
	const struct who *both[2] = {&c->mentee, &c->mentor};
	for (int k = 0; k < 2; k++)
		if (who_mail(both[k])) {
			att[na].addr = who_mail(both[k]);
			att[na].name = who_value(both[k], "name", 1);
			na++;
		}
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->s.id);
	char *n1 = who_name(h, &c->mentee, lang), *n2 = who_name(h, &c->mentor, lang);
	char *summary = hctx_text_in(h, lang, "session.summary", "mentee", n1, "mentor", n2, "id", id, NULL);
	char *desc = hctx_text_in(h, lang, "session.description", "id", id, "done", hctx_cmd_word_in(lang, "done"),
				  "cancel", hctx_cmd_word_in(lang, "cancel"), NULL);
	struct ical_event ev = {0};
	ev.uid = c->s.uid;
	ev.sequence = c->s.sequence;
	ev.start = c->s.start;
	ev.end = c->s.start + (int64_t)c->s.minutes * 60;
	ev.summary = summary;
	ev.location = c->s.place;
	ev.description = desc;
	ev.organizer.addr = h->cfg->smtp.from_addr;
	ev.organizer.name = "MentorBot";
	ev.attendees = att;
	ev.nattendees = na;
	char *out = NULL;
	int rc = cancel ? ical_cancel(&ev, &out) : ical_request(&ev, &out);
	if (rc != ICAL_OK)
		log_warn("session %lld: no calendar object: %s", (long long)c->s.id, ical_strerror(rc));
	free(desc);
	free(summary);
	free(n2);
	free(n1);
	return out;
}

/* ---- session: propose ---- */

/* Where the date starts in the arguments: 1 when the first word is a match id. */
static int
date_word(const struct hctx *h)
{
	return h->argc >= 2 && h_session_is_id(h->argv[0]) ? 1 : 0;
}

static void
reply_when_error(struct hctx *h, int err)
{
	const char *k;
	switch (err) {
	case WHEN_ERR_EMPTY:
	case WHEN_ERR_DATE:
		k = "session.err.date";
		break;
	case WHEN_ERR_BAD_DATE:
		k = "session.err.bad_date";
		break;
	case WHEN_ERR_TIME:
		k = "session.err.time";
		break;
	case WHEN_ERR_AMBIGUOUS:
		k = "session.err.ambiguous";
		break;
	case WHEN_ERR_PAST:
		k = "session.err.past";
		break;
	case WHEN_ERR_NO_SUCH_TIME:
		k = "session.err.no_such_time";
		break;
	case WHEN_ERR_DURATION:
		k = "session.err.duration";
		break;
	default:
		k = "session.err.other";
		break;
	}
	char *why = hctx_text(h, k, NULL);
	hctx_reply(h, "session.bad_when", "error", why, "session", hctx_cmd_word(h, h->cmd), NULL);
	free(why);
}

int
h_session_check(struct hctx *h)
{
	struct when w;
	int rc = when_parse(str_skip_words(h->argline, date_word(h)), now_s(), &w);
	if (rc != WHEN_OK) {
		reply_when_error(h, rc);
		return 1;
	}
	return 0;
}

/* The match the proposal is about; 1 when answered (none, unknown or which one). */
static int
pick_match(struct hctx *h, struct mmatch *m)
{
	memset(m, 0, sizeof *m);
	int64_t id = 0;
	int rc;
	if (date_word(h)) {
		hctx_parse_id(h->argv[0], &id);
		rc = state_match_get(h->db, id, m);
		if (db_failed(rc))
			return rc;
		if (rc == DB_NOTFOUND || strcmp(m->status, "active") != 0 ||
		    (m->mentee != h->person.id && m->mentor != h->person.id)) {
			hctx_reply(h, "session.unknown_match", "id", h->argv[0], NULL);
			return 1;
		}
		return 0;
	}
	int64_t ids[MATCHES_MAX];
	size_t n = 0;
	if ((rc = state_matches_of(h->db, h->person.id, ids, MATCHES_MAX, &n)) != DB_OK)
		return rc;
	if (n == 0) {
		hctx_reply(h, "session.no_match", NULL);
		return 1;
	}
	if (n > 1) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < n && rc == DB_OK; i++) {
			struct mmatch x;
			struct who o = {0};
			if ((rc = state_match_get(h->db, ids[i], &x)) == DB_OK &&
			    (rc = who_load(h, x.mentee == h->person.id ? x.mentor : x.mentee, &o)) == DB_OK) {
				char sid[24];
				snprintf(sid, sizeof sid, "%lld", (long long)ids[i]);
				char *name = who_name(h, &o, h->lang);
				char *line = hctx_text(h, "session.which_match.item", "id", sid, "name", name, NULL);
				buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
				free(line);
				free(name);
			}
			who_free(&o);
			mmatch_free(&x);
		}
		if (rc == DB_OK) {
			char *list = buf_detach(&b);
			hctx_reply(h, "session.which_match", "list", list, "session", hctx_cmd_word(h, h->cmd), NULL);
			free(list);
		} else {
			buf_free(&b);
		}
		return db_failed(rc) ? rc : 1;
	}
	if ((rc = state_match_get(h->db, ids[0], m)) != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	return 0;
}

int
h_session_run(struct hctx *h)
{
	struct sctx c;
	memset(&c, 0, sizeof c);
	int rc = pick_match(h, &c.m);
	if (rc != 0)
		goto out;
	const char *text = str_skip_words(h->argline, date_word(h));
	struct when w;
	if (when_parse(text, now_s(), &w) != WHEN_OK) {
		reply_when_error(h, WHEN_ERR_DATE);
		goto out;
	}
	char *place = str_one_line(text + w.rest, PLACE_MAX);
	if ((rc = who_load(h, c.m.mentee, &c.mentee)) != DB_OK || (rc = who_load(h, c.m.mentor, &c.mentor)) != DB_OK) {
		free(place);
		goto out;
	}
	const struct who *other = session_other_of(&c, h->person.id);
	int64_t sid = 0, *replaced = NULL;
	size_t nrep = 0;
	rc = state_session_add(h->db, c.m.id, h->person.id, w.start, w.minutes, place, bot_domain(h),
			       who_mail(other) ? h->reply_msgid : NULL, &sid);
	free(place);
	if (rc == DB_OK)
		rc = state_session_replace_proposed(h->db, c.m.id, sid, &replaced, &nrep);
	free(replaced);
	if (rc == DB_OK)
		rc = state_session_get(h->db, sid, &c.s);
	if (rc != DB_OK)
		goto out;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)sid);
	/* the other side: the proposal, in their language */
	const struct who *me = session_other_of(&c, other->p.id);
	char *myname = who_name(h, me, other->lang), *when = session_when_text(h, &c.s, other->lang);
	char *where = session_where_text(h, &c.s, other->lang);
	const char *conf = hctx_cmd_word_in(other->lang, "confirm"), *ses = hctx_cmd_word_in(other->lang, "session");
	char *subject = hctx_text_in(h, other->lang, "session.proposal.subject", "id", id, "name", myname, NULL);
	char *body = hctx_text_in(h, other->lang, "session.proposal", "id", id, "name", myname, "when", when, "where",
				  where, "confirm", conf, "session", ses, NULL);
	char *chat = hctx_text_in(h, other->lang, "session.proposal.chat", "id", id, "name", myname, "when", when,
				  "where", where, "confirm", conf, NULL);
	if (session_tell(h, other, "session.mail.proposal", subject, body, chat, NULL, NULL))
		hctx_reply_last_to_front(h);
	free(chat);
	free(body);
	free(subject);
	free(where);
	free(when);
	free(myname);
	/* the proposer */
	char *oname = who_name(h, other, h->lang);
	when = session_when_text(h, &c.s, h->lang);
	where = session_where_text(h, &c.s, h->lang);
	hctx_reply(h, "session.proposed", "id", id, "name", oname, "when", when, "where", where, NULL);
	free(where);
	free(when);
	free(oname);
	log_info("session %lld proposed for match %lld by person %lld", (long long)sid, (long long)c.m.id,
		 (long long)h->person.id);
out:
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}

/* ---- confirm ---- */

int
session_do_confirm(struct hctx *h, struct sctx *c, const char *arg)
{
	int rc = state_session_set_status(h->db, c->s.id, "proposed", "confirmed");
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	int64_t now = now_s(), end = c->s.start + (int64_t)c->s.minutes * 60;
	if (c->s.start - SESSION_REMIND_BEFORE > now)
		rc = state_job_put(h->db, "session.remind", c->s.id, c->s.start - SESSION_REMIND_BEFORE, NULL);
	if (rc == DB_OK)
		rc = state_job_put(h->db, "session.prompt", c->s.id, end, NULL);
	if (rc != DB_OK)
		return rc;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->s.id);
	const struct who *both[2] = {&c->mentee, &c->mentor};
	for (int k = 0; k < 2 && rc == DB_OK; k++) {
		const struct who *to = both[k], *about = session_other_of(c, to->p.id);
		char *cal = session_ical(h, c, to->lang, 0);
		if (!cal && who_mail(to)) {
			rc = DB_ERR;
			break;
		}
		char *n = who_name(h, about, to->lang), *when = session_when_text(h, &c->s, to->lang);
		char *where = session_where_text(h, &c->s, to->lang);
		char *subject =
			hctx_text_in(h, to->lang, "session.invite.subject", "id", id, "name", n, "when", when, NULL);
		char *body = hctx_text_in(h, to->lang, "session.invite", "id", id, "name", n, "when", when, "where",
					  where, "cancel", hctx_cmd_word_in(to->lang, "cancel"), NULL);
		char *chat = hctx_text_in(h, to->lang, "session.invite.chat", "id", id, "name", n, "when", when, NULL);
		session_tell(h, to, "session.mail.invite", subject, body, chat, cal, "REQUEST");
		free(chat);
		free(body);
		free(subject);
		free(where);
		free(when);
		free(n);
		free(cal);
	}
	if (rc != DB_OK)
		return rc;
	const struct who *other = session_other_of(c, h->person.id);
	char *n = who_name(h, other, h->lang), *when = session_when_text(h, &c->s, h->lang);
	hctx_reply(h, "session.confirmed", "id", arg, "name", n, "when", when, NULL);
	free(when);
	free(n);
	log_info("session %lld confirmed", (long long)c->s.id);
	return DB_OK;
}

/* Confirm session h->argv[0] (the number form of "confirm"). */
int
h_session_confirm_run(struct hctx *h)
{
	struct sctx c;
	int rc = sctx_load_arg(h, &c);
	if (rc != 0)
		goto out;
	if (strcmp(c.s.status, "confirmed") == 0) {
		char *when = session_when_text(h, &c.s, h->lang);
		hctx_reply(h, "session.already_confirmed", "id", h->argv[0], "when", when, NULL);
		free(when);
		goto out;
	}
	if (strcmp(c.s.status, "proposed") != 0) {
		session_reply_closed(h, h->argv[0], c.s.status);
		goto out;
	}
	if (c.s.proposer == h->person.id && !h->staff) {
		char *n = who_name(h, session_other_of(&c, h->person.id), h->lang);
		hctx_reply(h, "session.confirm.own", "id", h->argv[0], "name", n, NULL);
		free(n);
		goto out;
	}
	rc = session_do_confirm(h, &c, h->argv[0]);
out:
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}

/* ---- cancel ---- */

int
h_session_id_check(struct hctx *h)
{
	if (!h_session_is_id(h->argv[0])) {
		hctx_reply(h, "session.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	return 0;
}

int
h_session_cancel_run(struct hctx *h)
{
	struct sctx c;
	int rc = sctx_load_arg(h, &c);
	if (rc != 0)
		goto out;
	int was_confirmed = strcmp(c.s.status, "confirmed") == 0;
	if (!was_confirmed && strcmp(c.s.status, "proposed") != 0) {
		session_reply_closed(h, h->argv[0], c.s.status);
		goto out;
	}
	int seq = 0;
	if ((rc = state_session_cancel(h->db, c.s.id, &seq)) != DB_OK) {
		rc = rc == DB_NOTFOUND ? DB_ERR : rc;
		goto out;
	}
	c.s.sequence = seq;
	cancel_jobs(h, c.s.id, &rc);
	if (rc != DB_OK)
		goto out;
	/* a confirmed session is in both calendars: both get the CANCEL; a proposal only concerns the other */
	const struct who *both[2] = {&c.mentee, &c.mentor};
	for (int k = 0; k < 2 && rc == DB_OK; k++) {
		const struct who *to = both[k];
		if (!was_confirmed && to->p.id == h->person.id)
			continue;
		char *cal = was_confirmed ? session_ical(h, &c, to->lang, 1) : NULL;
		if (was_confirmed && !cal && who_mail(to)) {
			rc = DB_ERR;
			break;
		}
		char sid[24];
		snprintf(sid, sizeof sid, "%lld", (long long)c.s.id);
		/* who cancelled, as the recipient reads it */
		const struct who *by = h->person.id == c.mentee.p.id ? &c.mentee : &c.mentor;
		char *n = who_name(h, by, to->lang);
		char *when = session_when_text(h, &c.s, to->lang);
		char *s = hctx_text_in(h, to->lang, "session.cancel.subject", "id", sid, "when", when, NULL);
		char *t = hctx_text_in(h, to->lang, "session.cancel.notice", "id", sid, "name", n, "when", when, NULL);
		session_tell(h, to, was_confirmed ? "session.mail.cancel" : "session.mail.notice", s, t, t, cal,
			     "CANCEL");
		free(t);
		free(s);
		free(when);
		free(n);
		free(cal);
	}
	if (rc == DB_OK) {
		hctx_reply(h, "session.cancelled", "id", h->argv[0], NULL);
		log_info("session %lld cancelled (sequence %d)", (long long)c.s.id, seq);
	}
out:
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}

/* ---- done ---- */

/* Log session c as held: minutes (<= 0: as planned) and note; tells the other side. */
int
session_do_done(struct hctx *h, struct sctx *c, const char *arg, int minutes, const char *note_in)
{
	if (strcmp(c->s.status, "confirmed") != 0 && strcmp(c->s.status, "done") != 0) {
		session_reply_closed(h, arg, c->s.status);
		return DB_OK;
	}
	if (c->s.start > now_s()) {
		char *when = session_when_text(h, &c->s, h->lang);
		hctx_reply(h, "session.done.not_yet", "id", arg, "when", when, NULL);
		free(when);
		return DB_OK;
	}
	if (minutes <= 0)
		minutes = c->s.minutes;
	char *note = str_one_line(note_in, NOTE_MAX);
	int rc = state_session_done(h->db, c->s.id, minutes, note);
	if (rc == DB_NOTFOUND)
		rc = DB_ERR;
	cancel_jobs(h, c->s.id, &rc);
	free(note);
	if (rc != DB_OK)
		return rc;
	char mins[16], id[24];
	snprintf(mins, sizeof mins, "%d", minutes);
	snprintf(id, sizeof id, "%lld", (long long)c->s.id);
	if (h->known && (h->person.id == c->mentee.p.id || h->person.id == c->mentor.p.id) &&
	    strcmp(c->s.status, "done") != 0) {
		const struct who *to = session_other_of(c, h->person.id), *by = session_other_of(c, to->p.id);
		char *n = who_name(h, by, to->lang);
		char *s = hctx_text_in(h, to->lang, "session.logged.subject", "id", id, NULL);
		char *t =
			hctx_text_in(h, to->lang, "session.logged.notice", "id", id, "name", n, "minutes", mins, NULL);
		session_tell(h, to, "session.mail.notice", s, t, t, NULL, NULL);
		free(t);
		free(s);
		free(n);
	}
	hctx_reply(h, "session.done", "id", arg, "minutes", mins, NULL);
	log_info("session %lld logged: %d minutes", (long long)c->s.id, minutes);
	return DB_OK;
}

/* "45", "45min", "45 Minuten" as the first word → minutes (1..1440), else 0. */
static int
minutes_word(const char *w)
{
	char *end;
	long v = strtol(w, &end, 10);
	if (end == w || v <= 0 || v > WHEN_MAX_MINUTES)
		return 0;
	if (*end && strcasecmp(end, "min") != 0 && strcasecmp(end, "m") != 0)
		return 0;
	return (int)v;
}

int
h_session_done_run(struct hctx *h)
{
	struct sctx c;
	int rc = sctx_load_arg(h, &c);
	if (rc == 0) {
		int minutes = h->argc > 1 ? minutes_word(h->argv[1]) : 0;
		const char *note = str_skip_words(h->argline, minutes > 0 ? 2 : 1);
		/* "45 Minuten …": the unit word is not part of the note */
		if (minutes > 0 && h->argc > 2 && (strncasecmp(h->argv[2], "min", 3) == 0))
			note = str_skip_words(h->argline, 3);
		rc = session_do_done(h, &c, h->argv[0], minutes, note);
	}
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}
