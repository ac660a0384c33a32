/*
 * sn_mastodon.c - the Mastodon adapter (social_net.h): pure builders of the REST requests
 * (POST /api/v1/statuses with an Idempotency-Key, PUT and DELETE /api/v1/statuses/:id,
 * GET /api/v1/accounts/verify_credentials, GET /api/v2/instance for max_characters) and the
 * readers of the answers (a Status entity, a CredentialAccount, an Instance, {"error": …}).
 *
 * The text: social_text_build within the instance's max_characters, where Mastodon counts
 * every URL as 23 characters whatever its length (characters_reserved_per_url): the link is
 * never cut, so the limit given to the builder is moved by the link's own length minus 23.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "social_net.h"
#include "social_text.h"
#include "util.h"

#define MASTODON_URL_CHARS 23    /* what Mastodon counts for any URL */
#define MASTODON_DEFAULT_MAX 500 /* max_characters before the instance told */
#define MASTODON_MAX_BYTES 65536 /* no byte limit of its own: a bound for the builder */
#define MASTODON_ERR_MAX 200

static void
set_req(struct sn_req *req, const char *method, char *url)
{
	memset(req, 0, sizeof *req);
	snprintf(req->method, sizeof req->method, "%s", method);
	req->url = url;
}

/* A status id as Mastodon makes them (digits; letters and '-' '_' are let through): 1, or 0. */
static int
id_ok(const char *id)
{
	if (!id || !*id || strlen(id) > 64)
		return 0;
	for (const char *s = id; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

/* The post's text within a's max_characters (URLs counted as 23).  0, or -1: nothing fits. */
static int
mastodon_text(const struct sn_account *a, const struct sn_post_in *p, struct social_text *t)
{
	long max = a->max_chars > 0 ? a->max_chars : MASTODON_DEFAULT_MAX;
	const char *link = p->link && *p->link ? p->link : NULL;
	if (link) {
		long l = (long)social_graphemes(link, strlen(link));
		if (max - MASTODON_URL_CHARS <= 0)
			link = NULL; /* an instance too small for a link */
		else
			max += l - MASTODON_URL_CHARS;
	}
	if (max <= 0)
		return -1;
	return social_text_build(p->body ? p->body : "", link, p->tags, p->ntags, (size_t)max, MASTODON_MAX_BYTES, t);
}

/* The JSON body of a status (create, edit: visibility only at create). */
static char *
status_body(const struct sn_account *a, const struct sn_post_in *p, int create)
{
	struct social_text t;
	if (mastodon_text(a, p, &t) < 0)
		return NULL;
	json_t *o = json_pack("{s:s}", "status", t.text);
	social_text_free(&t);
	if (p->lang && *p->lang)
		json_object_set_new(o, "language", json_string(p->lang));
	if (create)
		json_object_set_new(o, "visibility", json_string(a->visibility ? a->visibility : "public"));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int
mastodon_verify(const struct sn_account *a, struct sn_req *req)
{
	set_req(req, "GET", xasprintf("%s/api/v1/accounts/verify_credentials", a->base));
	return 0;
}

static int
mastodon_limits(const struct sn_account *a, struct sn_req *req)
{
	set_req(req, "GET", xasprintf("%s/api/v2/instance", a->base));
	return 0;
}

static int
mastodon_create(const struct sn_account *a, const struct sn_post_in *p, struct sn_req *req)
{
	char *body = status_body(a, p, 1);
	if (!body || !p->key || !*p->key || strpbrk(p->key, "\r\n")) {
		free(body);
		return -1;
	}
	set_req(req, "POST", xasprintf("%s/api/v1/statuses", a->base));
	req->body = body;
	req->content_type = "application/json";
	req->headers[0] = xasprintf("Idempotency-Key: %s", p->key);
	return 0;
}

static int
mastodon_edit(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req)
{
	char *body = id_ok(post_id) ? status_body(a, p, 0) : NULL;
	if (!body)
		return -1;
	set_req(req, "PUT", xasprintf("%s/api/v1/statuses/%s", a->base, post_id));
	req->body = body;
	req->content_type = "application/json";
	return 0;
}

/* Mastodon edits; a reply is built anyway (the changes as a reply in the same thread). */
static int
mastodon_reply(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req)
{
	if (!id_ok(post_id))
		return -1;
	struct sn_post_in r = {.key = p->key, .lang = p->lang, .body = p->changes ? p->changes : p->body};
	char *body = status_body(a, &r, 1);
	if (!body)
		return -1;
	json_t *o = json_loads(body, 0, NULL);
	free(body);
	json_object_set_new(o, "in_reply_to_id", json_string(post_id));
	set_req(req, "POST", xasprintf("%s/api/v1/statuses", a->base));
	req->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	req->content_type = "application/json";
	if (p->key && *p->key && !strpbrk(p->key, "\r\n"))
		req->headers[0] = xasprintf("Idempotency-Key: %s", p->key);
	return 0;
}

static int
mastodon_remove(const struct sn_account *a, const char *post_id, struct sn_req *req)
{
	if (!id_ok(post_id))
		return -1;
	set_req(req, "DELETE", xasprintf("%s/api/v1/statuses/%s", a->base, post_id));
	return 0;
}

/* A short, clean copy of an error text from the server (untrusted). */
static char *
short_err(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *c = social_clean(s, n > MASTODON_ERR_MAX ? MASTODON_ERR_MAX : n, 0);
	return c;
}

static enum sn_outcome
mastodon_read(const struct sn_account *a, const char *step, const struct sn_post_in *p, const struct sn_resp *r,
	      struct sn_result *out)
{
	(void)a;
	(void)p;
	json_t *j = r->body && r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	enum sn_outcome oc = sn_status_outcome(r->status);
	if (r->status == 403)
		oc = SN_AUTH; /* the token lacks the scope (write:statuses, read:accounts) */
	if (oc != SN_OK) {
		const char *e = json_string_value(json_object_get(j, "error"));
		char *c = short_err(e);
		out->err = c ? c : xasprintf("HTTP %ld", r->status);
		json_decref(j);
		return oc;
	}
	if (!json_is_object(j)) {
		out->err = xstrdup("answer is not a JSON object");
		json_decref(j);
		return SN_FAIL;
	}
	if (strcmp(step, "create") == 0 || strcmp(step, "edit") == 0 || strcmp(step, "reply") == 0) {
		const char *id = json_string_value(json_object_get(j, "id"));
		const char *url = json_string_value(json_object_get(j, "url"));
		if (!url)
			url = json_string_value(json_object_get(j, "uri"));
		if (!id_ok(id)) {
			out->err = xstrdup("status without an id");
			oc = SN_FAIL;
		} else {
			out->id = xstrdup(id);
			out->url = url && strncmp(url, "http", 4) == 0 ? short_err(url) : NULL;
		}
	} else if (strcmp(step, "verify") == 0) {
		const char *acct = json_string_value(json_object_get(j, "acct"));
		if (!acct || !*acct) {
			out->err = xstrdup("account without acct");
			oc = SN_FAIL;
		} else {
			char *c = short_err(acct);
			out->account = xasprintf("@%s", c);
			free(c);
		}
	} else if (strcmp(step, "limits") == 0) {
		json_t *m = json_object_get(json_object_get(json_object_get(j, "configuration"), "statuses"),
					    "max_characters");
		json_int_t v = json_is_integer(m) ? json_integer_value(m) : 0;
		if (v <= 0 || v > 1000000) {
			out->err = xstrdup("no usable max_characters");
			oc = SN_FAIL;
		} else {
			out->max_chars = (long)v;
		}
	}
	json_decref(j);
	return oc;
}

const struct social_net sn_mastodon = {
	.name = "mastodon",
	.default_base = NULL,
	.verify = mastodon_verify,
	.limits = mastodon_limits,
	.create = mastodon_create,
	.recent = NULL, /* create is idempotent (Idempotency-Key) */
	.edit = mastodon_edit,
	.reply = mastodon_reply,
	.remove = mastodon_remove,
	.read = mastodon_read,
};
