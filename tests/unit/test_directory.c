/*
 * The alumni directory without servers: the MATCH expression builder (pure),
 * the search's ranking and visibility over a temporary database, and contact
 * requests end to end through dispatch (find alumni, contact, a plain "ja" or
 * "nein" reply to the request mail, "accept k<id>" in chat, the limits, the
 * expiry job), read back from the outbox.
 */
#include <sqlite3.h>
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
#include "handlers/h_alumni.h"
#include "handlers/h_apply.h"
#include "handlers/h_network.h"
#include "handlers/handlers.h"
#include "state/directory.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

/* A person with a verified mail address (and xmpp jid, may be NULL), membership of programme
 * with role, and profile fields ("field", "value", visible, ..., NULL). */
static int64_t
person(const char *mail, const char *jid, const char *lang, const char *programme, const char *role, ...)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	if (mail)
		state_endpoint_add(db, id, "mail", mail, 1);
	if (jid)
		state_endpoint_add(db, id, "xmpp", jid, 1);
	state_membership_set(db, id, programme, role, "active");
	va_list ap;
	va_start(ap, role);
	const char *f;
	while ((f = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		int vis = va_arg(ap, int);
		state_profile_set(db, id, f, v);
		state_profile_set_visible(db, id, f, vis);
	}
	va_end(ap);
	db_commit(db);
	return id;
}

static char *
expr(const char *q)
{
	char *e = dir_match_expr(q);
	return e ? e : xstrdup("(null)");
}

static void
match_expr_quotes_every_word_and_expands_synonyms(void)
{
	char *e = expr("Informatik München");
	CHECK_STR(e,
		  "(\"Informatik\" * OR \"computer science\" OR \"computing\" *) AND (\"München\" * OR \"muenchen\" * "
		  "OR \"munich\" *)");
	free(e);
	e = expr("computer science");
	CHECK_STR(e, "(\"computer science\" OR \"informatik\" * OR \"computing\" *)");
	free(e);
	e = expr("AI ML");
	CHECK_STR(e, "(\"AI\") AND (\"ML\")");
	free(e);
	/* syntax is only a separator: no operator, column filter or quote survives */
	e = expr("\"x\" OR body:* NEAR(a b) ^c -d");
	CHECK_STR(e, "(\"x\") AND (\"OR\") AND (\"body\" *) AND (\"NEAR\" *) AND (\"a\") AND (\"b\") AND (\"c\") AND "
		     "(\"d\")");
	free(e);
	CHECK(dir_match_expr("  ** \" () : ") == NULL);
	CHECK(dir_match_expr("") == NULL && dir_match_expr(NULL) == NULL);
	/* invalid UTF-8 and symbols are separators */
	e = expr("a\xff\xfe"
		 "b \xe2\x82\xac");
	CHECK_STR(e, "(\"a\") AND (\"b\")");
	free(e);
	/* at most DIR_QUERY_WORDS words */
	e = expr("a b c d e f g h i j k");
	CHECK(strstr(e, "\"h\"") && !strstr(e, "\"i\""));
	free(e);
}

static void
a_contact_ref_is_told_apart_from_a_request_number(void)
{
	int64_t id = 0;
	CHECK(h_contact_ref_parse("k12", &id) == 1 && id == 12);
	CHECK(h_contact_ref_parse("C7", &id) == 1 && id == 7);
	CHECK(h_contact_ref_parse("#k3", &id) == 1 && id == 3);
	CHECK(h_contact_ref_parse("12", &id) == 0);
	CHECK(h_contact_ref_parse("k", &id) == 0 && h_contact_ref_parse("k0", &id) == 0);
	CHECK(h_contact_ref_parse("k12x", &id) == 0 && h_contact_ref_parse("k99999999999999999999", &id) == 0);
}

static void
profile_values_of_the_directory_are_checked_and_canonical(void)
{
	char *o = NULL;
	CHECK(dir_open_to_parse("Mentoring, Vorträge und Praktika", &o) == 0);
	CHECK_STR(o, "mentoring, talks, internships");
	free(o);
	CHECK(dir_open_to_parse("contact; MENTORING", &o) == 0);
	CHECK_STR(o, "mentoring, contact");
	free(o);
	CHECK(dir_open_to_parse("to kontakt", &o) == 0);
	CHECK_STR(o, "contact");
	free(o);
	CHECK(dir_open_to_parse("nichts", &o) == 0);
	CHECK_STR(o, "none");
	free(o);
	CHECK(dir_open_to_parse("none, mentoring", &o) == -1 && !o);
	CHECK(dir_open_to_parse("beer", &o) == -1 && dir_open_to_parse("", &o) == -1 &&
	      dir_open_to_parse(",,", &o) == -1);
	CHECK(dir_link_ok("https://www.linkedin.com/in/ada-alt"));
	CHECK(dir_link_ok("https://de.linkedin.com/in/ada") && dir_link_ok("https://www.xing.com/profile/Ada_Alt"));
	CHECK(!dir_link_ok("http://www.linkedin.com/in/ada"));           /* https only */
	CHECK(!dir_link_ok("https://evil.com/linkedin.com/in/ada"));     /* host */
	CHECK(!dir_link_ok("https://notlinkedin.com/in/ada"));           /* not a subdomain */
	CHECK(!dir_link_ok("https://www.linkedin.com@evil.com/in/ada")); /* user part */
	CHECK(!dir_link_ok("https://www.linkedin.com:8443/in/ada"));     /* port */
	CHECK(!dir_link_ok("https://www.linkedin.com/"));                /* no profile */
	CHECK(!dir_link_ok("https://www.linkedin.com/in/a b") && !dir_link_ok("https://www.linkedin.com/in/<x>"));
	CHECK(dir_year_ok("1950", 2026) && dir_year_ok("2031", 2026));
	CHECK(!dir_year_ok("1949", 2026) && !dir_year_ok("2032", 2026) && !dir_year_ok("20x5", 2026));
	CHECK(!dir_year_ok("02015", 2026) && !dir_year_ok("", 2026));
}

static int64_t stud, ada, ben, cem, dora;

static void
setup_people(void)
{
	stud = person("stud@example.test", "stud@localhost", "en", "mentoring", "mentee", "name", "Sam Student", 1,
		      "field", "Informatik", 1, NULL);
	ada = person("ada@example.test", NULL, "de", "alumni", "alumnus", "name", "Ada Alt", 1, "field", "Informatik",
		     1, "city", "München", 1, "company", "GeheimFirma", 0, "year", "2015", 1, NULL);
	ben = person("ben@example.test", "ben@localhost", "en", "alumni", "alumnus", "name", "Ben Bau", 1, "field",
		     "mechanical engineering", 1, "city", "Köln", 1, "topics", "internships", 1, NULL);
	cem = person("cem@example.test", NULL, "en", "alumni", "alumnus", "name", "Cem Closed", 1, "field",
		     "Informatik", 1, "open_to", "none", 1, NULL);
	/* not an alumnus: never found */
	dora = person("dora@example.test", NULL, "en", "mentoring", "mentor", "name", "Dora Mentor", 1, "field",
		      "Informatik", 1, NULL);
}

static size_t
find_ids(const char *q, int64_t *out)
{
	char *e = dir_match_expr(q);
	int64_t *ids = NULL;
	size_t n = 0;
	CHECK(e && dir_alumni_find(db, e, stud, DIR_HITS_MAX, &ids, &n) == DB_OK);
	for (size_t i = 0; i < n && i < 10; i++)
		out[i] = ids[i];
	free(ids);
	free(e);
	return n;
}

static void
search_finds_visible_fields_in_either_language_and_spelling(void)
{
	int64_t ids[10];
	CHECK(find_ids("informatik", ids) == 2);                       /* Ada and Cem, not Dora */
	CHECK(find_ids("computer science", ids) == 2);                 /* the English word */
	CHECK(find_ids("Maschinenbau", ids) == 1 && ids[0] == ben);    /* the German one */
	CHECK(find_ids("muenchen", ids) == 1 && ids[0] == ada);        /* umlaut written out */
	CHECK(find_ids("MUNCHEN", ids) == 1 && ids[0] == ada);         /* without dots, upper case */
	CHECK(find_ids("Munich", ids) == 1 && ids[0] == ada);          /* translated */
	CHECK(find_ids("koeln praktikum", ids) == 1 && ids[0] == ben); /* both words, synonyms */
	CHECK(find_ids("inform", ids) == 2);                           /* prefix of 4+ letters */
	CHECK(find_ids("GeheimFirma", ids) == 0);                      /* a hidden field never matches */
	CHECK(find_ids("\" OR * informatik", ids) == 0);               /* no widening: "OR" is a word */
	CHECK(find_ids("stud example test", ids) == 0);                /* addresses are not indexed */
	/* hiding a field takes it out of the index at once */
	db_begin(db);
	state_profile_set_visible(db, ada, "city", 0);
	db_commit(db);
	CHECK(find_ids("München", ids) == 0);
	db_begin(db);
	state_profile_set_visible(db, ada, "city", 1);
	db_commit(db);
	CHECK(find_ids("München", ids) == 1);
}

static void
a_common_word_is_ranked_by_term_frequency(void)
{
	/* more than DIR_BM25_MAX matches: dir_rank orders them, the most mentions first */
	db_begin(db);
	for (int i = 0; i < 450; i++) {
		int64_t id;
		state_person_create(db, "en", &id);
		state_membership_set(db, id, "alumni", "alumnus", "active");
		state_profile_set(db, id, "topics", i == 300 ? "quilting, quilting history, quilting art" : "quilting");
		state_profile_set_visible(db, id, "topics", 1);
	}
	db_commit(db);
	int64_t ids[10];
	CHECK(find_ids("quilting", ids) == 10);
	struct profile_field *pf;
	size_t n = 0;
	CHECK(state_profile(db, ids[0], &pf, &n) == DB_OK && n == 1 && strstr(pf[0].value, "quilting art"));
	profile_free(pf, n);
	CHECK(find_ids("quilting history", ids) == 1);
}

static void
find_alumni_lists_numbered_hits_without_addresses(void)
{
	struct out o;
	CHECK(deliver("stud@example.test", "find alumni Informatik", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.find.results"));
	const char *t = o.n ? o.text[0] : "";
	CHECK(strstr(t, "1. ") && strstr(t, "2. ") && !strstr(t, "3. "));
	CHECK(strstr(t, "Ada Alt") && strstr(t, "Cem Closed") && !strstr(t, "Dora"));
	const char *body = strstr(t, "Alumni matching");
	CHECK(body && !strstr(t, "GeheimFirma") && !strstr(body, "@example.test"));
	CHECK(strstr(t, "Field of study: Informatik") && strstr(t, "Graduation year: 2015"));
	out_free(&o);
	CHECK(deliver("stud@example.test", "find alumni zzzz", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.find.none"));
	out_free(&o);
	CHECK(deliver("stud@example.test", "find alumni \"()*", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.find.usage"));
	out_free(&o);
}

/* The number of name in the asker's last hits. */
static int64_t
hit_of(int64_t who)
{
	for (int64_t n = 1; n <= 10; n++) {
		int64_t a = 0;
		if (dir_hit_get(db, stud, n, &a) == DB_OK && a == who)
			return n;
	}
	return 0;
}

static void
contact_then_ja_by_mail_exchanges_both_addresses(void)
{
	struct out o;
	CHECK(deliver("stud@example.test", "find alumni Informatik München", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	char *cmd = xasprintf("contact %lld Hello Ada, may I ask about your work?", (long long)hit_of(ada));
	CHECK(deliver("stud@example.test", cmd, NULL, "") == DISP_DONE);
	free(cmd);
	take("mail", &o);
	int im = find(&o, "ada@example.test", "alumni.mail");
	CHECK(im >= 0 && strstr(o.text[im], "Kontaktanfrage von Sam Student") && strstr(o.text[im], "may I ask") &&
	      strstr(o.text[im], "Studiengang: Informatik") && !strstr(o.text[im], "stud@example.test"));
	CHECK(find(&o, "stud@example.test", "alumni.contact.sent") >= 0);
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", im >= 0 ? o.msgid[im] : "x");
	out_free(&o);
	/* somebody else's "ja" answers nothing */
	CHECK(deliver("ben@example.test", "Re: Kontaktanfrage", hdr, "ja") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "stud@example.test", NULL) < 0 && find(&o, NULL, "ada@example.test") < 0);
	out_free(&o);
	CHECK(deliver("ada@example.test", "Re: Kontaktanfrage", hdr, "Ja, gerne.\r\n\r\n> Hallo") == DISP_DONE);
	take("mail", &o);
	int ia = find(&o, "ada@example.test", "alumni.contact.accepted");
	int is = find(&o, "stud@example.test", "alumni.mail");
	CHECK(ia >= 0 && strstr(o.text[ia], "stud@example.test"));
	CHECK(is >= 0 && strstr(o.text[is], "ada@example.test") && strstr(o.text[is], "Ada Alt said yes"));
	out_free(&o);
	take("xmpp", &o);
	CHECK(find(&o, "stud@localhost", "ada@example.test") >= 0);
	out_free(&o);
	/* again: already accepted */
	CHECK(deliver("ada@example.test", "Re: Kontaktanfrage", hdr, "nein") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.answer.closed") && strstr(o.text[0], "angenommen"));
	out_free(&o);
	free(hdr);
}

static void
decline_in_chat_exchanges_nothing_and_none_blocks(void)
{
	struct out o;
	CHECK(deliver("stud@example.test", "find alumni mechanical engineering", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("stud@example.test", "contact 1 Hi Ben", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "ben@example.test", "alumni.mail") >= 0);
	out_free(&o);
	take("xmpp", &o);
	int ic = find(&o, "ben@localhost", "Contact request c");
	const char *p = ic >= 0 ? strstr(o.text[ic], "decline c") : NULL;
	char ref[24] = "";
	if (p)
		snprintf(ref, sizeof ref, "%.*s", (int)strcspn(p + 8, "\" \n"), p + 8);
	out_free(&o);
	CHECK(*ref == 'c');
	/* a mentoring request's number is not a contact request's */
	char *cmd = xasprintf("decline %s", ref + 1);
	chat("ben@localhost", cmd);
	free(cmd);
	take("xmpp", &o);
	CHECK(o.n == 1 && find(&o, "ben@localhost", "politely") < 0);
	out_free(&o);
	cmd = xasprintf("decline %s", ref);
	chat("ben@localhost", cmd);
	free(cmd);
	take("xmpp", &o);
	CHECK(find(&o, "ben@localhost", "will be told politely") >= 0);
	int is = find(&o, "stud@localhost", "cannot take up");
	CHECK(is >= 0 && !strstr(o.text[is], "ben@"));
	out_free(&o);
	take("mail", &o);
	is = find(&o, "stud@example.test", "cannot take up");
	CHECK(is >= 0 && !strstr(o.text[is], "ben@"));
	out_free(&o);
	/* open_to none: listed, not contacted */
	CHECK(deliver("stud@example.test", "find alumni informatik", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	cmd = xasprintf("contact %lld Hello", (long long)hit_of(cem));
	CHECK(deliver("stud@example.test", cmd, NULL, "") == DISP_DONE);
	free(cmd);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.contact.closed"));
	out_free(&o);
	CHECK(deliver("stud@example.test", "contact 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.contact.no_message"));
	out_free(&o);
}

static void
limits_and_expiry(void)
{
	struct out o;
	/* more alumni to ask */
	for (int i = 0; i < 4; i++) {
		char m[64], n[32];
		snprintf(m, sizeof m, "lim%d@example.test", i);
		snprintf(n, sizeof n, "Lim Person%d", i);
		person(m, NULL, "en", "alumni", "alumnus", "name", n, 1, "topics", "origami", 1, NULL);
	}
	CHECK(deliver("stud@example.test", "find alumni origami", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	for (int i = 1; i <= 3; i++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "contact %d Hello", i);
		CHECK(deliver("stud@example.test", cmd, NULL, "") == DISP_DONE);
		take("mail", &o);
		CHECK(find(&o, "stud@example.test", "alumni.contact.sent") >= 0);
		out_free(&o);
	}
	CHECK(deliver("stud@example.test", "contact 4 Hello", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.limit.open") && strstr(o.text[0], " 3 "));
	out_free(&o);
	/* the expiry: 14 days later the asker is told, nothing exchanged */
	set_clock(clock_now + 15 * 86400);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 3);
	take("mail", &o);
	CHECK(count(&o, "has expired") == 3 && find(&o, NULL, "lim0@") < 0);
	out_free(&o);
	CHECK(deliver("stud@example.test", "contact 4 Hello", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "stud@example.test", "alumni.contact.sent") >= 0);
	out_free(&o);
}

static void
week_limit(void)
{
	struct out o;
	/* 5 made in the last week, each answered: the week limit of 5 (config) stops the 6th */
	int64_t since = clock_now - 7 * 86400;
	int open = 0, recent = 0;
	CHECK(dir_contact_counts(db, stud, since, &open, &recent) == DB_OK && open == 1 && recent == 1);
	db_begin(db);
	for (int i = 0; i < 4; i++) {
		int64_t id;
		dir_contact_add(db, stud, ben, 0, "x", &id);
		dir_contact_close(db, id, "declined");
	}
	db_commit(db);
	CHECK(deliver("stud@example.test", "kontakt 1 Hallo", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.limit.week"));
	out_free(&o);
}

static void
profile_command_sets_the_directory_fields_in_both_languages(void)
{
	struct out o;
	CHECK(deliver("ada@example.test", "profil abschluss 1890", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.profile.bad_year") && strstr(o.text[0], "vierstellig"));
	out_free(&o);
	CHECK(deliver("ada@example.test", "profil offen_für Mentoring und Vorträge", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "profile_set"));
	out_free(&o);
	struct who w;
	struct hctx h = {.db = db, .cfg = &cfg, .tmpl = tmpl, .lang = "en"};
	CHECK(who_load(&h, ada, &w) == DB_OK);
	CHECK_STR(who_value(&w, "open_to", 0), "mentoring, talks");
	who_free(&w);
	CHECK(deliver("ada@example.test", "profil sichtbar offen ja", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("ben@example.test", "profile link http://www.linkedin.com/in/ben", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "alumni.profile.bad_link"));
	out_free(&o);
	CHECK(deliver("ben@example.test", "profile link https://www.linkedin.com/in/ben-bau", NULL, "") == DISP_DONE);
	CHECK(deliver("ben@example.test", "profile position Lead Engineer", NULL, "") == DISP_DONE);
	CHECK(deliver("ben@example.test", "profile year 2012", NULL, "") == DISP_DONE);
	CHECK(deliver("ben@example.test", "profile visible link yes", NULL, "") == DISP_DONE);
	CHECK(deliver("ben@example.test", "profile visible position yes", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("stud@example.test", "alumni suchen Lead Engineer", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Ben Bau") && strstr(o.text[0], "Position: Lead Engineer") &&
	      strstr(o.text[0], "https://www.linkedin.com/in/ben-bau") && !strstr(o.text[0], "2012"));
	out_free(&o);
	/* Ada shows "open to" now: in the hits, translated for the reader */
	CHECK(deliver("stud@example.test", "find alumni talks", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Ada Alt") && strstr(o.text[0], "Open to: mentoring, talks"));
	out_free(&o);
}

static void
an_alumna_as_mentor_keeps_one_profile_and_her_open_to(void)
{
	/* Ada (open to mentoring, talks) joins mentoring as a mentor: the form asks only what her
	 * profile lacks */
	struct hctx h = {.db = db, .cfg = &cfg, .tmpl = tmpl, .lang = "en"};
	db_begin(db);
	state_profile_set(db, ada, "topics", "python, data");
	state_profile_set_visible(db, ada, "topics", 1);
	state_profile_set(db, ada, "languages", "de, en");
	state_profile_set_visible(db, ada, "languages", 1);
	db_commit(db);
	struct app_form f = {0};
	ap_form_fields(&f, "mentor", NULL);
	CHECK(ap_form_load(&h, ada, &f) == DB_OK);
	char *lines, *sent, *hints, *missing;
	ap_form_render(&h, "en", &f, &lines, &sent, &hints, &missing);
	CHECK(strstr(missing, "Capacity") && !strstr(missing, "Topics") && !strstr(missing, "Languages"));
	CHECK(strstr(lines, "python, data"));
	free(lines);
	free(sent);
	free(hints);
	free(missing);
	ap_form_free(&f);
	db_begin(db);
	state_membership_set(db, ada, "mentoring", "mentor", "active");
	state_profile_set(db, ada, "capacity", "2");
	state_profile_set(db, stud, "topics", "python");
	state_profile_set_visible(db, stud, "topics", 1);
	state_profile_set(db, stud, "languages", "en");
	db_commit(db);
	struct out o;
	CHECK(deliver("stud@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Ada Alt"));
	out_free(&o);
	/* open to talks only: no longer offered as a mentor, still in the directory */
	CHECK(deliver("ada@example.test", "profile open_to talks", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("stud@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "Ada Alt"));
	out_free(&o);
	CHECK(deliver("stud@example.test", "find alumni python", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Ada Alt"));
	out_free(&o);
	/* back to mentoring: offered again, the same profile */
	CHECK(deliver("ada@example.test", "profile open_to mentoring, talks", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("stud@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Ada Alt"));
	out_free(&o);
}

/* The value of var in reply r, or NULL. */
static const char *
reply_var(const struct reply *r, const char *var)
{
	for (size_t i = 0; i + 1 < r->nvars; i += 2)
		if (strcmp(r->vars[i], var) == 0)
			return r->vars[i + 1];
	return NULL;
}

static void
an_offer_is_named_to_the_company_contact(void)
{
	/* h_offer.c's "interested <offer>" calls h_contact_open with the offer */
	int64_t co = person("hr@firma.example", NULL, "de", "alumni", "company", "name", "Hanna HR", 1, NULL);
	sqlite3 *x;
	CHECK(sqlite3_open(dbpath, &x) == SQLITE_OK);
	char *sql =
		xasprintf("INSERT INTO company(id, name, folded, status, created) VALUES (7, 'Firma', 'firma',"
			  " 'approved', 1); INSERT INTO offer(id, company_id, person_id, kind, title, status, created)"
			  " VALUES (5, 7, %lld, 'internship', 'Praktikum Robotik', 'approved', 1)",
			  (long long)co);
	CHECK(sqlite3_exec(x, sql, NULL, NULL, NULL) == SQLITE_OK);
	free(sql);
	sqlite3_close(x);
	struct hctx h = {.db = db,
			 .cfg = &cfg,
			 .tmpl = tmpl,
			 .key = core.key,
			 .lang = "en",
			 .ep_kind = "mail",
			 .ep_addr = "stud@example.test"};
	int64_t id = 0, again = 0;
	db_begin(db);
	CHECK(h_contact_open(&h, stud, co, 5, "I would like to apply.", &id) == 0 && id > 0);
	CHECK(h_contact_open(&h, stud, co, 5, "Twice.", &again) == 1 && again == id);
	db_commit(db);
	const struct reply *mail = NULL;
	for (size_t i = 0; i < h.nreplies; i++)
		if (h.replies[i].to_addr && strcmp(h.replies[i].to_addr, "hr@firma.example") == 0)
			mail = &h.replies[i];
	CHECK(h.nreplies == 1 && mail && strcmp(mail->key, "alumni.mail") == 0);
	const char *text = mail ? reply_var(mail, "text") : "";
	CHECK(text && strstr(text, "Angebot 5: Praktikum Robotik (Praktikum)") &&
	      strstr(text, "I would like to apply."));
	CHECK(text && !strstr(text, "stud@example.test"));
	CHECK(mail && reply_var(mail, "message_id") && strstr(reply_var(mail, "subject"), "Praktikum Robotik"));
	hctx_free_replies(&h);
	struct contact_req r;
	CHECK(dir_contact_get(db, id, &r) == DB_OK && r.offer == 5 && strcmp(r.status, "open") == 0);
	contact_req_free(&r);
}

int
main(void)
{
	RUN(match_expr_quotes_every_word_and_expands_synonyms);
	RUN(a_contact_ref_is_told_apart_from_a_request_number);
	RUN(profile_values_of_the_directory_are_checked_and_canonical);
	if (t_bot_open("dir", "authserv_id = mx.example.test\n", "[network]\ncontact_open = 3\ncontact_week = 5\n"))
		return 1;
	setup_people();
	RUN(search_finds_visible_fields_in_either_language_and_spelling);
	RUN(a_common_word_is_ranked_by_term_frequency);
	RUN(find_alumni_lists_numbered_hits_without_addresses);
	RUN(contact_then_ja_by_mail_exchanges_both_addresses);
	RUN(decline_in_chat_exchanges_nothing_and_none_blocks);
	RUN(limits_and_expiry);
	RUN(week_limit);
	RUN(an_offer_is_named_to_the_company_contact);
	RUN(profile_command_sets_the_directory_fields_in_both_languages);
	RUN(an_alumna_as_mentor_keeps_one_profile_and_her_open_to);
	t_bot_close();
	return t_done();
}
