/*
 * test_social_state.c - the social_post table (state/social.h): an item is queued once per
 * channel (a second queue changes nothing), with its outbox row; posted and failed outcomes;
 * the failures "mentorbot report" lists.
 */
#include "bot/config.h"
#include "bot/social.h"
#include "bot/util.h"
#include "state/social.h"
#include "state/state.h"
#include "t.h"

#include <stdlib.h>
#include <unistd.h>

static char path[64];
static struct db *db;

static int64_t
pending(void)
{
	int64_t n = -1;
	state_outbox_pending(db, "bluesky", &n);
	return n;
}

static void
an_item_is_queued_once_per_channel(void)
{
	CHECK(state_social_queue(db, "bluesky", "event", 7, "3n3uccpvhnham", "{\"rkey\":\"3n3uccpvhnham\"}") == DB_OK);
	CHECK(state_social_queue(db, "bluesky", "event", 7, "3n3uccpvhnhzz", "{}") == DB_NOTFOUND);
	CHECK(state_social_queue(db, "bluesky", "event", 8, "3n3uccpvhnhaa", "{}") == DB_OK);
	CHECK(pending() == 2);
	struct outbox_item it[4];
	size_t n = 0;
	CHECK(state_outbox_due(db, "bluesky", 4000000000LL, it, 4, &n) == DB_OK && n == 2);
	CHECK_STR(it[0].kind, "social");
	CHECK_STR(it[0].rcpt, "event:7");
	struct social_post p;
	CHECK(state_social_by_outbox(db, it[0].id, &p) == DB_OK);
	CHECK_STR(p.rkey, "3n3uccpvhnham");
	CHECK_STR(p.status, "queued");
	struct social_post *one = malloc(sizeof *one);
	*one = p;
	social_posts_free(one, 1);
	CHECK(state_social_posted(db, it[0].id, "at://did:plc:x/app.bsky.feed.post/3n3uccpvhnham", "bafy",
				  "https://bsky.app/profile/o.test/post/3n3uccpvhnham") == DB_OK);
	CHECK(state_social_failed(db, it[1].id, "HTTP 400 InvalidRequest") == DB_OK);
	struct social_post *v;
	CHECK(state_social_of_item(db, "event", 7, &v, &n) == DB_OK && n == 1);
	CHECK(n == 1 && strcmp(v[0].status, "posted") == 0 && v[0].posted_at > 0);
	CHECK_STR(n ? v[0].url : NULL, "https://bsky.app/profile/o.test/post/3n3uccpvhnham");
	social_posts_free(v, n);
	CHECK(state_social_failures(db, &v, &n) == DB_OK && n == 1);
	CHECK(n == 1 && v[0].item_id == 8);
	CHECK_STR(n ? v[0].error : NULL, "HTTP 400 InvalidRequest");
	social_posts_free(v, n);
	for (size_t i = 0; i < 2; i++)
		outbox_item_free(&it[i]);
}

/* Load a configuration with the given [bluesky]/[social] lines: the errors ("" if none). */
static char *
config_errors(const char *extra, struct config *c)
{
	char cp[64];
	snprintf(cp, sizeof cp, "/tmp/mb-social-%d.ini", (int)getpid());
	FILE *f = fopen(cp, "w");
	fprintf(f, "[bot]\ndatabase = /tmp/x.db\n[xmpp]\njid = b@x.example\npassword = p\n%s", extra);
	fclose(f);
	struct buf err = BUF_INIT;
	config_load(cp, c, &err);
	unlink(cp);
	return buf_detach(&err);
}

static void
config_checks_the_channels(void)
{
	struct config c;
	char *e = config_errors("[bluesky]\nurl = https://bsky.social\nhandle = o.example\npassword = app\n"
				"hashtags = A, B\n[social]\nevents = bluesky\ncalls = all\n",
				&c);
	CHECK_STR(e, "");
	CHECK(c.bluesky.present && c.bluesky.hashtags.n == 2);
	CHECK(social_wants(&c, "events", "bluesky") && social_wants(&c, "calls", "bluesky"));
	CHECK(!social_wants(&c, "offers", "bluesky"));
	free(e);
	config_free(&c);
	e = config_errors("[social]\nevents = bluesky, mastodon, myspace\n", &c);
	CHECK(strstr(e, "no [bluesky] section") && strstr(e, "no [mastodon] section") &&
	      strstr(e, "unknown channel 'myspace'"));
	CHECK(!social_wants(&c, "events", "bluesky"));
	free(e);
	config_free(&c);
	e = config_errors("[bluesky]\nurl = http://bsky.example\nhandle = o\n", &c);
	CHECK(strstr(e, "refused for non-loopback") && strstr(e, "'password' (or 'password_file')"));
	free(e);
	config_free(&c);
	e = config_errors("[bluesky]\nurl = http://127.0.0.1:2583\nhandle = o\npassword_file = /nonexistent\n", &c);
	CHECK(strstr(e, "/nonexistent") && !strstr(e, "loopback"));
	free(e);
	config_free(&c);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-social-%d.db", (int)getpid());
	unlink(path);
	if (db_open(&db, path) != DB_OK)
		return 1;
	RUN(an_item_is_queued_once_per_channel);
	RUN(config_checks_the_channels);
	db_close(db);
	unlink(path);
	char w[80];
	snprintf(w, sizeof w, "%s-wal", path);
	unlink(w);
	snprintf(w, sizeof w, "%s-shm", path);
	unlink(w);
	return t_done();
}
