/*
 * test_social_items.c - the items besides events on the social channels, and changes that
 * follow a post (issue 15, points 2, 4, 5): "programme <slug> call [until DATE]" queues a new
 * post per opening (kind "call", with the deadline, how to apply and the programme's
 * hashtags) and "call close" ends it; an offer approved by staff is queued, a rejected one
 * never, and one closed early gets a "social_change" delete row; a public event's change queues
 * an "edit" row (the reply text with what changed) per channel where it was posted, its
 * cancellation a "delete" row, each its own Message-ID social.<ch>.<kind>.<id>.<op>.<n>; a
 * post that failed is not followed; staff see the changes; the schema is version 14.
 */
#include <jansson.h>

#include "t.h"
#include "t_bot.h"

#include "bot/social_text.h"
#include "state/calls.h"
#include "state/offers.h"
#include "state/social.h"

/* Take (and forget) everything queued for transport. */
static void
drain(const char *transport)
{
	struct out o;
	take(transport, &o);
	out_free(&o);
}

#define AUTH "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
#define BOSS "boss@example.test"

/* The pending bluesky rows of kind (at most 16) whose rcpt is rcpt: how many; the last one's
 * payload and Message-ID into *payload and *mid (caller frees), its id into *id. */
static int
rows(const char *kind, const char *rcpt, char **payload, char **mid, int64_t *id)
{
	struct outbox_item it[16];
	size_t n = 0;
	int k = 0;
	state_outbox_due(db, "bluesky", clock_now + 100000000, it, 16, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(it[i].kind, kind) == 0 && strcmp(it[i].rcpt, rcpt) == 0) {
			k++;
			if (payload) {
				free(*payload);
				*payload = xstrndup(it[i].payload, it[i].len);
			}
			if (mid) {
				free(*mid);
				*mid = xstrdup(it[i].message_id);
			}
			if (id)
				*id = it[i].id;
		}
		outbox_item_free(&it[i]);
	}
	return k;
}

static int
mail_says(const char *needle)
{
	struct out o;
	take("mail", &o);
	int ok = o.n == 1 && strstr(o.text[0], needle) != NULL;
	if (!ok)
		for (int i = 0; i < o.n; i++)
			printf("  mail %d: %.900s\n", i, o.text[i]);
	out_free(&o);
	return ok;
}

/* The record text of a bluesky payload (caller frees), or NULL. */
static char *
record_text(const char *payload)
{
	json_t *p = payload ? json_loads(payload, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(json_object_get(p, "record"), "text"));
	char *r = t ? xstrdup(t) : NULL;
	json_decref(p);
	return r;
}

static void
the_schema_is_14_with_calls_and_changes(void)
{
	CHECK(db_schema_version(db) == 14);
	struct programme_call *v;
	size_t n;
	CHECK(state_calls_open(db, clock_now, &v, &n) == DB_OK && n == 0);
	programme_calls_free(v, n);
}

static void
a_programme_call_is_posted_per_opening(void)
{
	CHECK(deliver_to(BOSS, NULL, "programme set mentoring hashtags #Stipendium MINT", AUTH, "") == DISP_DONE);
	CHECK(mail_says("Hashtags of mentoring: Stipendium MINT"));
	CHECK(deliver_to(BOSS, NULL, "programme mentoring call until 2030-04-30", AUTH, "") == DISP_DONE);
	CHECK(mail_says("is open, until"));
	char *payload = NULL, *mid = NULL;
	CHECK(rows("social", "call:1", &payload, &mid, NULL) == 1);
	CHECK_STR(mid, "social.bluesky.call.1@mentorbot");
	char *text = record_text(payload);
	CHECK(text && strstr(text, "Applications are open: Mentoring, until 2030-04-30"));
	CHECK(text && strstr(text, "join mentoring"));
	CHECK(text && strstr(text, "#Stipendium #MINT"));
	free(text);
	struct programme_call c;
	CHECK(state_call_current(db, "mentoring", clock_now, &c) == DB_OK && c.id == 1 && c.until > clock_now);
	programme_call_free(&c);
	/* past the deadline: not open any more */
	CHECK(state_call_current(db, "mentoring", clock_now + 90 * 86400, &c) == DB_NOTFOUND);
	/* opened again (no deadline): a new item and a new post */
	CHECK(deliver_to(BOSS, NULL, "programme mentoring call", AUTH, "") == DISP_DONE);
	CHECK(mail_says("is open;"));
	CHECK(rows("social", "call:2", NULL, NULL, NULL) == 1);
	struct programme_call *v;
	size_t n;
	CHECK(state_calls_open(db, clock_now, &v, &n) == DB_OK && n == 1 && v[0].id == 2 && v[0].until == 0);
	programme_calls_free(v, n);
	/* closed (in German), then nothing to close */
	CHECK(deliver_to(BOSS, NULL, "programm mentoring aufruf schliessen", AUTH, "") == DISP_DONE);
	CHECK(mail_says("ist geschlossen"));
	CHECK(state_call_current(db, "mentoring", clock_now, &c) == DB_NOTFOUND);
	CHECK(deliver_to(BOSS, NULL, "programme mentoring call close", AUTH, "") == DISP_DONE);
	CHECK(mail_says("has no open call"));
	CHECK(deliver_to(BOSS, NULL, "programme mentoring call until yesterday", AUTH, "") == DISP_DONE);
	CHECK(mail_says("programme set <slug> hashtags"));
	free(payload);
	free(mid);
}

static int64_t
new_offer(const char *title)
{
	int64_t company = 0, id = 0, person = 0;
	CHECK(state_company_get_or_add(db, "ACME", "acme", &company) == DB_OK);
	CHECK(state_person_create(db, "en", &person) == DB_OK);
	struct offer o = {.company_id = company,
			  .person_id = person,
			  .kind = "internship",
			  .title = (char *)title,
			  .description = "Design work",
			  .location = "Munich",
			  .lang = "en",
			  .deadline = clock_now + 30 * 86400,
			  .created = clock_now};
	CHECK(state_company_offer_add(db, &o, &id) == DB_OK);
	return id;
}

static void
an_approved_offer_is_posted_and_deleted_when_closed_early(void)
{
	int64_t a = new_offer("Internship in design"), r = new_offer("Rejected one");
	char subj[64], rc[32];
	snprintf(subj, sizeof subj, "offer %lld reject not for us", (long long)r);
	CHECK(deliver_to(BOSS, NULL, subj, AUTH, "") == DISP_DONE);
	drain("mail");
	snprintf(rc, sizeof rc, "offer:%lld", (long long)r);
	CHECK(rows("social", rc, NULL, NULL, NULL) == 0);
	snprintf(subj, sizeof subj, "offer %lld approve", (long long)a);
	CHECK(deliver_to(BOSS, NULL, subj, AUTH, "") == DISP_DONE);
	drain("mail");
	char *payload = NULL;
	int64_t row = 0;
	snprintf(rc, sizeof rc, "offer:%lld", (long long)a);
	CHECK(rows("social", rc, &payload, NULL, &row) == 1);
	char *text = record_text(payload);
	CHECK(text && strstr(text, "Internship at ACME: Internship in design, apply by"));
	free(text);
	CHECK(state_social_posted(db, row, "at://did:plc:x/app.bsky.feed.post/o1", "bafyo",
				  "https://bsky.app/profile/office.test/post/o1") == DB_OK);
	snprintf(subj, sizeof subj, "offer %lld", (long long)a);
	CHECK(deliver_to(BOSS, NULL, subj, AUTH, "") == DISP_DONE);
	CHECK(mail_says("Posted on bluesky: https://bsky.app/profile/office.test/post/o1"));
	snprintf(subj, sizeof subj, "offer %lld close", (long long)a);
	CHECK(deliver_to(BOSS, NULL, subj, AUTH, "") == DISP_DONE);
	drain("mail");
	char *mid = NULL;
	free(payload);
	payload = NULL;
	CHECK(rows("social_change", rc, &payload, &mid, NULL) == 1);
	char want[80];
	snprintf(want, sizeof want, "social.bluesky.offer.%lld.delete.1@mentorbot", (long long)a);
	CHECK_STR(mid, want);
	CHECK(payload && strstr(payload, "\"op\":\"delete\""));
	snprintf(subj, sizeof subj, "offer %lld", (long long)a);
	CHECK(deliver_to(BOSS, NULL, subj, AUTH, "") == DISP_DONE);
	CHECK(mail_says("Being deleted on bluesky."));
	free(payload);
	free(mid);
}

static void
an_event_change_and_cancellation_follow_its_post(void)
{
	CHECK(deliver_to(BOSS, NULL, "announce: Sommerfest", AUTH,
			 "Date: 10.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Schloßgarten\nAudience: all\n"
			 "Public: yes\nOnline: https://uni.example/e/1\nHashtags: #Fest Sommer\n") == DISP_DONE);
	CHECK(mail_says("Public: yes #Fest #Sommer"));
	CHECK(deliver_to(BOSS, NULL, "announce 1 send", AUTH, "") == DISP_DONE);
	drain("mail");
	char *payload = NULL, *mid = NULL;
	int64_t row = 0;
	CHECK(rows("social", "event:1", &payload, NULL, &row) == 1);
	char *text = record_text(payload);
	CHECK(text && strstr(text, "#Fest #Sommer"));
	free(text);
	/* changed while the post is queued: the change is queued too (it waits for its post) */
	CHECK(deliver_to(BOSS, NULL, "announce 1", AUTH, "Place: Hörsaal 2\n") == DISP_DONE);
	drain("mail");
	CHECK(rows("social_change", "event:1", &payload, &mid, NULL) == 1);
	CHECK_STR(mid, "social.bluesky.event.1.edit.1@mentorbot");
	json_t *p = json_loads(payload, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(p, "op")), "edit");
	CHECK(social_is_tid(json_string_value(json_object_get(p, "rkey"))));
	const char *t = json_string_value(json_object_get(json_object_get(p, "record"), "text"));
	CHECK(t && strncmp(t, "Update: Sommerfest\n", 19) == 0 && strstr(t, "Hörsaal 2"));
	json_decref(p);
	CHECK(state_social_posted(db, row, "at://did:plc:x/app.bsky.feed.post/e1", "bafye",
				  "https://bsky.app/profile/office.test/post/e1") == DB_OK);
	CHECK(deliver_to(BOSS, NULL, "announce 1", AUTH, "End: 21:00\n") == DISP_DONE);
	drain("mail");
	CHECK(rows("social_change", "event:1", NULL, &mid, NULL) == 2);
	CHECK_STR(mid, "social.bluesky.event.1.edit.2@mentorbot");
	/* the transport did the first: staff see it */
	struct social_change *c;
	size_t n;
	CHECK(state_social_changes_of_item(db, "event", 1, &c, &n) == DB_OK && n == 2);
	CHECK(n == 2 && state_social_change_done(db, c[0].outbox_id, "done", "at://x/r1",
						 "https://bsky.app/profile/office.test/post/r1", NULL) == DB_OK);
	social_changes_free(c, n);
	CHECK(deliver_to(BOSS, NULL, "announce 1", AUTH, "") == DISP_DONE);
	CHECK(mail_says("Change posted on bluesky: https://bsky.app/profile/office.test/post/r1"));
	/* the cancellation deletes it, once */
	CHECK(deliver_to(BOSS, NULL, "announce 1 cancel", AUTH, "") == DISP_DONE);
	drain("mail");
	CHECK(rows("social_change", "event:1", NULL, &mid, NULL) == 3);
	CHECK_STR(mid, "social.bluesky.event.1.delete.3@mentorbot");
	CHECK(state_social_change_queue(db, "bluesky", "event", 1, "delete", "k", "{}") == DB_NOTFOUND);
	free(payload);
	free(mid);
}

static void
a_failed_post_is_not_followed(void)
{
	CHECK(deliver_to(BOSS, NULL, "announce: Zweites Fest", AUTH,
			 "Date: 11.12.2030\nStart: 18:00\nEnd: 20:00\nAudience: all\nPublic: yes\n"
			 "Online: https://uni.example/e/2\n") == DISP_DONE);
	drain("mail");
	CHECK(deliver_to(BOSS, NULL, "announce 2 send", AUTH, "") == DISP_DONE);
	drain("mail");
	int64_t row = 0;
	CHECK(rows("social", "event:2", NULL, NULL, &row) == 1);
	CHECK(state_social_failed(db, row, "HTTP 400 InvalidRequest") == DB_OK);
	CHECK(deliver_to(BOSS, NULL, "announce 2", AUTH, "Place: Mensa\n") == DISP_DONE);
	drain("mail");
	CHECK(rows("social_change", "event:2", NULL, NULL, NULL) == 0);
}

int
main(void)
{
	if (t_bot_open("socialitems", "staff = " BOSS "\n",
		       "[bluesky]\nurl = http://127.0.0.1:1\nhandle = office.test\npassword = app-pass\n"
		       "[social]\nevents = bluesky\noffers = bluesky\ncalls = all\n"))
		return 1;
	RUN(the_schema_is_14_with_calls_and_changes);
	RUN(a_programme_call_is_posted_per_opening);
	RUN(an_approved_offer_is_posted_and_deleted_when_closed_early);
	RUN(an_event_change_and_cancellation_follow_its_post);
	RUN(a_failed_post_is_not_followed);
	t_bot_close();
	return t_done();
}
