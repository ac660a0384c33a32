/*
 * test_sn_adapters.c - the LinkedIn, Facebook and X adapters (bot/sn_linkedin.c,
 * sn_facebook.c, sn_x.c): each builder's method, URL, headers and body (parsed as JSON or as
 * a form); LinkedIn's little text with every reserved character and an injection attempt;
 * X's weighted length (CJK, emoji, URLs) and shortening to it; the readers on answers shaped
 * like the networks' real ones, success and error.
 */
#include "social_net.h"
#include "social_text.h"
#include "t.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>

static const char *tags[] = {"Mentoring", "Uni_2026"};

static struct sn_post_in
post(const char *body, const char *link)
{
	struct sn_post_in p = {.key = "3kabc",
			       .lang = "de",
			       .body = body,
			       .link = link,
			       .card_title = "Workshop",
			       .card_text = "Mehr",
			       .changes = "Neuer Ort: Raum 2",
			       .tags = tags,
			       .ntags = 2};
	return p;
}

static const char *
header(const struct sn_req *r, const char *name)
{
	for (size_t i = 0; i < SN_MAX_HEADERS && r->headers[i]; i++)
		if (strncmp(r->headers[i], name, strlen(name)) == 0 && r->headers[i][strlen(name)] == ':')
			return r->headers[i] + strlen(name) + 2;
	return NULL;
}

static enum sn_outcome
rd(const struct social_net *n, const struct sn_account *a, const char *step, const struct sn_post_in *p, long status,
   const char *body, const char *restli, struct sn_result *out)
{
	struct sn_resp r = {.status = status, .body = body, .len = strlen(body), .restli_id = restli};
	memset(out, 0, sizeof *out);
	return n->read(a, step, p, &r, out);
}

static const struct sn_account li = {
	.name = "linkedin", .base = "http://127.0.0.1:9/li", .id = "urn:li:organization:5515715", .version = "202611"};

static void
linkedin_create_is_a_posts_api_request(void)
{
	struct sn_post_in p = post("Workshop am Montag", "https://example.org/e/1");
	struct sn_req r;
	CHECK(sn_linkedin.create(&li, &p, &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:9/li/rest/posts");
	CHECK_STR(header(&r, "LinkedIn-Version"), "202611");
	CHECK_STR(header(&r, "X-Restli-Protocol-Version"), "2.0.0");
	CHECK_STR(r.content_type, "application/json");
	json_t *j = json_loads(r.body, 0, NULL);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "author")), "urn:li:organization:5515715");
	CHECK_STR(json_string_value(json_object_get(j, "visibility")), "PUBLIC");
	CHECK_STR(json_string_value(json_object_get(j, "lifecycleState")), "PUBLISHED");
	CHECK(json_is_false(json_object_get(j, "isReshareDisabledByAuthor")));
	json_t *d = json_object_get(j, "distribution");
	CHECK_STR(json_string_value(json_object_get(d, "feedDistribution")), "MAIN_FEED");
	CHECK(json_array_size(json_object_get(d, "targetEntities")) == 0);
	CHECK(json_is_array(json_object_get(d, "thirdPartyDistributionChannels")));
	json_t *art = json_object_get(json_object_get(j, "content"), "article");
	CHECK_STR(json_string_value(json_object_get(art, "source")), "https://example.org/e/1");
	CHECK_STR(json_string_value(json_object_get(art, "title")), "Workshop");
	CHECK_STR(json_string_value(json_object_get(j, "commentary")),
		  "Workshop am Montag\n\nhttps://example.org/e/1\n{hashtag|\\#|Mentoring} {hashtag|\\#|Uni\\_2026}");
	json_decref(j);
	sn_req_free(&r);

	struct sn_post_in q = post("Ohne Link", NULL); /* no content without a link */
	CHECK(sn_linkedin.create(&li, &q, &r) == 0);
	j = json_loads(r.body, 0, NULL);
	CHECK(json_object_get(j, "content") == NULL);
	json_decref(j);
	sn_req_free(&r);

	struct sn_account bad = li;
	bad.id = "urn:li:person:1"; /* an organization is needed */
	CHECK(sn_linkedin.create(&bad, &p, &r) == -1);
	bad.id = "5515715", bad.version = NULL; /* the number alone; the default version */
	CHECK(sn_linkedin.create(&bad, &p, &r) == 0);
	CHECK(header(&r, "LinkedIn-Version") && strlen(header(&r, "LinkedIn-Version")) == 6);
	sn_req_free(&r);
}

static void
linkedin_little_text_escapes_every_reserved_character(void)
{
	const char *evil = "a|b{c}d@e[f]g(h)i<j>k#l\\m*n_o~p @[Eddy](urn:li:person:1234) {hashtag|\\#|fake}";
	struct sn_post_in p = post(evil, NULL);
	p.ntags = 0;
	struct sn_req r;
	CHECK(sn_linkedin.create(&li, &p, &r) == 0);
	json_t *j = json_loads(r.body, 0, NULL);
	CHECK_STR(
		json_string_value(json_object_get(j, "commentary")),
		"a\\|b\\{c\\}d\\@e\\[f\\]g\\(h\\)i\\<j\\>k\\#l\\\\m\\*n\\_o\\~p \\@\\[Eddy\\]\\(urn:li:person:1234\\) "
		"\\{hashtag\\|\\\\\\#\\|fake\\}");
	json_decref(j);
	sn_req_free(&r);
}

static void
linkedin_commentary_stays_within_3000_characters(void)
{
	char *body = malloc(4001);
	for (int i = 0; i < 4000; i++)
		body[i] = i % 5 == 4 ? ' ' : '_'; /* each escaped: twice as long */
	body[4000] = 0;
	struct sn_post_in p = post(body, "https://example.org/e/1");
	struct sn_req r;
	CHECK(sn_linkedin.create(&li, &p, &r) == 0);
	json_t *j = json_loads(r.body, 0, NULL);
	const char *c = json_string_value(json_object_get(j, "commentary"));
	size_t n = 0;
	for (const char *s = c; s && *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	CHECK(n <= 3000 && n > 2500);
	CHECK(c && strstr(c, "https://example.org/e/1") && strstr(c, "\xE2\x80\xA6"));
	json_decref(j);
	sn_req_free(&r);
	free(body);
}

static void
linkedin_edit_delete_recent_verify(void)
{
	struct sn_post_in p = post("Neu: Raum 2", NULL);
	struct sn_req r;
	CHECK(sn_linkedin.edit(&li, "urn:li:share:6844785523593134080", &p, &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:9/li/rest/posts/urn%3Ali%3Ashare%3A6844785523593134080");
	CHECK_STR(header(&r, "X-RestLi-Method"), "PARTIAL_UPDATE");
	json_t *j = json_loads(r.body, 0, NULL);
	CHECK_STR(
		json_string_value(json_object_get(json_object_get(json_object_get(j, "patch"), "$set"), "commentary")),
		"Neu: Raum 2\n\n{hashtag|\\#|Mentoring} {hashtag|\\#|Uni\\_2026}");
	json_decref(j);
	sn_req_free(&r);
	CHECK(sn_linkedin.remove(&li, "urn:li:share:1", &r) == 0);
	CHECK_STR(r.method, "DELETE");
	CHECK_STR(r.url, "http://127.0.0.1:9/li/rest/posts/urn%3Ali%3Ashare%3A1");
	CHECK_STR(header(&r, "X-RestLi-Method"), "DELETE");
	CHECK(r.body == NULL);
	sn_req_free(&r);
	CHECK(sn_linkedin.recent(&li, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/li/rest/posts?author=urn%3Ali%3Aorganization%3A5515715&q=author&count=20");
	CHECK_STR(header(&r, "X-RestLi-Method"), "FINDER");
	sn_req_free(&r);
	CHECK(sn_linkedin.verify(&li, &r) == 0);
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.url, "http://127.0.0.1:9/li/rest/organizations/5515715");
	sn_req_free(&r);
}

static void
linkedin_reads_its_answers(void)
{
	struct sn_post_in p = post("Workshop", NULL);
	struct sn_result o;
	CHECK(rd(&sn_linkedin, &li, "create", &p, 201, "", "urn:li:share:6844785523593134080", &o) == SN_OK);
	CHECK_STR(o.id, "urn:li:share:6844785523593134080");
	CHECK_STR(o.url, "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/");
	sn_result_free(&o);
	CHECK(rd(&sn_linkedin, &li, "create", &p, 201, "", "urn:li:share:1/../x", &o) == SN_FAIL);
	sn_result_free(&o);
	CHECK(rd(&sn_linkedin, &li, "create", &p, 401,
		 "{\"status\":401,\"serviceErrorCode\":65600,\"code\":\"INVALID_ACCESS_TOKEN\",\"message\":\"Invalid "
		 "access token\"}",
		 NULL, &o) == SN_AUTH);
	CHECK(o.err && strstr(o.err, "INVALID_ACCESS_TOKEN") && !strstr(o.err, "Invalid"));
	sn_result_free(&o);
	CHECK(rd(&sn_linkedin, &li, "create", &p, 429, "{\"status\":429,\"message\":\"Too Many Requests\"}", NULL,
		 &o) == SN_RETRY);
	sn_result_free(&o);
	CHECK(rd(&sn_linkedin, &li, "create", &p, 422,
		 "{\"status\":422,\"code\":\"UNPROCESSABLE_ENTITY\",\"message\":\"commentary too long\"}", NULL,
		 &o) == SN_FAIL);
	CHECK(o.err != NULL);
	sn_result_free(&o);
	CHECK(rd(&sn_linkedin, &li, "remove", &p, 204, "", NULL, &o) == SN_OK);
	CHECK(rd(&sn_linkedin, &li, "remove", &p, 404, "{\"status\":404}", NULL, &o) == SN_GONE);
	CHECK(rd(&sn_linkedin, &li, "edit", &p, 204, "", NULL, &o) == SN_OK);
	CHECK(rd(&sn_linkedin, &li, "verify", &p, 200, "{\"id\":5515715,\"localizedName\":\"Mentoring e.V.\"}", NULL,
		 &o) == SN_OK);
	CHECK_STR(o.account, "Mentoring e.V.");
	sn_result_free(&o);
	const char *page = "{\"paging\":{\"start\":0,\"count\":20},\"elements\":[{\"id\":\"urn:li:share:7\","
			   "\"commentary\":\"Anderes\"},{\"id\":\"urn:li:share:8\",\"commentary\":\"Workshop\\n\\n{"
			   "hashtag|\\\\#|Mentoring} {hashtag|\\\\#|Uni\\\\_2026}\"}]}";
	CHECK(rd(&sn_linkedin, &li, "recent", &p, 200, page, NULL, &o) == SN_OK);
	CHECK_STR(o.id, "urn:li:share:8");
	sn_result_free(&o);
	struct sn_post_in q = post("Nicht da", NULL);
	CHECK(rd(&sn_linkedin, &li, "recent", &q, 200, page, NULL, &o) == SN_GONE);
	CHECK(rd(&sn_linkedin, &li, "recent", &q, 200, "{\"elements\":[]}", NULL, &o) == SN_GONE);
	CHECK(rd(&sn_linkedin, &li, "recent", &q, 404, "", NULL, &o) == SN_FAIL); /* never "not there" */
	sn_result_free(&o);
}

static const struct sn_account fb = {
	.name = "facebook", .base = "http://127.0.0.1:9/fb", .id = "104857600", .version = "v24.0"};

/* The value of name in a form body, decoded. */
static char *
form_value(const char *body, const char *name)
{
	size_t nl = strlen(name);
	for (const char *s = body; s; s = strchr(s, '&') ? strchr(s, '&') + 1 : NULL) {
		if (strncmp(s, name, nl) != 0 || s[nl] != '=')
			continue;
		struct buf b = BUF_INIT;
		for (const char *v = s + nl + 1; *v && *v != '&'; v++) {
			if (*v == '%' && hex_value(v[1]) >= 0 && hex_value(v[2]) >= 0) {
				buf_addc(&b, (char)(hex_value(v[1]) * 16 + hex_value(v[2])));
				v += 2;
			} else {
				buf_addc(&b, *v == '+' ? ' ' : *v);
			}
		}
		return buf_detach(&b);
	}
	return NULL;
}

static void
facebook_builds_graph_api_requests(void)
{
	struct sn_post_in p = post("Workshop & mehr = gut?", "https://example.org/e/1?a=1&b=2");
	struct sn_req r;
	CHECK(sn_facebook.create(&fb, &p, &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:9/fb/v24.0/104857600/feed");
	CHECK_STR(r.content_type, "application/x-www-form-urlencoded");
	char *m = form_value(r.body, "message"), *l = form_value(r.body, "link");
	CHECK_STR(m, "Workshop & mehr = gut?\n\n#Mentoring #Uni_2026");
	CHECK_STR(l, "https://example.org/e/1?a=1&b=2");
	free(m);
	free(l);
	CHECK(r.headers[0] == NULL);
	sn_req_free(&r);
	CHECK(sn_facebook.edit(&fb, "104857600_987654321", &p, &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:9/fb/v24.0/104857600_987654321");
	CHECK(strncmp(r.body, "message=", 8) == 0 && !strstr(r.body, "link="));
	sn_req_free(&r);
	CHECK(sn_facebook.edit(&fb, "1/../../me", &p, &r) == -1);
	CHECK(sn_facebook.remove(&fb, "104857600_987654321", &r) == 0);
	CHECK_STR(r.method, "DELETE");
	CHECK_STR(r.url, "http://127.0.0.1:9/fb/v24.0/104857600_987654321");
	sn_req_free(&r);
	CHECK(sn_facebook.recent(&fb, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/fb/v24.0/104857600/feed?fields=id,message,created_time&limit=20");
	sn_req_free(&r);
	CHECK(sn_facebook.verify(&fb, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/fb/v24.0/104857600?fields=id,name");
	sn_req_free(&r);
}

static void
facebook_reads_its_answers(void)
{
	struct sn_post_in p = post("Workshop", NULL);
	struct sn_result o;
	CHECK(rd(&sn_facebook, &fb, "create", &p, 200, "{\"id\":\"104857600_987654321\"}", NULL, &o) == SN_OK);
	CHECK_STR(o.id, "104857600_987654321");
	CHECK_STR(o.url, "https://www.facebook.com/104857600_987654321");
	sn_result_free(&o);
	const char *expired = "{\"error\":{\"message\":\"Error validating access token: Session has expired\","
			      "\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":463,\"fbtrace_id\":\"AbC\"}}";
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, expired, NULL, &o) == SN_AUTH);
	CHECK(o.err && strstr(o.err, "190") && !strstr(o.err, "Session"));
	sn_result_free(&o);
	const char *limit = "{\"error\":{\"message\":\"(#32) Page request limit reached\",\"type\":\"OAuthException\","
			    "\"code\":32,\"fbtrace_id\":\"x\"}}";
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, limit, NULL, &o) == SN_RETRY);
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, "{\"error\":{\"code\":613}}", NULL, &o) == SN_RETRY);
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, "{\"error\":{\"code\":4}}", NULL, &o) == SN_RETRY);
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, "{\"error\":{\"code\":17}}", NULL, &o) == SN_RETRY);
	CHECK(rd(&sn_facebook, &fb, "create", &p, 400, "{\"error\":{\"code\":100,\"type\":\"OAuthException\"}}", NULL,
		 &o) == SN_FAIL);
	sn_result_free(&o);
	const char *gone = "{\"error\":{\"message\":\"Unsupported delete request.\",\"type\":\"GraphMethodException\","
			   "\"code\":100,\"error_subcode\":33,\"fbtrace_id\":\"y\"}}";
	CHECK(rd(&sn_facebook, &fb, "remove", &p, 400, gone, NULL, &o) == SN_GONE);
	CHECK(rd(&sn_facebook, &fb, "remove", &p, 200, "{\"success\":true}", NULL, &o) == SN_OK);
	CHECK(rd(&sn_facebook, &fb, "edit", &p, 200, "{\"success\":true}", NULL, &o) == SN_OK);
	CHECK(rd(&sn_facebook, &fb, "edit", &p, 200, "{}", NULL, &o) == SN_FAIL);
	sn_result_free(&o);
	CHECK(rd(&sn_facebook, &fb, "verify", &p, 200, "{\"id\":\"104857600\",\"name\":\"Mentoring\"}", NULL, &o) ==
	      SN_OK);
	CHECK_STR(o.account, "Mentoring");
	sn_result_free(&o);
	const char *feed = "{\"data\":[{\"id\":\"104857600_1\",\"message\":\"Alt\",\"created_time\":\"2026-12-04T10:"
			   "00:00+0000\"},{\"id\":\"104857600_2\",\"message\":\"Workshop\\n\\n#Mentoring "
			   "#Uni_2026\",\"created_time\":\"2026-12-04T11:00:00+0000\"},{\"id\":\"104857600_3\"}],"
			   "\"paging\":{}}";
	CHECK(rd(&sn_facebook, &fb, "recent", &p, 200, feed, NULL, &o) == SN_OK);
	CHECK_STR(o.id, "104857600_2");
	sn_result_free(&o);
	struct sn_post_in q = post("Anders", NULL);
	CHECK(rd(&sn_facebook, &fb, "recent", &q, 200, feed, NULL, &o) == SN_GONE);
	sn_result_free(&o);
}

static size_t
xw(const char *s)
{
	return social_x_weight(s, strlen(s));
}

static void
x_weighted_length_counts_like_twitter_text(void)
{
	CHECK(xw("") == 0);
	CHECK(xw("Hallo") == 500);
	CHECK(xw("Grüße") == 500);                                                        /* Latin-1: weight 1 */
	CHECK(xw("\xE6\x97\xA5\xE6\x9C\xAC") == 400);                                     /* 日本: CJK weighs 2 */
	CHECK(xw("\xE2\x80\x94") == 100);                                                 /* em dash (8212) */
	CHECK(xw("\xE2\x80\xA6") == 200);                                                 /* … (8230) is outside */
	CHECK(xw("\xF0\x9F\x8E\x93") == 200);                                             /* 🎓 */
	CHECK(xw("\xF0\x9F\x91\xA9\xF0\x9F\x8F\xBD\xE2\x80\x8D\xF0\x9F\x8E\x93") == 200); /* 👩🏽‍🎓 */
	CHECK(xw("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA") == 200);                             /* 🇩🇪 */
	CHECK(xw("https://example.org/a/very/long/path/that/is/longer/than/23") == 2300);
	CHECK(xw("see http://x.y and https://example.org/e") == 400 + 2300 + 500 + 2300);
	CHECK(xw("nohttp://x") == 1000); /* not at a word start */
}

static const struct sn_account xa = {.name = "x", .base = "http://127.0.0.1:9/x", .id = "2244994945"};

static void
x_builds_v2_requests_within_280(void)
{
	struct sn_post_in p = post("Workshop", "https://example.org/e/1");
	struct sn_req r;
	CHECK(sn_x.create(&xa, &p, &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:9/x/2/tweets");
	CHECK_STR(r.content_type, "application/json");
	json_t *j = json_loads(r.body, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(j, "text")),
		  "Workshop\n\nhttps://example.org/e/1\n#Mentoring #Uni_2026");
	CHECK(json_object_size(j) == 1);
	json_decref(j);
	sn_req_free(&r);

	/* 200 CJK characters weigh 400: shortened to fit 280 with the URL as 23 */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_adds(&b, i % 10 == 9 ? " " : "\xE6\x97\xA5");
	char *body = buf_detach(&b);
	struct sn_post_in q = post(body, "https://example.org/a/path/much/longer/than/twenty/three/characters");
	CHECK(sn_x.create(&xa, &q, &r) == 0);
	j = json_loads(r.body, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "text"));
	CHECK(t && xw(t) <= 28000 && xw(t) > 20000);
	CHECK(t && strstr(t, "https://example.org/a/path/much/longer") && strstr(t, "\xE2\x80\xA6"));
	json_decref(j);
	sn_req_free(&r);
	free(body);

	CHECK(sn_x.reply(&xa, "1445880548472328192", &p, &r) == 0);
	j = json_loads(r.body, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "reply"), "in_reply_to_tweet_id")),
		  "1445880548472328192");
	CHECK(strncmp(json_string_value(json_object_get(j, "text")), "Neuer Ort: Raum 2", 17) == 0);
	json_decref(j);
	sn_req_free(&r);
	CHECK(sn_x.edit == NULL);
	CHECK(sn_x.remove(&xa, "1445880548472328192", &r) == 0);
	CHECK_STR(r.method, "DELETE");
	CHECK_STR(r.url, "http://127.0.0.1:9/x/2/tweets/1445880548472328192");
	sn_req_free(&r);
	CHECK(sn_x.remove(&xa, "1?x=1", &r) == -1);
	CHECK(sn_x.verify(&xa, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/x/2/users/me");
	sn_req_free(&r);
	CHECK(sn_x.recent(&xa, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/x/2/users/2244994945/tweets?max_results=20");
	sn_req_free(&r);
	struct sn_account nouser = xa;
	nouser.id = NULL; /* verify has not told the user id: the most recent post */
	CHECK(sn_x.recent(&nouser, &r) == 0);
	CHECK_STR(r.url, "http://127.0.0.1:9/x/2/users/me?expansions=most_recent_tweet_id");
	sn_req_free(&r);
}

static void
x_reads_its_answers(void)
{
	struct sn_post_in p = post("Tom & Jerry <3", "https://example.org/e/1");
	struct sn_result o;
	CHECK(rd(&sn_x, &xa, "create", &p, 201, "{\"data\":{\"id\":\"1445880548472328192\",\"text\":\"x\"}}", NULL,
		 &o) == SN_OK);
	CHECK_STR(o.id, "1445880548472328192");
	CHECK_STR(o.url, "https://x.com/i/web/status/1445880548472328192");
	sn_result_free(&o);
	CHECK(rd(&sn_x, &xa, "create", &p, 401,
		 "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}",
		 NULL, &o) == SN_AUTH);
	sn_result_free(&o);
	CHECK(rd(&sn_x, &xa, "create", &p, 429,
		 "{\"title\":\"Too Many Requests\",\"detail\":\"Too Many Requests\","
		 "\"type\":\"about:blank\",\"status\":429}",
		 NULL, &o) == SN_RETRY);
	CHECK(rd(&sn_x, &xa, "create", &p, 403,
		 "{\"detail\":\"You are not allowed to create a Tweet with duplicate "
		 "content.\",\"type\":\"about:blank\","
		 "\"title\":\"Forbidden\",\"status\":403}",
		 NULL, &o) == SN_FAIL);
	CHECK(o.err && strstr(o.err, "Forbidden") && !strstr(o.err, "duplicate"));
	sn_result_free(&o);
	CHECK(rd(&sn_x, &xa, "remove", &p, 200, "{\"data\":{\"deleted\":true}}", NULL, &o) == SN_OK);
	CHECK(rd(&sn_x, &xa, "remove", &p, 200, "{\"data\":{\"deleted\":false}}", NULL, &o) == SN_GONE);
	CHECK(rd(&sn_x, &xa, "remove", &p, 404, "{\"title\":\"Not Found Error\",\"status\":404}", NULL, &o) == SN_GONE);
	CHECK(rd(&sn_x, &xa, "verify", &p, 200,
		 "{\"data\":{\"id\":\"2244994945\",\"name\":\"Mentoring\",\"username\":\"mentoring\"}}", NULL,
		 &o) == SN_OK);
	CHECK_STR(o.id, "2244994945");
	CHECK_STR(o.account, "@mentoring");
	sn_result_free(&o);
	/* X shows the link as t.co and writes & < > as entities */
	const char *tl =
		"{\"data\":[{\"id\":\"1\",\"text\":\"other\"},{\"id\":\"2\",\"edit_history_tweet_ids\":[\"2\"],"
		"\"text\":\"Tom &amp; Jerry &lt;3\\n\\nhttps://t.co/AbCdEf1234\\n#Mentoring "
		"#Uni_2026\"}],\"meta\":{\"result_count\":2}}";
	CHECK(rd(&sn_x, &xa, "recent", &p, 200, tl, NULL, &o) == SN_OK);
	CHECK_STR(o.id, "2");
	sn_result_free(&o);
	CHECK(rd(&sn_x, &xa, "recent", &p, 200, "{\"meta\":{\"result_count\":0}}", NULL, &o) == SN_GONE);
	const char *me = "{\"data\":{\"id\":\"2244994945\",\"name\":\"M\",\"username\":\"m\",\"most_recent_tweet_id\":"
			 "\"5\"},\"includes\":{\"tweets\":[{\"id\":\"5\",\"edit_history_tweet_ids\":[\"5\"],\"text\":"
			 "\"Tom &amp; Jerry &lt;3\\n\\nhttps://t.co/x\\n#Mentoring #Uni_2026\"}]}}";
	CHECK(rd(&sn_x, &xa, "recent", &p, 200, me, NULL, &o) == SN_OK);
	CHECK_STR(o.id, "5");
	sn_result_free(&o);
	CHECK(rd(&sn_x, &xa, "recent", &p, 200, "{\"data\":{\"id\":\"2244994945\"}}", NULL, &o) == SN_GONE);
	sn_result_free(&o);
}

static void
readers_take_garbage(void)
{
	const struct social_net *all[] = {&sn_linkedin, &sn_facebook, &sn_x};
	const struct sn_account *acc[] = {&li, &fb, &xa};
	const char *steps[] = {"verify", "create", "recent", "edit", "reply", "remove"};
	const char *bodies[] = {
		"", "null", "[]", "{\"data\":7}", "{\"error\":\"x\"}", "{\"elements\":[1,null]}", "\xff\xfe{"};
	long st[] = {0, 200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 999};
	struct sn_post_in p = post("x", NULL);
	for (size_t n = 0; n < 3; n++)
		for (size_t s = 0; s < 6; s++)
			for (size_t b = 0; b < 7; b++)
				for (size_t k = 0; k < 12; k++) {
					struct sn_result o;
					enum sn_outcome oc =
						rd(all[n], acc[n], steps[s], &p, st[k], bodies[b], "garbage", &o);
					CHECK(oc <= SN_GONE);
					CHECK(oc != SN_OK || st[k] / 100 == 2);
					sn_result_free(&o);
				}
}

int
main(void)
{
	CHECK(social_net("linkedin") == &sn_linkedin);
	RUN(linkedin_create_is_a_posts_api_request);
	RUN(linkedin_little_text_escapes_every_reserved_character);
	RUN(linkedin_commentary_stays_within_3000_characters);
	RUN(linkedin_edit_delete_recent_verify);
	RUN(linkedin_reads_its_answers);
	RUN(facebook_builds_graph_api_requests);
	RUN(facebook_reads_its_answers);
	RUN(x_weighted_length_counts_like_twitter_text);
	RUN(x_builds_v2_requests_within_280);
	RUN(x_reads_its_answers);
	RUN(readers_take_garbage);
	return t_done();
}
