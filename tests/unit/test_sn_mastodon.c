/*
 * test_sn_mastodon.c - the Mastodon adapter (bot/sn_mastodon.c): the requests it builds
 * (paths, methods, the JSON body with visibility and language, the Idempotency-Key), the
 * text within max_characters with the link counted as 23, and the readers of Status,
 * CredentialAccount, Instance and error answers.
 */
#include "social_net.h"
#include "social_text.h"
#include "t.h"

#include <jansson.h>
#include <stdlib.h>

static const struct sn_account acc = {
	.name = "mastodon", .base = "https://social.example", .max_chars = 0, .visibility = "unlisted"};

static enum sn_outcome
rd(const struct sn_account *a, const char *step, long status, const char *body, struct sn_result *out)
{
	struct sn_resp r = {.status = status, .body = body, .len = strlen(body)};
	memset(out, 0, sizeof *out);
	return sn_mastodon.read(a, step, NULL, &r, out);
}

/* What Mastodon counts: graphemes, with each URL (here: the link) as 23. */
static size_t
mastodon_count(const char *text, const char *link)
{
	size_t n = social_graphemes(text, strlen(text));
	if (link && strstr(text, link))
		n = n - social_graphemes(link, strlen(link)) + 23;
	return n;
}

static void
create_is_a_json_status_with_the_key(void)
{
	const char *tags[] = {"Alumni", "Mentoring"};
	struct sn_post_in p = {.key = "3kabc2def3ghi",
			       .lang = "en",
			       .body = "Meetup: Data Science, 5 May 2027, Berlin",
			       .link = "https://alumni.example/events/7.html",
			       .tags = tags,
			       .ntags = 2};
	struct sn_req rq;
	CHECK(sn_mastodon.create(&acc, &p, &rq) == 0);
	CHECK_STR(rq.method, "POST");
	CHECK_STR(rq.url, "https://social.example/api/v1/statuses");
	CHECK_STR(rq.content_type, "application/json");
	CHECK_STR(rq.headers[0], "Idempotency-Key: 3kabc2def3ghi");
	CHECK(rq.headers[1] == NULL);
	json_t *j = json_loads(rq.body, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(j, "visibility")), "unlisted");
	CHECK_STR(json_string_value(json_object_get(j, "language")), "en");
	const char *st = json_string_value(json_object_get(j, "status"));
	CHECK(st && strstr(st, "Meetup: Data Science") && strstr(st, p.link) && strstr(st, "#Alumni #Mentoring"));
	CHECK(json_object_size(j) == 3);
	json_decref(j);
	sn_req_free(&rq);
	CHECK(sn_mastodon.recent == NULL); /* idempotent: no search before a retry */
}

static void
text_fits_max_characters_with_the_link_as_23(void)
{
	/* a link of 60 characters counts 23: the body keeps more than a plain count allows */
	const char *link = "https://alumni.example/events/2027/05/meetup-data-science.html";
	char body[400];
	snprintf(body, sizeof body, "%s",
		 "A long announcement of an evening about data science with alumni from industry and research, "
		 "talks, questions and a long evening of conversation in the old library hall");
	struct sn_account a = acc;
	a.max_chars = 120;
	struct sn_post_in p = {.key = "k", .lang = "de", .body = body, .link = link};
	struct sn_req rq;
	CHECK(sn_mastodon.create(&a, &p, &rq) == 0);
	json_t *j = json_loads(rq.body, 0, NULL);
	const char *st = json_string_value(json_object_get(j, "status"));
	CHECK(st && strstr(st, link));                       /* the link is kept whole */
	CHECK(st && strstr(st, "\xE2\x80\xA6"));             /* the body was shortened */
	CHECK(st && mastodon_count(st, link) <= 120);        /* within Mastodon's count */
	CHECK(st && mastodon_count(st, link) >= 120 - 15);   /* and not shortened for the link's own length */
	CHECK(st && social_graphemes(st, strlen(st)) > 120); /* a plain count would be over */
	json_decref(j);
	sn_req_free(&rq);
	a.max_chars = 20; /* no room for a link: the text goes without it */
	CHECK(sn_mastodon.create(&a, &p, &rq) == 0);
	j = json_loads(rq.body, 0, NULL);
	st = json_string_value(json_object_get(j, "status"));
	CHECK(st && !strstr(st, "https://") && social_graphemes(st, strlen(st)) <= 20);
	json_decref(j);
	sn_req_free(&rq);
}

static void
edit_delete_verify_limits_requests(void)
{
	struct sn_post_in p = {.key = "k2", .lang = "de", .body = "Neuer Ort: Hamburg"};
	struct sn_req rq;
	CHECK(sn_mastodon.edit(&acc, "109876543210", &p, &rq) == 0);
	CHECK_STR(rq.method, "PUT");
	CHECK_STR(rq.url, "https://social.example/api/v1/statuses/109876543210");
	json_t *j = json_loads(rq.body, 0, NULL);
	CHECK(json_object_get(j, "visibility") == NULL); /* an edit cannot change it */
	CHECK_STR(json_string_value(json_object_get(j, "status")), "Neuer Ort: Hamburg");
	json_decref(j);
	sn_req_free(&rq);
	CHECK(sn_mastodon.edit(&acc, "../admin", &p, &rq) < 0); /* not an id */
	CHECK(sn_mastodon.remove(&acc, "109876543210", &rq) == 0);
	CHECK_STR(rq.method, "DELETE");
	CHECK_STR(rq.url, "https://social.example/api/v1/statuses/109876543210");
	CHECK(rq.body == NULL);
	sn_req_free(&rq);
	CHECK(sn_mastodon.verify(&acc, &rq) == 0);
	CHECK_STR(rq.method, "GET");
	CHECK_STR(rq.url, "https://social.example/api/v1/accounts/verify_credentials");
	sn_req_free(&rq);
	CHECK(sn_mastodon.limits(&acc, &rq) == 0);
	CHECK_STR(rq.url, "https://social.example/api/v2/instance");
	sn_req_free(&rq);
}

static void
answers_are_read(void)
{
	struct sn_result o;
	CHECK(rd(&acc, "create", 200,
		 "{\"id\":\"1101\",\"uri\":\"https://social.example/users/a/statuses/1101\","
		 "\"url\":\"https://social.example/@a/1101\",\"content\":\"<p>x</p>\"}",
		 &o) == SN_OK);
	CHECK_STR(o.id, "1101");
	CHECK_STR(o.url, "https://social.example/@a/1101");
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 200, "{\"url\":\"https://x\"}", &o) == SN_FAIL); /* no id */
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 200, "not json", &o) == SN_FAIL);
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 422, "{\"error\":\"Validation failed: Text character limit of 500 exceeded\"}", &o) ==
	      SN_FAIL);
	CHECK_STR(o.err, "Validation failed: Text character limit of 500 exceeded");
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 401, "{\"error\":\"The access token is invalid\"}", &o) == SN_AUTH);
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 403, "{\"error\":\"This action is outside the authorized scopes\"}", &o) == SN_AUTH);
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 429, "{\"error\":\"Too many requests\"}", &o) == SN_RETRY);
	sn_result_free(&o);
	CHECK(rd(&acc, "create", 503, "", &o) == SN_RETRY);
	CHECK_STR(o.err, "HTTP 503");
	sn_result_free(&o);
	CHECK(rd(&acc, "remove", 404, "{\"error\":\"Record not found\"}", &o) == SN_GONE);
	sn_result_free(&o);
	CHECK(rd(&acc, "verify", 200, "{\"id\":\"1\",\"username\":\"alumni\",\"acct\":\"alumni\"}", &o) == SN_OK);
	CHECK_STR(o.account, "@alumni");
	sn_result_free(&o);
	CHECK(rd(&acc, "limits", 200,
		 "{\"domain\":\"social.example\",\"configuration\":{\"statuses\":{\"max_characters\":120,"
		 "\"characters_reserved_per_url\":23}}}",
		 &o) == SN_OK);
	CHECK(o.max_chars == 120);
	sn_result_free(&o);
	CHECK(rd(&acc, "limits", 200, "{\"configuration\":{\"statuses\":{\"max_characters\":\"many\"}}}", &o) ==
	      SN_FAIL);
	sn_result_free(&o);
	/* an error text from the server is cut and cleaned */
	char big[1200] = "{\"error\":\"";
	for (int i = 0; i < 1000; i++)
		strcat(big, i % 50 ? "a" : "\\n");
	strcat(big, "\"}");
	CHECK(rd(&acc, "create", 422, big, &o) == SN_FAIL);
	CHECK(o.err && strlen(o.err) <= 200 && !strchr(o.err, '\n'));
	sn_result_free(&o);
}

int
main(void)
{
	RUN(create_is_a_json_status_with_the_key);
	RUN(text_fits_max_characters_with_the_link_as_23);
	RUN(edit_delete_verify_limits_requests);
	RUN(answers_are_read);
	return t_done();
}
