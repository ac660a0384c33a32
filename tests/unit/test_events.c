/*
 * Events and RSVP without servers: staff announce by mail (preview, form
 * errors, send), one invitation per member with its headers and a valid
 * iTIP REQUEST (read back with the iTIP parser), pacing through not_before,
 * room posts; answers by text reply (German and English, +1, comments, the
 * quote ignored), by iTIP REPLY (accept/decline/tentative, forged attendee,
 * old SEQUENCE, unknown UID), in chat; one answer per person; capacity 10
 * with 15 yes and two cancellations; change (SEQUENCE + 1), cancel
 * (METHOD:CANCEL), the reminder, a lapsed claim, the public feed.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/ical.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_event.h"
#include "handlers/handlers.h"
#include "state/events.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

#define AUTH "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
#define NMEMBERS 16

/* An iTIP REPLY as calendar clients send it (multipart/alternative). */
static int
deliver_itip(const char *from, const char *subject, const char *uid, int sequence, const char *attendee,
	     const char *partstat, const char *comment)
{
	char *cal = xasprintf("BEGIN:VCALENDAR\r\nPRODID:-//Test//Client//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
			      "BEGIN:VEVENT\r\nUID:%s\r\nSEQUENCE:%d\r\nDTSTAMP:20300317T120000Z\r\n"
			      "DTSTART:20301210T170000Z\r\nORGANIZER:mailto:bot@example.test\r\n"
			      "ATTENDEE;PARTSTAT=%s;CN=Someone:mailto:%s\r\n%s%s%sEND:VEVENT\r\nEND:VCALENDAR\r\n",
			      uid, sequence, partstat, attendee, comment ? "COMMENT:" : "", comment ? comment : "",
			      comment ? "\r\n" : "");
	char *auth = t_auth(from);
	char *raw =
		xasprintf("%sFrom: %s\r\nTo: bot@example.test\r\nSubject: %s\r\nMessage-ID: <i%d.%d@example.test>\r\n"
			  "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
			  "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
			  "--b1\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n%s\r\n--b1--\r\n",
			  auth, from, subject, (int)getpid(), ++seq, subject, cal);
	int rc = deliver_raw(raw);
	free(auth);
	free(raw);
	free(cal);
	return rc;
}

static int64_t
person(const char *mail, const char *lang, const char *programme, const char *role)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, programme, role, "active");
	db_commit(db);
	return id;
}

static int64_t member[NMEMBERS + 1];
static char maddr[NMEMBERS + 1][40];

static const char *
answer_of(int64_t event, int64_t p, const char **status, int *guests)
{
	static char a[16], s[16];
	struct rsvp r;
	if (state_rsvp_get(db, event, p, &r) != DB_OK)
		return NULL;
	snprintf(a, sizeof a, "%s", r.answer);
	snprintf(s, sizeof s, "%s", r.status);
	if (status)
		*status = s;
	if (guests)
		*guests = r.guests;
	rsvp_free(&r);
	return a;
}

static char inv_msgid[NMEMBERS + 1][80];
static char token1[32];

static void
staff_announce_by_mail_answers_with_a_preview_or_names_the_bad_fields(void)
{
	int64_t boss = person("boss@example.test", "en", "mentoring", "member");
	db_begin(db);
	state_endpoint_add(db, boss, "xmpp", "boss@chat.example.test", 1);
	db_commit(db);
	for (int i = 1; i <= NMEMBERS; i++) {
		snprintf(maddr[i], sizeof maddr[i], "m%d@example.test", i);
		member[i] = person(maddr[i], i % 2 ? "en" : "de", "alumni", "alumnus");
	}
	db_begin(db);
	state_endpoint_add(db, member[1], "xmpp", "m1@chat.example.test", 1);
	db_commit(db);
	struct out o;
	/* missing date and an invalid capacity: named in one answer */
	CHECK(deliver_to("boss@example.test", NULL, "announce: Summer party", AUTH,
			 "Start: 18:00\nCapacity: many\nAudience: alumni\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.form_invalid") &&
	      strstr(o.text[0], "Date: missing") && strstr(o.text[0], "Capacity: \"many\" is not valid"));
	out_free(&o);
	/* without DKIM the staff address proves nothing: no event, its owner is asked to confirm */
	t_signed = 0;
	CHECK(deliver_to("boss@example.test", NULL, "announce: Summer party", NULL,
			 "Date: 10.12.2030\nStart: 18:00\n") == DISP_DONE);
	t_signed = 1;
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "event.preview") &&
	      strstr(o.text[0], "X-Mentorbot-Reply: confirm_command"));
	out_free(&o);
	CHECK(state_event_get(db, 1, &(struct event){0}) == DB_NOTFOUND);
	CHECK(deliver_to("boss@example.test", NULL, "announce: Summer party", AUTH,
			 "Date: 10.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Room 1\nCapacity: 30\n"
			 "Audience: alumni\nGuests: 1\nPublic: yes\nDescription: Drinks and talks\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.preview") && strstr(o.text[0], "#1") &&
	      strstr(o.text[0], "Room 1") && strstr(o.text[0], "2030-12-10") && strstr(o.text[0], "18:00") &&
	      strstr(o.text[0], "20:00") && strstr(o.text[0], "alumni (16 people"));
	out_free(&o);
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK);
	int64_t start = 0;
	when_local_to_epoch(2030, 12, 10, 18, 0, &start);
	CHECK(ev.start == start && ev.end == start + 7200 && ev.capacity == 30 && ev.guests == 1 && ev.is_public == 1);
	CHECK(strcmp(ev.status, "draft") == 0 && ev.uid && strncmp(ev.uid, "event-1-", 8) == 0);
	CHECK(ev.token && strlen(ev.token) == 26);
	snprintf(token1, sizeof token1, "%s", ev.token ? ev.token : "");
	event_free(&ev);
}

static void
send_mails_each_member_one_invitation_with_headers_and_a_valid_request(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce 1 send", AUTH, "") == DISP_DONE);
	/* pacing: announce_rate = 5 per second; the first second holds 5 invitations (and the answer) */
	take_until("mail", clock_now, &o);
	CHECK(o.n == 6);
	out_free(&o);
	struct out rest;
	take("mail", &rest);
	CHECK(rest.n == NMEMBERS - 5);
	out_free(&rest);
	/* again, from the database: every row (re-read by resetting their status is not possible), so check one by one
	 */
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK && strcmp(ev.status, "announced") == 0);
	struct invitation *inv;
	size_t n;
	CHECK(state_invitations(db, 1, &inv, &n) == DB_OK && n == NMEMBERS);
	for (size_t i = 0; i < n; i++)
		for (int k = 1; k <= NMEMBERS; k++)
			if (inv[i].person_id == member[k])
				snprintf(inv_msgid[k], sizeof inv_msgid[k], "%s", inv[i].msgid);
	invitations_free(inv, n);
	event_free(&ev);
	/* a second send reaches nobody twice */
	CHECK(deliver_to("boss@example.test", NULL, "announce 1 send", AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.sent") && strstr(o.text[0], "0 invitation mails"));
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "alumni@muc.example.test") == 0 && strcmp(o.type[0], "groupchat") == 0 &&
	      strstr(o.text[0], "#1") && strstr(o.text[0], "Summer party") && strstr(o.text[0], "!rsvp 1 yes"));
	out_free(&o);
	take("matrix", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "!room:example.test") == 0);
	out_free(&o);
}

/* The invitation mails are checked on a fresh event so their rows are at hand. */
static void
invitation_headers_and_calendar(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce: Small talk", AUTH,
			 "Date: 11.12.2030\nStart: 10:00\nEnd: 11:00\nAudience: alumni\n") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver_to("boss@example.test", NULL, "announce 2 send", AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == NMEMBERS + 1);
	struct event ev;
	CHECK(state_event_get(db, 2, &ev) == DB_OK);
	int invites = 0;
	for (int k = 1; k <= NMEMBERS; k++) {
		int i = find(&o, maddr[k], "X-Mentorbot-Reply: event.invite");
		CHECK(i >= 0);
		if (i < 0)
			continue;
		invites++;
		const char *t = o.text[i];
		/* id, Reply-To, ORGANIZER and List-Unsubscribe are keyed to the member */
		char base[64];
		snprintf(base, sizeof base, "ev2.%lld.0", (long long)member[k]);
		char *kid = keyed_msgid_named(core.key, base, "example.test");
		char *plus = keyed_plus_addr(core.key, "bot@example.test", "ev2", maddr[k]);
		char *leave = keyed_plus_addr(core.key, "bot@example.test", "leave", maddr[k]);
		char *mid = xasprintf("Message-ID: <%s>", kid);
		char *rt = xasprintf("Reply-To: %s", plus);
		char *unsub = xasprintf("<mailto:%s?subject=leave>", leave); /* the header is folded before it */
		CHECK(strstr(kid, ".0.") && strlen(strstr(kid, ".0.") + 3) == 16 + strlen("@example.test"));
		CHECK(strstr(t, mid) != NULL);
		CHECK(strstr(t, rt) != NULL);
		CHECK(strstr(t, unsub) != NULL);
		free(unsub);
		free(leave);
		free(kid);
		CHECK(strstr(t, "Auto-Submitted: auto-generated"));
		CHECK(strstr(t, "Subject: Small talk"));
		CHECK(strstr(t, "multipart/alternative") && strstr(o.raw[i], "method=REQUEST"));
		CHECK(strstr(t, k % 2 ? "You are invited" : "Sie sind eingeladen"));
		free(rt);
		free(mid);
		char *cal = calendar_of(o.raw[i]);
		CHECK(cal != NULL);
		struct ical_itip it;
		int prc = cal ? ical_parse_reply(cal, strlen(cal), "REQUEST", &it) : -99;
		CHECK(prc == ICAL_ERR_NOT_REPLY);
		if (prc == ICAL_ERR_NOT_REPLY) {
			CHECK(it.method && strcmp(it.method, "REQUEST") == 0 && it.nevents == 1);
			CHECK(it.events[0].uid && strcmp(it.events[0].uid, ev.uid) == 0 && it.events[0].sequence == 0);
			CHECK(it.events[0].organizer && strcmp(it.events[0].organizer, plus) == 0);
			CHECK(it.events[0].nattendees == 1);
			const struct ical_attendee *a = ical_find_attendee(&it.events[0], maddr[k]);
			CHECK(a && a->partstat == ICAL_PS_NEEDS_ACTION && a->rsvp == 1);
			CHECK(it.events[0].has_dtstart && it.events[0].dtstart == ev.start);
		}
		ical_itip_free(&it);
		CHECK(cal && strstr(cal, "BEGIN:VTIMEZONE") && strstr(cal, "TZID:Europe/Berlin"));
		free(cal);
		free(plus);
	}
	CHECK(invites == NMEMBERS);
	event_free(&ev);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
}

static void
text_replies_in_german_and_english_with_guests_comments_and_the_quote_ignored(void)
{
	struct out o;
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[2]);
	CHECK(deliver_to(maddr[2], NULL, "AW: Summer party", hdr,
			 "Ja, ich komme +1\nich bringe Kuchen mit\n\nMit freundlichen Grüßen\nMax Mustermann\n\n"
			 "Am 17.03. schrieb MentorBot:\n> Kommen Sie? nein\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.rsvp.yes") && strstr(o.text[0], "1 Gast"));
	out_free(&o);
	const char *st = NULL;
	int g = -1;
	const char *a = answer_of(1, member[2], &st, &g);
	CHECK(a && strcmp(a, "yes") == 0 && strcmp(st, "going") == 0 && g == 1);
	struct rsvp r;
	/* the comment ends before the sign-off */
	CHECK(state_rsvp_get(db, 1, member[2], &r) == DB_OK && r.comment &&
	      strcmp(r.comment, "ich bringe Kuchen mit") == 0 && strcmp(r.via, "mail") == 0);
	rsvp_free(&r);
	/* English, matched by References */
	hdr = xasprintf("References: <other@example.test> <%s>\r\n", inv_msgid[3]);
	CHECK(deliver_to(maddr[3], NULL, "Re: Summer party", hdr,
			 "Yes - looking forward to it!\nThanks for organising.\n\nbest regards,\nJane Doe\n"
			 "Phone 0123 456\n\n> no\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.yes"));
	out_free(&o);
	/* a sentence starting with "Thanks" stays; "best regards," and the lines below go */
	CHECK(state_rsvp_get(db, 1, member[3], &r) == DB_OK && r.comment &&
	      strcmp(r.comment, "looking forward to it! Thanks for organising.") == 0);
	rsvp_free(&r);
	/* only the plus-address of the Reply-To */
	char *to = xasprintf("bot+ev1.%s@example.test", token1);
	CHECK(deliver_to(maddr[4], to, "Re: Summer party", NULL, "Nein, leider nicht.\n") == DISP_DONE);
	free(to);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.no"));
	out_free(&o);
	a = answer_of(1, member[4], &st, NULL);
	CHECK(a && strcmp(a, "no") == 0 && strcmp(st, "declined") == 0);
	hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[5]);
	CHECK(deliver_to(maddr[5], NULL, "Re: Summer party", hdr, "vielleicht\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.maybe"));
	out_free(&o);
	/* the same answer again: unchanged, confirmed once */
	CHECK(deliver_to(maddr[5], NULL, "Re: Summer party", hdr, "Vielleicht!\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.unchanged"));
	out_free(&o);
	free(hdr);
	/* unclear: one question back, nothing recorded */
	hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[6]);
	CHECK(deliver_to(maddr[6], NULL, "Re: Summer party", hdr, "Hm, what time again?\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.ambiguous"));
	out_free(&o);
	CHECK(deliver_to(maddr[6], NULL, "Re: Summer party", hdr, "ja nein\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.ambiguous"));
	out_free(&o);
	CHECK(answer_of(1, member[6], NULL, NULL) == NULL);
	/* another command in a reply is that command */
	CHECK(deliver_to(maddr[6], NULL, "Re: Summer party", hdr, "help\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "event.rsvp"));
	out_free(&o);
	free(hdr);
	/* someone the bot does not know */
	hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[7]);
	CHECK(deliver_to("stranger@example.test", NULL, "Re: Summer party", hdr, "yes\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.not_invited"));
	out_free(&o);
	free(hdr);
	/* a guest named later on the line, and more guests than allowed are capped */
	hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[15]);
	CHECK(deliver_to(maddr[15], NULL, "AW: Summer party", hdr, "Zusage für uns beide +1\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.yes"));
	out_free(&o);
	g = -1;
	CHECK(answer_of(1, member[15], &st, &g) && g == 1);
	CHECK(deliver_to(maddr[15], NULL, "AW: Summer party", hdr, "ja +3\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.unchanged"));
	out_free(&o);
	free(hdr);
	/* "zusage" as the first line of a reply */
	hdr = xasprintf("In-Reply-To: <%s>\r\n", inv_msgid[8]);
	CHECK(deliver_to(maddr[8], NULL, "AW: Summer party", hdr, "Zusage\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.yes"));
	out_free(&o);
	free(hdr);
}

static void
itip_replies_accept_decline_tentative_and_refuse_forgeries(void)
{
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK);
	struct out o;
	CHECK(deliver_itip(maddr[9], "Akzeptiert: Summer party", ev.uid, 0, maddr[9], "ACCEPTED", "Bis dann") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.yes"));
	out_free(&o);
	struct rsvp r;
	CHECK(state_rsvp_get(db, 1, member[9], &r) == DB_OK && strcmp(r.via, "itip") == 0 && r.comment &&
	      strcmp(r.comment, "Bis dann") == 0);
	rsvp_free(&r);
	CHECK(deliver_itip(maddr[10], "Abgelehnt: Summer party", ev.uid, 0, maddr[10], "DECLINED", NULL) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.no"));
	out_free(&o);
	CHECK(deliver_itip(maddr[11], "Tentative: Summer party", ev.uid, 0, maddr[11], "TENTATIVE", NULL) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.maybe"));
	out_free(&o);
	const char *a = answer_of(1, member[11], NULL, NULL);
	CHECK(a && strcmp(a, "maybe") == 0);
	/* m12 answers for m13: refused, nothing changes */
	CHECK(deliver_itip(maddr[12], "Accepted: Summer party", ev.uid, 0, maddr[13], "ACCEPTED", NULL) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.forged"));
	out_free(&o);
	CHECK(answer_of(1, member[13], NULL, NULL) == NULL && answer_of(1, member[12], NULL, NULL) == NULL);
	/* an unknown UID */
	CHECK(deliver_itip(maddr[12], "Accepted: Other", "event-99-xyz@example.test", 0, maddr[12], "ACCEPTED", NULL) ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.unknown"));
	out_free(&o);
	/* a stranger with their own address as attendee */
	CHECK(deliver_itip("stranger@example.test", "Accepted", ev.uid, 0, "stranger@example.test", "ACCEPTED", NULL) ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.unknown"));
	out_free(&o);
	event_free(&ev);
}

static void
chat_answers_replace_the_mail_answer_and_events_lists_them(void)
{
	struct out o;
	CHECK(chat("m1@chat.example.test", "rsvp 1 yes +1 gern") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "you are coming to Summer party") && strstr(o.text[0], "1 guest"));
	out_free(&o);
	CHECK(chat("m1@chat.example.test", "absage 1") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "not coming"));
	out_free(&o);
	const char *st = NULL;
	const char *a = answer_of(1, member[1], &st, NULL);
	CHECK(a && strcmp(a, "no") == 0 && strcmp(st, "declined") == 0);
	struct rsvp *v;
	size_t n;
	int mine = 0;
	CHECK(state_rsvps(db, 1, &v, &n) == DB_OK);
	for (size_t i = 0; i < n; i++)
		mine += v[i].person_id == member[1];
	rsvps_free(v, n);
	CHECK(mine == 1);
	CHECK(chat("m1@chat.example.test", "events") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "#1") && strstr(o.text[0], "Summer party") &&
	      strstr(o.text[0], "you are not coming") && strstr(o.text[0], "#2") && strstr(o.text[0], "no answer yet"));
	out_free(&o);
}

static void
capacity_ten_with_fifteen_yes_leaves_five_waiting_and_cancellations_promote(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce: Workshop", AUTH,
			 "Datum: 12.12.2030\nBeginn: 14:00\nEnde: 16:00\nPlätze: 10\nZielgruppe: alumni\n") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.preview") && strstr(o.text[0], "#3"));
	out_free(&o);
	CHECK(deliver_to("boss@example.test", NULL, "announce 3 send", AUTH, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "New event #3: Workshop"));
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
	for (int k = 1; k <= 15; k++) {
		CHECK(deliver_to(maddr[k], NULL, "zusage 3", NULL, "") == DISP_DONE);
		take("mail", &o);
		CHECK(o.n == 1 && strstr(o.text[0], k <= 10 ? "event.rsvp.yes" : "event.rsvp.waiting"));
		if (k == 11)
			CHECK(strstr(o.text[0], k % 2 ? "position 1" : "Platz 1"));
		if (k == 15)
			CHECK(strstr(o.text[0], "position 5"));
		out_free(&o);
	}
	struct rsvp_counts c;
	CHECK(state_rsvp_counts(db, 3, &c) == DB_OK && c.going == 10 && c.waiting == 5);
	/* two cancellations: the first two waiting move up and are told */
	CHECK(deliver_to(maddr[2], NULL, "absage 3", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 2 && find(&o, maddr[2], "event.rsvp.no") >= 0 && find(&o, maddr[11], "event.promoted") >= 0);
	out_free(&o);
	CHECK(chat("m1@chat.example.test", "regret 3") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && find(&o, maddr[12], "event.promoted") >= 0);
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "not coming"));
	out_free(&o);
	CHECK(state_rsvp_counts(db, 3, &c) == DB_OK && c.going == 10 && c.waiting == 3 && c.declined == 2);
	const char *st = NULL;
	CHECK(answer_of(3, member[12], &st, NULL) && strcmp(st, "going") == 0);
	/* the waiting list moved up too */
	int pos = 0;
	CHECK(state_rsvp_position(db, 3, member[15], &pos) == DB_OK && pos == 3);
	/* the staff list: "Name <address>", the address alone for people without a name
	 * (m13) or whose name is their address (m14) */
	db_begin(db);
	CHECK(state_profile_set(db, member[12], "name", "Anna Schmidt") == DB_OK);
	CHECK(state_profile_set(db, member[14], "name", "M14@Example.test") == DB_OK);
	db_commit(db);
	struct hctx h = {0};
	h.key = core.key;
	h.db = db;
	h.cfg = &cfg;
	h.tmpl = tmpl;
	h.lang = "en";
	char *nm = NULL, *ad = NULL;
	CHECK(h_event_person_label(&h, member[12], &nm, &ad) == DB_OK && nm && strcmp(nm, "Anna Schmidt") == 0 && ad &&
	      strcmp(ad, maddr[12]) == 0);
	free(nm);
	free(ad);
	CHECK(h_event_person_label(&h, member[13], &nm, &ad) == DB_OK && !nm && ad && strcmp(ad, maddr[13]) == 0);
	free(nm);
	free(ad);
	CHECK(h_event_person_label(&h, member[14], &nm, &ad) == DB_OK && !nm && ad && strcmp(ad, maddr[14]) == 0);
	free(nm);
	free(ad);
	CHECK(deliver_to("boss@example.test", NULL, "attendees 3", AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.attendees") && strstr(o.text[0], "Coming: 10 people") &&
	      strstr(o.text[0], "Waiting list: 3") && strstr(o.text[0], "1. m13@example.test") &&
	      strstr(o.text[0], "2. m14@example.test") && strstr(o.text[0], "- Anna Schmidt <m12@example.test>") &&
	      strstr(o.text[0], "- m1@example.test"));
	CHECK(o.n == 1 && !strstr(o.text[0], "m13@example.test <") && !strstr(o.text[0], "<m14@example.test>") &&
	      !strstr(o.text[0], "m1@example.test <"));
	out_free(&o);
}

static void
change_sends_sequence_plus_one_and_an_old_sequence_is_outdated(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce 1", AUTH, "Place: Room 2\n") == DISP_DONE);
	take("mail", &o);
	int staff = find(&o, "boss@example.test", "event.changed");
	CHECK(staff >= 0 && strstr(o.text[staff], "Room 1") && strstr(o.text[staff], "Room 2"));
	/* everyone invited except those who declined (m1 by chat, m4, m10) */
	CHECK(count(&o, "X-Mentorbot-Reply: event.update") == NMEMBERS - 3);
	CHECK(find(&o, maddr[4], "event.update") < 0 && find(&o, maddr[10], "event.update") < 0);
	int i = find(&o, maddr[3], "event.update");
	CHECK(i >= 0);
	if (i >= 0) {
		char *cal = calendar_of(o.raw[i]);
		CHECK(cal && strstr(cal, "SEQUENCE:1") && strstr(cal, "METHOD:REQUEST") && strstr(cal, "Room 2"));
		free(cal);
		char base[64];
		snprintf(base, sizeof base, "ev1.%lld.1", (long long)member[3]);
		char *kid = keyed_msgid_named(core.key, base, "example.test");
		char *mid = xasprintf("Message-ID: <%s>", kid);
		CHECK(strstr(o.text[i], mid) && strstr(o.text[i], "Room 2"));
		free(mid);
		free(kid);
	}
	out_free(&o);
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK && ev.sequence == 1 && strcmp(ev.place, "Room 2") == 0);
	/* a REPLY to the first version: no change */
	CHECK(deliver_itip(maddr[14], "Declined: Summer party", ev.uid, 0, maddr[14], "DECLINED", NULL) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.outdated"));
	out_free(&o);
	CHECK(answer_of(1, member[14], NULL, NULL) == NULL);
	CHECK(deliver_itip(maddr[14], "Declined: Summer party", ev.uid, 1, maddr[14], "DECLINED", NULL) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.no"));
	out_free(&o);
	event_free(&ev);
}

static void
reminder_goes_to_everyone_going(void)
{
	struct hctx h = {0};
	h.key = core.key;
	h.db = db;
	h.cfg = &cfg;
	h.tmpl = tmpl;
	h.lang = "en";
	h.ep_kind = "";
	h.ep_addr = "";
	const char *result = NULL;
	db_begin(db);
	CHECK(h_event_remind_job(&h, 3, &result) == DB_OK && result && strcmp(result, "ran") == 0);
	db_commit(db);
	int reminders = 0, to_declined = 0;
	for (size_t i = 0; i < h.nreplies; i++) {
		if (strcmp(h.replies[i].key, "event.reminder") == 0 && strcmp(h.replies[i].to_kind, "mail") == 0)
			reminders++;
		if (strcmp(h.replies[i].to_addr, maddr[2]) == 0)
			to_declined++;
	}
	CHECK(reminders == 10 && to_declined == 0);
	hctx_free_replies(&h);
	/* the job was scheduled 24 h before the start */
	int64_t start = 0;
	when_local_to_epoch(2030, 12, 12, 14, 0, &start);
	struct job jobs[8];
	size_t n = 0;
	CHECK(state_jobs_due(db, start - 86400, jobs, 8, &n) == DB_OK);
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(jobs[i].kind, "event.remind") == 0 && jobs[i].ref == 3 && jobs[i].due == start - 86400)
			found = 1;
		job_free(&jobs[i]);
	}
	CHECK(found);
}

static void
an_unconfirmed_promotion_lapses_to_the_next_one_waiting(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce: Dinner", AUTH,
			 "Date: 13.12.2030\nStart: 19:00\nCapacity: 1\nClaim hours: 2\nAudience: alumni\n") ==
	      DISP_DONE);
	CHECK(deliver_to("boss@example.test", NULL, "announce 4 send", AUTH, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
	CHECK(deliver_to(maddr[1], NULL, "attend 4", NULL, "") == DISP_DONE);
	CHECK(deliver_to(maddr[3], NULL, "attend 4", NULL, "") == DISP_DONE);
	CHECK(deliver_to(maddr[5], NULL, "attend 4", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver_to(maddr[1], NULL, "regret 4", NULL, "") == DISP_DONE);
	take("mail", &o);
	int p = find(&o, maddr[3], "event.promoted");
	CHECK(p >= 0 && strstr(o.text[p], "Please confirm by"));
	out_free(&o);
	struct rsvp r;
	CHECK(state_rsvp_get(db, 4, member[3], &r) == DB_OK && strcmp(r.status, "going") == 0 &&
	      r.claim_until == clock_now + 7200);
	rsvp_free(&r);
	/* two hours later the claim job gives the place on */
	int64_t ref = (member[3] << 32) | 4;
	set_clock(clock_now + 7200);
	struct hctx h = {0};
	h.key = core.key;
	h.db = db;
	h.cfg = &cfg;
	h.tmpl = tmpl;
	h.lang = "en";
	h.ep_kind = "";
	h.ep_addr = "";
	const char *result = NULL;
	db_begin(db);
	CHECK(h_event_claim_job(&h, ref, &result) == DB_OK && result && strcmp(result, "ran") == 0);
	db_commit(db);
	int lapsed = 0, promoted = 0;
	for (size_t i = 0; i < h.nreplies; i++) {
		lapsed += strcmp(h.replies[i].key, "event.claim_lapsed") == 0 &&
			  strcmp(h.replies[i].to_addr, maddr[3]) == 0;
		promoted +=
			strcmp(h.replies[i].key, "event.promoted") == 0 && strcmp(h.replies[i].to_addr, maddr[5]) == 0;
	}
	CHECK(lapsed == 1 && promoted == 1);
	hctx_free_replies(&h);
	const char *st = NULL;
	CHECK(answer_of(4, member[3], &st, NULL) && strcmp(st, "declined") == 0);
	CHECK(answer_of(4, member[5], &st, NULL) && strcmp(st, "going") == 0);
	/* m5 confirms in time: the claim is gone */
	CHECK(deliver_to(maddr[5], NULL, "attend 4", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.yes"));
	out_free(&o);
	CHECK(state_rsvp_get(db, 4, member[5], &r) == DB_OK && r.claim_until == 0);
	rsvp_free(&r);
}

/* One thread with its own connection (as the mail, XMPP and Matrix threads have). */
struct racer {
	int first, last; /* members first..last say yes to event 5 */
	int ok;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct db *d = NULL;
	if (db_open(&d, dbpath) != DB_OK)
		return NULL;
	r->ok = 1;
	for (int k = r->first; k <= r->last; k++) {
		char *raw = xasprintf(AUTH "From: %s\r\nTo: bot@example.test\r\nSubject: attend 5\r\n"
					   "Message-ID: <race%d.%d@example.test>\r\n\r\n",
				      maddr[k], (int)getpid(), k);
		char *key = mail_dedupe_key(raw, strlen(raw));
		int64_t id = 0;
		int rc = db_begin(d);
		if (rc == DB_OK)
			rc = state_inbound_add(d, "mail", key, raw, strlen(raw), 1, (uint32_t)(1000 + k), NULL, &id);
		if (rc == DB_OK)
			rc = db_commit(d);
		if (rc != DB_OK || dispatch(d, &core, &id, 1, 0) != DISP_DONE)
			r->ok = 0;
		free(key);
		free(raw);
	}
	db_close(d);
	return NULL;
}

static void
simultaneous_answers_on_three_connections_never_exceed_the_capacity(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce: Race", AUTH,
			 "Date: 14.12.2030\nStart: 19:00\nCapacity: 10\nAudience: alumni\n") == DISP_DONE);
	CHECK(deliver_to("boss@example.test", NULL, "announce 5 send", AUTH, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
	struct racer r[3] = {{1, 5, 0}, {6, 11, 0}, {12, 16, 0}};
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, race, &r[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CHECK(r[0].ok && r[1].ok && r[2].ok);
	struct rsvp_counts c;
	CHECK(state_rsvp_counts(db, 5, &c) == DB_OK && c.going == 10 && c.waiting == NMEMBERS - 10);
	take("mail", &o);
	CHECK(o.n == NMEMBERS && count(&o, "event.rsvp.yes") == 10 && count(&o, "event.rsvp.waiting") == NMEMBERS - 10);
	out_free(&o);
}

static void
staff_announce_in_chat_with_field_lines_then_send_and_german_rsvp(void)
{
	struct out o;
	/* a member cannot */
	CHECK(chat("m1@chat.example.test", "!announce Quiz\nDate: 15.12.2030\nStart: 19:00") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "#6"));
	out_free(&o);
	CHECK(chat("boss@chat.example.test", "!announce Quiz night\nDatum: 15.12.2030\nBeginn: 19:00\nEnde: 21:30\n"
					     "Zielgruppe: alumni\nOrt: Mensa") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Event #6: Quiz night") && strstr(o.text[0], "Mensa") &&
	      strstr(o.text[0], "21:30"));
	out_free(&o);
	CHECK(chat("boss@chat.example.test", "!announce 6 Place: Aula") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Mensa → Aula"));
	out_free(&o);
	CHECK(chat("boss@chat.example.test", "!announce 6 send") == DISP_DONE);
	take("xmpp", &o);
	CHECK(find(&o, "boss@chat.example.test", "Event #6 (Quiz night) is announced: 16 invitation mails") >= 0 &&
	      find(&o, "alumni@muc.example.test", "Quiz night") >= 0);
	out_free(&o);
	take("mail", &o);
	CHECK(count(&o, "event.invite") == NMEMBERS);
	int i = find(&o, maddr[3], "event.invite");
	CHECK(i >= 0 && strstr(o.text[i], "Place: Aula"));
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
	CHECK(chat("m1@chat.example.test", "rückmeldung 6 ja +1 gern") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "you are coming to Quiz night"));
	out_free(&o);
	int g = -1;
	const char *st = NULL;
	CHECK(answer_of(6, member[1], &st, &g) && strcmp(st, "going") == 0 && g == 0); /* no guests allowed */
	CHECK(chat("m1@chat.example.test", "vielleicht 6") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "might come"));
	out_free(&o);
	CHECK(chat("m1@chat.example.test", "rsvp 6 later") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "could not tell"));
	out_free(&o);
	CHECK(chat("m1@chat.example.test", "rsvp 99 yes") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "There is no event #99"));
	out_free(&o);
}

static void
attended_marks_by_address_or_everyone_going(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "attended 3 m3@example.test, nobody@example.test", AUTH, "") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.attended") && strstr(o.text[0], "1 people") &&
	      strstr(o.text[0], "Not found: nobody@example.test"));
	out_free(&o);
	struct rsvp r;
	CHECK(state_rsvp_get(db, 3, member[3], &r) == DB_OK && r.attended == 1);
	rsvp_free(&r);
	CHECK(state_rsvp_get(db, 3, member[4], &r) == DB_OK && r.attended == -1);
	rsvp_free(&r);
	CHECK(deliver_to("boss@example.test", NULL, "anwesend 3 alle", AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.attended") && strstr(o.text[0], "10 people"));
	out_free(&o);
	/* not for members */
	CHECK(deliver_to(maddr[3], NULL, "attended 3 all", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "event.attended"));
	out_free(&o);
}

static void
cancel_sends_method_cancel_and_the_feed_publishes_public_events(void)
{
	struct out o;
	CHECK(deliver_to("boss@example.test", NULL, "announce 1 cancel", AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "boss@example.test", "event.cancelled_by_staff") >= 0);
	int i = find(&o, maddr[3], "X-Mentorbot-Reply: event.cancel");
	CHECK(i >= 0 && find(&o, maddr[4], "event.cancel") < 0);
	if (i >= 0) {
		char *cal = calendar_of(o.raw[i]);
		CHECK(strstr(o.raw[i], "method=CANCEL"));
		CHECK(cal && strstr(cal, "METHOD:CANCEL") && strstr(cal, "SEQUENCE:2") &&
		      strstr(cal, "STATUS:CANCELLED"));
		free(cal);
	}
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Cancelled"));
	out_free(&o);
	take("matrix", &o);
	out_free(&o);
	/* answers to a cancelled event are no longer taken */
	CHECK(deliver_to(maddr[3], NULL, "attend 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "event.rsvp.closed"));
	out_free(&o);
	/* the feed: event 1 is public (cancelled), the others are not */
	struct event *v;
	size_t n;
	CHECK(state_events(db, EVENT_LIST_FEED, clock_now, &v, &n) == DB_OK && n == 1 && v[0].id == 1 &&
	      strcmp(v[0].status, "cancelled") == 0);
	struct ical_event ie = {0};
	if (n == 1) {
		ie.uid = v[0].uid;
		ie.sequence = v[0].sequence;
		ie.start = v[0].start;
		ie.end = v[0].end;
		ie.summary = v[0].title;
		ie.cancelled = 1;
		char *feed = NULL;
		CHECK(ical_publish_feed(&ie, 1, "Events", &feed) == ICAL_OK && feed && strstr(feed, "METHOD:PUBLISH") &&
		      strstr(feed, "STATUS:CANCELLED") && !strstr(feed, "ATTENDEE"));
		free(feed);
	}
	events_free(v, n);
}

int
main(void)
{
	if (t_bot_open("ev",
		       "staff = boss@example.test, xmpp:boss@chat.example.test\nauthserv_id = "
		       "mx.example.test\nannounce_rate = 5\n",
		       "[groups]\nalumni = xmpp:alumni@muc.example.test, matrix:!room:example.test\n"))
		return 1;
	RUN(staff_announce_by_mail_answers_with_a_preview_or_names_the_bad_fields);
	RUN(send_mails_each_member_one_invitation_with_headers_and_a_valid_request);
	RUN(invitation_headers_and_calendar);
	RUN(text_replies_in_german_and_english_with_guests_comments_and_the_quote_ignored);
	RUN(itip_replies_accept_decline_tentative_and_refuse_forgeries);
	RUN(chat_answers_replace_the_mail_answer_and_events_lists_them);
	RUN(capacity_ten_with_fifteen_yes_leaves_five_waiting_and_cancellations_promote);
	RUN(change_sends_sequence_plus_one_and_an_old_sequence_is_outdated);
	RUN(reminder_goes_to_everyone_going);
	RUN(an_unconfirmed_promotion_lapses_to_the_next_one_waiting);
	RUN(simultaneous_answers_on_three_connections_never_exceed_the_capacity);
	RUN(staff_announce_in_chat_with_field_lines_then_send_and_german_rsvp);
	RUN(attended_marks_by_address_or_everyone_going);
	RUN(cancel_sends_method_cancel_and_the_feed_publishes_public_events);
	t_bot_close();
	return t_done();
}
