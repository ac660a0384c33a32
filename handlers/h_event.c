/*
 * h_event.c - events and RSVP (issue 5): staff create, change, send and
 * cancel an event ("announce", by mail, chat or the CLI); members answer by
 * replying to the invitation (words or the calendar's Accept button, an
 * iTIP REPLY) or in chat ("rsvp", "zusage", "absage", "vielleicht"); the
 * waiting list, promotions with a claim deadline, the reminder, and the
 * staff lists ("attendees", "attended").
 *
 * This file: the member commands ("rsvp", "zusage", "absage", "vielleicht",
 * "events"), the jobs and the templates the event handler renders; the rest
 * is in h_event_core.c, h_event_form.c, h_event_reply.c and h_event_staff.c
 * (shared declarations in h_event_int.h).
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
#include "handlers/h_event_int.h"
#include "handlers/handlers.h"
#include "state/events.h"

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
	if (db_failed(rc))
		return rc;
	if (rc == DB_NOTFOUND || strcmp(ev->status, "draft") == 0) {
		hctx_reply(h, "event.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	int ok = 0;
	if ((rc = ev_may_answer(h, ev, h->person.id, &ok)) < 0)
		return rc;
	if (!ok) {
		char eid[24];
		ev_fmt_id(eid, ev->id);
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
		return db_failed(rc) ? rc : 0;
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
		ev_fmt_id(eid, ev.id);
		hctx_reply(h, "event.rsvp.ambiguous", "id", eid, "title", ev.title, "attend",
			   hctx_cmd_word(h, cmd_by_name("attend")), "regret", hctx_cmd_word(h, cmd_by_name("regret")),
			   NULL);
	} else {
		const char *via =
			h->pm ? "mail" : (h->transport && strcmp(h->transport, "matrix") == 0 ? "matrix" : "xmpp");
		rc = ev_rsvp_apply(h, &ev, h->person.id, words_name((enum words_answer)a), guests, comment, via, 0);
	}
	free(comment);
	event_free(&ev);
	return db_failed(rc) ? rc : 0;
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
		ev_fmt_id(id, v[i].id);
		ev_date_time(v[i].start, h->lang, date, tm);
		char *st;
		struct rsvp r;
		int g = h->known ? state_rsvp_get(h->db, v[i].id, h->person.id, &r) : DB_NOTFOUND;
		if (db_failed(g)) {
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
		rc = ev_tell_person(h, &ev, v[i].person_id, "event.reminder", NULL, NULL);
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
		rc = ev_tell_person(h, &ev, person, "event.claim_lapsed", NULL, NULL);
	if (rc == DB_OK)
		rc = ev_promote_waiting(h, &ev);
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
			  "description,claim,remind,status,announce,changes,social"},
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
	{"event.attendees",
	 "id,title,going,waiting,maybe,declined,n_going,n_waiting,n_maybe,n_declined,seats,capacity"},
	{"event.attendees.item", "who,name,address,guests,comment,position"},
	{"event.attendees.waiting_item", "who,name,address,guests,comment,position"},
	{"event.attended", "id,title,marked,unknown"},
	{"event.attended.unknown", "names"},
	{"event.feed.name", ""},
	{NULL, NULL},
};
