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
#include "state/state.h"
#include "t.h"


static char dbpath[64], cfgpath[64], clockpath[64];
static struct config cfg;
static struct templates *tmpl;
static struct core core;
static struct db *db;
static int seq;
static int64_t clock_now = 1900000000;

static void
set_clock(int64_t t)
{
	clock_now = t;
	FILE *f = fopen(clockpath, "w");
	fprintf(f, "%lld\n", (long long)t);
	fclose(f);
}

static int
deliver(const char *from, const char *subject, const char *extra_headers, const char *body)
{
	char msgid[64];
	snprintf(msgid, sizeof msgid, "m%d.%d@example.test", (int)getpid(), ++seq);
	char *raw = xasprintf("From: %s\r\nTo: bot@example.test\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%s"
			      "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
			      from, subject, msgid, extra_headers ? extra_headers : "", body);
	int64_t id = 0;
	char *key = mail_dedupe_key(raw, strlen(raw));
	db_begin(db);
	int rc = state_inbound_add(db, "mail", key, raw, strlen(raw), 1, (uint32_t)seq, NULL, &id);
	db_commit(db);
	free(key);
	free(raw);
	return rc != DB_OK ? -100 : dispatch_mail(db, &core, id, 0);
}

/* Quoted-printable body and headers decoded enough to search in (soft breaks, =XX). */
static char *
qp_plain(const char *s)
{
	struct buf b = BUF_INIT;
	for (const char *p = s; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=' && p[1] && p[2] && strchr("0123456789ABCDEF", p[1]) && strchr("0123456789ABCDEF", p[2])) {
			char hex[3] = {p[1], p[2], 0};
			buf_addc(&b, (char)strtol(hex, NULL, 16));
			p += 2;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

#define MAXOUT 32
struct out {
	char *rcpt[MAXOUT];
	char *text[MAXOUT]; /* decoded payload */
	char *msgid[MAXOUT];
	int n;
};

static void
out_free(struct out *o)
{
	for (int i = 0; i < o->n; i++) {
		free(o->rcpt[i]);
		free(o->text[i]);
		free(o->msgid[i]);
	}
	memset(o, 0, sizeof *o);
}

/* Take every pending outbox row of transport (marking it sent). */
static void
take(const char *transport, struct out *o)
{
	struct outbox_item it[MAXOUT];
	size_t n;
	memset(o, 0, sizeof *o);
	while (state_outbox_due(db, transport, clock_now + 100000000, it, MAXOUT, &n) == 0 && n) {
		for (size_t i = 0; i < n; i++) {
			state_outbox_sent(db, it[i].id);
			if (o->n < MAXOUT) {
				o->rcpt[o->n] = xstrdup(it[i].rcpt);
				o->text[o->n] = qp_plain(it[i].payload);
				o->msgid[o->n] = xstrdup(it[i].message_id);
				o->n++;
			}
			outbox_item_free(&it[i]);
		}
	}
}

/* The row to rcpt whose text contains needle (NULL needle: any); index or -1. */
static int
find(const struct out *o, const char *rcpt, const char *needle)
{
	for (int i = 0; i < o->n; i++)
		if ((!rcpt || strcmp(o->rcpt[i], rcpt) == 0) && (!needle || strstr(o->text[i], needle)))
			return i;
	return -1;
}

static int
count_to(const struct out *o, const char *rcpt)
{
	int c = 0;
	for (int i = 0; i < o->n; i++)
		c += strcmp(o->rcpt[i], rcpt) == 0;
	return c;
}

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
	CHECK(!strstr(t, "SecretCorp"));                                      /* hidden field */
	CHECK(!strstr(t, "Cat French"));                                      /* no shared language */
	CHECK(!strstr(t, "Dan Nothing"));                                     /* nothing in common */
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
	CHECK(state_request_get(db, rid2, &r) == DB_OK && strcmp(r.status, "open") == 0 && nb >= 0 &&
	      r.mail_msgid && strcmp(r.mail_msgid, o.msgid[nb]) == 0);
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
	CHECK(state_request_open_between(db, x, eve, &rx) == DB_OK && state_request_open_between(db, y, eve, &ry) == DB_OK);
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
	CHECK(state_request_get(db, r2, &r) == DB_OK && ik >= 0 && r.mail_msgid && strcmp(r.mail_msgid, o.msgid[ik]) == 0);
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
	const char *who[] = {"c-m1@example.test", "c-m2@example.test", "c-e1@example.test", "c-e2@example.test",
			     "c-e3@example.test", "c-e4@example.test"};
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

int
main(void)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/mb-ment-%d.db", (int)getpid());
	snprintf(cfgpath, sizeof cfgpath, "/tmp/mb-ment-%d.ini", (int)getpid());
	snprintf(clockpath, sizeof clockpath, "/tmp/mb-ment-%d.clock", (int)getpid());
	set_clock(clock_now);
	setenv("MENTORBOT_TEST_CLOCK", clockpath, 1);
	FILE *f = fopen(cfgpath, "w");
	fprintf(f,
		"[bot]\ndatabase = %s\nlanguage = en\ntemplates = templates\nreply_limit = 1000\n"
		"[imap]\nurl = imap://127.0.0.1:10143/INBOX\nuser = bot@example.test\npassword = pass\n"
		"[smtp]\nurl = smtp://127.0.0.1:10025\nfrom = MentorBot <bot@example.test>\n",
		dbpath);
	fclose(f);
	struct buf err = BUF_INIT;
	if (config_load(cfgpath, &cfg, &err) || templates_load("templates", &tmpl, &err) || db_open(&db, dbpath)) {
		printf("FAIL setup: %s\n", err.p ? err.p : "database");
		return 1;
	}
	core.cfg = &cfg;
	core.tmpl = tmpl;
	core.caps.max_size = 1 << 20;
	core.caps.max_depth = 20;
	core.caps.max_parts = 500;
	core.bot_addr = cfg.smtp.from_addr;
	core.bot_domain = "example.test";
	RUN(find_mentor_ranks_by_fit_and_shows_only_visible_fields);
	RUN(request_mails_the_mentor_and_accept_introduces_both_and_withdraws_the_rest);
	RUN(decline_tells_the_mentee_and_cascades_to_the_next_suggestion);
	RUN(a_plain_reply_ja_or_nein_to_the_request_mail_answers_it);
	RUN(two_mentees_for_the_last_place_make_exactly_one_match);
	RUN(reminder_at_half_time_then_expiry_cascades_via_the_scheduler);
	RUN(cohort_preview_pairs_within_capacity_and_names_the_unmatched);
	db_close(db);
	templates_free(tmpl);
	config_free(&cfg);
	buf_free(&err);
	unlink(cfgpath);
	unlink(clockpath);
	char *cmd = xasprintf("rm -f %s %s-wal %s-shm", dbpath, dbpath, dbpath);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	free(cmd);
	return t_done();
}
