/*
 * test_social_event.c - staff send a public event by mail ("announce <id> send") and its
 * Bluesky post is queued in the same transaction: one outbox row (transport bluesky, kind
 * social) with the record (text from templates/en/social.txt, link and tag facets whose byte
 * ranges hold the URL and "#tag", the external card, a TID record key); a second send queues
 * nothing; a non-public event and an event without a link; the staff view shows the post's
 * URL once the transport recorded it.
 */
#include <jansson.h>

#include "t.h"
#include "t_bot.h"

#include "bot/social_text.h"
#include "state/social.h"

#define AUTH "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
#define BOSS "boss@example.test"

/* The pending bluesky rows (at most 4): count, the first one's payload into *payload, its id. */
static int
bluesky_rows(char **payload, int64_t *id)
{
	struct outbox_item it[4];
	size_t n = 0;
	state_outbox_due(db, "bluesky", clock_now + 100000000, it, 4, &n);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 && payload) {
			*payload = xstrndup(it[0].payload, it[0].len);
			*id = it[0].id;
		}
		outbox_item_free(&it[i]);
	}
	return (int)n;
}

static int
mail_says(const char *needle)
{
	struct out o;
	take("mail", &o);
	int ok = o.n == 1 && strstr(o.text[0], needle) != NULL;
	if (!ok)
		for (int i = 0; i < o.n; i++)
			printf("  mail %d: %.600s\n", i, o.text[i]);
	out_free(&o);
	return ok;
}

/* Every facet's byte range holds exactly its URI or "#tag". */
static int
facets_exact(json_t *rec)
{
	const char *text = json_string_value(json_object_get(rec, "text"));
	json_t *f;
	size_t i;
	int n = 0;
	json_array_foreach(json_object_get(rec, "facets"), i, f)
	{
		json_t *idx = json_object_get(f, "index"), *feat = json_array_get(json_object_get(f, "features"), 0);
		size_t s = (size_t)json_integer_value(json_object_get(idx, "byteStart"));
		size_t e = (size_t)json_integer_value(json_object_get(idx, "byteEnd"));
		const char *uri = json_string_value(json_object_get(feat, "uri"));
		const char *tag = json_string_value(json_object_get(feat, "tag"));
		char want[300];
		snprintf(want, sizeof want, "%s%s", uri ? "" : "#", uri ? uri : tag);
		if (!text || e > strlen(text) || e - s != strlen(want) || memcmp(text + s, want, e - s) != 0)
			return -1;
		n++;
	}
	return n;
}

static void
a_public_event_is_queued_once_with_its_record(void)
{
	CHECK(deliver_to(BOSS, NULL, "announce: Sommerfest für Mentees 🎉", AUTH,
			 "Date: 10.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Schloßgarten\nAudience: all\n"
			 "Public: yes\nOnline: https://uni.example/e/1\nDescription: Grüße und Getränke\n") ==
	      DISP_DONE);
	CHECK(mail_says("event.preview"));
	CHECK(bluesky_rows(NULL, NULL) == 0); /* not before it is sent */
	CHECK(deliver_to(BOSS, NULL, "announce 1 send", AUTH, "") == DISP_DONE);
	CHECK(mail_says("The event goes to bluesky too."));
	char *payload = NULL;
	int64_t row = 0;
	CHECK(bluesky_rows(&payload, &row) == 1);
	json_t *p = payload ? json_loads(payload, 0, NULL) : NULL;
	json_t *rec = json_object_get(p, "record");
	const char *text = json_string_value(json_object_get(rec, "text"));
	CHECK(social_is_tid(json_string_value(json_object_get(p, "rkey"))));
	CHECK(text && strncmp(text, "Sommerfest für Mentees 🎉\n2030-12-10, 18:00", 44) == 0);
	CHECK(text && strstr(text, ", Schloßgarten\n\nhttps://uni.example/e/1\n#Mentoring #Uni_2030"));
	CHECK(facets_exact(rec) == 3);
	json_t *ext = json_object_get(json_object_get(rec, "embed"), "external");
	CHECK_STR(json_string_value(json_object_get(ext, "uri")), "https://uni.example/e/1");
	CHECK_STR(json_string_value(json_object_get(ext, "title")), "Sommerfest für Mentees 🎉");
	CHECK_STR(json_string_value(json_object_get(ext, "description")), "Grüße und Getränke");
	json_decref(p);
	free(payload);
	/* sent again: nothing more is queued */
	CHECK(deliver_to(BOSS, NULL, "announce 1 send", AUTH, "") == DISP_DONE);
	CHECK(mail_says("event.sent"));
	CHECK(bluesky_rows(NULL, NULL) == 1);
	/* the transport recorded the post: the staff view shows its URL */
	CHECK(state_social_posted(db, row, "at://did:plc:x/app.bsky.feed.post/k", "bafy",
				  "https://bsky.app/profile/office.test/post/k") == DB_OK);
	CHECK(deliver_to(BOSS, NULL, "announce 1", AUTH, "") == DISP_DONE);
	CHECK(mail_says("Posted on bluesky: https://bsky.app/profile/office.test/post/k"));
}

static void
no_post_for_a_private_event_and_no_card_without_a_link(void)
{
	CHECK(deliver_to(BOSS, NULL, "announce: Internes Treffen", AUTH,
			 "Date: 11.12.2030\nStart: 18:00\nEnd: 20:00\nAudience: all\n") == DISP_DONE);
	CHECK(mail_says("event.preview"));
	CHECK(deliver_to(BOSS, NULL, "announce 2 send", AUTH, "") == DISP_DONE);
	CHECK(mail_says("event.sent"));
	CHECK(bluesky_rows(NULL, NULL) == 1); /* only event 1's */
	CHECK(deliver_to(BOSS, NULL, "announce: Offener Abend", AUTH,
			 "Date: 12.12.2030\nStart: 18:00\nEnd: 20:00\nAudience: all\nPublic: yes\n") == DISP_DONE);
	CHECK(mail_says("event.preview"));
	CHECK(deliver_to(BOSS, NULL, "announce 3 send", AUTH, "") == DISP_DONE);
	CHECK(mail_says("without a link"));
	struct social_post *v;
	size_t n;
	CHECK(state_social_of_item(db, "event", 3, &v, &n) == DB_OK && n == 1);
	social_posts_free(v, n);
}

/* Without a link of its own, the post links the event's entry on the public page ([site] url). */
static void
without_a_link_the_post_links_the_public_page(void)
{
	cfg.site.url = xstrdup("https://www.uni.example/mentoring");
	CHECK(deliver_to(BOSS, NULL, "announce: Sommerfest", AUTH,
			 "Date: 13.12.2030\nStart: 18:00\nEnd: 20:00\nAudience: all\nPublic: yes\n") == DISP_DONE);
	CHECK(mail_says("event.preview"));
	CHECK(deliver_to(BOSS, NULL, "announce 4 send", AUTH, "") == DISP_DONE);
	CHECK(mail_says("event.sent"));
	struct outbox_item it[8];
	size_t n = 0, found = 0;
	state_outbox_due(db, "bluesky", clock_now + 100000000, it, 8, &n);
	for (size_t i = 0; i < n; i++) {
		char *p = xstrndup(it[i].payload, it[i].len);
		found += strstr(p, "https://www.uni.example/mentoring/index.en.html#event-4") != NULL;
		free(p);
		outbox_item_free(&it[i]);
	}
	CHECK(found == 1);
	free(cfg.site.url);
	cfg.site.url = NULL;
}

int
main(void)
{
	if (t_bot_open("social", "staff = " BOSS "\n",
		       "[bluesky]\nurl = http://127.0.0.1:1\nhandle = office.test\npassword = app-pass\n"
		       "hashtags = Mentoring, #Uni_2030\n[social]\nevents = bluesky\n"))
		return 1;
	RUN(a_public_event_is_queued_once_with_its_record);
	RUN(no_post_for_a_private_event_and_no_card_without_a_link);
	RUN(without_a_link_the_post_links_the_public_page);
	t_bot_close();
	return t_done();
}
