/*
 * test_config_social.c - the sections of the bearer-token networks ([mastodon], [linkedin],
 * [facebook], [x]): required keys, checked values, defaults, the [social] lists that name
 * them, which changes a SIGHUP takes at once, and the generic payload of their "social" rows.
 */
#include "bot/config.h"
#include "bot/reload.h"
#include "bot/social.h"
#include "bot/util.h"
#include "t.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

/* Load a configuration with extra lines: the errors ("" if none); c is loaded. */
static char *
load(const char *extra, struct config *c)
{
	char cp[64];
	snprintf(cp, sizeof cp, "/tmp/mb-cfgsocial-%d.ini", (int)getpid());
	FILE *f = fopen(cp, "w");
	fprintf(f, "[bot]\ndatabase = /tmp/x.db\n[xmpp]\njid = b@x.example\npassword = p\n%s", extra);
	fclose(f);
	struct buf err = BUF_INIT;
	config_load(cp, c, &err);
	unlink(cp);
	return buf_detach(&err);
}

static void
sections_load_with_defaults(void)
{
	struct config c;
	char *e = load("[mastodon]\nurl = https://social.example/\ntoken = t1\nhashtags = A, B\n"
		       "[linkedin]\norganization = urn:li:organization:42\ntoken = t2\n"
		       "[facebook]\npage = 1234567\ntoken = t3\nversion = v22.0\n"
		       "[x]\ntoken = t4\n[social]\nevents = mastodon, linkedin, facebook, x\n",
		       &c);
	CHECK_STR(e, "");
	CHECK(c.mastodon.present && c.linkedin.present && c.facebook.present && c.x.present);
	CHECK_STR(c.mastodon.url, "https://social.example"); /* no trailing '/' */
	CHECK_STR(c.mastodon.visibility, "public");
	CHECK(c.mastodon.hashtags.n == 2);
	CHECK_STR(c.linkedin.url, "https://api.linkedin.com");
	CHECK(c.linkedin.version == NULL); /* the adapter's default (bot/sn_linkedin.c) */
	CHECK_STR(c.linkedin.id, "urn:li:organization:42");
	CHECK_STR(c.facebook.url, "https://graph.facebook.com");
	CHECK_STR(c.facebook.version, "v22.0");
	CHECK_STR(c.facebook.id, "1234567");
	CHECK_STR(c.x.url, "https://api.x.com");
	CHECK_STR(c.x.token, "t4");
	CHECK(config_social_account(&c, "mastodon") == &c.mastodon);
	CHECK(config_social_account(&c, "x") == &c.x);
	CHECK(config_social_account(&c, "bluesky") == NULL);
	CHECK(social_wants(&c, "events", "mastodon") && social_wants(&c, "events", "x"));
	CHECK(!social_wants(&c, "offers", "mastodon"));
	free(e);
	config_free(&c);
}

static void
bad_values_are_refused(void)
{
	struct config c;
	char *e = load("[mastodon]\nurl = http://social.example\nvisibility = direct\n", &c);
	CHECK(strstr(e, "refused for non-loopback") && strstr(e, "public, unlisted or private") &&
	      strstr(e, "'token' (or 'token_file')"));
	free(e);
	config_free(&c);
	e = load("[mastodon]\ntoken = t\n", &c);
	CHECK(strstr(e, "missing required key 'url' in [mastodon]"));
	free(e);
	config_free(&c);
	e = load("[linkedin]\norganization = urn:li:person:5\ntoken = t\nversion = 2024-11\n", &c);
	CHECK(strstr(e, "urn:li:organization:NUMBER") && strstr(e, "YYYYMM"));
	free(e);
	config_free(&c);
	e = load("[linkedin]\ntoken = t\nversion = 202413\n", &c);
	CHECK(strstr(e, "missing required key 'organization'") && strstr(e, "YYYYMM"));
	free(e);
	config_free(&c);
	e = load("[facebook]\npage = my-page\ntoken = t\nversion = 21.0\n", &c);
	CHECK(strstr(e, "numeric id") && strstr(e, "vN.N"));
	free(e);
	config_free(&c);
	e = load("[facebook]\ntoken = t\n[x]\n[social]\nevents = x, facebook, linkedin\n", &c);
	CHECK(strstr(e, "missing required key 'page'") &&
	      strstr(e, "missing required key 'token' (or 'token_file') in [x]") && strstr(e, "no [linkedin] section"));
	free(e);
	config_free(&c);
	e = load("[x]\ntoken_file = /nonexistent/x.token\nurl = http://127.0.0.1:9000\n", &c);
	CHECK(strstr(e, "/nonexistent/x.token") && !strstr(e, "loopback"));
	free(e);
	config_free(&c);
}

static int
has(const char *const *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], key) == 0)
			return 1;
	return 0;
}

static void
reload_knows_the_keys(void)
{
	struct config a, b;
	char *e1 = load("[mastodon]\nurl = https://s.example\ntoken = t\nvisibility = public\nhashtags = A\n", &a);
	char *e2 = load("[mastodon]\nurl = https://t.example\ntoken = u\nvisibility = unlisted\nhashtags = B\n", &b);
	CHECK_STR(e1, "");
	CHECK_STR(e2, "");
	struct reload_diff d;
	reload_diff(&a, &b, &d);
	CHECK(has(d.live, d.nlive, "[mastodon] visibility") && has(d.live, d.nlive, "[mastodon] hashtags"));
	CHECK(has(d.restart, d.nrestart, "[mastodon] url") && has(d.restart, d.nrestart, "[mastodon] token"));
	CHECK(d.nlive == 2 && d.nrestart == 2);
	reload_diff_free(&d);
	static const char *const restart[] = {"[mastodon]",      "[linkedin] organization", "[linkedin] version",
					      "[facebook] page", "[facebook] version",      "[x] url",
					      "[x] token"};
	for (size_t i = 0; i < ARRAY_LEN(restart); i++)
		CHECK(reload_key_restart(restart[i]) == 1);
	CHECK(reload_key_restart("[x] hashtags") == 0);
	CHECK(reload_key_restart("[linkedin] hashtags") == 0);
	free(e1);
	free(e2);
	config_free(&a);
	config_free(&b);
}

static void
payload_has_the_pieces_and_all_tags(void)
{
	struct config c;
	char *e = load("[mastodon]\nurl = https://s.example\ntoken = t\nhashtags = Mentoring, Uni\n", &c);
	CHECK_STR(e, "");
	const char *tags[] = {"Sommerfest"};
	struct social_item it = {.kind = "event",
				 .id = 7,
				 .lang = "en",
				 .body = "Summer party, 5 July",
				 .link = "https://uni.example/e/7",
				 .card_title = "Summer party",
				 .card_text = NULL,
				 .tags = tags,
				 .ntags = 1};
	char *p = mastodon_payload(&c, "3kabcdefghij2", &it, 0);
	json_t *j = json_loads(p, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(j, "key")), "3kabcdefghij2");
	CHECK_STR(json_string_value(json_object_get(j, "lang")), "en");
	CHECK_STR(json_string_value(json_object_get(j, "body")), "Summer party, 5 July");
	CHECK_STR(json_string_value(json_object_get(j, "link")), "https://uni.example/e/7");
	CHECK_STR(json_string_value(json_object_get(j, "card_title")), "Summer party");
	CHECK(json_is_null(json_object_get(j, "card_text"))); /* null, as social_net.h says */
	json_t *t = json_object_get(j, "tags");
	CHECK(json_array_size(t) == 3 && strcmp(json_string_value(json_array_get(t, 0)), "Mentoring") == 0 &&
	      strcmp(json_string_value(json_array_get(t, 2)), "Sommerfest") == 0);
	json_decref(j);
	free(p);
	it.link = NULL;
	p = x_payload(&c, "k", &it, 0); /* no [x] hashtags: only the item's */
	j = json_loads(p, 0, NULL);
	CHECK(json_is_null(json_object_get(j, "link")) && json_array_size(json_object_get(j, "tags")) == 1);
	json_decref(j);
	free(p);
	free(e);
	config_free(&c);
}

int
main(void)
{
	RUN(sections_load_with_defaults);
	RUN(bad_values_are_refused);
	RUN(reload_knows_the_keys);
	RUN(payload_has_the_pieces_and_all_tags);
	return t_done();
}
