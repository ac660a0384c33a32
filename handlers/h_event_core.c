/*
 * h_event_core.c - what the parts of the event handler share: dates and ids
 * as text, the audience (rooms and people) an event goes to, the calendar
 * object and the invitation mail, telling a person, promoting from the
 * waiting list, and recording an answer.  See h_event.c for the design.
 * Runs inside the caller's transaction (any thread that holds it).
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

/* ---- small helpers ---- */

void
ev_fmt_id(char out[24], int64_t v)
{
	snprintf(out, 24, "%lld", (long long)v);
}

const char *
ev_domain(const struct config *cfg)
{
	const char *a = cfg && cfg->smtp.from_addr ? strchr(cfg->smtp.from_addr, '@') : NULL;
	return a ? a + 1 : "mentorbot.invalid";
}

int
ev_lang_de(const char *lang)
{
	return lang && strcmp(lang, "de") == 0;
}

/* "10.12.2026" / "2026-12-10" and "18:00" of t in lang. */
void
ev_date_time(int64_t t, const char *lang, char date[32], char tm[16])
{
	struct when_tm a;
	if (when_epoch_to_local(t, &a) != 0) {
		snprintf(date, 32, "?");
		snprintf(tm, 16, "?");
		return;
	}
	if (ev_lang_de(lang))
		snprintf(date, 32, "%02d.%02d.%04d", a.day, a.mon, a.year);
	else
		snprintf(date, 32, "%04d-%02d-%02d", a.year, a.mon, a.day);
	snprintf(tm, 16, "%02d:%02d", a.hour, a.min);
}

/* "10.12.2026, 18:00–20:00" in lang.  Caller frees. */
char *
ev_when(const struct hctx *h, const struct event *ev, const char *lang)
{
	char date[32], start[16], d2[32], end[16];
	ev_date_time(ev->start, lang, date, start);
	ev_date_time(ev->end, lang, d2, end);
	return hctx_text_in(h, lang, "event.when", "date", date, "start", start, "end", end, "tz", ICAL_TZID, NULL);
}

/* Place, link and description lines ("" when none).  Caller frees. */
static char *
ev_details(const struct hctx *h, const struct event *ev, const char *lang)
{
	struct buf b = BUF_INIT;
	if (ev->place && *ev->place) {
		char *l = hctx_text_in(h, lang, "event.line.place", "place", ev->place, NULL);
		buf_addf(&b, "%s\n", l);
		free(l);
	}
	if (ev->url && *ev->url) {
		char *l = hctx_text_in(h, lang, "event.line.link", "url", ev->url, NULL);
		buf_addf(&b, "%s\n", l);
		free(l);
	}
	if (ev->description && *ev->description)
		buf_addf(&b, "\n%s\n", ev->description);
	while (b.len && b.p[b.len - 1] == '\n')
		b.p[--b.len] = '\0';
	return buf_detach(&b);
}

/* Everything a text about ev needs, in one language. */

void
evtext_make(const struct hctx *h, const struct event *ev, const char *lang, struct evtext *t)
{
	ev_fmt_id(t->id, ev->id);
	t->when = ev_when(h, ev, lang);
	t->details = ev_details(h, ev, lang);
}

void
evtext_free(struct evtext *t)
{
	free(t->when);
	free(t->details);
	memset(t, 0, sizeof *t);
}

int
h_event_person_label(struct hctx *h, int64_t person, char **name, char **addr)
{
	struct who w;
	*name = *addr = NULL;
	int rc = who_load(h, person, &w);
	if (rc != DB_OK) {
		who_free(&w);
		return rc;
	}
	for (size_t i = 0; i < w.npf && !*name; i++)
		if (strcmp(w.pf[i].field, "name") == 0 && w.pf[i].value && *w.pf[i].value)
			*name = xstrdup(w.pf[i].value);
	if (!*name && w.p.name && *w.p.name)
		*name = xstrdup(w.p.name);
	for (size_t i = 0; i < w.neps && !*addr; i++)
		if (w.eps[i].verified && strcmp(w.eps[i].kind, "mail") == 0)
			*addr = xstrdup(w.eps[i].addr);
	/* a "name" that is only one of the person's addresses is no name */
	for (size_t i = 0; i < w.neps && *name; i++)
		if (w.eps[i].addr && strcasecmp(*name, w.eps[i].addr) == 0) {
			free(*name);
			*name = NULL;
		}
	if (*name && *addr && strcasecmp(*name, *addr) == 0) {
		free(*name);
		*name = NULL;
	}
	who_free(&w);
	return DB_OK;
}

/* How a staff list shows a person: "Name <address>", or the address (or the
 * name) alone when there is only one of them.  Caller frees. */
char *
ev_person_display(const char *name, const char *addr)
{
	if (name && addr)
		return xasprintf("%s <%s>", name, addr);
	return xstrdup(name ? name : addr ? addr : "?");
}

/* The claim job's ref: one job per promotion. */
static int64_t
ev_claim_ref(int64_t event, int64_t person)
{
	return (person << 32) | (event & 0xffffffffLL);
}

/* ---- the audience: rooms and people ---- */

void
ev_audience_free(struct ev_audience *a)
{
	for (size_t i = 0; i < a->nrooms; i++) {
		free(a->rooms[i].kind);
		free(a->rooms[i].addr);
	}
	free(a->rooms);
	recipients_free(a->people, a->npeople);
	memset(a, 0, sizeof *a);
}

/* Add the recipients v (taken over) to a, once per person. */
static void
audience_add_people(struct ev_audience *a, struct recipient *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int dup = 0;
		for (size_t j = 0; j < a->npeople && !dup; j++)
			dup = a->people[j].person == v[i].person;
		if (dup) {
			free(v[i].addr);
			free(v[i].lang);
			continue;
		}
		a->people = xrealloc(a->people, (a->npeople + 1) * sizeof *a->people);
		a->people[a->npeople++] = v[i];
	}
	free(v);
}

static void
audience_add_room(struct ev_audience *a, const char *kind, const char *addr)
{
	for (size_t i = 0; i < a->nrooms; i++)
		if (strcmp(a->rooms[i].kind, kind) == 0 && strcmp(a->rooms[i].addr, addr) == 0)
			return;
	a->rooms = xrealloc(a->rooms, (a->nrooms + 1) * sizeof *a->rooms);
	a->rooms[a->nrooms].kind = xstrdup(kind);
	a->rooms[a->nrooms].addr = xstrdup(addr);
	a->nrooms++;
}

static int
audience_add_programme(struct hctx *h, struct ev_audience *a, const char *programme)
{
	struct recipient *v;
	size_t n;
	int rc = state_audience_mail(h->db, programme, &v, &n);
	if (rc != DB_OK)
		return rc;
	audience_add_people(a, v, n);
	return DB_OK;
}

/* Rooms and people of audience name: a programme, "all", and/or a group of that name. */
int
ev_audience_resolve(struct hctx *h, const char *name, struct ev_audience *a)
{
	memset(a, 0, sizeof *a);
	int rc = DB_OK;
	if (strcmp(name, "all") == 0)
		rc = audience_add_programme(h, a, NULL);
	else if (state_programme_exists(h->db, name, NULL) == DB_OK)
		rc = audience_add_programme(h, a, name);
	char *members = rc == DB_OK ? group_members(h->db, h->cfg, name) : NULL;
	if (!members && rc == DB_OK && strcmp(name, "all") == 0 && h->cfg) {
		/* everyone, and no group of that name: every room the bot sits in (a Matrix
		 * room bridged to one of its XMPP rooms hears the post through the bridge) */
		for (size_t i = 0; i < h->cfg->xmpp.rooms.n; i++)
			audience_add_room(a, "xmpp", h->cfg->xmpp.rooms.v[i]);
		for (size_t i = 0; i < h->cfg->matrix.rooms.n; i++) {
			int bridged = 0;
			for (size_t k = 0; k + 1 < h->cfg->bridge.pairs.n; k += 2)
				bridged |= strcmp(h->cfg->bridge.pairs.v[k + 1], h->cfg->matrix.rooms.v[i]) == 0;
			if (!bridged)
				audience_add_room(a, "matrix", h->cfg->matrix.rooms.v[i]);
		}
	}
	if (members) {
		struct strlist l = {NULL, 0};
		strlist_split(&l, members, ',');
		for (size_t i = 0; rc == DB_OK && i < l.n; i++) {
			const char *m = l.v[i];
			if (strncmp(m, "xmpp:", 5) == 0 || strncmp(m, "matrix:", 7) == 0) {
				char *kind = xstrndup(m, (size_t)(strchr(m, ':') - m));
				audience_add_room(a, kind, strchr(m, ':') + 1);
				free(kind);
			} else if (strncmp(m, "members:", 8) == 0) {
				rc = audience_add_programme(h, a, strcmp(m + 8, "all") == 0 ? NULL : m + 8);
			} else if (strchr(m, '@')) {
				struct person p;
				char *addr = xstrdup(m);
				str_lower_ascii(addr);
				int prc = state_person_by_endpoint(h->db, "mail", addr, &p);
				if (prc == DB_OK) {
					struct recipient *r = xcalloc(1, sizeof *r);
					r->person = p.id;
					r->addr = addr;
					r->lang = xstrdup(p.lang);
					addr = NULL;
					audience_add_people(a, r, 1);
				} else if (db_failed(prc)) {
					rc = prc;
				} else {
					log_info("event audience %s: %s is nobody the bot knows; not invited", name,
						 LOG_WHO(m));
				}
				person_free(&p);
				free(addr);
			}
		}
		strlist_free(&l);
		free(members);
	}
	return rc;
}

/* 1 if audience name exists (a programme, "all" or a group). */
int
ev_audience_exists(struct hctx *h, const char *name)
{
	if (strcmp(name, "all") == 0 || state_programme_exists(h->db, name, NULL) == DB_OK)
		return 1;
	char *m = group_members(h->db, h->cfg, name);
	free(m);
	return m != NULL;
}

/* May person answer ev?  Invited, or belonging to its audience (a room audience: any member). */
int
ev_may_answer(struct hctx *h, const struct event *ev, int64_t person, int *ok)
{
	*ok = 0;
	int rc = state_invitation_get(h->db, ev->id, person, NULL);
	if (rc != DB_NOTFOUND) {
		*ok = rc == DB_OK;
		return db_failed(rc) ? rc : DB_OK;
	}
	struct ev_audience a;
	rc = ev_audience_resolve(h, ev->audience, &a);
	if (rc == DB_OK) {
		*ok = a.nrooms > 0;
		for (size_t i = 0; i < a.npeople && !*ok; i++)
			*ok = a.people[i].person == person;
	}
	ev_audience_free(&a);
	return rc;
}

/* ---- the calendar object ---- */

/* REQUEST (or CANCEL) for one attendee.  Caller frees; NULL on error (logged). */
static char *
ev_ical(struct hctx *h, const struct event *ev, const char *attendee, int cancel)
{
	struct ical_person att = {attendee, NULL};
	struct ical_event ie = {0};
	/* ORGANIZER is the attendee's own keyed plus-address of the bot: a calendar's
	 * Accept/Decline goes there, and so proves who pressed it */
	char purpose[32];
	snprintf(purpose, sizeof purpose, "ev%lld", (long long)ev->id);
	char *organizer = hctx_plus_addr(h, purpose, attendee);
	ie.uid = ev->uid;
	ie.sequence = ev->sequence;
	ie.start = ev->start;
	ie.end = ev->end;
	ie.summary = ev->title;
	ie.location = ev->place;
	ie.url = ev->url;
	ie.description = ev->description;
	ie.organizer.addr = organizer;
	ie.organizer.name = "MentorBot";
	ie.attendees = &att;
	ie.nattendees = 1;
	char *out = NULL;
	int rc = cancel ? ical_cancel(&ie, &out) : ical_request(&ie, &out);
	if (rc != ICAL_OK)
		log_warn("event %lld: no calendar object for %s: %s", (long long)ev->id, LOG_WHO(attendee),
			 ical_strerror(rc));
	free(organizer);
	return out;
}

/* Queue one personal mail about ev (invite, update or cancel) to person at addr. */
int
ev_mail(struct hctx *h, const struct event *ev, int64_t person, const char *addr, const char *lang, const char *key,
	const char *changes, int64_t not_before)
{
	int cancel = strcmp(key, "event.cancel") == 0;
	char *cal = ev_ical(h, ev, addr, cancel);
	if (!cal)
		return DB_ERR;
	/* the id and both addresses are keyed to the person: a reply through any of them proves
	 * that its sender got this mail */
	char base[80], purpose[32];
	snprintf(base, sizeof base, "ev%lld.%lld.%d", (long long)ev->id, (long long)person, ev->sequence);
	snprintf(purpose, sizeof purpose, "ev%lld", (long long)ev->id);
	char *msgid = hctx_msgid(h, base);
	char *reply_to = hctx_plus_addr(h, purpose, addr);
	char *leave = hctx_plus_addr(h, "leave", addr);
	char *unsub = xasprintf("<mailto:%s?subject=leave>", leave);
	free(leave);
	char nb[24] = "";
	if (not_before > 0)
		ev_fmt_id(nb, not_before);
	struct evtext t;
	evtext_make(h, ev, lang, &t);
	const char *yes = hctx_cmd_word_in(lang, "attend"), *no = hctx_cmd_word_in(lang, "regret");
	hctx_reply_to(h, "mail", addr, key, "id", t.id, "title", ev->title, "when", t.when, "details", t.details,
		      "changes", changes ? changes : "", "attend", yes, "regret", no, "lang", lang, "calendar", cal,
		      "calendar_method", cancel ? "CANCEL" : "REQUEST", "message_id", msgid, "reply_to", reply_to,
		      "kind", "invite", /* paced by announce_rate (state.h) */
		      "list_unsubscribe", unsub, "auto_submitted", "auto-generated", "not_before", nb, NULL);
	int rc = state_invitation_put(h->db, ev->id, person, addr, msgid, ev->sequence);
	evtext_free(&t);
	free(unsub);
	free(reply_to);
	free(msgid);
	free(cal);
	return rc;
}

/* Language of person (their choice, else the default). */
const char *
ev_person_lang(struct hctx *h, int64_t person)
{
	struct person p;
	const char *lang = hctx_default_lang(h);
	if (state_person_get(h->db, person, &p) == DB_OK && p.lang)
		lang = strcmp(p.lang, "de") == 0 ? "de" : "en";
	person_free(&p);
	return lang;
}

/* Tell person (mail key + chat key on every linked chat). */
int
ev_tell_person(struct hctx *h, const struct event *ev, int64_t person, const char *mail_key, const char *chat_key,
	       const char *claim)
{
	struct who w;
	int rc = who_load(h, person, &w);
	if (rc != DB_OK) {
		who_free(&w);
		return rc;
	}
	struct invitation inv;
	const char *addr = NULL;
	if (state_invitation_get(h->db, ev->id, person, &inv) == DB_OK)
		addr = inv.address;
	for (size_t i = 0; i < w.neps && !addr; i++)
		if (w.eps[i].verified && strcmp(w.eps[i].kind, "mail") == 0)
			addr = w.eps[i].addr;
	if (!hctx_transport_on(h, "mail"))
		addr = NULL; /* no [smtp]: the chat copies below only */
	struct evtext t;
	evtext_make(h, ev, w.lang, &t);
	const char *yes = hctx_cmd_word_in(w.lang, "attend"), *no = hctx_cmd_word_in(w.lang, "regret");
	if (addr) {
		/* a plain "no" in reply to it reaches the event through the person's plus-address */
		char purpose[32];
		snprintf(purpose, sizeof purpose, "ev%lld", (long long)ev->id);
		char *reply_to = hctx_plus_addr(h, purpose, addr);
		hctx_reply_to(h, "mail", addr, mail_key, "id", t.id, "title", ev->title, "when", t.when, "details",
			      t.details, "claim", claim ? claim : "", "attend", yes, "regret", no, "lang", w.lang,
			      "reply_to", reply_to, NULL);
		free(reply_to);
	}
	for (size_t i = 0; chat_key && i < w.neps; i++) {
		const struct endpoint *e = &w.eps[i];
		if (!e->verified || strcmp(e->kind, "mail") == 0)
			continue;
		hctx_reply_to(h, e->kind, e->addr, chat_key, "id", t.id, "title", ev->title, "when", t.when, "claim",
			      claim ? claim : "", "attend", yes, "regret", no, "lang", w.lang, NULL);
	}
	evtext_free(&t);
	free(inv.address);
	free(inv.msgid);
	who_free(&w);
	return DB_OK;
}

/* Promote waiting people while seats are free; each is told. */
int
ev_promote_waiting(struct hctx *h, const struct event *ev)
{
	int rc = DB_OK;
	for (int guard = 0; guard < 10000; guard++) {
		int64_t now = now_s(), person = 0;
		int64_t until = ev->claim_hours > 0 ? now + (int64_t)ev->claim_hours * 3600 : 0;
		rc = state_rsvp_promote(h->db, ev->id, ev->capacity, until, &person);
		if (rc == DB_NOTFOUND)
			return DB_OK;
		if (rc != DB_OK)
			return rc;
		char *claim = NULL;
		const char *lang = ev_person_lang(h, person);
		if (until) {
			char date[32], tm[16];
			ev_date_time(until, lang, date, tm);
			char id[24];
			ev_fmt_id(id, ev->id);
			claim = hctx_text_in(h, lang, "event.promoted.claim", "date", date, "time", tm, "id", id,
					     "attend", hctx_cmd_word_in(lang, "attend"), NULL);
			rc = state_job_put(h->db, "event.claim", ev_claim_ref(ev->id, person), until, NULL);
		}
		if (rc == DB_OK)
			rc = ev_tell_person(h, ev, person, "event.promoted", "event.promoted.chat", claim);
		free(claim);
		log_info("event %lld: person %lld moved up from the waiting list", (long long)ev->id,
			 (long long)person);
		if (rc != DB_OK)
			return rc;
	}
	return rc;
}

int
h_event_seat_freed(struct hctx *h, int64_t id)
{
	struct event ev;
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_NOTFOUND)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	if (strcmp(ev.status, "announced") == 0)
		rc = ev_promote_waiting(h, &ev);
	event_free(&ev);
	return rc;
}

/* ---- answering ---- */

/* Record person's answer to ev and queue the confirmation to the sender.
 * guests < 0: keep the earlier number. */
int
ev_rsvp_apply(struct hctx *h, const struct event *ev, int64_t person, const char *answer, int guests,
	      const char *comment, const char *via, int itip_seq)
{
	char id[24];
	ev_fmt_id(id, ev->id);
	if (strcmp(ev->status, "announced") != 0 || ev->end < now_s()) {
		hctx_reply(h, "event.rsvp.closed", "id", id, "title", ev->title, NULL);
		return DB_OK;
	}
	struct rsvp old;
	int rc = state_rsvp_get(h->db, ev->id, person, &old);
	if (db_failed(rc))
		return rc;
	int had = rc == DB_OK;
	if (guests < 0)
		guests = had ? old.guests : 0;
	if (strcmp(answer, "yes") != 0)
		guests = 0;
	if (guests > ev->guests)
		guests = ev->guests;
	char *cmt = comment && *comment ? str_one_line(comment, COMMENT_MAX) : NULL;
	char *when = ev_when(h, ev, h->lang);
	char g[16];
	snprintf(g, sizeof g, "%d", guests);
	if (had && strcmp(old.answer, answer) == 0 && old.guests == guests && old.claim_until == 0) {
		rc = state_rsvp_set_comment(h->db, ev->id, person, cmt, via, itip_seq);
		char *sk = xasprintf("event.status.%s", old.status);
		char *st = hctx_text(h, sk, NULL);
		hctx_reply(h, "event.rsvp.unchanged", "id", id, "title", ev->title, "when", when, "status", st, NULL);
		free(st);
		free(sk);
		goto out;
	}
	int was_going = had && strcmp(old.status, "going") == 0;
	int old_seats = was_going ? 1 + old.guests : 0;
	if ((rc = state_rsvp_set(h->db, ev->id, person, answer, guests, cmt, via, itip_seq, ev->capacity)) != DB_OK)
		goto out;
	if (had && old.claim_until)
		rc = state_job_cancel(h->db, "event.claim", ev_claim_ref(ev->id, person));
	struct rsvp now;
	if (rc == DB_OK && (rc = state_rsvp_get(h->db, ev->id, person, &now)) != DB_OK) {
		rsvp_free(&now);
		rc = rc == DB_NOTFOUND ? DB_ERR : rc;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	const char *regret = hctx_cmd_word(h, cmd_by_name("regret")), *attend = hctx_cmd_word(h, cmd_by_name("attend"));
	if (strcmp(now.status, "going") == 0) {
		char *gl = guests > 0 ? hctx_text(h, "event.rsvp.guests", "guests", g, NULL) : xstrdup("");
		hctx_reply(h, "event.rsvp.yes", "id", id, "title", ev->title, "when", when, "guests", gl, "regret",
			   regret, NULL);
		free(gl);
	} else if (strcmp(now.status, "waiting") == 0) {
		int pos = 0;
		rc = state_rsvp_position(h->db, ev->id, person, &pos);
		char p[16];
		snprintf(p, sizeof p, "%d", pos);
		hctx_reply(h, "event.rsvp.waiting", "id", id, "title", ev->title, "when", when, "position", p, "regret",
			   regret, NULL);
	} else if (strcmp(now.status, "declined") == 0) {
		hctx_reply(h, "event.rsvp.no", "id", id, "title", ev->title, "when", when, "attend", attend, NULL);
	} else {
		hctx_reply(h, "event.rsvp.maybe", "id", id, "title", ev->title, "when", when, "attend", attend,
			   "regret", regret, NULL);
	}
	log_info("event %lld: person %lld answered %s (%s, via %s)", (long long)ev->id, (long long)person, answer,
		 now.status, via);
	if (rc == DB_OK && was_going && (strcmp(now.status, "going") != 0 || 1 + now.guests < old_seats))
		rc = ev_promote_waiting(h, ev);
	rsvp_free(&now);
out:
	if (had)
		rsvp_free(&old);
	free(when);
	free(cmt);
	return rc;
}
