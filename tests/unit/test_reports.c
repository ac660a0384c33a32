/*
 * Staff figures without servers: a seeded database (three programmes,
 * people with an umlaut, a comma/quote and a formula-like name,
 * applications, matches, sessions held with logged minutes, open and stale
 * requests) gives the right counts and hours; "stats" answers staff by mail
 * (English and German) and in chat, a stranger gets "unknown command", an
 * unknown programme is named with the list; the report lists pending
 * applications, stale requests and matches without sessions; with the
 * event tables the event figures and events filling up appear; the CSV
 * exports have the BOM, quoting, formula prefix and CRLF byte for byte.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/cli_report.h"
#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_staff.h"
#include "state/reports.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

static const int64_t T0 = 1900000000; /* 2030-03-17 18:46:40 Berlin */

/* Raw SQL on a second connection, for the tables other modules own (applications, events). */
static void
sql(const char *s)
{
	sqlite3 *h;
	char *err = NULL;
	if (sqlite3_open(dbpath, &h) != SQLITE_OK || sqlite3_exec(h, s, NULL, NULL, &err) != SQLITE_OK)
		printf("# sql failed: %s\n", err ? err : sqlite3_errmsg(h));
	sqlite3_free(err);
	sqlite3_close(h);
}

/* The one queued row of transport (decoded), or NULL when there is not exactly one. Caller frees. */
static char *
take_one(const char *transport, char **rcpt)
{
	struct out o;
	take(transport, &o);
	char *text = NULL;
	if (o.n == 1) {
		text = xstrdup(o.text[0]);
		if (rcpt)
			*rcpt = xstrdup(o.rcpt[0]);
	}
	out_free(&o);
	return text;
}

static int64_t
person(const char *mail, const char *programme, const char *role, const char *name)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, strncmp(mail, "chefin", 6) == 0 ? "de" : "en", &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	if (programme)
		state_membership_set(db, id, programme, role, "active");
	if (name)
		state_profile_set(db, id, "name", name);
	db_commit(db);
	return id;
}

static int64_t
match(const char *programme, int64_t mentee, int64_t mentor)
{
	int64_t id = 0;
	db_begin(db);
	state_match_add(db, programme, mentee, mentor, 0, &id);
	db_commit(db);
	return id;
}

static int64_t
session(int64_t m, int64_t proposer, int64_t start, const char *place, int logged, const char *note, const char *status)
{
	int64_t id = 0;
	db_begin(db);
	state_session_add(db, m, proposer, start, 60, place, "example.test", NULL, &id);
	if (logged) {
		state_session_set_status(db, id, NULL, "confirmed");
		state_session_done(db, id, logged, note);
	} else if (status) {
		state_session_set_status(db, id, NULL, status);
	}
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

static int64_t joerg, eve, ann, bob, zoe, staff;

static void
seed(void)
{
	struct programme p = {0};
	p.slug = "wistem";
	p.name = "Women in STEM";
	db_begin(db);
	state_programme_put(db, &p);
	db_commit(db);
	joerg = person("joerg@example.test", "mentoring", "mentee", "Jörg Müller");
	eve = person("eve@example.test", "mentoring", "mentee", "=1+2");
	bob = person("bob@example.test", "mentoring", "mentor", "Smith, \"Bob\"");
	ann = person("ann@example.test", "wistem", "mentee", NULL);
	zoe = person("zoe@example.test", "wistem", "mentor", "Zoë Ölmann");
	person("al@example.test", "alumni", "alumnus", "Al Umnus");
	staff = person("staff@example.test", NULL, NULL, "Staff");
	person("chefin@example.test", NULL, NULL, "Chefin");
	db_begin(db);
	state_endpoint_add(db, staff, "xmpp", "boss@chat.example.test", 1);
	db_commit(db);
	char *s = xasprintf("INSERT INTO application(person_id, programme, role, status, created, completed) VALUES"
			    " (%lld, 'mentoring', 'mentee', 'pending', %lld, %lld),"
			    " (%lld, 'mentoring', 'mentee', 'pending', %lld, NULL),"
			    " (%lld, 'mentoring', 'mentor', 'approved', %lld, %lld),"
			    " (%lld, 'wistem', 'mentee', 'incomplete', %lld, NULL);",
			    (long long)joerg, (long long)(T0 - 86400), (long long)(T0 - 3600), (long long)eve,
			    (long long)(T0 - 7200), (long long)bob, (long long)(T0 - 5 * 86400),
			    (long long)(T0 - 4 * 86400), (long long)ann, (long long)T0);
	sql(s);
	free(s);

	int64_t m1 = match("mentoring", joerg, bob), m2 = match("mentoring", eve, bob), m3 = match("wistem", ann, zoe);
	CHECK(m1 == 1 && m2 == 2 && m3 == 3);
	session(m1, joerg, berlin(2030, 3, 2, 15, 0), "Raum 2; Haus A", 45, "line1\nline2, with comma", NULL);
	session(m1, bob, berlin(2030, 3, 9, 15, 0), NULL, 50, NULL, NULL);
	session(m1, bob, berlin(2030, 3, 16, 15, 0), NULL, 0, NULL, "cancelled");
	session(m2, eve, berlin(2030, 4, 20, 15, 0), "=HYPERLINK(\"x\")", 0, NULL, NULL);

	/* one request two days old with a three-day deadline (past half), one fresh */
	int64_t rid;
	set_clock(T0 - 2 * 86400);
	db_begin(db);
	state_request_add(db, "mentoring", joerg, zoe, T0 + 86400, NULL, &rid);
	db_commit(db);
	set_clock(T0);
	db_begin(db);
	state_request_add(db, "mentoring", eve, zoe, T0 + 3 * 86400, NULL, &rid);
	db_commit(db);
}

static void
figures_count_applications_members_matches_requests_sessions_and_hours(void)
{
	seed();
	struct report_figures *f;
	size_t n;
	CHECK(state_report_figures(db, NULL, &f, &n) == DB_OK);
	CHECK(n == 3);
	if (n != 3)
		return;
	CHECK_STR(f[0].slug, "mentoring");
	CHECK(f[0].applications == 3 && f[0].applications_pending == 2);
	CHECK(f[0].mentees == 2 && f[0].mentors == 1 && f[0].alumni == 0);
	CHECK(f[0].matched == 2 && f[0].requests_open == 2);
	CHECK(f[0].sessions_held == 2 && f[0].minutes_logged == 95);
	CHECK_STR(f[1].slug, "alumni");
	CHECK(f[1].alumni == 1 && f[1].applications == 0 && f[1].matched == 0);
	CHECK_STR(f[2].slug, "wistem");
	CHECK(f[2].applications == 1 && f[2].applications_pending == 0 && f[2].mentees == 1 && f[2].mentors == 1);
	CHECK(f[2].matched == 1 && f[2].requests_open == 0 && f[2].sessions_held == 0 && f[2].minutes_logged == 0);
	report_figures_free(f, n);
	CHECK(state_report_figures(db, "wistem", &f, &n) == DB_OK && n == 1);
	report_figures_free(f, n);
	CHECK(state_report_figures(db, "nope", &f, &n) == DB_NOTFOUND && n == 0);
	struct report_events ev;
	CHECK(state_report_events(db, NULL, T0, &ev) == DB_OK);
	CHECK(ev.present == state_report_has_events(db));
}

/* The column where the value of the line starting with label ends, or -1. */
static int
value_end(const char *text, const char *label)
{
	const char *p = strstr(text, label);
	if (!p)
		return -1;
	const char *line = p;
	while (line > text && line[-1] != '\n')
		line--;
	const char *e = strchr(p, '\n');
	size_t bytes = e ? (size_t)(e - line) : strlen(line);
	int w = 0;
	for (size_t i = 0; i < bytes; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80)
			w++;
	return w;
}

static void
figures_text_is_aligned_in_english_and_german_and_one_line_each_in_chat(void)
{
	char *en = NULL, *de = NULL, *ch = NULL;
	CHECK(staff_figures_text(db, tmpl, "en", NULL, T0, 1, &en) == DB_OK);
	CHECK(en && strstr(en, "Mentoring (mentoring)\n") && strstr(en, "Women in STEM (wistem)\n"));
	CHECK(en && strstr(en, "  Applications") && strstr(en, "    waiting for approval") && strstr(en, "  Hours"));
	int a = value_end(en, "  Applications"), h = value_end(en, "  Hours"), s = value_end(en, "  Sessions held");
	CHECK(a > 0 && a == h && a == s && a == value_end(en, "    waiting for approval"));
	CHECK(en && strstr(en, " 1.6\n")); /* 95 minutes */
	CHECK(en && strstr(en, " 0.0\n")); /* wistem */
	CHECK(staff_figures_text(db, tmpl, "de", "mentoring", T0, 1, &de) == DB_OK);
	CHECK(de && strstr(de, "  Bewerbungen") && strstr(de, "  Stunden") && strstr(de, " 1,6") &&
	      !strstr(de, "wistem"));
	int da = value_end(de, "  Bewerbungen"), dm = value_end(de, "  Mentorinnen und Mentoren");
	CHECK(da > 0 && da == dm && da == value_end(de, "    warten auf Freigabe"));
	CHECK(staff_figures_text(db, tmpl, "en", NULL, T0, 0, &ch) == DB_OK);
	CHECK(ch && strstr(ch, "Mentoring: 3 applications (2 pending), 2 mentees, 1 mentors, 2 matched, "
			       "2 open requests, 2 sessions held, 1.6 h\n"));
	CHECK(ch && strstr(ch, "Women in STEM: 1 applications (0 pending)"));
	char *x = NULL;
	CHECK(staff_figures_text(db, tmpl, "en", "nope", T0, 1, &x) == DB_NOTFOUND && x == NULL);
	free(en);
	free(de);
	free(ch);
}

static const char AUTH[] = "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n";

static void
stats_by_mail_answers_staff_in_english_and_german_and_strangers_get_unknown_command(void)
{
	CHECK(deliver("staff@example.test", "stats", AUTH, "") == DISP_DONE);
	char *t = take_one("mail", NULL);
	CHECK(t && strstr(t, "X-Mentorbot-Reply: staff.stats\r\n") && strstr(t, "Figures as of 2030-03-17 18:46"));
	CHECK(t && strstr(t, "Women in STEM (wistem)") && strstr(t, " 1.6\r\n"));
	free(t);
	CHECK(deliver("chefin@example.test", "statistik mentoring", AUTH, "") == DISP_DONE);
	t = take_one("mail", NULL);
	CHECK(t && strstr(t, "X-Mentorbot-Reply: staff.stats\r\n") && strstr(t, "Zahlen mit Stand") &&
	      strstr(t, "  Bewerbungen") && strstr(t, " 1,6\r\n") && !strstr(t, "wistem"));
	free(t);
	CHECK(deliver("staff@example.test", "stats nowhere", AUTH, "") == DISP_DONE);
	t = take_one("mail", NULL);
	CHECK(t && strstr(t, "staff.stats.unknown_programme") && strstr(t, "\"nowhere\"") && strstr(t, "wistem"));
	free(t);
	/* without the DKIM pass of our own MTA the staff address proves nothing: its owner confirms first */
	t_signed = 0;
	CHECK(deliver("staff@example.test", "stats", NULL, "") == DISP_DONE);
	t_signed = 1;
	t = take_one("mail", NULL);
	CHECK(t && strstr(t, "X-Mentorbot-Reply: confirm_command\r\n") && !strstr(t, "Applications"));
	free(t);
	CHECK(deliver("joerg@example.test", "stats", AUTH, "") == DISP_DONE);
	t = take_one("mail", NULL);
	CHECK(t && strstr(t, "X-Mentorbot-Reply: unknown_command\r\n") && !strstr(t, "Applications"));
	free(t);
}

static void
stats_in_chat_is_compact_for_the_staff_jid(void)
{
	char *rcpt = NULL;
	CHECK(chat("boss@chat.example.test", "stats") == DISP_DONE);
	char *t = take_one("xmpp", &rcpt);
	CHECK(t && strstr(t, "Mentoring: 3 applications (2 pending), 2 mentees, 1 mentors, 2 matched"));
	CHECK(t && !strstr(t, "  Applications"));
	CHECK(rcpt && strcmp(rcpt, "boss@chat.example.test") == 0);
	free(t);
	free(rcpt);
	CHECK(chat("eve@chat.example.test", "stats") == DISP_DONE);
	t = take_one("xmpp", NULL);
	CHECK(!t || !strstr(t, "applications"));
	free(t);
}

static char *
report_text(const char *lang, const char *programme, int *rc)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	*rc = report_write(f, db, tmpl, lang, programme, T0);
	fclose(f);
	return p;
}

static void
report_lists_pending_applications_stale_requests_and_matches_without_sessions(void)
{
	int rc;
	char *r = report_text("en", NULL, &rc);
	CHECK(rc == DB_OK);
	CHECK(r && strstr(r, "all programmes") && strstr(r, "Mentoring (mentoring)"));
	CHECK(r && strstr(r, "Applications waiting for approval: 2\n"));
	CHECK(r && strstr(r, "  #1  Jörg Müller <joerg@example.test>  mentoring (mentee), since 2030-03-17 17:46\n"));
	CHECK(r && strstr(r, "  #2  =1+2 <eve@example.test>  mentoring (mentee), since 2030-03-17 16:46\n"));
	CHECK(r && strstr(r, "Requests open longer than half their deadline: 1\n"));
	CHECK(r && strstr(r, "  #1  mentoring: Jörg Müller <joerg@example.test> asked Zoë Ölmann <zoe@example.test> "
			     "on 2030-03-15 18:46, expires 2030-03-18 18:46\n"));
	CHECK(r && strstr(r, "Matches without any session yet: 1\n"));
	CHECK(r &&
	      strstr(r, "  #3  wistem: ann@example.test with Zoë Ölmann <zoe@example.test>, matched 2030-03-17\n"));
	free(r);
	r = report_text("de", "wistem", &rc);
	CHECK(rc == DB_OK && r && strstr(r, "Bewerbungen, die auf Freigabe warten: 0\n  (keine)\n"));
	CHECK(r && strstr(r, "Zuordnungen ohne einen Termin: 1\n") && !strstr(r, "Jörg"));
	free(r);
	r = report_text("en", "nope", &rc);
	CHECK(rc == DB_NOTFOUND && r && !*r);
	free(r);
}

static char *
export_text(const char *lang, const char *what, const char *programme, size_t *rows)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	CHECK(report_export_csv(f, db, tmpl, lang, what, programme, rows) == DB_OK);
	fclose(f);
	return p;
}

static void
csv_exports_have_bom_quoting_formula_prefix_and_crlf(void)
{
	size_t rows;
	char *m = export_text("en", "matches", NULL, &rows);
	CHECK(rows == 3);
	CHECK_STR(m, "\xEF\xBB\xBF"
		     "id,programme,mentee,mentee address,mentor,mentor address,status,created,sessions held,hours\r\n"
		     "1,mentoring,Jörg Müller,joerg@example.test,\"Smith, \"\"Bob\"\"\",bob@example.test,active,"
		     "2030-03-17,2,1.6\r\n"
		     "2,mentoring,\"'=1+2\",eve@example.test,\"Smith, \"\"Bob\"\"\",bob@example.test,active,"
		     "2030-03-17,0,0.0\r\n"
		     "3,wistem,,ann@example.test,Zoë Ölmann,zoe@example.test,active,2030-03-17,0,0.0\r\n");
	free(m);
	m = export_text("de", "matches", "wistem", &rows);
	CHECK(rows == 1 && m && strncmp(m, "\xEF\xBB\xBFID,Programm,", 12) == 0 &&
	      strstr(m, "\r\n3,wistem,,ann@example.test,Zoë Ölmann,zoe@example.test,active,2030-03-17,0,\"0,0\"\r\n"));
	free(m);
	char *s = export_text("en", "sessions", NULL, &rows);
	CHECK(rows == 4);
	CHECK_STR(s, "\xEF\xBB\xBF"
		     "id,match,programme,mentee,mentor,start,minutes planned,status,minutes logged,note,place\r\n"
		     "1,1,mentoring,Jörg Müller,\"Smith, \"\"Bob\"\"\",2030-03-02 15:00,60,done,45,"
		     "\"line1\nline2, with comma\",\"Raum 2; Haus A\"\r\n"
		     "2,1,mentoring,Jörg Müller,\"Smith, \"\"Bob\"\"\",2030-03-09 15:00,60,done,50,,\r\n"
		     "3,1,mentoring,Jörg Müller,\"Smith, \"\"Bob\"\"\",2030-03-16 15:00,60,cancelled,,,\r\n"
		     "4,2,mentoring,\"'=1+2\",\"Smith, \"\"Bob\"\"\",2030-04-20 15:00,60,proposed,,,"
		     "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
	free(s);
}

/* The tables of schema 7 as the events contract names them, when this build has no events yet. */
static void
ensure_event_tables(void)
{
	if (state_report_has_events(db))
		return;
	sql("CREATE TABLE event(id INTEGER PRIMARY KEY, uid TEXT UNIQUE, sequence INTEGER NOT NULL DEFAULT 0,"
	    " title TEXT NOT NULL, description TEXT, start INTEGER NOT NULL, end INTEGER NOT NULL, place TEXT, url "
	    "TEXT,"
	    " capacity INTEGER NOT NULL DEFAULT 0, guests INTEGER NOT NULL DEFAULT 0, audience TEXT, public INTEGER"
	    " NOT NULL DEFAULT 0, claim_hours INTEGER NOT NULL DEFAULT 0, remind_hours INTEGER NOT NULL DEFAULT 24,"
	    " status TEXT NOT NULL DEFAULT 'draft', token TEXT UNIQUE, created_by TEXT, created INTEGER NOT NULL,"
	    " updated INTEGER NOT NULL, announced INTEGER);"
	    "CREATE TABLE rsvp(event_id INTEGER NOT NULL, person_id INTEGER NOT NULL, answer TEXT, status TEXT,"
	    " guests INTEGER NOT NULL DEFAULT 0, comment TEXT, via TEXT, itip_seq INTEGER, queued INTEGER,"
	    " claim_until INTEGER, attended INTEGER, updated INTEGER, PRIMARY KEY(event_id, person_id));");
}

static void
with_events_the_figures_count_them_and_the_report_lists_events_filling_up(void)
{
	ensure_event_tables();
	char *s = xasprintf(
		"INSERT INTO event(id, uid, sequence, title, start, end, capacity, audience, status, token, created,"
		" updated, announced) VALUES"
		" (901, 'u901', 0, 'Past talk', %lld, %lld, 0, 'all', 'announced', 't901', %lld, %lld, %lld),"
		" (902, 'u902', 0, 'Career evening', %lld, %lld, 5, 'mentoring', 'announced', 't902', %lld, %lld, "
		"%lld),"
		" (903, 'u903', 0, 'Alumni brunch', %lld, %lld, 10, 'alumni', 'announced', 't903', %lld, %lld, %lld),"
		" (904, 'u904', 0, 'Draft', %lld, %lld, 2, 'all', 'draft', 't904', %lld, %lld, NULL);"
		"INSERT INTO rsvp(event_id, person_id, answer, status, attended, via, updated) VALUES"
		" (901, %lld, 'yes', 'going', 1, 'mail', 0), (901, %lld, 'yes', 'going', 0, 'mail', 0),"
		" (902, %lld, 'yes', 'going', NULL, 'mail', 0), (902, %lld, 'yes', 'going', NULL, 'mail', 0),"
		" (902, %lld, 'yes', 'going', NULL, 'mail', 0), (902, %lld, 'yes', 'going', NULL, 'mail', 0),"
		" (902, %lld, 'yes', 'waiting', NULL, 'mail', 0), (903, %lld, 'yes', 'going', NULL, 'mail', 0);",
		(long long)(T0 - 86400), (long long)(T0 - 80000), (long long)T0, (long long)T0, (long long)T0,
		(long long)(T0 + 86400), (long long)(T0 + 90000), (long long)T0, (long long)T0, (long long)T0,
		(long long)(T0 + 86400), (long long)(T0 + 90000), (long long)T0, (long long)T0, (long long)T0,
		(long long)(T0 + 86400), (long long)(T0 + 90000), (long long)T0, (long long)T0, (long long)joerg,
		(long long)eve, (long long)joerg, (long long)eve, (long long)bob, (long long)ann, (long long)zoe,
		(long long)staff);
	sql(s);
	free(s);
	struct report_events ev;
	CHECK(state_report_events(db, NULL, T0, &ev) == DB_OK);
	CHECK(ev.present && ev.announced == 3 && ev.upcoming == 2 && ev.going == 5 && ev.waiting == 1 &&
	      ev.attended == 1);
	CHECK(state_report_events(db, "mentoring", T0, &ev) == DB_OK);
	CHECK(ev.present && ev.announced == 2 && ev.upcoming == 1 && ev.going == 4 && ev.waiting == 1);
	char *t = NULL;
	CHECK(staff_figures_text(db, tmpl, "en", NULL, T0, 1, &t) == DB_OK);
	CHECK(t && strstr(t, "\nEvents\n") && strstr(t, "  Going (upcoming)") && strstr(t, "    still to come"));
	CHECK(value_end(t, "  Going (upcoming)") == value_end(t, "  Applications"));
	free(t);
	CHECK(staff_figures_text(db, tmpl, "de", NULL, T0, 0, &t) == DB_OK);
	CHECK(t && strstr(t, "Veranstaltungen: 3 angekündigt (2 bevorstehend), 5 Zusagen, 1 auf der Warteliste, "
			     "1 teilgenommen"));
	free(t);
	int rc;
	char *r = report_text("en", NULL, &rc);
	CHECK(rc == DB_OK && r && strstr(r, "Upcoming events at least 80 % full: 1\n"));
	CHECK(r && strstr(r, "  #902  2030-03-18 18:46  Career evening: 4 of 5 places taken, 1 waiting\n"));
	CHECK(r && !strstr(r, "Alumni brunch:"));
	free(r);
}

int
main(void)
{
	clock_now = T0;
	if (t_bot_open("rep",
		       "staff = staff@example.test, chefin@example.test, xmpp:boss@chat.example.test\nauthserv_id = "
		       "mx.example.test\n",
		       NULL))
		return 1;
	RUN(figures_count_applications_members_matches_requests_sessions_and_hours);
	RUN(figures_text_is_aligned_in_english_and_german_and_one_line_each_in_chat);
	RUN(stats_by_mail_answers_staff_in_english_and_german_and_strangers_get_unknown_command);
	RUN(stats_in_chat_is_compact_for_the_staff_jid);
	RUN(report_lists_pending_applications_stale_requests_and_matches_without_sessions);
	RUN(csv_exports_have_bom_quoting_formula_prefix_and_crlf);
	RUN(with_events_the_figures_count_them_and_the_report_lists_events_filling_up);
	t_bot_close();
	return t_done();
}
