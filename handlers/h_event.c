/*
 * h_event.c - events and RSVP (issue 5): staff create, change, send and
 * cancel an event ("announce", by mail, chat or the CLI); members answer by
 * replying to the invitation (words or the calendar's Accept button, an
 * iTIP REPLY) or in chat ("rsvp", "zusage", "absage", "vielleicht"); the
 * waiting list, promotions with a claim deadline, the reminder, and the
 * staff lists ("attendees", "attended").
 *
 * Like the other handlers: pure functions over the state API (state/events.h)
 * inside the caller's transaction, replies queued with hctx_reply*.  Every
 * invitation is one mail of its own per person: Message-ID
 * "ev<id>.<person>.<sequence>.<keyed tag>@<domain>" (so a reply to any
 * version of it names the event), Reply-To and ORGANIZER the person's keyed
 * plus-address "<bot>+ev<id>.<tag>@<domain>" (bot/keyed.h: a reply through
 * it proves who sent it), a text/calendar REQUEST with that person as the
 * only ATTENDEE and the stable UID "event-<id>-<token>@<domain>".
 *
 * Jobs: "event.remind" (ref = event id) at start − remind_hours to everyone
 * going; "event.claim" (ref = person id << 32 | event id, one per promotion,
 * so a promotion made while a claim job runs gets its own job) lapses an
 * unconfirmed promotion and promotes the next one waiting.
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
#include "bot/mime.h"
#include "bot/post.h"
#include "bot/rsvp_text.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "bot/words.h"
#include "handlers/h_event.h"
#include "handlers/handlers.h"
#include "state/events.h"

#define TITLE_MAX 200
#define PLACE_MAX 200
#define URL_MAX 500
#define DESC_MAX 2000
#define COMMENT_MAX RSVP_COMMENT_MAX
#define DEFAULT_HOURS 2

/* ---- small helpers ---- */

static void
fmt_id(char out[24], int64_t v)
{
	snprintf(out, 24, "%lld", (long long)v);
}

const char *
ev_domain(const struct config *cfg)
{
	const char *a = cfg && cfg->smtp.from_addr ? strchr(cfg->smtp.from_addr, '@') : NULL;
	return a ? a + 1 : "mentorbot.invalid";
}

static int
is_lang_de(const char *lang)
{
	return lang && strcmp(lang, "de") == 0;
}

/* "10.12.2026" / "2026-12-10" and "18:00" of t in lang. */
static void
fmt_date_time(int64_t t, const char *lang, char date[32], char tm[16])
{
	struct when_tm a;
	if (when_epoch_to_local(t, &a) != 0) {
		snprintf(date, 32, "?");
		snprintf(tm, 16, "?");
		return;
	}
	if (is_lang_de(lang))
		snprintf(date, 32, "%02d.%02d.%04d", a.day, a.mon, a.year);
	else
		snprintf(date, 32, "%04d-%02d-%02d", a.year, a.mon, a.day);
	snprintf(tm, 16, "%02d:%02d", a.hour, a.min);
}

/* "10.12.2026, 18:00–20:00" in lang.  Caller frees. */
static char *
ev_when(const struct hctx *h, const struct event *ev, const char *lang)
{
	char date[32], start[16], d2[32], end[16];
	fmt_date_time(ev->start, lang, date, start);
	fmt_date_time(ev->end, lang, d2, end);
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
struct evtext {
	char id[24];
	char *when;
	char *details;
};

static void
evtext_make(const struct hctx *h, const struct event *ev, const char *lang, struct evtext *t)
{
	fmt_id(t->id, ev->id);
	t->when = ev_when(h, ev, lang);
	t->details = ev_details(h, ev, lang);
}

static void
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
static char *
person_display(const char *name, const char *addr)
{
	if (name && addr)
		return xasprintf("%s <%s>", name, addr);
	return xstrdup(name ? name : addr ? addr : "?");
}

/* The claim job's ref: one job per promotion. */
static int64_t
claim_ref(int64_t event, int64_t person)
{
	return (person << 32) | (event & 0xffffffffLL);
}

/* ---- the audience: rooms and people ---- */

struct room {
	char *kind; /* xmpp, matrix */
	char *addr;
};

struct audience {
	struct room *rooms;
	size_t nrooms;
	struct recipient *people; /* one per person (the first verified mail address) */
	size_t npeople;
};

static void
audience_free(struct audience *a)
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
audience_add_people(struct audience *a, struct recipient *v, size_t n)
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
audience_add_room(struct audience *a, const char *kind, const char *addr)
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
audience_add_programme(struct hctx *h, struct audience *a, const char *programme)
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
static int
audience_resolve(struct hctx *h, const char *name, struct audience *a)
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
				} else if (prc < 0) {
					rc = prc;
				} else {
					log_info("event audience %s: %s is nobody the bot knows; not invited", name, m);
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
static int
audience_exists(struct hctx *h, const char *name)
{
	if (strcmp(name, "all") == 0 || state_programme_exists(h->db, name, NULL) == DB_OK)
		return 1;
	char *m = group_members(h->db, h->cfg, name);
	free(m);
	return m != NULL;
}

/* May person answer ev?  Invited, or belonging to its audience (a room audience: any member). */
static int
may_answer(struct hctx *h, const struct event *ev, int64_t person, int *ok)
{
	*ok = 0;
	int rc = state_invitation_get(h->db, ev->id, person, NULL);
	if (rc != DB_NOTFOUND) {
		*ok = rc == DB_OK;
		return rc < 0 ? rc : DB_OK;
	}
	struct audience a;
	rc = audience_resolve(h, ev->audience, &a);
	if (rc == DB_OK) {
		*ok = a.nrooms > 0;
		for (size_t i = 0; i < a.npeople && !*ok; i++)
			*ok = a.people[i].person == person;
	}
	audience_free(&a);
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
		log_warn("event %lld: no calendar object for %s: %s", (long long)ev->id, attendee, ical_strerror(rc));
	free(organizer);
	return out;
}

/* Queue one personal mail about ev (invite, update or cancel) to person at addr. */
static int
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
		fmt_id(nb, not_before);
	struct evtext t;
	evtext_make(h, ev, lang, &t);
	const char *yes = hctx_cmd_word_in(lang, "attend"), *no = hctx_cmd_word_in(lang, "regret");
	hctx_reply_to(h, "mail", addr, key, "id", t.id, "title", ev->title, "when", t.when, "details", t.details,
	              "changes", changes ? changes : "", "attend", yes, "regret", no, "lang", lang, "calendar", cal,
	              "calendar_method", cancel ? "CANCEL" : "REQUEST", "message_id", msgid, "reply_to", reply_to,
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
static const char *
person_lang(struct hctx *h, int64_t person)
{
	struct person p;
	const char *lang = hctx_default_lang(h);
	if (state_person_get(h->db, person, &p) == DB_OK && p.lang)
		lang = strcmp(p.lang, "de") == 0 ? "de" : "en";
	person_free(&p);
	return lang;
}

/* Tell person (mail key + chat key on every linked chat). */
static int
tell_person(struct hctx *h, const struct event *ev, int64_t person, const char *mail_key, const char *chat_key,
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
static int
promote_waiting(struct hctx *h, const struct event *ev)
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
		const char *lang = person_lang(h, person);
		if (until) {
			char date[32], tm[16];
			fmt_date_time(until, lang, date, tm);
			char id[24];
			fmt_id(id, ev->id);
			claim = hctx_text_in(h, lang, "event.promoted.claim", "date", date, "time", tm, "id", id,
			                     "attend", hctx_cmd_word_in(lang, "attend"), NULL);
			rc = state_job_put(h->db, "event.claim", claim_ref(ev->id, person), until, NULL);
		}
		if (rc == DB_OK)
			rc = tell_person(h, ev, person, "event.promoted", "event.promoted.chat", claim);
		free(claim);
		log_info("event %lld: person %lld moved up from the waiting list", (long long)ev->id,
		         (long long)person);
		if (rc != DB_OK)
			return rc;
	}
	return rc;
}

/* ---- answering ---- */

/* Record person's answer to ev and queue the confirmation to the sender.
 * guests < 0: keep the earlier number. */
static int
rsvp_apply(struct hctx *h, const struct event *ev, int64_t person, const char *answer, int guests, const char *comment,
           const char *via, int itip_seq)
{
	char id[24];
	fmt_id(id, ev->id);
	if (strcmp(ev->status, "announced") != 0 || ev->end < now_s()) {
		hctx_reply(h, "event.rsvp.closed", "id", id, "title", ev->title, NULL);
		return DB_OK;
	}
	struct rsvp old;
	int rc = state_rsvp_get(h->db, ev->id, person, &old);
	if (rc < 0)
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
		rc = state_job_cancel(h->db, "event.claim", claim_ref(ev->id, person));
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
		rc = promote_waiting(h, ev);
	rsvp_free(&now);
out:
	if (had)
		rsvp_free(&old);
	free(when);
	free(cmt);
	return rc;
}

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
	int ok = *rc == DB_OK && (strncasecmp(ev.token, tok, 26) == 0 ||
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
			if (id || *rc < 0)
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
	if (rc < 0)
		goto out;
	if (rc == DB_NOTFOUND) {
		rc = session ? 1 : DB_OK;
		if (!session) {
			hctx_reply(h, "event.rsvp.unknown", NULL);
			log_info("event: iTIP REPLY from %s for an unknown UID", h->pm->from_addr);
		}
		goto out;
	}
	rc = DB_OK;
	char id[24];
	fmt_id(id, ev.id);
	const struct ical_attendee *att = ical_find_attendee(v, h->pm->from_addr);
	if (!att) {
		const char *other = v->nattendees && v->attendees[0].addr ? v->attendees[0].addr : "";
		hctx_reply(h, "event.rsvp.forged", "id", id, "title", ev.title, "attendee", other, "sender",
		           h->pm->from_addr, NULL);
		log_warn("event %lld: iTIP REPLY from %s for another attendee (%s): ignored", (long long)ev.id,
		         h->pm->from_addr, other);
		goto out;
	}
	int invited = 0;
	if (h->known) {
		rc = state_invitation_get(h->db, ev.id, h->person.id, NULL);
		if (rc < 0)
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
		         ev.sequence, h->pm->from_addr);
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
	rc = rsvp_apply(h, &ev, h->person.id, answer, -1, v->comment, "itip", v->sequence);
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

int
h_event_mail_reply(struct hctx *h, const char *new_text)
{
	const struct parsed_mail *pm = h->pm;
	if (!pm || !pm->from_addr)
		return 1;
	int rc = DB_OK;
	char *cal_uid = NULL;
	if (pm->calendar) {
		struct ical_itip it;
		int prc = ical_parse_reply(pm->calendar, strlen(pm->calendar), pm->calendar_method, &it);
		if (prc == ICAL_OK) {
			h->cmd = cmd_by_name("rsvp");
			rc = itip_answer(h, &it);
			if (rc == 1)
				h->cmd = NULL; /* not ours (a session's UID) */
			ical_itip_free(&it);
			return rc;
		}
		if (prc == ICAL_ERR_NOT_REPLY && it.nevents && it.events[0].uid)
			cal_uid = xstrdup(it.events[0].uid);
		ical_itip_free(&it);
	}
	int strong = 1;
	int64_t id = event_of_mail(h, &strong, &rc);
	if (rc < 0) {
		free(cal_uid);
		return rc;
	}
	if (!id && cal_uid) {
		struct event e;
		rc = state_event_by_uid(h->db, cal_uid, &e);
		id = rc == DB_OK ? e.id : 0;
		event_free(&e);
		if (rc < 0) {
			free(cal_uid);
			return rc;
		}
		rc = DB_OK;
	}
	free(cal_uid);
	if (!id)
		return 1;
	struct event ev;
	rc = state_event_get(h->db, id, &ev);
	if (rc != DB_OK) {
		event_free(&ev);
		return rc < 0 ? rc : 1;
	}
	char *line = str_first_line(new_text, NULL);
	const char *rest_cmd = NULL;
	const struct command *c = cmd_lookup(line, &rest_cmd, NULL);
	int guests = 0;
	char *comment = NULL;
	enum rsvp_answer a = RSVP_NONE;
	char eid[24];
	fmt_id(eid, ev.id);
	if (c && is_rsvp_cmd(c)) {
		int64_t other = 0;
		/* "zusage 7": the command itself (with its id) is meant */
		char *w = xstrndup(rest_cmd, strcspn(rest_cmd, " \t"));
		int has_id = *w && hctx_parse_id(w, &other) == 0;
		free(w);
		if (has_id && strcmp(c->name, "rsvp") != 0) {
			rc = 1;
			goto out;
		}
		if (strcmp(c->name, "rsvp") == 0) {
			const char *r = has_id ? str_skip_words(rest_cmd, 1) : rest_cmd;
			if (has_id && other != ev.id) {
				rc = 1;
				goto out;
			}
			a = rsvp_parse_answer(r, 1, &guests, &comment);
		} else {
			rsvp_parse_answer(rest_cmd, 0, &guests, &comment);
			a = strcmp(c->name, "attend") == 0   ? RSVP_YES
			    : strcmp(c->name, "regret") == 0 ? RSVP_NO
			                                     : RSVP_MAYBE;
		}
	} else {
		a = rsvp_parse_answer(line, 1, &guests, &comment);
		if (a == RSVP_NONE && (c || !strong)) {
			rc = 1; /* another command, or too weak a match to ask back */
			goto out;
		}
	}
	h->cmd = cmd_by_name("rsvp");
	if (!h->known) {
		hctx_reply(h, "event.rsvp.not_invited", "id", eid, "title", ev.title, NULL);
		log_info("event %lld: answer from %s, who is not known: not counted", (long long)ev.id, pm->from_addr);
		rc = DB_OK;
		goto out;
	}
	int ok = 0;
	if ((rc = may_answer(h, &ev, h->person.id, &ok)) < 0)
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
	/* the comment: the rest of the first line and the new lines below it */
	struct buf cb = BUF_INIT;
	if (comment)
		buf_adds(&cb, comment);
	char *below = rsvp_cut_valediction(rsvp_after_first_line(new_text));
	char *more = str_one_line(below, COMMENT_MAX);
	free(below);
	if (*more)
		buf_addf(&cb, "%s%s", cb.len ? " " : "", more);
	free(more);
	char *all = buf_detach(&cb);
	rc = rsvp_apply(h, &ev, h->person.id, words_name((enum words_answer)a), guests, all, "mail", 0);
	free(all);
out:
	free(comment);
	free(line);
	event_free(&ev);
	return rc;
}

/* ---- chat and mail commands: rsvp, attend, regret, maybe, events ---- */

int
h_rsvp_check(struct hctx *h)
{
	int64_t id;
	if (h->argc < 1 || hctx_parse_id(h->argv[0], &id) != 0) {
		hctx_reply(h, "event.unknown", "id", h->argc ? h->argv[0] : "", NULL);
		return 1;
	}
	return 0;
}

/* Load event argv[0] for an answer; 1 when answered (unknown, not invited). */
static int
rsvp_event(struct hctx *h, struct event *ev)
{
	int64_t id = 0;
	hctx_parse_id(h->argv[0], &id);
	int rc = state_event_get(h->db, id, ev);
	if (rc < 0)
		return rc;
	if (rc == DB_NOTFOUND || strcmp(ev->status, "draft") == 0) {
		hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	int ok = 0;
	if ((rc = may_answer(h, ev, h->person.id, &ok)) < 0)
		return rc;
	if (!ok) {
		char eid[24];
		fmt_id(eid, ev->id);
		hctx_reply(h, "event.rsvp.not_invited", "id", eid, "title", ev->title, NULL);
		return 1;
	}
	return 0;
}

static int
rsvp_with(struct hctx *h, enum rsvp_answer fixed)
{
	struct event ev;
	int rc = rsvp_event(h, &ev);
	if (rc != 0) {
		event_free(&ev);
		return rc < 0 ? rc : 0;
	}
	int guests = 0;
	char *comment = NULL;
	enum rsvp_answer a = fixed;
	if (fixed == RSVP_NONE)
		a = rsvp_parse_answer(str_skip_words(h->argline, 1), 1, &guests, &comment);
	else
		rsvp_parse_answer(str_skip_words(h->argline, 1), 0, &guests, &comment);
	/* chat: the lines after the first are part of the comment */
	if (h->body && *h->body && !h->pm) {
		char *below = rsvp_cut_valediction(h->body);
		char *more = str_one_line(below, COMMENT_MAX);
		free(below);
		char *c2 = xasprintf("%s%s%s", comment ? comment : "", comment ? " " : "", more);
		free(comment);
		free(more);
		comment = c2;
	}
	if (a == RSVP_NONE || a == RSVP_AMBIGUOUS) {
		char eid[24];
		fmt_id(eid, ev.id);
		hctx_reply(h, "event.rsvp.ambiguous", "id", eid, "title", ev.title, "attend",
		           hctx_cmd_word(h, cmd_by_name("attend")), "regret", hctx_cmd_word(h, cmd_by_name("regret")),
		           NULL);
	} else {
		const char *via =
		    h->pm ? "mail" : (h->transport && strcmp(h->transport, "matrix") == 0 ? "matrix" : "xmpp");
		rc = rsvp_apply(h, &ev, h->person.id, words_name((enum words_answer)a), guests, comment, via, 0);
	}
	free(comment);
	event_free(&ev);
	return rc < 0 ? rc : 0;
}

int
h_rsvp_run(struct hctx *h)
{
	return rsvp_with(h, RSVP_NONE);
}

int
h_rsvp_yes_run(struct hctx *h)
{
	return rsvp_with(h, RSVP_YES);
}

int
h_rsvp_no_run(struct hctx *h)
{
	return rsvp_with(h, RSVP_NO);
}

int
h_rsvp_maybe_run(struct hctx *h)
{
	return rsvp_with(h, RSVP_MAYBE);
}

int
h_events_run(struct hctx *h)
{
	struct event *v;
	size_t n;
	int rc = state_events(h->db, EVENT_LIST_UPCOMING, now_s(), &v, &n);
	if (rc != DB_OK)
		return rc;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		char id[24], date[32], tm[16];
		fmt_id(id, v[i].id);
		fmt_date_time(v[i].start, h->lang, date, tm);
		char *st;
		struct rsvp r;
		int g = h->known ? state_rsvp_get(h->db, v[i].id, h->person.id, &r) : DB_NOTFOUND;
		if (g < 0) {
			rc = g;
			break;
		}
		if (g == DB_OK) {
			char *k = xasprintf("event.status.%s", r.status);
			st = hctx_text(h, k, NULL);
			free(k);
			rsvp_free(&r);
		} else {
			st = hctx_text(h, "event.status.none", NULL);
		}
		char *line = hctx_text(h, "event.list.item", "id", id, "date", date, "time", tm, "title", v[i].title,
		                       "answer", st, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(st);
	}
	events_free(v, n);
	if (rc != DB_OK) {
		buf_free(&b);
		return rc;
	}
	char *list = b.len ? buf_detach(&b) : hctx_text(h, "event.list.empty", NULL);
	buf_free(&b);
	hctx_reply(h, "event.list", "list", list, "rsvp", hctx_cmd_word(h, cmd_by_name("rsvp")), NULL);
	free(list);
	return DB_OK;
}

/* ---- staff: the form ---- */

enum field {
	F_TITLE,
	F_DATE,
	F_START,
	F_END,
	F_PLACE,
	F_URL,
	F_CAPACITY,
	F_AUDIENCE,
	F_DESC,
	F_PUBLIC,
	F_GUESTS,
	F_CLAIM,
	F_REMIND,
	F_N
};

static const struct {
	const char *en, *de; /* the names shown (en, de) */
} fields[F_N] = {
    [F_TITLE] = {"Title", "Titel"},
    [F_DATE] = {"Date", "Datum"},
    [F_START] = {"Start", "Beginn"},
    [F_END] = {"End", "Ende"},
    [F_PLACE] = {"Place", "Ort"},
    [F_URL] = {"Online", "Link"},
    [F_CAPACITY] = {"Capacity", "Plätze"},
    [F_AUDIENCE] = {"Audience", "Zielgruppe"},
    [F_DESC] = {"Description", "Beschreibung"},
    [F_PUBLIC] = {"Public", "Öffentlich"},
    [F_GUESTS] = {"Guests", "Gäste"},
    [F_CLAIM] = {"Claim hours", "Frist"},
    [F_REMIND] = {"Remind hours", "Erinnerung"},
};

/* The names accepted in a form line (folded), as data for the form reader. */
static const struct form_label labels[] = {
    {"title", F_TITLE},
    {"titel", F_TITLE},
    {"name", F_TITLE},
    {"date", F_DATE},
    {"datum", F_DATE},
    {"day", F_DATE},
    {"tag", F_DATE},
    {"start", F_START},
    {"beginn", F_START},
    {"time", F_START},
    {"zeit", F_START},
    {"uhrzeit", F_START},
    {"von", F_START},
    {"end", F_END},
    {"ende", F_END},
    {"bis", F_END},
    {"until", F_END},
    {"place", F_PLACE},
    {"ort", F_PLACE},
    {"location", F_PLACE},
    {"raum", F_PLACE},
    {"room", F_PLACE},
    {"where", F_PLACE},
    {"online", F_URL},
    {"link", F_URL},
    {"url", F_URL},
    {"capacity", F_CAPACITY},
    {"plätze", F_CAPACITY},
    {"plaetze", F_CAPACITY},
    {"kapazität", F_CAPACITY},
    {"seats", F_CAPACITY},
    {"places", F_CAPACITY},
    {"audience", F_AUDIENCE},
    {"zielgruppe", F_AUDIENCE},
    {"for", F_AUDIENCE},
    {"für", F_AUDIENCE},
    {"description", F_DESC},
    {"beschreibung", F_DESC},
    {"text", F_DESC},
    {"public", F_PUBLIC},
    {"öffentlich", F_PUBLIC},
    {"oeffentlich", F_PUBLIC},
    {"guests", F_GUESTS},
    {"gäste", F_GUESTS},
    {"gaeste", F_GUESTS},
    {"begleitung", F_GUESTS},
    {"claim", F_CLAIM},
    {"claim hours", F_CLAIM},
    {"frist", F_CLAIM},
    {"claim-hours", F_CLAIM},
    {"remind", F_REMIND},
    {"reminder", F_REMIND},
    {"remind hours", F_REMIND},
    {"erinnerung", F_REMIND},
    {"remind-hours", F_REMIND},
};

static const struct form_spec event_form = {labels, ARRAY_LEN(labels), 0, 0, 0};

struct form {
	char *v[F_N]; /* the raw values given, or NULL */
	int n;        /* how many */
};

static void
form_free(struct form *f)
{
	for (int i = 0; i < F_N; i++)
		free(f->v[i]);
	memset(f, 0, sizeof *f);
}

static const char *
field_name(int i, const char *lang)
{
	return is_lang_de(lang) ? fields[i].de : fields[i].en;
}

/* Read "Field: value" lines of text into f (unknown names are ignored; a later line wins). */
static void
form_read(struct form *f, const char *text)
{
	const char *p = text ? text : "";
	struct form_line l;
	int r;
	while ((r = form_next(&p, &event_form, &l)) >= 0) {
		if (r == 0)
			continue;
		char *raw = xstrndup(l.value, l.len);
		free(f->v[l.field]);
		f->v[l.field] = str_one_line(raw, DESC_MAX);
		f->n++;
		free(raw);
	}
}

/* A non-negative number or "unlimited"-like word (0); -1 when invalid. */
static int
parse_count(const char *s)
{
	char *f = cmd_fold(s), *t = str_trim(f);
	int r = -1;
	if (!*t || strcmp(t, "-") == 0 || strcmp(t, "unlimited") == 0 || strcmp(t, "unbegrenzt") == 0 ||
	    strcmp(t, "none") == 0 || strcmp(t, "keine") == 0 || strcmp(t, "no") == 0 || strcmp(t, "nein") == 0) {
		r = 0;
	} else {
		char *end;
		long v = strtol(t, &end, 10);
		if (end != t && !*end && v >= 0 && v <= 1000000)
			r = (int)v;
	}
	free(f);
	return r;
}

/* yes/ja/true/1 → 1, no/nein/false/0 → 0, else -1. */
static int
parse_bool(const char *s)
{
	enum words_answer a = words_is(s, WORDS_BOOL);
	return a == WORDS_YES ? 1 : a == WORDS_NO ? 0 : -1;
}

static void
problem(struct hctx *h, struct buf *b, const char *key, int field, const char *value)
{
	char *l = hctx_text(h, key, "field", field_name(field, h->lang), "value", value ? value : "", NULL);
	buf_addf(b, "%s%s", b->len ? "\n" : "", l);
	free(l);
}

/* Set one string field from the form. */
static void
set_str(char **dst, const char *v, size_t max)
{
	free(*dst);
	*dst = v && *v && strcmp(v, "-") != 0 ? str_one_line(v, max) : NULL;
}

/*
 * Apply form f to ev (a new event when is_new: title, date and start are
 * required).  Problems are appended to *probs (one line each); *changes gets
 * one "what changed" line per field that differs (may be NULL).
 */
static void
form_apply(struct hctx *h, const struct form *f, struct event *ev, int is_new, struct buf *probs, struct buf *changes)
{
	struct event old = *ev;
	/* the strings of old stay owned by ev until replaced; compare before freeing */
	char *o_title = xstrdup(ev->title), *o_place = xstrdup(ev->place), *o_url = xstrdup(ev->url);
	char *o_desc = xstrdup(ev->description), *o_aud = xstrdup(ev->audience);
	if (f->v[F_TITLE]) {
		if (!*f->v[F_TITLE])
			problem(h, probs, "event.problem.invalid", F_TITLE, f->v[F_TITLE]);
		else
			set_str(&ev->title, f->v[F_TITLE], TITLE_MAX);
	}
	if (is_new && (!ev->title || !*ev->title))
		problem(h, probs, "event.problem.missing", F_TITLE, NULL);
	if (is_new && !f->v[F_DATE])
		problem(h, probs, "event.problem.missing", F_DATE, NULL);
	if (is_new && !f->v[F_START])
		problem(h, probs, "event.problem.missing", F_START, NULL);
	if (f->v[F_DATE] || f->v[F_START] || f->v[F_END]) {
		char date[32], tm[16], d2[32], endt[16];
		fmt_date_time(ev->start, "en", date, tm);
		fmt_date_time(ev->end, "en", d2, endt);
		const char *ds = f->v[F_DATE] ? f->v[F_DATE] : date, *ts = f->v[F_START] ? f->v[F_START] : tm;
		if (!is_new || (f->v[F_DATE] && f->v[F_START])) {
			char *s = xasprintf("%s %s", ds, ts);
			struct when w;
			int wr = when_parse(s, now_s(), &w);
			free(s);
			if (wr != WHEN_OK) {
				int which = wr == WHEN_ERR_TIME || wr == WHEN_ERR_NO_SUCH_TIME ? F_START : F_DATE;
				problem(h, probs, wr == WHEN_ERR_PAST ? "event.problem.past" : "event.problem.invalid",
				        which, which == F_START ? ts : ds);
			} else {
				int64_t end = 0;
				int dur = is_new ? DEFAULT_HOURS * 3600 : (int)(old.end - old.start);
				if (w.minutes_given)
					dur = w.minutes * 60;
				end = w.start + dur;
				if (f->v[F_END]) {
					char *e = xasprintf("%s %s", ds, f->v[F_END]);
					struct when we;
					/* "now" one day before the start: the end may not be "in the past" of it */
					int er = when_parse(e, w.start - 86400, &we);
					free(e);
					if (er != WHEN_OK || we.start <= w.start)
						problem(h, probs, "event.problem.invalid", F_END, f->v[F_END]);
					else
						end = we.start;
				}
				ev->start = w.start;
				ev->end = end;
			}
		}
	}
	if (f->v[F_PLACE])
		set_str(&ev->place, f->v[F_PLACE], PLACE_MAX);
	if (f->v[F_URL]) {
		const char *u = f->v[F_URL];
		if (*u && strcmp(u, "-") != 0 &&
		    (strchr(u, ' ') || (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)))
			problem(h, probs, "event.problem.invalid", F_URL, u);
		else
			set_str(&ev->url, u, URL_MAX);
	}
	if (f->v[F_DESC])
		set_str(&ev->description, f->v[F_DESC], DESC_MAX);
	if (f->v[F_CAPACITY]) {
		int c = parse_count(f->v[F_CAPACITY]);
		if (c < 0)
			problem(h, probs, "event.problem.invalid", F_CAPACITY, f->v[F_CAPACITY]);
		else
			ev->capacity = c;
	}
	if (f->v[F_GUESTS]) {
		int c = parse_count(f->v[F_GUESTS]);
		if (c < 0 || c > 20)
			problem(h, probs, "event.problem.invalid", F_GUESTS, f->v[F_GUESTS]);
		else
			ev->guests = c;
	}
	if (f->v[F_CLAIM]) {
		int c = parse_count(f->v[F_CLAIM]);
		if (c < 0 || c > 24 * 30)
			problem(h, probs, "event.problem.invalid", F_CLAIM, f->v[F_CLAIM]);
		else
			ev->claim_hours = c;
	}
	if (f->v[F_REMIND]) {
		int c = parse_count(f->v[F_REMIND]);
		if (c < 0 || c > 24 * 60)
			problem(h, probs, "event.problem.invalid", F_REMIND, f->v[F_REMIND]);
		else
			ev->remind_hours = c;
	}
	if (f->v[F_PUBLIC]) {
		int b = parse_bool(f->v[F_PUBLIC]);
		if (b < 0)
			problem(h, probs, "event.problem.invalid", F_PUBLIC, f->v[F_PUBLIC]);
		else
			ev->is_public = b;
	}
	if (f->v[F_AUDIENCE]) {
		char *a = cmd_fold(f->v[F_AUDIENCE]), *t = str_trim(a);
		if (strcmp(t, "alle") == 0 || strcmp(t, "everyone") == 0)
			t = "all";
		if (!*t || !audience_exists(h, t)) {
			problem(h, probs, "event.problem.audience", F_AUDIENCE, f->v[F_AUDIENCE]);
		} else {
			free(ev->audience);
			ev->audience = xstrdup(t);
		}
		free(a);
	}
	if (!ev->audience)
		ev->audience = xstrdup("all");
	if (changes) {
		struct {
			int field;
			const char *a, *b;
		} str[] = {{F_TITLE, o_title, ev->title},
		           {F_PLACE, o_place, ev->place},
		           {F_URL, o_url, ev->url},
		           {F_DESC, o_desc, ev->description},
		           {F_AUDIENCE, o_aud, ev->audience}};
		char *none = hctx_text(h, "event.none", NULL);
		for (size_t i = 0; i < ARRAY_LEN(str); i++) {
			const char *a = str[i].a ? str[i].a : "", *b = str[i].b ? str[i].b : "";
			if (strcmp(a, b) == 0)
				continue;
			char *l = hctx_text(h, "event.change.line", "field", field_name(str[i].field, h->lang), "old",
			                    *a ? a : none, "new", *b ? b : none, NULL);
			buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
			free(l);
		}
		if (old.start != ev->start || old.end != ev->end) {
			char *w1 = ev_when(h, &old, h->lang), *w2 = ev_when(h, ev, h->lang);
			char *l = hctx_text(h, "event.change.line", "field", field_name(F_DATE, h->lang), "old", w1,
			                    "new", w2, NULL);
			buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
			free(l);
			free(w1);
			free(w2);
		}
		struct {
			int field, a, b;
		} num[] = {{F_CAPACITY, old.capacity, ev->capacity},
		           {F_GUESTS, old.guests, ev->guests},
		           {F_PUBLIC, old.is_public, ev->is_public},
		           {F_CLAIM, old.claim_hours, ev->claim_hours},
		           {F_REMIND, old.remind_hours, ev->remind_hours}};
		for (size_t i = 0; i < ARRAY_LEN(num); i++) {
			if (num[i].a == num[i].b)
				continue;
			char a[16], b[16];
			snprintf(a, sizeof a, "%d", num[i].a);
			snprintf(b, sizeof b, "%d", num[i].b);
			char *l = hctx_text(h, "event.change.line", "field", field_name(num[i].field, h->lang), "old",
			                    a, "new", b, NULL);
			buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
			free(l);
		}
		free(none);
	}
	free(o_title);
	free(o_place);
	free(o_url);
	free(o_desc);
	free(o_aud);
}

/* The preview (key event.preview, or as text for the CLI when out is set). */
static int
preview(struct hctx *h, const struct event *ev, const char *key, const char *changes, char **out)
{
	struct audience a;
	int rc = audience_resolve(h, ev->audience, &a);
	if (rc != DB_OK) {
		audience_free(&a);
		return rc;
	}
	char id[24], date[32], start[16], d2[32], end[16], cap[16], guests[16], members[16], rooms[16], claim[16],
	    remind[16];
	fmt_id(id, ev->id);
	fmt_date_time(ev->start, h->lang, date, start);
	fmt_date_time(ev->end, h->lang, d2, end);
	snprintf(cap, sizeof cap, "%d", ev->capacity);
	snprintf(guests, sizeof guests, "%d", ev->guests);
	snprintf(members, sizeof members, "%zu", a.npeople);
	snprintf(rooms, sizeof rooms, "%zu", a.nrooms);
	snprintf(claim, sizeof claim, "%d", ev->claim_hours);
	snprintf(remind, sizeof remind, "%d", ev->remind_hours);
	audience_free(&a);
	char *none = hctx_text(h, "event.none", NULL);
	char *capt = ev->capacity ? xstrdup(cap) : hctx_text(h, "event.unlimited", NULL);
	char *pub = hctx_text(h, ev->is_public ? "event.yes" : "event.no", NULL);
	char *stk = xasprintf("event.state.%s", ev->status);
	char *st = hctx_text(h, stk, NULL);
	const char *announce = hctx_cmd_word(h, cmd_by_name("announce"));
	const char *place = ev->place ? ev->place : none, *url = ev->url ? ev->url : none;
	const char *desc = ev->description ? ev->description : none;
	const char *vars[] = {"id",          id,
	                      "title",       ev->title,
	                      "date",        date,
	                      "start",       start,
	                      "end",         end,
	                      "place",       place,
	                      "url",         url,
	                      "capacity",    capt,
	                      "guests",      guests,
	                      "audience",    ev->audience,
	                      "members",     members,
	                      "rooms",       rooms,
	                      "public",      pub,
	                      "description", desc,
	                      "claim",       claim,
	                      "remind",      remind,
	                      "status",      st,
	                      "announce",    announce,
	                      "changes",     changes ? changes : "",
	                      NULL};
	if (out) {
		*out = tmpl_render(h->tmpl, h->lang, "event.preview", vars);
	} else {
		hctx_reply(h, key, "id", id, "title", ev->title, "date", date, "start", start, "end", end, "place",
		           place, "url", url, "capacity", capt, "guests", guests, "audience", ev->audience, "members",
		           members, "rooms", rooms, "public", pub, "description", desc, "claim", claim, "remind",
		           remind, "status", st, "announce", announce, "changes", changes ? changes : "", NULL);
	}
	free(st);
	free(stk);
	free(pub);
	free(capt);
	free(none);
	return DB_OK;
}

int
h_event_preview_text(struct hctx *h, int64_t id, char **out)
{
	struct event ev;
	*out = NULL;
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_OK)
		rc = preview(h, &ev, NULL, NULL, out);
	event_free(&ev);
	return rc;
}

/* (Re)schedule the reminder of an announced event. */
static int
schedule_remind(struct hctx *h, const struct event *ev)
{
	int64_t due = ev->start - (int64_t)ev->remind_hours * 3600;
	if (strcmp(ev->status, "announced") != 0 || ev->remind_hours <= 0 || due <= now_s())
		return state_job_cancel(h->db, "event.remind", ev->id);
	return state_job_put(h->db, "event.remind", ev->id, due, NULL);
}

int
h_event_create(struct hctx *h, const char *title, const char *form_text, const char *created_by, int64_t *id_out)
{
	struct form f = {0};
	form_read(&f, form_text);
	if (title && *title && !f.v[F_TITLE])
		f.v[F_TITLE] = str_one_line(title, TITLE_MAX);
	struct event ev = {0};
	ev.remind_hours = 24;
	struct buf probs = BUF_INIT;
	form_apply(h, &f, &ev, 1, &probs, NULL);
	int rc = DB_OK;
	*id_out = 0;
	if (probs.len) {
		char *list = buf_detach(&probs);
		struct buf names = BUF_INIT;
		for (int i = 0; i < F_N; i++)
			buf_addf(&names, "%s%s", names.len ? ", " : "", field_name(i, h->lang));
		hctx_reply(h, "event.form_invalid", "problems", list, "fields", names.p, "announce",
		           hctx_cmd_word(h, cmd_by_name("announce")), NULL);
		buf_free(&names);
		free(list);
		goto out;
	}
	char tok[27];
	token_new(tok);
	ev.token = xstrdup(tok);
	ev.created_by = xstrdup(created_by);
	if ((rc = state_event_add(h->db, &ev, ev_domain(h->cfg), id_out)) != DB_OK)
		goto out;
	ev.id = *id_out;
	free(ev.status);
	ev.status = xstrdup("draft");
	log_info("event %lld created by %s", (long long)ev.id, created_by ? created_by : "?");
	rc = preview(h, &ev, "event.preview", NULL, NULL);
out:
	buf_free(&probs);
	form_free(&f);
	event_free(&ev);
	return rc;
}

int
h_event_send(struct hctx *h, int64_t id, int *mails, int *rooms)
{
	struct event ev;
	struct audience a = {0};
	*mails = *rooms = 0;
	char eid[24];
	fmt_id(eid, id);
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "event.unknown", "id", eid, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	if (strcmp(ev.status, "cancelled") == 0) {
		hctx_reply(h, "event.is_cancelled", "id", eid, "title", ev.title, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	if ((rc = audience_resolve(h, ev.audience, &a)) != DB_OK)
		goto out;
	int first = strcmp(ev.status, "draft") == 0;
	if (first) {
		if ((rc = state_event_set_status(h->db, ev.id, "announced")) != DB_OK)
			goto out;
		free(ev.status);
		ev.status = xstrdup("announced");
		const char *lang = hctx_default_lang(h);
		struct evtext t;
		evtext_make(h, &ev, lang, &t);
		for (size_t i = 0; i < a.nrooms; i++) {
			hctx_reply_to(h, a.rooms[i].kind, a.rooms[i].addr, "event.post", "id", t.id, "title", ev.title,
			              "when", t.when, "details", t.details, "lang", lang, "chat_type", "groupchat",
			              NULL);
			(*rooms)++;
		}
		evtext_free(&t);
		if ((rc = schedule_remind(h, &ev)) != DB_OK)
			goto out;
	}
	int rate = h->cfg ? h->cfg->bot.announce_rate : 20;
	int64_t now = now_s();
	for (size_t i = 0; i < a.npeople && rc == DB_OK; i++) {
		rc = state_invitation_get(h->db, ev.id, a.people[i].person, NULL);
		if (rc == DB_OK) /* invited before: a repeated "send" reaches only the new members */
			continue;
		if (rc < 0)
			break;
		const char *lang =
		    a.people[i].lang ? (strcmp(a.people[i].lang, "de") == 0 ? "de" : "en") : hctx_default_lang(h);
		int64_t nb = rate > 0 ? now + *mails / rate : 0;
		rc = ev_mail(h, &ev, a.people[i].person, a.people[i].addr, lang, "event.invite", NULL, nb);
		(*mails)++;
	}
	if (rc != DB_OK)
		goto out;
	char m[16], r[16];
	snprintf(m, sizeof m, "%d", *mails);
	snprintf(r, sizeof r, "%d", *rooms);
	hctx_reply(h, "event.sent", "id", eid, "title", ev.title, "mails", m, "rooms", r, NULL);
	log_info("event %lld announced: %d mails, %d room posts", (long long)ev.id, *mails, *rooms);
out:
	audience_free(&a);
	event_free(&ev);
	return rc;
}

/* Everyone invited who has not declined: the update or the cancellation. */
static int
mail_invited(struct hctx *h, const struct event *ev, const char *key, const char *changes, int *mails)
{
	struct invitation *inv;
	size_t n;
	*mails = 0;
	int rc = state_invitations(h->db, ev->id, &inv, &n);
	int rate = h->cfg ? h->cfg->bot.announce_rate : 20;
	int64_t now = now_s();
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		struct rsvp r;
		int g = state_rsvp_get(h->db, ev->id, inv[i].person_id, &r);
		int declined = g == DB_OK && strcmp(r.status, "declined") == 0;
		if (g == DB_OK)
			rsvp_free(&r);
		if (g < 0) {
			rc = g;
			break;
		}
		if (declined)
			continue;
		const char *lang = person_lang(h, inv[i].person_id);
		int64_t nb = rate > 0 ? now + *mails / rate : 0;
		char *ch = NULL;
		if (changes)
			ch = hctx_text_in(h, lang, "event.update.changes", "changes", changes, NULL);
		rc = ev_mail(h, ev, inv[i].person_id, inv[i].address, lang, key, ch, nb);
		free(ch);
		(*mails)++;
	}
	invitations_free(inv, n);
	return rc;
}

int
h_event_change(struct hctx *h, int64_t id, const char *form_text)
{
	struct event ev;
	struct form f = {0};
	struct buf probs = BUF_INIT, changes = BUF_INIT;
	char eid[24];
	fmt_id(eid, id);
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "event.unknown", "id", eid, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	if (strcmp(ev.status, "cancelled") == 0) {
		hctx_reply(h, "event.is_cancelled", "id", eid, "title", ev.title, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	form_read(&f, form_text);
	if (f.n == 0) {
		rc = preview(h, &ev, "event.preview", NULL, NULL);
		goto out;
	}
	int old_capacity = ev.capacity;
	form_apply(h, &f, &ev, 0, &probs, &changes);
	if (probs.len) {
		struct buf names = BUF_INIT;
		for (int i = 0; i < F_N; i++)
			buf_addf(&names, "%s%s", names.len ? ", " : "", field_name(i, h->lang));
		hctx_reply(h, "event.form_invalid", "problems", probs.p, "fields", names.p, "announce",
		           hctx_cmd_word(h, cmd_by_name("announce")), NULL);
		buf_free(&names);
		rc = DB_NOTFOUND;
		goto out;
	}
	int announced = strcmp(ev.status, "announced") == 0;
	int mails = 0;
	if (changes.len && announced)
		ev.sequence++;
	if ((rc = state_event_update(h->db, &ev)) != DB_OK)
		goto out;
	if (changes.len && announced) {
		if ((rc = schedule_remind(h, &ev)) != DB_OK)
			goto out;
		if ((rc = mail_invited(h, &ev, "event.update", changes.p, &mails)) != DB_OK)
			goto out;
		if (ev.capacity == 0 || ev.capacity > old_capacity)
			if ((rc = promote_waiting(h, &ev)) != DB_OK)
				goto out;
	}
	char *ch = changes.len ? xstrdup(changes.p) : hctx_text(h, "event.change.none", NULL);
	char m[16];
	snprintf(m, sizeof m, "%d", mails);
	hctx_reply(h, "event.changed", "id", eid, "title", ev.title, "changes", ch, "mails", m, NULL);
	free(ch);
	log_info("event %lld changed (sequence %d, %d update mails)", (long long)ev.id, ev.sequence, mails);
out:
	buf_free(&probs);
	buf_free(&changes);
	form_free(&f);
	event_free(&ev);
	return rc;
}

int
h_event_cancel(struct hctx *h, int64_t id, int *mails)
{
	struct event ev;
	char eid[24];
	fmt_id(eid, id);
	*mails = 0;
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "event.unknown", "id", eid, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	if (strcmp(ev.status, "cancelled") == 0) {
		hctx_reply(h, "event.is_cancelled", "id", eid, "title", ev.title, NULL);
		rc = DB_NOTFOUND;
		goto out;
	}
	int was_announced = strcmp(ev.status, "announced") == 0;
	if ((rc = state_event_set_status(h->db, ev.id, "cancelled")) != DB_OK)
		goto out;
	free(ev.status);
	ev.status = xstrdup("cancelled");
	if ((rc = state_job_cancel(h->db, "event.remind", ev.id)) != DB_OK)
		goto out;
	if (was_announced) {
		ev.sequence++;
		if ((rc = state_event_update(h->db, &ev)) != DB_OK)
			goto out;
		if ((rc = mail_invited(h, &ev, "event.cancel", NULL, mails)) != DB_OK)
			goto out;
		struct audience a;
		if ((rc = audience_resolve(h, ev.audience, &a)) != DB_OK) {
			audience_free(&a);
			goto out;
		}
		const char *lang = hctx_default_lang(h);
		struct evtext t;
		evtext_make(h, &ev, lang, &t);
		for (size_t i = 0; i < a.nrooms; i++)
			hctx_reply_to(h, a.rooms[i].kind, a.rooms[i].addr, "event.post.cancelled", "id", t.id, "title",
			              ev.title, "when", t.when, "lang", lang, "chat_type", "groupchat", NULL);
		evtext_free(&t);
		audience_free(&a);
	}
	char m[16];
	snprintf(m, sizeof m, "%d", *mails);
	hctx_reply(h, "event.cancelled_by_staff", "id", eid, "title", ev.title, "mails", m, NULL);
	log_info("event %lld cancelled (%d mails)", (long long)ev.id, *mails);
out:
	event_free(&ev);
	return rc;
}

static int
is_word(const char *w, const char *const *list)
{
	char *f = cmd_fold(w);
	int r = 0;
	for (size_t i = 0; list[i] && !r; i++)
		r = strcmp(f, list[i]) == 0;
	free(f);
	return r;
}

static const char *const send_words[] = {"send", "senden", "verschicken", "versenden", "go", NULL};
static const char *const cancel_words[] = {"cancel", "absagen", "stornieren", "abbrechen", NULL};
static const char *const show_words[] = {"show", "zeigen", "anzeigen", "preview", "vorschau", NULL};

int
h_announce_run(struct hctx *h)
{
	int64_t id = 0;
	int rc = DB_OK;
	const char *who = h->ep_addr ? h->ep_addr : "?";
	if (h->argc >= 1 && hctx_parse_id(h->argv[0], &id) == 0 &&
	    (h->argc == 1 || is_word(h->argv[1], send_words) || is_word(h->argv[1], cancel_words) ||
	     is_word(h->argv[1], show_words) || strchr(h->argline, ':'))) {
		if (h->argc >= 2 && is_word(h->argv[1], send_words)) {
			int m, r;
			rc = h_event_send(h, id, &m, &r);
		} else if (h->argc >= 2 && is_word(h->argv[1], cancel_words)) {
			int m;
			rc = h_event_cancel(h, id, &m);
		} else {
			/* "announce 5 Place: Room 3" (chat) and the Field lines below */
			char *text = xasprintf("%s\n%s", str_skip_words(h->argline, 1), h->body ? h->body : "");
			rc = h_event_change(h, id, text);
			free(text);
		}
		return rc < 0 ? rc : DB_OK;
	}
	if (h->argc == 0) {
		struct form f = {0};
		form_read(&f, h->body);
		int has_title = f.v[F_TITLE] != NULL;
		form_free(&f);
		if (!has_title) {
			char *usage = hctx_text(h, "cmd.announce", NULL);
			char *nl = strchr(usage, '\n');
			if (nl)
				*nl = '\0';
			hctx_reply(h, "usage", "command", hctx_cmd_word(h, h->cmd), "help", usage, NULL);
			free(usage);
			return DB_OK;
		}
	}
	int64_t nid;
	rc = h_event_create(h, h->argline, h->body, who, &nid);
	return rc < 0 ? rc : DB_OK;
}

/* ---- staff: attendees, attended ---- */

int
h_attendees_run(struct hctx *h)
{
	int64_t id = 0;
	if (hctx_parse_id(h->argv[0], &id) != 0) {
		hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		return DB_OK;
	}
	struct event ev;
	int rc = state_event_get(h->db, id, &ev);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		event_free(&ev);
		return DB_OK;
	}
	if (rc != DB_OK) {
		event_free(&ev);
		return rc;
	}
	struct rsvp *v;
	size_t n;
	if ((rc = state_rsvps(h->db, id, &v, &n)) != DB_OK) {
		event_free(&ev);
		return rc;
	}
	struct buf sec[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
	int cnt[4] = {0, 0, 0, 0}, seats = 0, pos = 0;
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		int s = strcmp(v[i].status, "going") == 0     ? 0
		        : strcmp(v[i].status, "waiting") == 0 ? 1
		        : strcmp(v[i].status, "maybe") == 0   ? 2
		                                              : 3;
		char *name, *addr;
		if ((rc = h_event_person_label(h, v[i].person_id, &name, &addr)) != DB_OK)
			break;
		char g[16], p[16];
		snprintf(g, sizeof g, "%d", v[i].guests);
		cnt[s]++;
		if (s == 1)
			pos++;
		snprintf(p, sizeof p, "%d", s == 1 ? pos : 0);
		if (s == 0)
			seats += 1 + v[i].guests;
		char *gl = v[i].guests ? hctx_text(h, "event.rsvp.guests", "guests", g, NULL) : xstrdup("");
		char *who = person_display(name, addr);
		char *line = hctx_text(h, s == 1 ? "event.attendees.waiting_item" : "event.attendees.item", "who", who,
		                       "name", name ? name : (addr ? addr : "?"), "address", addr ? addr : "", "guests",
		                       gl, "comment", v[i].comment ? v[i].comment : "", "position", p, NULL);
		free(who);
		buf_addf(&sec[s], "%s%s", sec[s].len ? "\n" : "", line);
		free(line);
		free(gl);
		free(name);
		free(addr);
	}
	rsvps_free(v, n);
	if (rc == DB_OK) {
		char *none = hctx_text(h, "event.none", NULL);
		char c[4][16], st[16], cap[16];
		for (int k = 0; k < 4; k++)
			snprintf(c[k], sizeof c[k], "%d", cnt[k]);
		snprintf(st, sizeof st, "%d", seats);
		char *capt = ev.capacity ? (snprintf(cap, sizeof cap, "%d", ev.capacity), xstrdup(cap))
		                         : hctx_text(h, "event.unlimited", NULL);
		hctx_reply(h, "event.attendees", "id", h->argv[0], "title", ev.title, "going",
		           sec[0].len ? sec[0].p : none, "waiting", sec[1].len ? sec[1].p : none, "maybe",
		           sec[2].len ? sec[2].p : none, "declined", sec[3].len ? sec[3].p : none, "n_going", c[0],
		           "n_waiting", c[1], "n_maybe", c[2], "n_declined", c[3], "seats", st, "capacity", capt, NULL);
		free(capt);
		free(none);
	}
	for (int k = 0; k < 4; k++)
		buf_free(&sec[k]);
	event_free(&ev);
	return rc;
}

int
h_attended_run(struct hctx *h)
{
	int64_t id = 0;
	if (hctx_parse_id(h->argv[0], &id) != 0) {
		hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		return DB_OK;
	}
	struct event ev;
	int rc = state_event_get(h->db, id, &ev);
	if (rc != DB_OK) {
		if (rc == DB_NOTFOUND)
			hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		event_free(&ev);
		return rc < 0 ? rc : DB_OK;
	}
	const char *rest = str_skip_words(h->argline, 1);
	int marked = 0;
	struct buf unknown = BUF_INIT;
	if (is_word(h->argv[1], (const char *const[]){"all", "alle", NULL}) && h->argc == 2) {
		rc = state_rsvp_attended_all(h->db, id, &marked);
	} else {
		struct rsvp *v;
		size_t n;
		if ((rc = state_rsvps(h->db, id, &v, &n)) != DB_OK)
			goto out;
		char **names = xcalloc(n + 1, sizeof *names), **addrs = xcalloc(n + 1, sizeof *addrs);
		for (size_t i = 0; i < n && rc == DB_OK; i++)
			rc = h_event_person_label(h, v[i].person_id, &names[i], &addrs[i]);
		/* pieces: comma-separated when there is a comma; else the whole text when it is
		 * someone's name ("Anna Schmidt"), else words (addresses) */
		int whole = 0;
		for (size_t i = 0; i < n && !strchr(rest, ','); i++)
			whole |= names[i] && strcasecmp(names[i], rest) == 0;
		struct strlist l = {NULL, 0};
		strlist_split(&l, rest, strchr(rest, ',') || whole ? ',' : ' ');
		for (size_t k = 0; k < l.n && rc == DB_OK; k++) {
			int hit = 0;
			for (size_t i = 0; i < n && rc == DB_OK; i++) {
				if ((names[i] && strcasecmp(names[i], l.v[k]) == 0) ||
				    (addrs[i] && strcasecmp(addrs[i], l.v[k]) == 0)) {
					rc = state_rsvp_attended(h->db, id, v[i].person_id, 1);
					if (rc == DB_NOTFOUND)
						rc = DB_OK;
					hit = 1;
					marked++;
				}
			}
			if (!hit && rc == DB_OK) {
				/* an address of someone who did not answer, e.g. walked in */
				struct person p;
				char *a = xstrdup(l.v[k]);
				str_lower_ascii(a);
				int prc = strchr(a, '@') ? state_person_by_endpoint(h->db, "mail", a, &p) : DB_NOTFOUND;
				if (prc == DB_OK) {
					rc = state_rsvp_set(h->db, id, p.id, "yes", 0, NULL, "cli", 0, 0);
					if (rc == DB_OK)
						rc = state_rsvp_attended(h->db, id, p.id, 1);
					if (rc == DB_OK)
						marked++;
					hit = 1;
				} else if (prc < 0) {
					rc = prc;
				}
				person_free(&p);
				free(a);
			}
			if (!hit)
				buf_addf(&unknown, "%s%s", unknown.len ? ", " : "", l.v[k]);
		}
		strlist_free(&l);
		for (size_t i = 0; i < n; i++) {
			free(names[i]);
			free(addrs[i]);
		}
		free(names);
		free(addrs);
		rsvps_free(v, n);
	}
	if (rc == DB_OK) {
		char m[16];
		snprintf(m, sizeof m, "%d", marked);
		char *unk =
		    unknown.len ? hctx_text(h, "event.attended.unknown", "names", unknown.p, NULL) : xstrdup("");
		hctx_reply(h, "event.attended", "id", h->argv[0], "title", ev.title, "marked", m, "unknown", unk, NULL);
		free(unk);
	}
out:
	buf_free(&unknown);
	event_free(&ev);
	return rc < 0 ? rc : DB_OK;
}

/* ---- scheduler jobs ---- */

int
h_event_remind_job(struct hctx *h, int64_t event, const char **result)
{
	struct event ev;
	int rc = state_event_get(h->db, event, &ev);
	if (rc == DB_NOTFOUND || (rc == DB_OK && (strcmp(ev.status, "announced") != 0 || ev.end < now_s()))) {
		*result = "skipped: event not announced or over";
		event_free(&ev);
		return DB_OK;
	}
	struct rsvp *v = NULL;
	size_t n = 0;
	if (rc == DB_OK)
		rc = state_rsvps(h->db, event, &v, &n);
	int sent = 0;
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		if (strcmp(v[i].status, "going") != 0)
			continue;
		rc = tell_person(h, &ev, v[i].person_id, "event.reminder", NULL, NULL);
		sent++;
	}
	rsvps_free(v, n);
	event_free(&ev);
	if (rc == DB_OK) {
		*result = "ran";
		log_info("event %lld: reminder to %d people", (long long)event, sent);
	}
	return rc;
}

int
h_event_claim_job(struct hctx *h, int64_t ref, const char **result)
{
	int64_t event = ref & 0xffffffffLL, person = ref >> 32;
	struct event ev;
	int rc = state_event_get(h->db, event, &ev);
	if (rc == DB_NOTFOUND || (rc == DB_OK && strcmp(ev.status, "announced") != 0)) {
		*result = "skipped: event not announced";
		event_free(&ev);
		return DB_OK;
	}
	if (rc == DB_OK)
		rc = state_rsvp_lapse(h->db, event, person, now_s());
	if (rc == DB_NOTFOUND) {
		*result = "skipped: claimed or answered";
		event_free(&ev);
		return DB_OK;
	}
	if (rc == DB_OK)
		rc = tell_person(h, &ev, person, "event.claim_lapsed", NULL, NULL);
	if (rc == DB_OK)
		rc = promote_waiting(h, &ev);
	if (rc == DB_OK) {
		*result = "ran";
		log_info("event %lld: person %lld did not confirm in time; the seat moved on", (long long)event,
		         (long long)person);
	}
	event_free(&ev);
	return rc;
}

/* ---- the templates this file renders ---- */

#define EV_MAIL_VARS "id,title,when,details,changes,attend,regret"
#define EV_TELL_VARS "id,title,when,details,claim,attend,regret"

const struct tmpl_key tmpl_keys_events[] = {
    {"cmd.events", ""},
    {"cmd.events.short", ""},
    {"cmd.rsvp", ""},
    {"cmd.rsvp.short", ""},
    {"cmd.attend", ""},
    {"cmd.attend.short", ""},
    {"cmd.regret", ""},
    {"cmd.regret.short", ""},
    {"cmd.maybe", ""},
    {"cmd.maybe.short", ""},
    {"cmd.announce", ""},
    {"cmd.announce.short", ""},
    {"cmd.attendees", ""},
    {"cmd.attendees.short", ""},
    {"cmd.attended", ""},
    {"cmd.attended.short", ""},
    {"event.when", "date,start,end,tz"},
    {"event.line.place", "place"},
    {"event.line.link", "url"},
    {"event.none", ""},
    {"event.unlimited", ""},
    {"event.yes", ""},
    {"event.no", ""},
    {"event.status.going", ""},
    {"event.status.waiting", ""},
    {"event.status.declined", ""},
    {"event.status.maybe", ""},
    {"event.status.none", ""},
    {"event.state.draft", ""},
    {"event.state.announced", ""},
    {"event.state.cancelled", ""},
    {"event.preview", "id,title,date,start,end,place,url,capacity,guests,audience,members,rooms,public,"
                      "description,claim,remind,status,announce,changes"},
    {"event.form_invalid", "problems,fields,announce"},
    {"event.problem.missing", "field,value"},
    {"event.problem.invalid", "field,value"},
    {"event.problem.past", "field,value"},
    {"event.problem.audience", "field,value"},
    {"event.sent", "id,title,mails,rooms"},
    {"event.cancelled_by_staff", "id,title,mails"},
    {"event.changed", "id,title,changes,mails"},
    {"event.change.line", "field,old,new"},
    {"event.change.none", ""},
    {"event.unknown", "id"},
    {"event.is_cancelled", "id,title"},
    {"event.post", "id,title,when,details"},
    {"event.post.cancelled", "id,title,when"},
    {"event.invite", EV_MAIL_VARS},
    {"event.invite.subject", EV_MAIL_VARS},
    {"event.update", EV_MAIL_VARS},
    {"event.update.subject", EV_MAIL_VARS},
    {"event.update.changes", "changes"},
    {"event.cancel", EV_MAIL_VARS},
    {"event.cancel.subject", EV_MAIL_VARS},
    {"event.promoted", EV_TELL_VARS},
    {"event.promoted.subject", EV_TELL_VARS},
    {"event.promoted.chat", "id,title,when,claim,attend,regret"},
    {"event.promoted.claim", "date,time,id,attend"},
    {"event.reminder", EV_TELL_VARS},
    {"event.reminder.subject", EV_TELL_VARS},
    {"event.claim_lapsed", EV_TELL_VARS},
    {"event.claim_lapsed.subject", EV_TELL_VARS},
    {"event.rsvp.yes", "id,title,when,guests,regret"},
    {"event.rsvp.guests", "guests"},
    {"event.rsvp.waiting", "id,title,when,position,regret"},
    {"event.rsvp.no", "id,title,when,attend"},
    {"event.rsvp.maybe", "id,title,when,attend,regret"},
    {"event.rsvp.unchanged", "id,title,when,status"},
    {"event.rsvp.closed", "id,title"},
    {"event.rsvp.not_invited", "id,title"},
    {"event.rsvp.ambiguous", "id,title,attend,regret"},
    {"event.rsvp.forged", "id,title,attendee,sender"},
    {"event.rsvp.unknown", ""},
    {"event.rsvp.outdated", "id,title,when"},
    {"event.list", "list,rsvp"},
    {"event.list.item", "id,date,time,title,answer"},
    {"event.list.empty", ""},
    {"event.attendees", "id,title,going,waiting,maybe,declined,n_going,n_waiting,n_maybe,n_declined,seats,capacity"},
    {"event.attendees.item", "who,name,address,guests,comment,position"},
    {"event.attendees.waiting_item", "who,name,address,guests,comment,position"},
    {"event.attended", "id,title,marked,unknown"},
    {"event.attended.unknown", "names"},
    {"event.feed.name", ""},
    {NULL, NULL},
};
