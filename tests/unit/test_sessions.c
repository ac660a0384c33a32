/*
 * Mentoring sessions without servers: propose by mail, confirm by command
 * (chat and mail) and by a plain reply to the proposal mail, the calendar
 * invitation in the outbox (METHOD:REQUEST, both ATTENDEEs, TZID), the
 * reminder and the prompt via scheduler_run_due with a given clock, done
 * by command and by a reply to the prompt, cancel with METHOD:CANCEL and
 * SEQUENCE + 1, strangers kept out, German.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/scheduler.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

static int64_t
person(const char *mail, const char *lang, const char *role, const char *name)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, "mentoring", role, "active");
	state_profile_set(db, id, "name", name);
	state_profile_set_visible(db, id, "name", 1);
	db_commit(db);
	return id;
}

static int64_t
match(int64_t mentee, int64_t mentor)
{
	int64_t id = 0;
	db_begin(db);
	state_match_add(db, "mentoring", mentee, mentor, 0, &id);
	db_commit(db);
	return id;
}

static int64_t
berlin(int y, int mo, int d, int h, int mi)
{
	int64_t t = 0;
	when_local_to_epoch(y, mo, d, h, mi, &t);
	return t;
}

static int64_t mia, max_, stranger;
static int64_t start1;

static void
proposal_by_mail_reaches_the_other_side_by_mail_and_chat(void)
{
	mia = person("mia@example.test", "en", "mentee", "Mia Mentee");
	max_ = person("max@example.test", "en", "mentor", "Max Mentor");
	stranger = person("sam@example.test", "en", "mentee", "Sam Stranger");
	db_begin(db);
	state_endpoint_add(db, max_, "xmpp", "max@chat.example.test", 1);
	db_commit(db);
	int64_t mid = match(mia, max_);
	CHECK(mid > 0);
	struct out o;
	char *cmd = xasprintf("session %lld 20.04.2030 15:00 90min Library, room 2", (long long)mid);
	CHECK(deliver("mia@example.test", cmd, NULL, "") == DISP_DONE);
	free(cmd);
	take("mail", &o);
	int ip = find(&o, "max@example.test", "session.mail.proposal");
	int ir = find(&o, "mia@example.test", "session.proposed");
	CHECK(o.n == 2 && ip >= 0 && ir >= 0);
	CHECK(ip >= 0 && strstr(o.text[ip], "Mia Mentee proposes") && strstr(o.text[ip], "2030-04-20, 15:00-16:30") &&
	      strstr(o.text[ip], "Library, room 2") && strstr(o.text[ip], "confirm 1"));
	struct msession s;
	start1 = berlin(2030, 4, 20, 15, 0);
	CHECK(state_session_get(db, 1, &s) == DB_OK);
	CHECK(s.status && strcmp(s.status, "proposed") == 0 && s.start == start1 && s.minutes == 90);
	CHECK(s.start == 1902920400); /* 13:00 UTC: summer time */
	CHECK(s.place && strcmp(s.place, "Library, room 2") == 0);
	CHECK(ip >= 0 && s.mail_msgid && strcmp(s.mail_msgid, o.msgid[ip]) == 0);
	CHECK(s.uid && strcmp(s.uid, "session-1@example.test") == 0);
	msession_free(&s);
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && find(&o, "max@chat.example.test", "proposes session #1") >= 0);
	out_free(&o);
	/* without the match number: the only match is meant; the new proposal replaces the old */
	CHECK(deliver("mia@example.test", "termin 21.04.2030 10 Uhr", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "mia@example.test", "session.proposed") >= 0 && find(&o, "max@example.test", "#2") >= 0);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	CHECK(state_session_get(db, 1, &s) == DB_OK && strcmp(s.status, "replaced") == 0);
	msession_free(&s);
	/* a bad date is named */
	CHECK(deliver("mia@example.test", "session 31.02.2030 15:00", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.bad_when") && strstr(o.text[0], "does not exist"));
	out_free(&o);
}

static void
a_stranger_cannot_confirm_and_the_proposer_is_told_to_wait(void)
{
	struct out o;
	CHECK(deliver("sam@example.test", "confirm 2", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.unknown"));
	out_free(&o);
	CHECK(deliver("sam@example.test", "cancel 2", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.unknown"));
	out_free(&o);
	CHECK(deliver("mia@example.test", "confirm 2", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.confirm.own"));
	out_free(&o);
	struct msession s;
	CHECK(state_session_get(db, 2, &s) == DB_OK && strcmp(s.status, "proposed") == 0);
	msession_free(&s);
	/* the replaced proposal cannot be confirmed */
	CHECK(chat("max@chat.example.test", "confirm 1") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "replaced"));
	out_free(&o);
}

static void
confirm_in_chat_sends_both_an_invitation_and_schedules_reminder_and_prompt(void)
{
	struct out o;
	CHECK(chat("max@chat.example.test", "confirm 2") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "You confirmed session #2"));
	out_free(&o);
	take("mail", &o);
	int a = find(&o, "mia@example.test", "session.mail.invite"),
	    b = find(&o, "max@example.test", "session.mail.invite");
	CHECK(o.n == 2 && a >= 0 && b >= 0);
	for (int k = 0; k < 2; k++) {
		int i = k ? b : a;
		const char *t = i >= 0 ? o.text[i] : "";
		CHECK(strstr(t, "method=REQUEST"));
		CHECK(strstr(t, "METHOD:REQUEST"));
		CHECK(strstr(t, "UID:session-2@example.test"));
		CHECK(strstr(t, "SEQUENCE:0"));
		CHECK(strstr(t, "BEGIN:VTIMEZONE") && strstr(t, "TZID:Europe/Berlin"));
		CHECK(strstr(t, "DTSTART;TZID=Europe/Berlin:20300421T100000"));
		CHECK(strstr(t, "DTEND;TZID=Europe/Berlin:20300421T110000"));
		CHECK(strstr(t, "ORGANIZER") && strstr(t, "mailto:bot@example.test"));
		CHECK(strstr(t, "mailto:mia@example.test") && strstr(t, "mailto:max@example.test"));
		const char *att = strstr(t, "ATTENDEE");
		CHECK(att && strstr(att + 1, "ATTENDEE"));
	}
	out_free(&o);
	struct msession s;
	CHECK(state_session_get(db, 2, &s) == DB_OK && strcmp(s.status, "confirmed") == 0);
	msession_free(&s);
	CHECK(state_job_next(db, clock_now) == berlin(2030, 4, 21, 10, 0) - 86400 - clock_now);
}

static void
reminder_a_day_before_and_prompt_after_the_end_then_done_by_reply(void)
{
	struct out o;
	int64_t st = berlin(2030, 4, 21, 10, 0);
	set_clock(st - 86400 - 1);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 0);
	set_clock(st - 86400);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 1);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 0);
	take("mail", &o);
	CHECK(o.n == 2 && find(&o, "mia@example.test", "session.mail.reminder") >= 0 &&
	      find(&o, "max@example.test", "session.mail.reminder") >= 0);
	out_free(&o);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Reminder"));
	out_free(&o);
	/* "done" before the start is refused */
	CHECK(deliver("mia@example.test", "done 2 45", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.done.not_yet"));
	out_free(&o);
	set_clock(st + 3600);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 1);
	take("mail", &o);
	int pa = find(&o, "mia@example.test", "session.mail.prompt"),
	    pb = find(&o, "max@example.test", "session.mail.prompt");
	CHECK(pa >= 0 && pb >= 0);
	struct msession s;
	CHECK(state_session_get(db, 2, &s) == DB_OK && s.prompt_msgid && pa >= 0 && pb >= 0 &&
	      strstr(s.prompt_msgid, o.msgid[pa]) && strstr(s.prompt_msgid, o.msgid[pb]));
	msession_free(&s);
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", pb >= 0 ? o.msgid[pb] : "x");
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	/* a stranger's reply to the prompt is no log */
	CHECK(deliver("sam@example.test", "Re: How was mentoring session #2?", hdr, "45 hello") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "session.unknown"));
	out_free(&o);
	CHECK(deliver("max@example.test", "Re: How was mentoring session #2?", hdr,
		      "45 min talked about internships\r\n\r\n> Your mentoring session") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(find(&o, "max@example.test", "Session #2 logged: 45 minutes") >= 0);
	CHECK(find(&o, "mia@example.test", "Max Mentor logged session #2") >= 0);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	CHECK(state_session_get(db, 2, &s) == DB_OK && strcmp(s.status, "done") == 0 && s.has_logged &&
	      s.logged_minutes == 45 && s.note && strcmp(s.note, "talked about internships") == 0);
	msession_free(&s);
	/* the command form corrects it */
	CHECK(deliver("mia@example.test", "done 2 50 good talk", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Session #2 logged: 50 minutes"));
	out_free(&o);
	CHECK(state_session_get(db, 2, &s) == DB_OK && s.logged_minutes == 50 && strcmp(s.note, "good talk") == 0);
	msession_free(&s);
}

static void
german_plain_ja_confirms_and_termin_absagen_sends_cancel_with_the_next_sequence(void)
{
	struct out o;
	int64_t lea = person("lea@example.test", "de", "mentee", "Lea Lernt");
	int64_t udo = person("udo@example.test", "de", "mentor", "Udo Unterstützt");
	match(lea, udo);
	CHECK(deliver("udo@example.test", "termin 03.12. 15 Uhr Café Mitte", NULL, "") == DISP_DONE);
	take("mail", &o);
	int ip = find(&o, "lea@example.test", "session.mail.proposal");
	CHECK(ip >= 0 && strstr(o.text[ip], "schlägt einen Mentoring-Termin vor") &&
	      strstr(o.text[ip], "03.12.2030, 15:00-16:00 Uhr") && strstr(o.text[ip], "Content-Language: de"));
	CHECK(find(&o, "udo@example.test", "Termin #3 mit Lea Lernt vorgeschlagen") >= 0);
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", ip >= 0 ? o.msgid[ip] : "x");
	out_free(&o);
	CHECK(deliver("lea@example.test", "Re: Terminvorschlag #3", hdr, "Ja, passt!\r\n\r\n> Hallo") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(find(&o, "lea@example.test", "Du hast Termin #3 mit Udo") >= 0);
	int a = find(&o, "lea@example.test", "METHOD:REQUEST"), b = find(&o, "udo@example.test", "METHOD:REQUEST");
	CHECK(a >= 0 && b >= 0 && strstr(o.text[b], "DTSTART;TZID=Europe/Berlin:20301203T150000"));
	out_free(&o);
	CHECK(deliver("udo@example.test", "termin absagen 3", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "udo@example.test", "Termin #3 ist abgesagt") >= 0);
	a = find(&o, "lea@example.test", "session.mail.cancel");
	b = find(&o, "udo@example.test", "session.mail.cancel");
	CHECK(a >= 0 && b >= 0);
	for (int k = 0; k < 2; k++) {
		const char *t = (k ? b : a) >= 0 ? o.text[k ? b : a] : "";
		CHECK(strstr(t, "method=CANCEL") && strstr(t, "METHOD:CANCEL") && strstr(t, "SEQUENCE:1") &&
		      strstr(t, "UID:session-3@example.test") && strstr(t, "STATUS:CANCELLED"));
	}
	CHECK(a >= 0 && strstr(o.text[a], "Udo Unterstützt hat Termin #3"));
	out_free(&o);
	struct msession s;
	CHECK(state_session_get(db, 3, &s) == DB_OK && strcmp(s.status, "cancelled") == 0 && s.sequence == 1);
	msession_free(&s);
	/* the jobs are gone: nothing runs at the start or the end */
	set_clock(berlin(2030, 12, 3, 17, 0));
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 0);
	take("mail", &o);
	CHECK(o.n == 0);
	out_free(&o);
	/* a "nein" to a proposal declines it and tells the proposer */
	set_clock(berlin(2030, 12, 4, 9, 0));
	CHECK(deliver("lea@example.test", "termin 10.12.2030 18:00", NULL, "") == DISP_DONE);
	take("mail", &o);
	ip = find(&o, "udo@example.test", "session.mail.proposal");
	hdr = xasprintf("In-Reply-To: <%s>\r\n", ip >= 0 ? o.msgid[ip] : "x");
	out_free(&o);
	CHECK(deliver("udo@example.test", "Re: Terminvorschlag #4", hdr, "nein") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(find(&o, "udo@example.test", "session.declined.done") >= 0);
	CHECK(find(&o, "lea@example.test", "hat den Terminvorschlag #4") >= 0);
	out_free(&o);
}

int
main(void)
{
	if (t_bot_open("sess", NULL, NULL))
		return 1;
	RUN(proposal_by_mail_reaches_the_other_side_by_mail_and_chat);
	RUN(a_stranger_cannot_confirm_and_the_proposer_is_told_to_wait);
	RUN(confirm_in_chat_sends_both_an_invitation_and_schedules_reminder_and_prompt);
	RUN(reminder_a_day_before_and_prompt_after_the_end_then_done_by_reply);
	RUN(german_plain_ja_confirms_and_termin_absagen_sends_cancel_with_the_next_sequence);
	t_bot_close();
	return t_done();
}
