/*
 * Mail the sender did not write themselves, through dispatch (journal row →
 * dispatch → outbox rows):
 * - automatic mail (RFC 3834): Google Calendar's Accept/Decline/Tentative mails carry
 *   "Auto-Submitted: auto-generated"; their iTIP REPLY is recorded and nothing goes back
 *   (tests/fixtures/mail/google_*.eml, German, English, French, Italian); other automatic
 *   mail stays ignored; a DSN marked automatic is still recorded as a bounce;
 * - forwards: a mail that is only a forward runs no command from the forwarded body
 *   (tests/fixtures/mail/fwd_*.eml: German, English, French forward headers), while a
 *   command above a forward still runs.
 */
#include "t.h"
#include "t_bot.h"
#include "tests/slurp.h"

#include "state/events.h"

#define NGOOGLE 6

static const struct {
	const char *file, *addr, *lang, *answer;
} google[NGOOGLE] = {
	{"google_accept_de.eml", "anna.schmidt@gmail.com", "de", "yes"},
	{"google_accept_fr.eml", "chloe.martin@gmail.com", "en", "yes"},
	{"google_decline_en.eml", "ben.carter@gmail.com", "en", "no"},
	{"google_decline_it.eml", "giulia.rossi@gmail.com", "en", "no"},
	{"google_tentative_de.eml", "jonas.weber@gmail.com", "de", "maybe"},
	{"google_tentative_en.eml", "priya.nair@gmail.com", "en", "maybe"},
};
static int64_t gperson[NGOOGLE];
static char uid[128];

/* The UID the fixtures carry in place of the event's own. */
#define FIXTURE_UID "event-1-GOOGLEFIXTUREUID@example.test"

static int64_t
person(const char *mail, const char *lang, const char *programme)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, programme, "member", "active");
	db_commit(db);
	return id;
}

static char *
fixture(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "tests/fixtures/mail/%s", name);
	return slurp(path, NULL);
}

/* s with every old replaced by new.  Caller frees. */
static char *
replace_all(const char *s, const char *old, const char *new)
{
	struct buf b = BUF_INIT;
	for (const char *hit; (hit = strstr(s, old)) != NULL; s = hit + strlen(old)) {
		buf_add(&b, s, (size_t)(hit - s));
		buf_adds(&b, new);
	}
	buf_adds(&b, s);
	return buf_detach(&b);
}

/* A fixture as it reaches the bot: our MTA's verdict on top (sign: dkim=pass for the From
 * domain), from_addr replaced by from (when not NULL), the fixture's UID by the event's, and
 * a Message-ID of its own (the same file may come twice). */
static int
deliver_fixture(const char *name, const char *from_addr, const char *from, int sign)
{
	char *raw = fixture(name);
	if (!raw)
		return -200;
	char *a = from ? replace_all(raw, from_addr, from) : xstrdup(raw);
	char *u = replace_all(a, FIXTURE_UID, uid);
	char id[64];
	snprintf(id, sizeof id, "Message-ID: <n%d.", seq + 1);
	char *m = replace_all(u, "Message-ID: <", id);
	char *mail =
		sign ? xasprintf("Authentication-Results: mx.example.test; dkim=pass header.d=%s; dmarc=pass\r\n%s",
				 strrchr(from ? from : from_addr, '@') + 1, m)
		     : xstrdup(m);
	int rc = deliver_raw(mail);
	free(mail);
	free(m);
	free(u);
	free(a);
	free(raw);
	return rc;
}

static const char *
answer_of(int64_t p)
{
	static char a[16];
	struct rsvp r;
	if (state_rsvp_get(db, 1, p, &r) != DB_OK)
		return NULL;
	snprintf(a, sizeof a, "%s", r.answer);
	int itip = r.via && strcmp(r.via, "itip") == 0;
	rsvp_free(&r);
	return itip ? a : "not by itip";
}

/* Nothing was queued for anyone, and person p's answer is want. */
static void
nothing_sent_and_answer_is(int64_t p, const char *want)
{
	struct out o;
	take("mail", &o);
	CHECK(o.n == 0);
	if (o.n)
		printf("# %d mails, the first to %s: %.200s\n", o.n, o.rcpt[0], o.text[0]);
	out_free(&o);
	const char *a = answer_of(p);
	CHECK(a && strcmp(a, want) == 0);
	if (!a || strcmp(a, want) != 0)
		printf("# answer %s, expected %s\n", a ? a : "none", want);
}

static void
an_event_is_announced_to_the_google_users(void)
{
	for (int i = 0; i < NGOOGLE; i++)
		gperson[i] = person(google[i].addr, google[i].lang, "alumni");
	struct out o;
	CHECK(deliver("boss@example.test", "announce: Karriereabend", NULL,
		      "Date: 10.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Aula\nAudience: alumni\n") == DISP_DONE);
	CHECK(deliver("boss@example.test", "announce 1 send", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == NGOOGLE + 2);
	out_free(&o);
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK && ev.uid);
	snprintf(uid, sizeof uid, "%s", ev.uid ? ev.uid : "");
	event_free(&ev);
}

static void
google_calendar_answers_marked_automatic_are_recorded_and_never_answered(void)
{
	for (int i = 0; i < NGOOGLE; i++) {
		CHECK(deliver_fixture(google[i].file, google[i].addr, NULL, 1) == DISP_DONE);
		nothing_sent_and_answer_is(gperson[i], google[i].answer);
	}
	/* a change of mind from the calendar: declined now, still nothing back */
	CHECK(deliver_fixture("google_decline_en.eml", "ben.carter@gmail.com", "anna.schmidt@gmail.com", 1) ==
	      DISP_DONE);
	nothing_sent_and_answer_is(gperson[0], "no");
}

static void
automatic_calendar_answers_that_count_for_nothing_get_nothing_back(void)
{
	struct out o;
	/* forged (no DKIM, nothing else proves the address): undone, and nobody is asked to confirm */
	CHECK(deliver_fixture("google_accept_de.eml", "anna.schmidt@gmail.com", NULL, 0) == DISP_DONE);
	CHECK(answer_of(gperson[0]) && strcmp(answer_of(gperson[0]), "no") == 0);
	/* a stranger (not invited), and an invited person answering for someone else */
	CHECK(deliver_fixture("google_accept_de.eml", "anna.schmidt@gmail.com", "zoe@gmail.com", 1) == DISP_DONE);
	char *fr = fixture("google_accept_fr.eml");
	CHECK(fr != NULL);
	char *raw = fr ? replace_all(fr, FIXTURE_UID, uid) : NULL;
	free(fr);
	/* Chloé's mail sent by Giulia: the attendee is not the sender */
	char *from = raw ? strstr(raw, "\r\nFrom: ") : NULL;
	CHECK(from != NULL);
	if (from) {
		from += 2;
		char *e = strstr(from, "\r\n");
		struct buf b = BUF_INIT;
		buf_addf(&b, "Authentication-Results: mx.example.test; dkim=pass header.d=gmail.com\r\n");
		buf_add(&b, raw, (size_t)(from - raw));
		buf_adds(&b, "From: Giulia Rossi <giulia.rossi@gmail.com>");
		buf_adds(&b, e);
		CHECK(deliver_raw(b.p) == DISP_DONE);
		buf_free(&b);
	}
	free(raw);
	CHECK(answer_of(gperson[1]) && strcmp(answer_of(gperson[1]), "yes") == 0);
	/* an unknown UID (the fixture's own) */
	char keep[128];
	snprintf(keep, sizeof keep, "%s", uid);
	snprintf(uid, sizeof uid, "%s", "event-99-nothing@example.test");
	CHECK(deliver_fixture("google_tentative_en.eml", "priya.nair@gmail.com", NULL, 1) == DISP_DONE);
	snprintf(uid, sizeof uid, "%s", keep);
	take("mail", &o);
	CHECK(o.n == 0);
	out_free(&o);
	struct person p;
	CHECK(state_person_by_endpoint(db, "mail", "zoe@gmail.com", &p) == DB_NOTFOUND);
}

static void
automatic_mail_without_a_calendar_reply_stays_ignored(void)
{
	CHECK(deliver("anna.schmidt@gmail.com", "join mentoring", "Auto-Submitted: auto-generated\r\n",
		      "join mentoring\nrsvp 1 yes\n") == DISP_IGNORED);
	/* a calendar REQUEST (an invitation the calendar mails by itself) is no answer */
	CHECK(deliver_raw("Authentication-Results: mx.example.test; dkim=pass header.d=gmail.com\r\n"
			  "From: anna.schmidt@gmail.com\r\nTo: bot@example.test\r\nSubject: Invitation: Lunch\r\n"
			  "Message-ID: <req1@google.com>\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
			  "Content-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n"
			  "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x@google.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") ==
	      DISP_IGNORED);
	nothing_sent_and_answer_is(gperson[0], "no");
}

static void
a_dsn_marked_automatic_is_still_recorded_as_a_bounce(void)
{
	int before = -1, after = -1;
	CHECK(state_bounce_count(db, "gone@example.test", &before) == DB_OK);
	CHECK(deliver_raw(
		      "From: Mail Delivery System <MAILER-DAEMON@example.test>\r\nTo: bot@example.test\r\n"
		      "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@example.test>\r\n"
		      "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
		      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
		      "--r\r\nContent-Type: text/plain\r\n\r\nhelp\r\n<gone@example.test>: User unknown\r\n"
		      "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
		      "Final-Recipient: rfc822; gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
		      "--r--\r\n") == DISP_IGNORED);
	CHECK(state_bounce_count(db, "gone@example.test", &after) == DB_OK && after == before + 1);
	struct out o;
	take("mail", &o);
	CHECK(o.n == 0);
	out_free(&o);
}

static void
a_mail_that_is_only_a_forward_runs_no_command_from_it(void)
{
	static const char *const fwd[][2] = {
		{"fwd_only_de.eml", "lena.vogel@example.test"},
		{"fwd_only_en.eml", "sam.porter@example.test"},
		{"fwd_only_fr.eml", "anais.leroy@example.test"},
	};
	for (size_t i = 0; i < ARRAY_LEN(fwd); i++) {
		struct out o;
		CHECK(deliver_fixture(fwd[i][0], fwd[i][1], NULL, 1) == DISP_DONE);
		take("mail", &o);
		CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: forwarded_no_command") &&
		      !strstr(o.text[0], "join_confirm"));
		CHECK(i != 0 || (o.n == 1 && strstr(o.text[0], "Content-Language: de")));
		out_free(&o);
		struct person p;
		int rc = state_person_by_endpoint(db, "mail", fwd[i][1], &p);
		CHECK(rc == DB_NOTFOUND);
		if (rc == DB_OK)
			person_free(&p);
	}
	/* the Subject (forward prefixes stripped) may still name the command; the forward is its text */
	struct out o;
	CHECK(deliver("lena.vogel@example.test", "WG: hilfe", NULL,
		      "---------- Weitergeleitete Nachricht ---------\nVon: X <x@firma.example>\n"
		      "Subject: hilfe\n\nbeitreten mentoring\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: help"));
	out_free(&o);
}

static void
a_command_above_a_forward_still_runs(void)
{
	struct out o;
	CHECK(deliver("jonas.weber@gmail.com", "Fwd: Karriereabend", NULL,
		      "rsvp 1 yes\n\n---------- Forwarded message ---------\nFrom: X <x@firma.example>\n"
		      "Subject: Karriereabend\n\nrsvp 1 no\nleave all\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.rsvp.yes"));
	out_free(&o);
	struct rsvp r;
	CHECK(state_rsvp_get(db, 1, gperson[4], &r) == DB_OK && strcmp(r.answer, "yes") == 0);
	rsvp_free(&r);
	/* "rsvp yes" in answer to the invitation, with a forward of another mail below */
	struct invitation *inv;
	size_t n;
	char msgid[160] = "";
	CHECK(state_invitations(db, 1, &inv, &n) == DB_OK);
	for (size_t i = 0; i < n; i++)
		if (inv[i].person_id == gperson[5])
			snprintf(msgid, sizeof msgid, "%s", inv[i].msgid);
	invitations_free(inv, n);
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", msgid);
	CHECK(deliver("priya.nair@gmail.com", "Re: Karriereabend", hdr,
		      "rsvp yes\n\n---------- Forwarded message ---------\nFrom: X <x@firma.example>\n"
		      "Subject: Plans\n\nno\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: event.rsvp.yes"));
	out_free(&o);
	CHECK(state_rsvp_get(db, 1, gperson[5], &r) == DB_OK && strcmp(r.answer, "yes") == 0);
	rsvp_free(&r);
}

int
main(void)
{
	if (t_bot_open("dauto", "staff = boss@example.test\n", NULL))
		return 1;
	RUN(an_event_is_announced_to_the_google_users);
	RUN(google_calendar_answers_marked_automatic_are_recorded_and_never_answered);
	RUN(automatic_calendar_answers_that_count_for_nothing_get_nothing_back);
	RUN(automatic_mail_without_a_calendar_reply_stays_ignored);
	RUN(a_dsn_marked_automatic_is_still_recorded_as_a_bounce);
	RUN(a_mail_that_is_only_a_forward_runs_no_command_from_it);
	RUN(a_command_above_a_forward_still_runs);
	t_bot_close();
	return t_done();
}
