/*
 * h_event_staff.c - staff work on events: preview, create, send (room posts
 * and one invitation per person), change, cancel, the "announce" command, and
 * the attendee lists ("attendees", "attended").  Runs inside the caller's
 * transaction.
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
#include "bot/social.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "bot/words.h"
#include "handlers/h_event.h"
#include "handlers/h_event_int.h"
#include "handlers/handlers.h"
#include "state/calls.h"
#include "state/events.h"
#include "state/social.h"

/* The preview (key event.preview, or as text for the CLI when out is set). */
static int
preview(struct hctx *h, const struct event *ev, const char *key, const char *changes, char **out)
{
	struct ev_audience a;
	int rc = ev_audience_resolve(h, ev->audience, &a);
	if (rc != DB_OK) {
		ev_audience_free(&a);
		return rc;
	}
	char id[24], date[32], start[16], d2[32], end[16], cap[16], guests[16], members[16], rooms[16], claim[16],
		remind[16];
	ev_fmt_id(id, ev->id);
	ev_date_time(ev->start, h->lang, date, start);
	ev_date_time(ev->end, h->lang, d2, end);
	snprintf(cap, sizeof cap, "%d", ev->capacity);
	snprintf(guests, sizeof guests, "%d", ev->guests);
	snprintf(members, sizeof members, "%zu", a.npeople);
	snprintf(rooms, sizeof rooms, "%zu", a.nrooms);
	snprintf(claim, sizeof claim, "%d", ev->claim_hours);
	snprintf(remind, sizeof remind, "%d", ev->remind_hours);
	ev_audience_free(&a);
	char *none = hctx_text(h, "event.none", NULL);
	char *capt = ev->capacity ? xstrdup(cap) : hctx_text(h, "event.unlimited", NULL);
	char *pub = hctx_text(h, ev->is_public ? "event.yes" : "event.no", NULL);
	char *tags = NULL;
	if (state_event_hashtags(h->db, ev->id, &tags) == DB_OK && tags && *tags) {
		/* the hashtags of its social posts ("Hashtags:" in the form) after yes/no */
		struct buf b = BUF_INIT;
		buf_adds(&b, pub);
		for (char *sv = NULL, *t = strtok_r(tags, " ", &sv); t; t = strtok_r(NULL, " ", &sv))
			buf_addf(&b, " #%s", t);
		free(pub);
		pub = buf_detach(&b);
	}
	free(tags);
	char *stk = xasprintf("event.state.%s", ev->status);
	char *st = hctx_text(h, stk, NULL);
	const char *announce = hctx_cmd_word(h, cmd_by_name("announce"));
	const char *place = ev->place ? ev->place : none, *url = ev->url ? ev->url : none;
	const char *desc = ev->description ? ev->description : none;
	char *social = ev_social_status(h, ev->id);
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
			      "social",      social,
			      NULL};
	if (out) {
		*out = tmpl_render(h->tmpl, h->lang, "event.preview", vars);
	} else {
		hctx_reply(h, key, "id", id, "title", ev->title, "date", date, "start", start, "end", end, "place",
			   place, "url", url, "capacity", capt, "guests", guests, "audience", ev->audience, "members",
			   members, "rooms", rooms, "public", pub, "description", desc, "claim", claim, "remind",
			   remind, "status", st, "announce", announce, "changes", changes ? changes : "", "social",
			   social, NULL);
	}
	free(social);
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
	struct ev_form f = {0};
	ev_form_read(&f, form_text);
	if (title && *title && !f.v[F_TITLE])
		f.v[F_TITLE] = str_one_line(title, TITLE_MAX);
	struct event ev = {0};
	ev.remind_hours = 24;
	struct buf probs = BUF_INIT;
	ev_form_apply(h, &f, &ev, 1, &probs, NULL);
	int rc = DB_OK;
	*id_out = 0;
	if (probs.len) {
		char *list = buf_detach(&probs);
		struct buf names = BUF_INIT;
		for (int i = 0; i < F_N; i++)
			buf_addf(&names, "%s%s", names.len ? ", " : "", ev_field_name(i, h->lang));
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
	if (f.v[F_HASHTAGS] && (rc = ev_social_hashtags_save(h, ev.id, f.v[F_HASHTAGS])) != DB_OK)
		goto out;
	free(ev.status);
	ev.status = xstrdup("draft");
	log_info("event %lld created by %s", (long long)ev.id, LOG_WHO(created_by));
	char cid[24];
	ev_fmt_id(cid, ev.id);
	if ((rc = h_audit(h, "announce.create", cid, 0, ev.title)) != DB_OK)
		goto out;
	rc = preview(h, &ev, "event.preview", NULL, NULL);
out:
	buf_free(&probs);
	ev_form_free(&f);
	event_free(&ev);
	return rc;
}

/* ---- loading the event a staff command names ---- */

/* DB_OK when event id exists, DB_NOTFOUND when not, or an error. */
static int
event_exists(struct hctx *h, int64_t id)
{
	struct event ev;
	int rc = state_event_get(h->db, id, &ev);
	event_free(&ev);
	return rc;
}

int
h_event_id_check(struct hctx *h)
{
	int64_t id = 0;
	int rc = hctx_parse_id(h->argv[0], &id) == 0 ? event_exists(h, id) : DB_NOTFOUND;
	if (rc != DB_NOTFOUND)
		return rc < 0 ? rc : 0;
	hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
	return 1;
}

/* The event argv[0] names into *ev (the caller frees it) and its id into *id; h_event_id_check
 * found it, so not finding it now is an error (DB_ERR). On failure *ev is freed. */
static int
event_of_arg(struct hctx *h, int64_t *id, struct event *ev)
{
	*id = 0;
	hctx_parse_id(h->argv[0], id);
	int rc = state_event_get(h->db, *id, ev);
	if (rc != DB_OK) {
		event_free(ev);
		return db_failed(rc) ? rc : DB_ERR;
	}
	return DB_OK;
}

/* Event id (shown as eid) into *ev for staff to send, change or cancel: DB_NOTFOUND, answered
 * event.unknown or event.is_cancelled, when there is none or it is cancelled. *ev is always set:
 * the caller frees it. */
static int
event_load_open(struct hctx *h, int64_t id, const char *eid, struct event *ev)
{
	int rc = state_event_get(h->db, id, ev);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "event.unknown", "id", eid, NULL);
		return DB_NOTFOUND;
	}
	if (rc != DB_OK)
		return rc;
	if (strcmp(ev->status, "cancelled") == 0) {
		hctx_reply(h, "event.is_cancelled", "id", eid, "title", ev->title, NULL);
		return DB_NOTFOUND;
	}
	return DB_OK;
}

int
h_event_send(struct hctx *h, int64_t id, int *mails, int *rooms)
{
	struct event ev;
	struct ev_audience a = {0};
	*mails = *rooms = 0;
	char eid[24];
	ev_fmt_id(eid, id);
	int rc = event_load_open(h, id, eid, &ev);
	if (rc != DB_OK)
		goto out;
	if ((rc = ev_audience_resolve(h, ev.audience, &a)) != DB_OK)
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
	int rate = h->cfg ? h->cfg->bot.announce_rate : 20, mail = hctx_transport_on(h, "mail"), unsent = 0;
	int64_t now = now_s();
	for (size_t i = 0; i < a.npeople && rc == DB_OK; i++) {
		rc = state_invitation_get(h->db, ev.id, a.people[i].person, NULL);
		if (rc == DB_OK) /* invited before: a repeated "send" reaches only the new members */
			continue;
		if (db_failed(rc))
			break;
		rc = DB_OK;
		if (!mail) { /* not invited: a later "send" with [smtp] configured still reaches them */
			unsent++;
			continue;
		}
		const char *lang =
			a.people[i].lang ? (strcmp(a.people[i].lang, "de") == 0 ? "de" : "en") : hctx_default_lang(h);
		int64_t nb = rate > 0 ? now + *mails / rate : 0;
		rc = ev_mail(h, &ev, a.people[i].person, a.people[i].addr, lang, "event.invite", NULL, nb);
		(*mails)++;
	}
	char *note = NULL;
	if (rc != DB_OK || (rc = ev_social_queue(h, &ev, &note)) != DB_OK)
		goto out;
	char m[16], r[16];
	snprintf(m, sizeof m, "%d", *mails);
	snprintf(r, sizeof r, "%d", *rooms);
	char *detail = xasprintf("mails=%d rooms=%d", *mails, *rooms);
	rc = h_audit(h, "announce.send", eid, 0, detail);
	free(detail);
	if (rc != DB_OK) {
		free(note);
		goto out;
	}
	hctx_reply(h, "event.sent", "id", eid, "title", ev.title, "mails", m, "rooms", r, HCTX_NOTE_AFTER,
		   note ? note : "", NULL);
	free(note);
	if (unsent) {
		char u[16];
		snprintf(u, sizeof u, "%d", unsent);
		hctx_reply(h, "transports.event.mail_off", "count", u, NULL);
	}
	log_info("event=announce event_id=%lld mails=%d rooms=%d mail_unsent=%d", (long long)ev.id, *mails, *rooms,
		 unsent);
out:
	ev_audience_free(&a);
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
	int mail = hctx_transport_on(h, "mail"); /* without [smtp]: invitations of an earlier time, no mail now */
	int rate = h->cfg ? h->cfg->bot.announce_rate : 20;
	int64_t now = now_s();
	for (size_t i = 0; mail && i < n && rc == DB_OK; i++) {
		struct rsvp r;
		int g = state_rsvp_get(h->db, ev->id, inv[i].person_id, &r);
		int declined = g == DB_OK && strcmp(r.status, "declined") == 0;
		if (g == DB_OK)
			rsvp_free(&r);
		if (db_failed(g)) {
			rc = g;
			break;
		}
		if (declined)
			continue;
		const char *lang = ev_person_lang(h, inv[i].person_id);
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
	struct ev_form f = {0};
	struct buf probs = BUF_INIT, changes = BUF_INIT;
	char eid[24];
	ev_fmt_id(eid, id);
	int rc = event_load_open(h, id, eid, &ev);
	if (rc != DB_OK)
		goto out;
	ev_form_read(&f, form_text);
	if (f.n == 0) {
		rc = preview(h, &ev, "event.preview", NULL, NULL);
		goto out;
	}
	int old_capacity = ev.capacity;
	ev_form_apply(h, &f, &ev, 0, &probs, &changes);
	if (probs.len) {
		struct buf names = BUF_INIT;
		for (int i = 0; i < F_N; i++)
			buf_addf(&names, "%s%s", names.len ? ", " : "", ev_field_name(i, h->lang));
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
	if (f.v[F_HASHTAGS] && (rc = ev_social_hashtags_save(h, ev.id, f.v[F_HASHTAGS])) != DB_OK)
		goto out;
	if (changes.len && announced) {
		if ((rc = schedule_remind(h, &ev)) != DB_OK)
			goto out;
		if ((rc = mail_invited(h, &ev, "event.update", changes.p, &mails)) != DB_OK)
			goto out;
		if (ev.capacity == 0 || ev.capacity > old_capacity)
			if ((rc = ev_promote_waiting(h, &ev)) != DB_OK)
				goto out;
		if ((rc = ev_social_change(h, &ev, "edit", changes.p)) != DB_OK)
			goto out;
	}
	if ((rc = h_audit(h, "announce.change", eid, 0, changes.len ? changes.p : NULL)) != DB_OK)
		goto out;
	char *ch = changes.len ? xstrdup(changes.p) : hctx_text(h, "event.change.none", NULL);
	char m[16];
	snprintf(m, sizeof m, "%d", mails);
	hctx_reply(h, "event.changed", "id", eid, "title", ev.title, "changes", ch, "mails", m, NULL);
	free(ch);
	log_info("event %lld changed (sequence %d, %d update mails)", (long long)ev.id, ev.sequence, mails);
out:
	buf_free(&probs);
	buf_free(&changes);
	ev_form_free(&f);
	event_free(&ev);
	return rc;
}

int
h_event_cancel(struct hctx *h, int64_t id, int *mails)
{
	struct event ev;
	char eid[24];
	ev_fmt_id(eid, id);
	*mails = 0;
	int rc = event_load_open(h, id, eid, &ev);
	if (rc != DB_OK)
		goto out;
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
		if ((rc = ev_social_change(h, &ev, "delete", NULL)) != DB_OK)
			goto out;
		struct ev_audience a;
		if ((rc = ev_audience_resolve(h, ev.audience, &a)) != DB_OK) {
			ev_audience_free(&a);
			goto out;
		}
		const char *lang = hctx_default_lang(h);
		struct evtext t;
		evtext_make(h, &ev, lang, &t);
		for (size_t i = 0; i < a.nrooms; i++)
			hctx_reply_to(h, a.rooms[i].kind, a.rooms[i].addr, "event.post.cancelled", "id", t.id, "title",
				      ev.title, "when", t.when, "lang", lang, "chat_type", "groupchat", NULL);
		evtext_free(&t);
		ev_audience_free(&a);
	}
	if ((rc = h_audit(h, "announce.cancel", eid, 0, NULL)) != DB_OK)
		goto out;
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

/* "announce <id> [send|cancel|show|Field: value]": an existing event changed, sent or cancelled.
 * 1 with *id, or 0: "announce [title]" with the form, a new event. */
static int
announce_names_event(const struct hctx *h, int64_t *id)
{
	return h->argc >= 1 && hctx_parse_id(h->argv[0], id) == 0 &&
	       (h->argc == 1 || is_word(h->argv[1], send_words) || is_word(h->argv[1], cancel_words) ||
		is_word(h->argv[1], show_words) || strchr(h->argline, ':'));
}

/* An event named must exist; a new one needs a title (on the line or as "Title:" in the form). */
int
h_announce_check(struct hctx *h)
{
	int64_t id = 0;
	if (announce_names_event(h, &id)) {
		int rc = event_exists(h, id);
		if (rc != DB_NOTFOUND)
			return db_failed(rc) ? rc : 0;
		char eid[24];
		ev_fmt_id(eid, id);
		hctx_reply(h, "event.unknown", "id", eid, NULL);
		return 1;
	}
	if (h->argc > 0)
		return 0;
	struct ev_form f = {0};
	ev_form_read(&f, h->body);
	int has_title = f.v[F_TITLE] != NULL;
	ev_form_free(&f);
	if (has_title)
		return 0;
	char *usage = hctx_text(h, "cmd.announce", NULL);
	char *nl = strchr(usage, '\n');
	if (nl)
		*nl = '\0';
	hctx_reply(h, "usage", "command", hctx_cmd_word(h, h->cmd), "help", usage, NULL);
	free(usage);
	return 1;
}

int
h_announce_run(struct hctx *h)
{
	int64_t id = 0;
	int rc = DB_OK;
	const char *who = h->ep_addr ? h->ep_addr : "?";
	if (announce_names_event(h, &id)) {
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
		return db_failed(rc) ? rc : DB_OK;
	}
	int64_t nid;
	rc = h_event_create(h, h->argline, h->body, who, &nid);
	return db_failed(rc) ? rc : DB_OK;
}

/* ---- staff: attendees, attended ---- */

int
h_attendees_run(struct hctx *h)
{
	int64_t id;
	struct event ev;
	int rc = event_of_arg(h, &id, &ev);
	if (rc != DB_OK)
		return rc;
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
		char *who = ev_person_display(name, addr);
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
	int64_t id;
	struct event ev;
	int rc = event_of_arg(h, &id, &ev);
	if (rc != DB_OK)
		return rc;
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
				} else if (db_failed(prc)) {
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
	if (rc == DB_OK)
		rc = h_audit(h, "attended", h->argv[0], 0, rest);
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
	return db_failed(rc) ? rc : DB_OK;
}
