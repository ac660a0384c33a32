/*
 * Mentoring without servers: find mentor, request, accept/decline (by
 * command and by a plain reply to the request mail), the last-slot race,
 * and the scheduler's reminder, expiry and cascade with a given clock.
 * Journal row → dispatch → outbox rows, as in test_dispatch.c.
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
#include "handlers/handlers.h"
#include "state/applications.h"
#include "state/mentoring_extra.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

/* A person with a verified mail address, a role in "mentoring" and profile fields
 * ("field", "value", visible, ..., NULL). */
static int64_t
person(const char *mail, const char *lang, const char *role, ...)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, "mentoring", role, "active");
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

/* Request id in a text "#<id>" after prefix; 0 if none. */
static int64_t
id_after(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	if (!p)
		return 0;
	p = strchr(p, '#');
	return p ? atoll(p + 1) : 0;
}

static int
load_of(int64_t mentor)
{
	int cap, load;
	return state_mentor_capacity(db, mentor, &cap, &load) == 0 ? load : -1;
}

static void
find_mentor_ranks_by_fit_and_shows_only_visible_fields(void)
{
	person("m1@example.test", "en", "mentee", "topics", "python, machine learning", 1, "languages", "en", 1,
	       "field", "computer science", 1, NULL);
	person("ada@example.test", "en", "mentor", "name", "Ada Best", 1, "topics", "python, machine learning, rust", 1,
	       "languages", "en, de", 1, "field", "computer science", 1, "company", "SecretCorp", 0, "capacity", "2", 0,
	       NULL);
	person("bob@example.test", "en", "mentor", "name", "Bob Good", 1, "topics", "python", 0, "languages", "en", 1,
	       NULL);
	person("cat@example.test", "en", "mentor", "name", "Cat French", 1, "topics", "python", 1, "languages", "fr", 1,
	       NULL);
	person("dan@example.test", "en", "mentor", "name", "Dan Nothing", 1, "topics", "cooking", 1, NULL);
	CHECK(deliver("m1@example.test", "find mentor", NULL, "") == DISP_DONE);
	struct out o;
	take("mail", &o);
	CHECK(o.n == 1);
	const char *t = o.n ? o.text[0] : "";
	CHECK(strstr(t, "X-Mentorbot-Reply: mentoring.find"));
	const char *a = strstr(t, "1. Ada Best"), *b = strstr(t, "2. Bob Good");
	CHECK(a && b && a < b);
	CHECK(strstr(t, "score"));
	CHECK(strstr(t, "2 shared topics: machine learning, python"));
	CHECK(strstr(t, "1 shared topics") && !strstr(t, "1 shared topics:")); /* Bob hides his topics */
	CHECK(!strstr(t, "SecretCorp"));                                       /* hidden field */
	CHECK(!strstr(t, "Cat French"));                                       /* no shared language */
	CHECK(!strstr(t, "Dan Nothing"));                                      /* nothing in common */
	CHECK(!strstr(t, "ada@example.test") && !strstr(t, "bob@example.test"));
	out_free(&o);
	/* a mentor is not a mentee */
	CHECK(deliver("bob@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.not_mentee"));
	out_free(&o);
}

static void
request_mails_the_mentor_and_accept_introduces_both_and_withdraws_the_rest(void)
{
	struct out o;
	CHECK(deliver("m1@example.test", "request 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	int im = find(&o, "ada@example.test", "mentoring.mail.request");
	int ic = find(&o, "m1@example.test", "mentoring.request.sent");
	CHECK(o.n == 2 && im >= 0 && ic >= 0);
	int64_t rid = im >= 0 ? id_after(o.text[im], "Mentoring request") : 0;
	CHECK(rid > 0);
	struct mrequest r;
	CHECK(state_request_get(db, rid, &r) == DB_OK);
	CHECK(im >= 0 && r.mail_msgid && strcmp(r.mail_msgid, o.msgid[im]) == 0);
	CHECK(r.status && strcmp(r.status, "open") == 0);
	CHECK(r.deadline == clock_now + 3 * 86400);
	mrequest_free(&r);
	CHECK(state_job_next(db, clock_now) == 3 * 86400 / 2);
	out_free(&o);
	/* the same mentor twice: still one open request */
	CHECK(deliver("m1@example.test", "request 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.request.already_open"));
	out_free(&o);
	/* a second request, to Bob */
	CHECK(deliver("m1@example.test", "request 2", NULL, "") == DISP_DONE);
	take("mail", &o);
	int ib = find(&o, "bob@example.test", "mentoring.mail.request");
	CHECK(ib >= 0);
	int64_t rid_b = ib >= 0 ? id_after(o.text[ib], "Mentoring request") : 0;
	out_free(&o);
	/* someone else cannot accept Ada's request */
	char *cmd = xasprintf("accept %lld", (long long)rid);
	CHECK(deliver("bob@example.test", cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.unknown"));
	out_free(&o);
	CHECK(deliver("ada@example.test", cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "ada@example.test", "mentoring.accept.done") >= 0);
	int mi = find(&o, "m1@example.test", "mentoring.mail.intro");
	int ai = find(&o, "ada@example.test", "mentoring.mail.intro");
	CHECK(mi >= 0 && ai >= 0);
	CHECK(mi >= 0 && strstr(o.text[mi], "ada@example.test") && strstr(o.text[mi], "Ada Best"));
	CHECK(ai >= 0 && strstr(o.text[ai], "m1@example.test"));
	CHECK(find(&o, "bob@example.test", "mentoring.mail.notice") >= 0); /* withdrawn */
	out_free(&o);
	CHECK(state_request_get(db, rid_b, &r) == DB_OK && strcmp(r.status, "withdrawn") == 0);
	mrequest_free(&r);
	CHECK(state_match_active(db, 1, "mentoring") == DB_OK);
	/* answering again: closed */
	CHECK(deliver("ada@example.test", cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.closed"));
	out_free(&o);
	free(cmd);
	/* matched: find mentor says so */
	CHECK(deliver("m1@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.find.all_matched"));
	out_free(&o);
}

static void
decline_tells_the_mentee_and_cascades_to_the_next_suggestion(void)
{
	struct out o;
	person("m2@example.test", "de", "mentee", "topics", "python, rust", 1, "languages", "de, en", 1, NULL);
	CHECK(deliver("m2@example.test", "mentor finden", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "1. Ada Best") && strstr(o.text[0], "Content-Language: de"));
	out_free(&o);
	CHECK(deliver("m2@example.test", "anfragen 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	int im = find(&o, "ada@example.test", "mentoring.mail.request");
	int64_t rid = im >= 0 ? id_after(o.text[im], "Mentoring request") : 0;
	CHECK(rid > 0);
	CHECK(find(&o, "m2@example.test", "Deine Anfrage") >= 0);
	out_free(&o);
	char *cmd = xasprintf("decline %lld too busy this term", (long long)rid);
	CHECK(deliver("ada@example.test", cmd, NULL, "") == DISP_DONE);
	free(cmd);
	take("mail", &o);
	CHECK(find(&o, "ada@example.test", "mentoring.decline.done") >= 0);
	int n = find(&o, "m2@example.test", "mentoring.mail.notice");
	CHECK(n >= 0 && strstr(o.text[n], "too busy this term") && strstr(o.text[n], "nächsten Vorschlag"));
	/* the next suggestion (Bob) is asked */
	int nb = -1;
	for (int i = 0; i < o.n; i++)
		if (strstr(o.text[i], "mentoring.mail.request"))
			nb = i;
	CHECK(nb >= 0);
	int64_t rid2 = nb >= 0 ? id_after(o.text[nb], "Mentoring request") : 0;
	struct mrequest r;
	CHECK(state_request_get(db, rid2, &r) == DB_OK && strcmp(r.status, "open") == 0 && nb >= 0 && r.mail_msgid &&
	      strcmp(r.mail_msgid, o.msgid[nb]) == 0);
	mrequest_free(&r);
	CHECK(state_request_get(db, rid, &r) == DB_OK && strcmp(r.status, "declined") == 0 &&
	      strcmp(r.reason, "too busy this term") == 0);
	mrequest_free(&r);
	out_free(&o);
}

static void
a_plain_reply_ja_or_nein_to_the_request_mail_answers_it(void)
{
	struct out o;
	int64_t m3 = person("m3@example.test", "en", "mentee", "topics", "gardening", 1, NULL);
	int64_t gil = person("gil@example.test", "de", "mentor", "name", "Gil Green", 1, "topics", "gardening", 1,
			     "capacity", "3", 0, NULL);
	CHECK(deliver("m3@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("m3@example.test", "request 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	int im = find(&o, "gil@example.test", "mentoring.mail.request");
	CHECK(im >= 0 && strstr(o.text[im], "Mentoring-Anfrage") && strstr(o.text[im], "Bitte antworte bis"));
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", im >= 0 ? o.msgid[im] : "x");
	out_free(&o);
	/* somebody else's "ja" is an ordinary mail */
	CHECK(deliver("m3@example.test", "Re: Mentoring-Anfrage", hdr, "ja") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "unknown_command"));
	out_free(&o);
	CHECK(deliver("gil@example.test", "Re: Mentoring-Anfrage", hdr, "Ja, gerne!\r\n\r\n> Hallo") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "gil@example.test", "mentoring.accept.done") >= 0);
	CHECK(find(&o, "m3@example.test", "mentoring.mail.intro") >= 0);
	out_free(&o);
	CHECK(state_match_active(db, m3, "mentoring") == DB_OK && load_of(gil) == 1);
	/* a "nein" to the now closed request */
	CHECK(deliver("gil@example.test", "Re: Mentoring-Anfrage", hdr, "nein") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.closed"));
	out_free(&o);
	free(hdr);
}

static void
two_mentees_for_the_last_place_make_exactly_one_match(void)
{
	struct out o;
	int64_t x = person("x@example.test", "en", "mentee", "topics", "origami", 1, NULL);
	int64_t y = person("y@example.test", "en", "mentee", "topics", "origami", 1, NULL);
	int64_t eve = person("eve@example.test", "en", "mentor", "name", "Eve One", 1, "topics", "origami", 1, NULL);
	int64_t rx = 0, ry = 0;
	CHECK(deliver("x@example.test", "find mentor", NULL, "") == DISP_DONE);
	CHECK(deliver("y@example.test", "find mentor", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("x@example.test", "request 1", NULL, "") == DISP_DONE);
	CHECK(deliver("y@example.test", "request 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(state_request_open_between(db, x, eve, &rx) == DB_OK &&
	      state_request_open_between(db, y, eve, &ry) == DB_OK);
	out_free(&o);
	/* two answers, each its own transaction, one after the other as SQLite serialises them */
	char *c1 = xasprintf("accept %lld", (long long)rx), *c2 = xasprintf("accept %lld", (long long)ry);
	CHECK(deliver("eve@example.test", c1, NULL, "") == DISP_DONE);
	CHECK(deliver("eve@example.test", c2, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(load_of(eve) == 1);
	CHECK(state_match_active(db, x, "mentoring") == DB_OK && state_match_active(db, y, "mentoring") == DB_NOTFOUND);
	CHECK(find(&o, "eve@example.test", "mentoring.accept.full") >= 0);
	int iy = find(&o, "y@example.test", "mentoring.mail.notice");
	CHECK(iy >= 0 && strstr(o.text[iy], "last free place"));
	out_free(&o);
	free(c1);
	free(c2);
}

static void
reminder_at_half_time_then_expiry_cascades_via_the_scheduler(void)
{
	struct out o;
	/* first let every job of the earlier tests run out */
	set_clock(clock_now + 30 * 86400);
	while (scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) > 0)
		set_clock(clock_now + 30 * 86400);
	take("mail", &o);
	out_free(&o);
	int64_t z = person("z@example.test", "en", "mentee", "topics", "chess", 1, NULL);
	int64_t k1 = person("k1@example.test", "de", "mentor", "name", "Kim Eins", 1, "topics", "chess, go", 1, NULL);
	int64_t k2 = person("k2@example.test", "en", "mentor", "name", "Kay Two", 1, "topics", "chess", 1, NULL);
	CHECK(deliver("z@example.test", "find mentor chess go", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "1. Kim Eins") && strstr(o.text[0], "2. Kay Two"));
	out_free(&o);
	CHECK(deliver("z@example.test", "request 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	int64_t r1 = 0, t0 = clock_now;
	CHECK(state_request_open_between(db, z, k1, &r1) == DB_OK);
	/* before half time: nothing; at half time: one reminder, in German */
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, t0 + 86400) == 0);
	set_clock(t0 + 3 * 86400 / 2);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 1);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 0);
	take("mail", &o);
	CHECK(o.n == 1 && find(&o, "k1@example.test", "Erinnerung") >= 0);
	out_free(&o);
	/* the deadline: expired, both told, the next suggestion asked */
	set_clock(t0 + 3 * 86400);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 1);
	take("mail", &o);
	struct mrequest r;
	CHECK(state_request_get(db, r1, &r) == DB_OK && strcmp(r.status, "expired") == 0);
	mrequest_free(&r);
	CHECK(find(&o, "k1@example.test", "abgelaufen") >= 0);
	int iz = find(&o, "z@example.test", "mentoring.mail.notice");
	CHECK(iz >= 0 && strstr(o.text[iz], "Kay Two") && strstr(o.text[iz], "expired"));
	int ik = find(&o, "k2@example.test", "mentoring.mail.request");
	int64_t r2 = 0;
	CHECK(ik >= 0 && state_request_open_between(db, z, k2, &r2) == DB_OK);
	CHECK(state_request_get(db, r2, &r) == DB_OK && ik >= 0 && r.mail_msgid &&
	      strcmp(r.mail_msgid, o.msgid[ik]) == 0);
	CHECK(r.deadline == clock_now + 3 * 86400);
	mrequest_free(&r);
	out_free(&o);
	/* a restart (new connection) repeats nothing; Kay's expiry leaves nobody */
	db_close(db);
	CHECK(db_open(&db, dbpath) == 0);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 0);
	set_clock(clock_now + 3 * 86400);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) == 2); /* Kay's reminder and expiry */
	take("mail", &o);
	iz = find(&o, "z@example.test", "mentoring.mail.notice");
	CHECK(iz >= 0 && strstr(o.text[iz], "nobody left"));
	CHECK(count_to(&o, "k2@example.test") == 2); /* the reminder and the expiry notice */
	out_free(&o);
}

/* The cohort preview: optimal pairs within capacity, the unmatched with a reason, nothing changed. */
static void
cohort_preview_pairs_within_capacity_and_names_the_unmatched(void)
{
	/* a programme of its own, so earlier tests' people do not count */
	struct programme p = {0};
	p.slug = "cohort";
	db_begin(db);
	CHECK(state_programme_put(db, &p) == DB_OK);
	db_commit(db);
	int64_t ids[6];
	const char *who[] = {"c-m1@example.test", "c-m2@example.test", "c-e1@example.test",
			     "c-e2@example.test", "c-e3@example.test", "c-e4@example.test"};
	for (int i = 0; i < 6; i++) {
		db_begin(db);
		state_person_create(db, "en", &ids[i]);
		state_endpoint_add(db, ids[i], "mail", who[i], 1);
		state_membership_set(db, ids[i], "cohort", i < 2 ? "mentor" : "mentee", "active");
		state_profile_set(db, ids[i], "languages", i == 5 ? "fr" : "en");
		state_profile_set(db, ids[i], "topics", i % 2 ? "robotics" : "biology");
		if (i < 2)
			state_profile_set(db, ids[i], "capacity", "1");
		db_commit(db);
	}
	struct buf b = BUF_INIT;
	CHECK(h_cohort_preview(db, "cohort", &b) == DB_OK);
	int pairs = 0, unmatched = 0;
	for (const char *q = b.p; q && (q = strstr(q, "\npair\t")) != NULL; q++)
		pairs++;
	for (const char *q = b.p; q && (q = strstr(q, "\nunmatched\t")) != NULL; q++)
		unmatched++;
	CHECK(pairs == 2);     /* two mentors, capacity 1 each */
	CHECK(unmatched == 2); /* one without a shared language, one left over */
	CHECK(b.p && strstr(b.p, "no eligible mentor") != NULL);
	/* topic fit decides: biology mentee (c-e1) with the biology mentor (c-m1) */
	char want[96];
	snprintf(want, sizeof want, "pair\tmentee %lld\tmentor %lld\t", (long long)ids[2], (long long)ids[0]);
	CHECK(b.p && strstr(b.p, want) != NULL);
	int cap, load;
	CHECK(state_mentor_capacity(db, ids[0], &cap, &load) == DB_OK && load == 0); /* a preview changes nothing */
	buf_free(&b);
	struct buf none = BUF_INIT;
	CHECK(h_cohort_preview(db, "no-such-programme", &none) == DB_NOTFOUND);
	buf_free(&none);
}

/* ---- whole-cohort matching: the staff command, offers both sides accept ---- */

#define STAFF_AUTH "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"

/* A person with a verified mail address and a role in programme; profile fields as in person(). */
static int64_t
member(const char *mail, const char *lang, const char *programme, const char *role, ...)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, lang, &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	if (programme)
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

static int64_t pe1, pe2, pm1, pm2, pm3;

static const char *
req_status(int64_t id, char *buf, size_t n)
{
	struct mrequest r;
	snprintf(buf, n, "%s", state_request_get(db, id, &r) == DB_OK ? r.status : "(none)");
	mrequest_free(&r);
	return buf;
}

/* The offer mail to rcpt in o: its index, and the offer id from its subject. */
static int
offer_mail(const struct out *o, const char *rcpt, int64_t *id)
{
	int i = find(o, rcpt, "X-Mentorbot-Reply: match.mail.offer");
	*id = 0;
	if (i >= 0) {
		const char *p = strstr(o->text[i], "Subject:");
		p = p ? strchr(p, '#') : NULL;
		*id = p ? atoll(p + 1) : 0;
	}
	return i;
}

static void
staff_match_previews_then_publishes_offers_to_both_sides(void)
{
	struct out o;
	struct programme p = {0};
	p.slug = "pub";
	p.name = "Publish Test";
	db_begin(db);
	CHECK(state_programme_put(db, &p) == DB_OK);
	db_commit(db);
	int64_t boss =
		member("boss@example.test", NULL, NULL, NULL, NULL); /* no language of their own: each mail decides */
	db_begin(db);
	state_endpoint_add(db, boss, "xmpp", "boss@localhost", 1);
	db_commit(db);
	pe1 = member("pe1@example.test", "de", "pub", "mentee", "name", "Erna Eins", 0, "topics", "astronomy", 1, NULL);
	pe2 = member("pe2@example.test", "en", "pub", "mentee", "name", "Emil Two", 1, "topics", "botany", 1, NULL);
	pm1 = member("pm1@example.test", "en", "pub", "mentor", "name", "Pia Mentor", 1, "topics", "astronomy", 1,
		     "company", "HiddenCorp", 0, NULL);
	db_begin(db);
	state_endpoint_add(db, pm1, "xmpp", "pm1@localhost", 1);
	db_commit(db);
	pm2 = member("pm2@example.test", "de", "pub", "mentor", "name", "Paul Zwei", 1, "topics", "botany", 1, NULL);
	pm3 = member("pm3@example.test", "en", "pub", "mentor", "name", "Pat Three", 1, "topics", "cooking", 1, NULL);

	/* the preview: pairs with scores, in the asker's language; nothing changes */
	CHECK(deliver("boss@example.test", "match pub", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: match.preview"));
	const char *t = o.n ? o.text[0] : "";
	CHECK(strstr(t, "Erna Eins <pe1@example.test> + Pia Mentor <pm1@example.test> (score"));
	CHECK(strstr(t, "Emil Two <pe2@example.test> + Paul Zwei <pm2@example.test> (score"));
	CHECK(strstr(t, "2 mentees without a mentor, 3 mentors with 3 free places"));
	CHECK(strstr(t, "match pub publish"));
	out_free(&o);
	int64_t any;
	CHECK(state_request_open_any(db, pe1, "pub", &any) == DB_NOTFOUND);
	/* in German */
	CHECK(deliver("boss@example.test", "zuordnen pub", STAFF_AUTH, "Hallo, bitte eine Vorschau.") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Vorgeschlagene Paare") && strstr(o.text[0], "zuordnen pub ver"));
	out_free(&o);
	/* in chat, from the staff's linked XMPP address */
	CHECK(chat("boss@localhost", "zuordnen pub") == DISP_DONE);
	take("xmpp", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Vorgeschlagene Paare") &&
	      strstr(o.text[0], "Erna Eins <pe1@example.test> + Pia Mentor"));
	out_free(&o);
	CHECK(chat("pm1@localhost", "match pub") == DISP_DONE); /* staff only */
	take("xmpp", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "Pia Mentor"));
	out_free(&o);
	/* not for others; an unknown programme is named with the list; a wrong word is explained */
	CHECK(deliver("pe2@example.test", "match pub", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: unknown_command"));
	out_free(&o);
	CHECK(deliver("boss@example.test", "match nosuch", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "match.unknown_programme") && strstr(o.text[0], "pub"));
	out_free(&o);
	CHECK(deliver("boss@example.test", "match pub now", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "match.bad_word") && strstr(o.text[0], "match pub publish"));
	out_free(&o);
	/* a staff address without a DKIM pass proves nothing: nothing is published, its owner is asked */
	t_signed = 0;
	CHECK(deliver("boss@example.test", "match pub publish", NULL, "") == DISP_DONE);
	t_signed = 1;
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: confirm_command") &&
	      strstr(o.text[0], "match pub publish"));
	out_free(&o);
	/* …and from an address that is no staff at all, a staff command is an unknown word */
	CHECK(deliver("pm3@example.test", "match pub publish", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "unknown_command"));
	out_free(&o);

	/* publish (German): two offers, a mail to each side */
	CHECK(deliver("boss@example.test", "zuordnen pub veröffentlichen", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	int is = find(&o, "boss@example.test", "X-Mentorbot-Reply: match.published");
	CHECK(is >= 0 && strstr(o.text[is], "2 Vorschl"));
	int64_t a = 0, a2 = 0, b = 0, b2 = 0;
	int ie1 = offer_mail(&o, "pe1@example.test", &a), im1 = offer_mail(&o, "pm1@example.test", &a2);
	int ie2 = offer_mail(&o, "pe2@example.test", &b), im2 = offer_mail(&o, "pm2@example.test", &b2);
	CHECK(ie1 >= 0 && im1 >= 0 && ie2 >= 0 && im2 >= 0 && a > 0 && a == a2 && b > 0 && b == b2 && a != b);
	CHECK(count_to(&o, "pm3@example.test") == 0);
	struct out x;
	take("xmpp", &x); /* Pia is linked: the offer in chat too */
	CHECK(x.n == 1 && strcmp(x.rcpt[0], "pm1@localhost") == 0 &&
	      strstr(x.text[0], "as your mentee (suggestion #") &&
	      !strstr(x.text[0], "Erna")); /* her name is not visible */
	out_free(&x);
	/* each in its reader's language, with the other's visible details only */
	CHECK(ie1 >= 0 && strstr(o.text[ie1], "Content-Language: de") && strstr(o.text[ie1], "Pia Mentor") &&
	      !strstr(o.text[ie1], "HiddenCorp") && !strstr(o.text[ie1], "pm1@example.test"));
	CHECK(im1 >= 0 && strstr(o.text[im1], "as your mentee") && !strstr(o.text[im1], "Erna Eins") &&
	      strstr(o.text[im1], "astronomy"));
	struct mrequest r;
	int is_offer = 0, eok = 1, mok = 1;
	CHECK(state_request_get(db, a, &r) == DB_OK && r.mentee == pe1 && r.mentor == pm1 &&
	      strcmp(r.status, "open") == 0 && r.deadline == clock_now + 3 * 86400);
	CHECK(state_request_offer_get(db, a, &is_offer, &eok, &mok) == DB_OK && is_offer == 1 && eok == 0 && mok == 0);
	char want[128];
	/* "mb.offer<id>.<created>.<role>.<keyed tag>@…": named, and unguessable */
	snprintf(want, sizeof want, "mb.offer%lld.%lld.mentee", (long long)a, (long long)r.created);
	char *kid = keyed_msgid_named(core.key, want, "example.test");
	CHECK(ie1 >= 0 && strcmp(o.msgid[ie1], kid) == 0);
	free(kid);
	snprintf(want, sizeof want, "mb.offer%lld.%lld.mentor", (long long)a, (long long)r.created);
	kid = keyed_msgid_named(core.key, want, "example.test");
	CHECK(im1 >= 0 && strcmp(o.msgid[im1], kid) == 0);
	free(kid);
	mrequest_free(&r);
	out_free(&o);
	/* publishing again sends nothing new: both mentees have an open offer (said so) */
	CHECK(deliver("boss@example.test", "match pub publish", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "0 suggestions sent") &&
	      strstr(o.text[0], "Erna Eins <pe1@example.test>: left out"));
	out_free(&o);
	CHECK(deliver("boss@example.test", "match pub", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "No pair can be formed") &&
	      strstr(o.text[0], "open request or suggestion"));
	out_free(&o);
	/* the other words for publish */
	CHECK(deliver("boss@example.test", "zuordnen pub veroeffentlichen", STAFF_AUTH, "") == DISP_DONE);
	CHECK(deliver("boss@example.test", "Zuordnen Pub Senden", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 2 && strstr(o.text[0], "match.published") && strstr(o.text[1], "match.published"));
	out_free(&o);
}

static void
an_offer_becomes_a_match_when_both_accept_and_closes_when_one_declines(void)
{
	struct out o;
	char st[32];
	int64_t a = 0, b = 0;
	CHECK(state_request_open_any(db, pe1, "pub", &a) == DB_OK &&
	      state_request_open_any(db, pe2, "pub", &b) == DB_OK);
	struct mrequest r;
	CHECK(state_request_get(db, a, &r) == DB_OK);
	char base[80];
	snprintf(base, sizeof base, "mb.offer%lld.%lld.mentee", (long long)a, (long long)r.created);
	char *oid = keyed_msgid_named(core.key, base, "example.test");
	char *hdr_e1 = xasprintf("In-Reply-To: <%s>\r\n", oid);
	free(oid);
	mrequest_free(&r);
	CHECK(state_request_get(db, b, &r) == DB_OK);
	char *hdr_m2 = xasprintf("In-Reply-To: <%s>\r\n", r.mail_msgid ? r.mail_msgid : "none");
	snprintf(base, sizeof base, "mb.offer%lld.%lld.mentee", (long long)b, (long long)r.created);
	oid = keyed_msgid_named(core.key, base, "example.test");
	char *hdr_e2 = xasprintf("In-Reply-To: <%s>\r\n", oid);
	free(oid);
	mrequest_free(&r);
	/* somebody else's "yes" to the mentee's offer mail is an ordinary mail */
	CHECK(deliver("pm3@example.test", "Re: Vorschlag", hdr_e1, "ja") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "unknown_command"));
	out_free(&o);
	/* the mentee says "ja" to their offer mail: half of the pair; the mentor is told */
	CHECK(deliver("pe1@example.test", "Re: Vorgeschlagenes Mentoring-Paar", hdr_e1, "Ja, gerne!\r\n\r\n> Hallo") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "pe1@example.test", "X-Mentorbot-Reply: match.offer.agreed") >= 0);
	int n = find(&o, "pm1@example.test", "mentoring.mail.notice");
	CHECK(n >= 0 && strstr(o.text[n], "has accepted the suggested pair"));
	out_free(&o);
	CHECK(state_match_active(db, pe1, "pub") == DB_NOTFOUND && load_of(pm1) == 0);
	char *acc_a = xasprintf("accept %lld", (long long)a);
	CHECK(deliver("pe1@example.test", acc_a, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "match.offer.already"));
	out_free(&o);
	take("xmpp", &o); /* the notice reached Pia's chat as well */
	CHECK(find(&o, "pm1@localhost", "has accepted the suggested pair") >= 0);
	out_free(&o);
	/* the mentor accepts too, in chat: a match, both introduced */
	CHECK(chat("pm1@localhost", acc_a) == DISP_DONE);
	take("xmpp", &o);
	int d = find(&o, "pm1@localhost", "You have both accepted");
	CHECK(d >= 0 && strstr(o.text[d], "pe1@example.test"));
	out_free(&o);
	take("mail", &o);
	CHECK(find(&o, "pe1@example.test", "mentoring.mail.intro") >= 0 &&
	      find(&o, "pm1@example.test", "mentoring.mail.intro") >= 0);
	out_free(&o);
	CHECK(state_match_active(db, pe1, "pub") == DB_OK && load_of(pm1) == 1);
	CHECK(strcmp(req_status(a, st, sizeof st), "accepted") == 0);
	/* answering again: closed */
	CHECK(deliver("pm1@example.test", acc_a, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.closed"));
	out_free(&o);
	/* the other offer: the mentee says yes by reply, the mentor "nein" by reply with a reason */
	CHECK(deliver("pe2@example.test", "Re: Suggested mentoring pair", hdr_e2, "yes") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n >= 1 && find(&o, "pe2@example.test", "match.offer.agreed") >= 0);
	out_free(&o);
	CHECK(deliver("pm2@example.test", "Re: Vorgeschlagenes Mentoring-Paar", hdr_m2, "Nein, keine Zeit.\r\n") ==
	      DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "pm2@example.test", "X-Mentorbot-Reply: match.offer.declined.done") >= 0);
	n = find(&o, "pe2@example.test", "mentoring.mail.notice");
	CHECK(n >= 0 && strstr(o.text[n], "has declined the suggested pair") && strstr(o.text[n], "keine Zeit") &&
	      strstr(o.text[n], "find mentor"));
	CHECK(find(&o, NULL, "match.mail.offer") < 0 && find(&o, NULL, "mentoring.mail.request") < 0); /* no cascade */
	out_free(&o);
	CHECK(strcmp(req_status(b, st, sizeof st), "declined") == 0 &&
	      state_match_active(db, pe2, "pub") == DB_NOTFOUND);
	/* a refused pair is not suggested again */
	CHECK(deliver("boss@example.test", "match pub", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Emil Two <pe2@example.test>: no mentor fits") &&
	      !strstr(o.text[0], "+ Paul Zwei"));
	out_free(&o);
	/* someone else cannot answer it; the mentee cannot revive it */
	char *acc_b = xasprintf("accept %lld", (long long)b);
	CHECK(deliver("pm3@example.test", acc_b, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.unknown"));
	out_free(&o);
	CHECK(deliver("pe2@example.test", acc_b, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.closed"));
	out_free(&o);
	free(acc_a);
	free(acc_b);
	free(hdr_e1);
	free(hdr_e2);
	free(hdr_m2);
}

static void
both_accepting_rechecks_the_mentors_capacity(void)
{
	struct out o;
	char st[32];
	/* pe2 (botany, free again) and pm2 declined; a new mentee for Pat (cooking) */
	int64_t pe3 =
		member("pe3@example.test", "en", "pub", "mentee", "name", "Ida Three", 1, "topics", "cooking", 1, NULL);
	CHECK(deliver("boss@example.test", "match pub publish", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	int64_t c = 0;
	CHECK(offer_mail(&o, "pe3@example.test", &c) >= 0 && c > 0);
	out_free(&o);
	/* meanwhile Pat's only place is taken elsewhere */
	int64_t other = member("other@example.test", "en", "mentoring", "mentee", NULL);
	db_begin(db);
	CHECK(state_match_add(db, "mentoring", other, pm3, 0, NULL) == DB_OK);
	db_commit(db);
	char *acc = xasprintf("accept %lld", (long long)c);
	CHECK(deliver("pe3@example.test", acc, NULL, "") == DISP_DONE);
	CHECK(deliver("pm3@example.test", acc, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "pm3@example.test", "X-Mentorbot-Reply: match.offer.full.mentor") >= 0);
	int n = find(&o, "pe3@example.test", "match.offer.full");
	CHECK(n < 0); /* the mentee's notice is a notice mail */
	n = find(&o, "pe3@example.test", "no free place left any more");
	CHECK(n >= 0 && strstr(o.text[n], "mentoring.mail.notice"));
	out_free(&o);
	CHECK(strcmp(req_status(c, st, sizeof st), "full") == 0 && state_match_active(db, pe3, "pub") == DB_NOTFOUND);
	CHECK(load_of(pm3) == 1);
	free(acc);
}

static void
an_offer_is_reminded_then_expires_without_cascade(void)
{
	struct out o;
	char st[32];
	/* earlier tests' jobs out of the way */
	set_clock(clock_now + 30 * 86400);
	while (scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) > 0)
		set_clock(clock_now + 30 * 86400);
	take("mail", &o);
	out_free(&o);
	int64_t pe4 =
		member("pe4@example.test", "en", "pub", "mentee", "name", "Dora Four", 1, "topics", "dancing", 1, NULL);
	member("pm4@example.test", "de", "pub", "mentor", "name", "Dirk Vier", 1, "topics", "dancing", 1, NULL);
	CHECK(deliver("boss@example.test", "match pub publish", STAFF_AUTH, "") == DISP_DONE);
	take("mail", &o);
	int64_t d = 0;
	CHECK(offer_mail(&o, "pe4@example.test", &d) >= 0 && d > 0);
	out_free(&o);
	int64_t t0 = clock_now;
	char *acc = xasprintf("accept %lld", (long long)d);
	CHECK(deliver("pe4@example.test", acc, NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	/* half time: only the side that has not answered is reminded, in its language */
	set_clock(t0 + 3 * 86400 / 2);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) >= 1);
	take("mail", &o);
	int n = find(&o, "pm4@example.test", "mentoring.mail.reminder");
	CHECK(n >= 0 && strstr(o.text[n], "Erinnerung") && strstr(o.text[n], "Dora Four"));
	CHECK(count_to(&o, "pe4@example.test") == 0);
	out_free(&o);
	/* the deadline: expired, both told, nobody else asked */
	set_clock(t0 + 3 * 86400);
	CHECK(scheduler_run_due(db, &core, sched_kinds, sched_nkinds, clock_now) >= 1);
	take("mail", &o);
	CHECK(strcmp(req_status(d, st, sizeof st), "expired") == 0);
	n = find(&o, "pe4@example.test", "mentoring.mail.notice");
	CHECK(n >= 0 && strstr(o.text[n], "has expired") && strstr(o.text[n], "Dirk Vier"));
	n = find(&o, "pm4@example.test", "mentoring.mail.notice");
	CHECK(n >= 0 && strstr(o.text[n], "abgelaufen"));
	CHECK(find(&o, NULL, "mentoring.mail.request") < 0 && find(&o, NULL, "match.mail.offer") < 0);
	out_free(&o);
	int64_t any;
	CHECK(state_request_open_any(db, pe4, "pub", &any) == DB_NOTFOUND &&
	      state_match_active(db, pe4, "pub") == DB_NOTFOUND);
	/* the mentee's later "accept" finds it closed */
	CHECK(deliver("pe4@example.test", acc, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.closed"));
	out_free(&o);
	free(acc);
}

/* Staff "ablehnen <id>" of a pending application rejects it (h_reject_run, h_apply_staff.c). */
static void
staff_ablehnen_of_a_pending_application_rejects_it(void)
{
	struct out o;
	int64_t pe5 = member("pe5@example.test", "de", NULL, NULL, NULL);
	struct application a;
	db_begin(db);
	CHECK(state_application_open(db, pe5, "pub", "mentee", &a) == DB_OK);
	CHECK(state_application_set_status(db, a.id, "pending", NULL, NULL) == DB_OK);
	db_commit(db);
	int64_t app = a.id;
	application_free(&a);
	char *cmd = xasprintf("ablehnen %lld", (long long)app);
	/* not staff: an unknown request, the application untouched */
	CHECK(deliver("pe1@example.test", cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "mentoring.answer.unknown"));
	out_free(&o);
	CHECK(state_application_get(db, app, &a) == DB_OK && strcmp(a.status, "pending") == 0);
	application_free(&a);
	/* staff: the application is rejected */
	char *cmd2 = xasprintf("ablehnen %lld Unterlagen fehlen", (long long)app);
	CHECK(deliver("boss@example.test", cmd2, STAFF_AUTH, "") == DISP_DONE);
	free(cmd2);
	take("mail", &o);
	CHECK(find(&o, "boss@example.test", "X-Mentorbot-Reply: apply.staff.rejected") >= 0);
	CHECK(find(&o, "pe5@example.test", "Unterlagen fehlen") >= 0); /* the applicant is told, with the reason */
	out_free(&o);
	CHECK(state_application_get(db, app, &a) == DB_OK && strcmp(a.status, "rejected") == 0);
	application_free(&a);
	/* a staff sender's "ablehnen" is always reject (the word is resolved by role, bot/commands.h);
	 * staff who mentor decline a request with "decline" or a plain "nein" reply */
	int64_t req = 0;
	CHECK(state_request_open_any(db, pe2, "pub", &req) == DB_NOTFOUND);
	free(cmd);
}

/* A pending application of a new member in "pub", its id. */
static int64_t
pending_application(const char *mail)
{
	int64_t who = member(mail, "de", NULL, NULL, NULL);
	struct application a;
	db_begin(db);
	CHECK(state_application_open(db, who, "pub", "mentee", &a) == DB_OK);
	CHECK(state_application_set_status(db, a.id, "pending", NULL, NULL) == DB_OK);
	db_commit(db);
	int64_t id = a.id;
	application_free(&a);
	return id;
}

static const char *
app_status(int64_t id, char *buf, size_t n)
{
	struct application a;
	snprintf(buf, n, "%s", state_application_get(db, id, &a) == DB_OK ? a.status : "(none)");
	application_free(&a);
	return buf;
}

/* The issue's case: a staff address that is no member sends "ablehnen <id>" and the
 * application is rejected, not answered with "not a member". */
static void
non_member_staff_ablehnen_rejects_the_application(void)
{
	struct out o;
	char st[32];
	struct person p;
	CHECK(state_person_by_endpoint(db, "mail", "office@example.test", &p) == DB_NOTFOUND);
	person_free(&p);
	int64_t app = pending_application("pe6@example.test");
	char *cmd = xasprintf("ablehnen %lld Frist verpasst", (long long)app);
	CHECK(deliver("office@example.test", cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, "office@example.test", "X-Mentorbot-Reply: apply.staff.rejected") >= 0);
	CHECK(find(&o, NULL, "X-Mentorbot-Reply: not_member") < 0);
	CHECK(find(&o, "pe6@example.test", "Frist verpasst") >= 0);
	out_free(&o);
	CHECK(strcmp(app_status(app, st, sizeof st), "rejected") == 0);
	free(cmd);

	/* unsigned: the staff command waits for its owner's confirmation, as "reject" does */
	app = pending_application("pe7@example.test");
	cmd = xasprintf("ablehnen %lld", (long long)app);
	t_signed = 0;
	CHECK(deliver("office@example.test", cmd, NULL, "") == DISP_DONE);
	t_signed = 1;
	take("mail", &o);
	CHECK(o.n == 1 && find(&o, "office@example.test", "X-Mentorbot-Reply: confirm_command") == 0);
	out_free(&o);
	CHECK(strcmp(app_status(app, st, sizeof st), "pending") == 0);
	free(cmd);

	/* in chat (the server proved the sender) */
	cmd = xasprintf("ablehnen %lld", (long long)app);
	CHECK(chat("office@localhost", cmd) == DISP_DONE);
	take("xmpp", &o);
	CHECK(find(&o, "office@localhost", NULL) >= 0 && find(&o, "office@localhost", "not_member") < 0);
	out_free(&o);
	take("mail", &o);
	out_free(&o);
	CHECK(strcmp(app_status(app, st, sizeof st), "rejected") == 0);
	free(cmd);
}

/* The same word from a mentor who is not staff is the member's decline of a request. */
static void
member_ablehnen_declines_the_request(void)
{
	struct out o;
	char st[32];
	person("m9@example.test", "de", "mentee", "topics", "python", 1, "languages", "de", 1, NULL);
	CHECK(deliver("m9@example.test", "mentor finden", NULL, "") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(deliver("m9@example.test", "anfragen 1", NULL, "") == DISP_DONE);
	take("mail", &o);
	int im = find(&o, NULL, "mentoring.mail.request");
	int64_t rid = im >= 0 ? id_after(o.text[im], "Mentoring request") : 0;
	char *mentor = im >= 0 ? xstrdup(o.rcpt[im]) : xstrdup("?");
	CHECK(rid > 0 && strcmp(mentor, "m9@example.test") != 0);
	out_free(&o);
	char *cmd = xasprintf("ablehnen %lld keine Zeit", (long long)rid);
	CHECK(deliver(mentor, cmd, NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(find(&o, mentor, "X-Mentorbot-Reply: mentoring.decline.done") >= 0);
	CHECK(find(&o, NULL, "apply.staff") < 0);
	out_free(&o);
	CHECK(strcmp(req_status(rid, st, sizeof st), "declined") == 0);
	free(cmd);
	free(mentor);
}

int
main(void)
{
	if (t_bot_open("ment",
		       "staff = boss@example.test, xmpp:boss@localhost, office@example.test, xmpp:office@localhost\n"
		       "authserv_id = mx.example.test\n",
		       NULL))
		return 1;
	RUN(find_mentor_ranks_by_fit_and_shows_only_visible_fields);
	RUN(request_mails_the_mentor_and_accept_introduces_both_and_withdraws_the_rest);
	RUN(decline_tells_the_mentee_and_cascades_to_the_next_suggestion);
	RUN(a_plain_reply_ja_or_nein_to_the_request_mail_answers_it);
	RUN(two_mentees_for_the_last_place_make_exactly_one_match);
	RUN(reminder_at_half_time_then_expiry_cascades_via_the_scheduler);
	RUN(cohort_preview_pairs_within_capacity_and_names_the_unmatched);
	RUN(staff_match_previews_then_publishes_offers_to_both_sides);
	RUN(an_offer_becomes_a_match_when_both_accept_and_closes_when_one_declines);
	RUN(both_accepting_rechecks_the_mentors_capacity);
	RUN(an_offer_is_reminded_then_expires_without_cascade);
	RUN(staff_ablehnen_of_a_pending_application_rejects_it);
	RUN(non_member_staff_ablehnen_rejects_the_application);
	RUN(member_ablehnen_declines_the_request);
	t_bot_close();
	return t_done();
}
