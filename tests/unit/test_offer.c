/*
 * Companies and offers without servers: a stranger's "join company" proven
 * by replying to the token mail, the staff notice (mail and chat), a forged
 * staff reply that changes nothing and the signed one that approves; the
 * offer form answered once with every problem (German and English); a
 * complete offer approved in chat, posted to the group's room and listed by
 * "offers"; the notice before the expiry, renew, close and the expiry by the
 * scheduler; "interested" opens a contact request to the company contact.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/scheduler.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/imports.h"
#include "state/offers.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

#define ROOM "students@conference.localhost"
#define FORM_EN                                                                                                        \
	"offer:\nKind: internship\nTitle: Internship in design\nDescription: CAD and prototypes\n"                     \
	"Location: Munich\nRemote: hybrid\nDeadline: 30.06.2030\nLink: https://acme.example/jobs/7\n"

static int64_t student;

static int64_t
member(const char *mail, const char *lang)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, "mentoring", "mentee", "active");
	state_profile_set(db, id, "name", "Sam Student");
	state_profile_set_visible(db, id, "name", 1);
	db_commit(db);
	return id;
}

static char *
reply_hdr(const char *msgid)
{
	return xasprintf("In-Reply-To: <%s>\r\nReferences: <%s>\r\n", msgid, msgid);
}

/* How many offers "offers" would list now. */
static int
open_offers(void)
{
	int n = -1;
	struct offer *v = NULL;
	size_t k = 0;
	if (state_company_offers_open(db, clock_now, &v, &k) == DB_OK)
		n = (int)k;
	offers_free(v, k);
	return n;
}

static void
join_company_by_reply_and_staff_approval(void)
{
	struct out o;
	CHECK(deliver("jane@acme.example", "hello", NULL, "join company ACME GmbH\n") == DISP_DONE);
	take("mail", &o);
	int i = find(&o, "jane@acme.example", "company.confirm");
	CHECK(i >= 0 && strstr(o.text[i], "ACME GmbH"));
	char *hdr = reply_hdr(i >= 0 ? o.msgid[i] : "x");
	out_free(&o);
	CHECK(deliver("jane@acme.example", "Re: confirm", hdr, "ok\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	int p = find(&o, "jane@acme.example", "company.pending");
	int s = find(&o, "staff@example.test", "company.staff_notice");
	CHECK(p >= 0 && s >= 0 && strstr(o.text[s], "jane@acme.example") && strstr(o.text[s], "ACME GmbH"));
	char *notice = reply_hdr(s >= 0 ? o.msgid[s] : "x");
	out_free(&o);
	take("xmpp", &o);
	CHECK(find(&o, "staff@localhost", "ACME GmbH") >= 0);
	out_free(&o);
	/* a second "firma" with another spelling is the same company, already waiting */
	CHECK(deliver("jane@acme.example", "x", NULL, "firma acme gmbh\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "company.still_pending") >= 0);
	out_free(&o);
	/* an offer before the approval: refused */
	CHECK(deliver("jane@acme.example", "offer", NULL, FORM_EN) == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "offers.not_company") >= 0);
	out_free(&o);
	/* a forged staff reply (unsigned, a notice id of the right shape but not the bot's) approves
	 * nothing: the owner is asked */
	t_signed = 0;
	CHECK(deliver("staff@example.test", "Re: notice",
		      "In-Reply-To: <company.1.2.0.aaaaaaaaaaaaaaaa@example.test>\r\n", "ok\n") == DISP_DONE);
	t_signed = 1;
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", NULL) < 0);
	out_free(&o);
	/* somebody else's reply is no decision either */
	CHECK(deliver("sam@example.test", "Re: notice", notice, "ok\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", NULL) < 0);
	out_free(&o);
	CHECK(deliver("staff@example.test", "Re: notice", notice, "Freigeben\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "staff@example.test", "company.staff_approved") >= 0);
	CHECK(find(&o, "jane@acme.example", "you are now a contact person of \"ACME GmbH\"") >= 0);
	out_free(&o);
	/* twice: nothing waits */
	CHECK(deliver("staff@example.test", "Re: notice", notice, "ok\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "staff@example.test", "company.not_pending") >= 0);
	out_free(&o);
	free(notice);
}

static void
offer_form_problems_in_one_answer(void)
{
	struct out o;
	CHECK(deliver("jane@acme.example", "offer", NULL, "offer:\nKind: apprenticeship\nTitle: x\nLink: ftp://a\n") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1);
	int i = find(&o, "jane@acme.example", "offers.form_problems");
	CHECK(i >= 0 && strstr(o.text[i], "Kind: \"apprenticeship\"") && strstr(o.text[i], "Description: missing") &&
	      strstr(o.text[i], "Location: missing") && strstr(o.text[i], "Link: \"ftp://a\""));
	out_free(&o);
	/* a German company contact, approved in chat: the answer in German */
	CHECK(deliver("max@mueller.example", "Anmeldung", NULL, "firma Müller Maschinenbau AG\n") == DISP_DONE);
	take("mail", &o);
	i = find(&o, "max@mueller.example", "company.confirm");
	CHECK(i >= 0 && strstr(o.text[i], "bestätigen"));
	char *hdr = reply_hdr(i >= 0 ? o.msgid[i] : "x");
	out_free(&o);
	CHECK(deliver("max@mueller.example", "Re: Anmeldung", hdr, "ja\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(find(&o, "max@mueller.example", "company.pending") >= 0);
	out_free(&o);
	chat("staff@localhost", "firma 2");
	take("xmpp", &o);
	CHECK(find(&o, "staff@localhost", "max@mueller.example> - wartet auf Freigabe") >= 0);
	out_free(&o);
	chat("staff@localhost", "firma 2 freigeben");
	take("mail", &o);
	CHECK(find(&o, "max@mueller.example", "Sie sind jetzt Ansprechperson") >= 0);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	CHECK(deliver("max@mueller.example", "angebot", NULL, "angebot:\nArt: Lehrstelle\nTitel: x\n") == DISP_DONE);
	take("mail", &o);
	i = find(&o, "max@mueller.example", "offers.form_problems");
	CHECK(o.n == 1 && i >= 0 && strstr(o.text[i], "Art: \"Lehrstelle\" ist keine") &&
	      strstr(o.text[i], "Beschreibung: fehlt") && strstr(o.text[i], "Ort: fehlt"));
	out_free(&o);
}

static void
offer_approved_in_chat_posted_and_listed(void)
{
	struct out o;
	CHECK(deliver("jane@acme.example", "offer", NULL, FORM_EN) == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "offers.received") >= 0);
	int s = find(&o, "staff@example.test", "offers.staff_notice");
	CHECK(s >= 0 && strstr(o.text[s], "Internship in design") && strstr(o.text[s], "https://acme.example/jobs/7"));
	out_free(&o);
	take("xmpp", &o);
	CHECK(find(&o, "staff@localhost", "Internship in design") >= 0);
	out_free(&o);
	CHECK(open_offers() == 0);
	/* members see nothing yet */
	CHECK(deliver("sam@example.test", "offers", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "offers.none") >= 0);
	out_free(&o);
	chat("staff@localhost", "offer 1 approve");
	take("xmpp", &o);
	CHECK(find(&o, "staff@localhost", "published") >= 0);
	CHECK(find(&o, ROOM, "Internship in design") >= 0);
	out_free(&o);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "Internship in design\" is published") >= 0);
	out_free(&o);
	CHECK(open_offers() == 1);
	CHECK(deliver("sam@example.test", "offers munich praktikum", NULL, "") == DISP_DONE);
	take("mail", &o);
	int l = find(&o, "sam@example.test", "offers.list");
	CHECK(l >= 0 && strstr(o.text[l], "#1 Internship: Internship in design (ACME GmbH)"));
	out_free(&o);
	CHECK(deliver("sam@example.test", "angebote werkstudent", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "offers.none_match") >= 0);
	out_free(&o);
	/* staff "offer 1" shows it with its status */
	chat("staff@localhost", "offer 1");
	take("xmpp", &o);
	CHECK(find(&o, "staff@localhost", "Status: published") >= 0);
	out_free(&o);
}

static void
interested_opens_a_contact_request(void)
{
	struct out o;
	CHECK(deliver("sam@example.test", "interested 1 I study mechanical engineering", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "offers.interest_sent") >= 0);
	int i = find(&o, "jane@acme.example", "I study mechanical engineering");
	CHECK(i >= 0 && find(&o, "jane@acme.example", "sam@example.test") < 0);
	char *hdr = reply_hdr(i >= 0 ? o.msgid[i] : "x");
	out_free(&o);
	CHECK(deliver("sam@example.test", "interested 1 again", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && find(&o, "sam@example.test", "offers.interest_already") >= 0);
	out_free(&o);
	/* the company says yes: both get the other's address */
	CHECK(deliver("jane@acme.example", "Re: interest", hdr, "ja\n") == DISP_DONE);
	free(hdr);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "jane@acme.example") >= 0);
	CHECK(find(&o, "jane@acme.example", "sam@example.test") >= 0);
	out_free(&o);
	CHECK(deliver("sam@example.test", "interested 99", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "offers.unknown") >= 0);
	out_free(&o);
}

static void
expiry_notice_renew_close(void)
{
	struct out o;
	struct offer of = {0};
	CHECK(state_company_offer_get(db, 1, &of) == DB_OK);
	int64_t deadline = of.deadline;
	offer_free(&of);
	/* a week before the deadline: the notice */
	set_clock(deadline - 7 * 86400 + 10);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) >= 1);
	take("mail", &o);
	int n = find(&o, "jane@acme.example", "ends on");
	CHECK(n >= 0 && strstr(o.text[n], "offer 1 renew"));
	out_free(&o);
	CHECK(deliver("jane@acme.example", "x", NULL, "offer 1 renew\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "offers.renewed") >= 0);
	out_free(&o);
	CHECK(state_company_offer_get(db, 1, &of) == DB_OK && of.deadline == deadline + 90 * 86400);
	offer_free(&of);
	/* the old deadline passes: still open */
	set_clock(deadline + 10);
	scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now);
	CHECK(open_offers() == 1);
	/* somebody else may not close it */
	CHECK(deliver("sam@example.test", "offer 1 close", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "sam@example.test", "offers.unknown") >= 0);
	out_free(&o);
	CHECK(deliver("jane@acme.example", "x", NULL, "angebot 1 schließen\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "offers.closed") >= 0);
	out_free(&o);
	CHECK(open_offers() == 0);
	/* a second offer without deadline expires [offers] days after it was made */
	CHECK(deliver("jane@acme.example", "offer", NULL,
		      "offer:\nKind: job\nTitle: Engineer\nDescription: d\nLocation: Berlin\n") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	chat("staff@localhost", "angebot 2 freigeben");
	take("xmpp", &o);
	out_free(&o);
	CHECK(open_offers() == 1);
	set_clock(clock_now + 90 * 86400 + 10);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) >= 1);
	CHECK(open_offers() == 0);
	take("mail", &o);
	CHECK(find(&o, "jane@acme.example", "has ended") >= 0);
	out_free(&o);
	CHECK(state_company_offer_get(db, 2, &of) == DB_OK && strcmp(of.status, "expired") == 0);
	offer_free(&of);
}

static void
staff_reject_in_chat_with_reason(void)
{
	struct out o;
	CHECK(deliver("jane@acme.example", "offer", NULL,
		      "offer:\nKind: thesis\nTitle: Bachelor thesis\nDescription: d\nLocation: Berlin\n") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	chat("staff@localhost", "offer 3 reject no link to our programmes");
	take("mail", &o);
	int r = find(&o, "jane@acme.example", "was not published");
	CHECK(r >= 0 && strstr(o.text[r], "no link to our programmes"));
	out_free(&o);
	take("xmpp", &o);
	CHECK(find(&o, ROOM, NULL) < 0);
	out_free(&o);
}

/* check-config: [offers] post_to must name a group of [groups]. */
static void
post_to_must_name_a_group(void)
{
	const char *path = "/tmp/mb-offer-cfg.ini";
	for (int good = 0; good < 2; good++) {
		FILE *f = fopen(path, "w");
		fprintf(f, "[bot]\ndatabase = /tmp/x.db\n[groups]\nstudents = xmpp:" ROOM "\n[offers]\npost_to = %s\n",
			good ? "students" : "studnets");
		fclose(f);
		struct config c;
		struct buf e = BUF_INIT;
		int n = config_load(path, &c, &e);
		CHECK(good ? n == 0
			   : (n > 0 && e.p && strstr(e.p, "post_to names no group") && strstr(e.p, "studnets")));
		config_free(&c);
		buf_free(&e);
	}
	unlink(path);
}

/* A company contact from the office's own list (mentorbot import --role company): confirming the
 * invitation makes them the approved contact of the company the row names, with no staff step. */
static void
imported_company_contact_is_approved(void)
{
	int64_t id = 0;
	char tok[27], hash[65];
	token_new(tok);
	token_hash(tok, hash);
	db_begin(db);
	CHECK(import_invite_add(db, "alumni", "company", "lena@initech.example", "Lena", "{\"company\":\"Initech AG\"}",
				"firms.csv 2026-12-03", &id) == DB_OK);
	char *payload = xasprintf("%lld", (long long)id);
	struct token t = {.kind = "import",
			  .ep_kind = "mail",
			  .ep_addr = "lena@initech.example",
			  .payload = payload,
			  .lang = "en",
			  .expires = clock_now + 86400};
	CHECK(state_token_add(db, hash, &t, NULL) == DB_OK);
	db_commit(db);
	free(payload);
	char *cmd = xasprintf("confirm %s\n", tok);
	CHECK(deliver("lena@initech.example", "invitation", NULL, cmd) == DISP_DONE);
	free(cmd);
	struct out o;
	take("mail", &o);
	CHECK(find(&o, "lena@initech.example", "import.confirmed") >= 0);
	CHECK(find(&o, "staff@example.test", "company.staff_notice") < 0);
	out_free(&o);
	struct person p;
	CHECK(state_person_by_endpoint(db, "mail", "lena@initech.example", &p) == DB_OK);
	struct company_contact c;
	CHECK(state_company_contact_of(db, p.id, &c) == DB_OK && strcmp(c.company, "Initech AG") == 0);
	company_contact_free(&c);
	person_free(&p);
	/* so her offer goes to staff at once (the clock of the tests before stands in 2030) */
	CHECK(deliver("lena@initech.example", "offer", NULL,
		      "offer:\nKind: thesis\nTitle: Thesis on caching\nDescription: Caches\nLocation: Berlin\n"
		      "Deadline: 30.06.2040\n") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "lena@initech.example", "offers.not_company") < 0);
	CHECK(find(&o, "staff@example.test", "offers.staff_notice") >= 0);
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
}

int
main(void)
{
	if (t_bot_open("offer", "staff = staff@example.test, xmpp:staff@localhost\n",
		       "[groups]\nstudents = xmpp:" ROOM "\n[offers]\npost_to = students\n"))
		return 1;
	student = member("sam@example.test", "en");
	RUN(join_company_by_reply_and_staff_approval);
	RUN(offer_form_problems_in_one_answer);
	RUN(offer_approved_in_chat_posted_and_listed);
	RUN(interested_opens_a_contact_request);
	RUN(expiry_notice_renew_close);
	RUN(staff_reject_in_chat_with_reason);
	RUN(post_to_must_name_a_group);
	RUN(imported_company_contact_is_approved);
	t_bot_close();
	return t_done();
}
