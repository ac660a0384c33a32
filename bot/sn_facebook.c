/*
 * sn_facebook.c - the Facebook adapter (see social_net.h): pure functions that build the
 * Graph API requests of a page's feed (POST /{version}/{page-id}/feed with message and link,
 * form-encoded; edit and delete of /{version}/{post-id}; the feed as the recent posts) and
 * read the answers, including the Graph API's error object {"error": {"code", …}}: code 190
 * (token expired or revoked) stops the channel, the rate-limit codes are retried.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "social_net.h"
#include "social_text.h"
#include "util.h"

#define FB_DEFAULT_VERSION "v24.0"
#define FB_MAX_CHARS 63206

static const char *
fb_version(const struct sn_account *a)
{
	return a->version && *a->version ? a->version : FB_DEFAULT_VERSION;
}

/* Form encoding (application/x-www-form-urlencoded) of s: unreserved characters kept. */
static void
add_enc(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			buf_addc(b, (char)*p);
		else
			buf_addf(b, "%%%02X", *p);
	}
}

/* A page id or a post id (PAGEID_POSTID): digits and at most one '_'. */
static int
good_id(const char *s)
{
	if (!s || !*s || strlen(s) > 64 || s[0] == '_')
		return 0;
	int us = 0;
	for (const char *p = s; *p; p++)
		if (*p == '_' ? us++ > 0 : (*p < '0' || *p > '9'))
			return 0;
	return s[strlen(s) - 1] != '_';
}

/* The message of p's post (the link goes in its own field), or NULL. */
static char *
message(const struct sn_post_in *p)
{
	struct social_text t;
	if (!p->body || social_text_build(p->body, NULL, p->tags, p->ntags, FB_MAX_CHARS, 4 * FB_MAX_CHARS, &t) != 0)
		return NULL;
	char *m = t.text;
	t.text = NULL;
	social_text_free(&t);
	return m;
}

static void
fb_start(struct sn_req *req, const char *method)
{
	memset(req, 0, sizeof *req);
	snprintf(req->method, sizeof req->method, "%s", method);
}

static int
fb_verify(const struct sn_account *a, struct sn_req *req)
{
	if (!good_id(a->id))
		return -1;
	fb_start(req, "GET");
	req->url = xasprintf("%s/%s/%s?fields=id,name", a->base, fb_version(a), a->id);
	return 0;
}

static int
fb_create(const struct sn_account *a, const struct sn_post_in *p, struct sn_req *req)
{
	char *m = message(p);
	if (!m || !good_id(a->id)) {
		free(m);
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, "message=");
	add_enc(&b, m);
	if (p->link && *p->link) {
		buf_adds(&b, "&link=");
		add_enc(&b, p->link);
	}
	free(m);
	fb_start(req, "POST");
	req->url = xasprintf("%s/%s/%s/feed", a->base, fb_version(a), a->id);
	req->body = buf_detach(&b);
	req->content_type = "application/x-www-form-urlencoded";
	return 0;
}

static int
fb_recent(const struct sn_account *a, struct sn_req *req)
{
	if (!good_id(a->id))
		return -1;
	fb_start(req, "GET");
	req->url = xasprintf("%s/%s/%s/feed?fields=id,message,created_time&limit=20", a->base, fb_version(a), a->id);
	return 0;
}

static int
fb_edit(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req)
{
	char *m = message(p);
	if (!m || !good_id(post_id)) {
		free(m);
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, "message=");
	add_enc(&b, m);
	free(m);
	fb_start(req, "POST");
	req->url = xasprintf("%s/%s/%s", a->base, fb_version(a), post_id);
	req->body = buf_detach(&b);
	req->content_type = "application/x-www-form-urlencoded";
	return 0;
}

static int
fb_remove(const struct sn_account *a, const char *post_id, struct sn_req *req)
{
	if (!good_id(post_id))
		return -1;
	fb_start(req, "DELETE");
	req->url = xasprintf("%s/%s/%s", a->base, fb_version(a), post_id);
	return 0;
}

static void
set_post(struct sn_result *out, const char *id)
{
	free(out->id);
	free(out->url);
	out->id = xstrdup(id);
	out->url = xasprintf("https://www.facebook.com/%s", id);
}

/* The outcome of an answer with the Graph API's error object (or a bad status). */
static enum sn_outcome
fb_error(const char *step, const struct sn_resp *r, json_t *j, struct sn_result *out)
{
	json_t *e = json_object_get(j, "error");
	long code = (long)json_integer_value(json_object_get(e, "code"));
	long sub = (long)json_integer_value(json_object_get(e, "error_subcode"));
	int change = strcmp(step, "edit") == 0 || strcmp(step, "remove") == 0;
	enum sn_outcome o;
	if (code == 190 || code == 102 || code == 10 || (code >= 200 && code <= 299))
		o = SN_AUTH; /* token expired or revoked; the page's permission withdrawn */
	else if (code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80014) ||
		 code == 1 || code == 2)
		o = SN_RETRY; /* rate limits; temporary errors */
	else if (code == 100 && sub == 33)
		o = change ? SN_GONE : SN_FAIL; /* the object does not exist */
	else if (e)
		o = r->status >= 500 ? SN_RETRY : SN_FAIL;
	else
		o = sn_status_outcome(r->status);
	if (o == SN_GONE && !change)
		o = SN_FAIL;
	if (o == SN_OK)
		o = SN_FAIL; /* an error object in a 2xx answer */
	if (o == SN_FAIL || o == SN_AUTH) {
		free(out->err);
		out->err = xasprintf("facebook: HTTP %ld code %ld/%ld", r->status, code, sub);
	}
	return o;
}

static enum sn_outcome
fb_find(const struct sn_post_in *p, json_t *j, struct sn_result *out)
{
	char *m = p ? message(p) : NULL;
	json_t *data = json_object_get(j, "data"), *e;
	size_t i;
	enum sn_outcome o = SN_GONE;
	if (m && json_is_array(data))
		json_array_foreach(data, i, e)
		{
			const char *msg = json_string_value(json_object_get(e, "message"));
			const char *id = json_string_value(json_object_get(e, "id"));
			if (msg && strcmp(msg, m) == 0 && good_id(id)) {
				set_post(out, id);
				o = SN_OK;
				break;
			}
		}
	free(m);
	return o;
}

static enum sn_outcome
fb_read(const struct sn_account *a, const char *step, const struct sn_post_in *p, const struct sn_resp *r,
	struct sn_result *out)
{
	json_t *j = r->body && r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	enum sn_outcome o = SN_OK;
	if (r->status < 200 || r->status > 299 || json_object_get(j, "error")) {
		o = fb_error(step, r, j, out);
	} else if (strcmp(step, "create") == 0) {
		const char *id = json_string_value(json_object_get(j, "id"));
		if (good_id(id))
			set_post(out, id);
		else
			o = SN_FAIL, out->err = xstrdup("facebook: no post id in the answer");
	} else if (strcmp(step, "edit") == 0 || strcmp(step, "remove") == 0) {
		if (!json_is_true(json_object_get(j, "success")))
			o = SN_FAIL, out->err = xstrdup("facebook: no success in the answer");
	} else if (strcmp(step, "recent") == 0) {
		o = fb_find(p, j, out);
	} else if (strcmp(step, "verify") == 0) {
		const char *n = json_string_value(json_object_get(j, "name"));
		if (n)
			out->account = str_one_line(n, 100);
		else
			o = SN_FAIL, out->err = xstrdup("facebook: no page in the answer");
	}
	json_decref(j);
	return o;
}

const struct social_net sn_facebook = {
	.name = "facebook",
	.default_base = "https://graph.facebook.com",
	.verify = fb_verify,
	.limits = NULL,
	.create = fb_create,
	.recent = fb_recent,
	.edit = fb_edit,
	.reply = NULL,
	.remove = fb_remove,
	.read = fb_read,
};
