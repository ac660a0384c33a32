/*
 * sn_x.c - the X adapter (see social_net.h): pure functions that build the requests of the
 * X API v2 (POST /2/tweets, replies for changes, DELETE /2/tweets/{id}, GET /2/users/me,
 * GET /2/users/{id}/tweets) and read its answers (problem+json errors).  The text is kept
 * within X's 280 weighted characters (social_x_weight: URLs count 23, characters outside the
 * Latin-like ranges and emoji 2).  The recent posts: the user's timeline when the user id is
 * known (verify reads it from /2/users/me into sn_result.id; a transport that keeps it passes
 * it as sn_account.id), otherwise the account's most recent post, expanded in /2/users/me
 * (expansions=most_recent_tweet_id) - enough for the one post a crash can leave unrecorded.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "social_net.h"
#include "social_text.h"
#include "util.h"

#define X_MAX_CHARS 280

static size_t
x_measure(const struct social_text *t, void *ctx)
{
	return (social_x_weight(t->text, t->len) + 99) / 100;
}

/* The text of a post from body, link and tags, within X's limit, or NULL. */
static char *
x_text(const char *body, const char *link, const struct sn_post_in *p, int tags)
{
	struct social_text t;
	if (!body || social_text_fit(body, link, tags ? p->tags : NULL, tags ? p->ntags : 0, X_MAX_CHARS,
				     4 * X_MAX_CHARS, x_measure, NULL, &t) != 0)
		return NULL;
	char *s = t.text;
	t.text = NULL;
	social_text_free(&t);
	return s;
}

/* A user or post id: digits only. */
static int
good_id(const char *s)
{
	return s && *s && strlen(s) <= 32 && strspn(s, "0123456789") == strlen(s);
}

static void
x_start(struct sn_req *req, const char *method)
{
	memset(req, 0, sizeof *req);
	snprintf(req->method, sizeof req->method, "%s", method);
}

static int
x_verify(const struct sn_account *a, struct sn_req *req)
{
	x_start(req, "GET");
	req->url = xasprintf("%s/2/users/me", a->base);
	return 0;
}

static int
x_post(const struct sn_account *a, const char *text, const char *reply_to, struct sn_req *req)
{
	json_t *j = json_pack("{s:s}", "text", text);
	if (j && reply_to)
		json_object_set_new(j, "reply", json_pack("{s:s}", "in_reply_to_tweet_id", reply_to));
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return -1;
	x_start(req, "POST");
	req->url = xasprintf("%s/2/tweets", a->base);
	req->body = body;
	req->content_type = "application/json";
	return 0;
}

static int
x_create(const struct sn_account *a, const struct sn_post_in *p, struct sn_req *req)
{
	char *t = x_text(p->body, p->link, p, 1);
	int rc = t ? x_post(a, t, NULL, req) : -1;
	free(t);
	return rc;
}

static int
x_reply(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req)
{
	if (!good_id(post_id))
		return -1;
	char *t = x_text(p->changes, p->link, p, 0);
	int rc = t ? x_post(a, t, post_id, req) : -1;
	free(t);
	return rc;
}

static int
x_recent(const struct sn_account *a, struct sn_req *req)
{
	x_start(req, "GET");
	if (good_id(a->id))
		req->url = xasprintf("%s/2/users/%s/tweets?max_results=20", a->base, a->id);
	else /* the user id is not known: the most recent post */
		req->url = xasprintf("%s/2/users/me?expansions=most_recent_tweet_id", a->base);
	return 0;
}

static int
x_remove(const struct sn_account *a, const char *post_id, struct sn_req *req)
{
	if (!good_id(post_id))
		return -1;
	x_start(req, "DELETE");
	req->url = xasprintf("%s/2/tweets/%s", a->base, post_id);
	return 0;
}

static void
set_post(struct sn_result *out, const char *id)
{
	free(out->id);
	free(out->url);
	out->id = xstrdup(id);
	out->url = xasprintf("https://x.com/i/web/status/%s", id);
}

/* A text as X compares it: every URL (X shows t.co links) one placeholder, the HTML
 * entities X writes for & < > undone. */
static char *
normalized(const char *s)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; s[i];) {
		int at_word = i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n';
		if (at_word && (strncmp(s + i, "http://", 7) == 0 || strncmp(s + i, "https://", 8) == 0)) {
			while (s[i] && s[i] != ' ' && s[i] != '\n')
				i++;
			buf_adds(&b, "\x01URL");
		} else if (strncmp(s + i, "&amp;", 5) == 0) {
			buf_addc(&b, '&'), i += 5;
		} else if (strncmp(s + i, "&lt;", 4) == 0) {
			buf_addc(&b, '<'), i += 4;
		} else if (strncmp(s + i, "&gt;", 4) == 0) {
			buf_addc(&b, '>'), i += 4;
		} else {
			buf_addc(&b, s[i++]);
		}
	}
	return buf_detach(&b);
}

static enum sn_outcome
x_find(const struct sn_post_in *p, json_t *j, struct sn_result *out)
{
	char *t = p ? x_text(p->body, p->link, p, 1) : NULL;
	char *want = t ? normalized(t) : NULL;
	json_t *data = json_object_get(j, "data"), *e;
	size_t i;
	enum sn_outcome o = SN_GONE;
	if (json_is_object(data)) /* /2/users/me with the most recent post in includes */
		data = json_object_get(json_object_get(j, "includes"), "tweets");
	if (want && json_is_array(data))
		json_array_foreach(data, i, e)
		{
			const char *text = json_string_value(json_object_get(e, "text"));
			const char *id = json_string_value(json_object_get(e, "id"));
			if (!text || !good_id(id))
				continue;
			char *have = normalized(text);
			int same = strcmp(have, want) == 0;
			free(have);
			if (same) {
				set_post(out, id);
				o = SN_OK;
				break;
			}
		}
	free(want);
	free(t);
	return o;
}

/* Not 2xx (problem+json {"title", "detail", "type", "status"}). */
static enum sn_outcome
x_error(const char *step, const struct sn_resp *r, json_t *j, struct sn_result *out)
{
	enum sn_outcome o = sn_status_outcome(r->status);
	const char *type = json_string_value(json_object_get(j, "type"));
	if (r->status == 403 && type && strstr(type, "/client-forbidden"))
		o = SN_AUTH; /* the app or the token is not allowed any more */
	if (o == SN_GONE && strcmp(step, "remove") != 0 && strcmp(step, "reply") != 0)
		o = SN_FAIL;
	if (o == SN_FAIL || o == SN_AUTH) {
		const char *title = json_string_value(json_object_get(j, "title"));
		char t[61] = "";
		for (size_t i = 0; title && title[i] && i < 60; i++)
			t[i] = (title[i] >= 'A' && title[i] <= 'Z') || (title[i] >= 'a' && title[i] <= 'z') ||
					       title[i] == ' '
				       ? title[i]
				       : '?';
		free(out->err);
		out->err = xasprintf("x: HTTP %ld %s", r->status, t);
	}
	return o;
}

static enum sn_outcome
x_read(const struct sn_account *a, const char *step, const struct sn_post_in *p, const struct sn_resp *r,
       struct sn_result *out)
{
	json_t *j = r->body && r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *data = json_object_get(j, "data");
	enum sn_outcome o = SN_OK;
	if (r->status < 200 || r->status > 299) {
		o = x_error(step, r, j, out);
	} else if (strcmp(step, "create") == 0 || strcmp(step, "reply") == 0) {
		const char *id = json_string_value(json_object_get(data, "id"));
		if (good_id(id))
			set_post(out, id);
		else
			o = SN_FAIL, out->err = xstrdup("x: no post id in the answer");
	} else if (strcmp(step, "remove") == 0) {
		json_t *d = json_object_get(data, "deleted");
		if (!json_is_boolean(d))
			o = SN_FAIL, out->err = xstrdup("x: no deleted in the answer");
		else if (!json_is_true(d))
			o = SN_GONE;
	} else if (strcmp(step, "recent") == 0) {
		o = x_find(p, j, out);
	} else if (strcmp(step, "verify") == 0) {
		const char *id = json_string_value(json_object_get(data, "id"));
		const char *u = json_string_value(json_object_get(data, "username"));
		if (good_id(id) && u) {
			out->id = xstrdup(id);
			char *n = str_one_line(u, 50);
			out->account = xasprintf("@%s", n);
			free(n);
		} else {
			o = SN_FAIL, out->err = xstrdup("x: no user in the answer");
		}
	}
	json_decref(j);
	return o;
}

const struct social_net sn_x = {
	.name = "x",
	.default_base = "https://api.x.com",
	.verify = x_verify,
	.limits = NULL,
	.create = x_create,
	.recent = x_recent,
	.edit = NULL,
	.reply = x_reply,
	.remove = x_remove,
	.read = x_read,
};
