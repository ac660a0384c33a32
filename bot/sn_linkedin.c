/*
 * sn_linkedin.c - the LinkedIn adapter (see social_net.h): pure functions that build the
 * requests of LinkedIn's versioned Posts API (Marketing API, /rest/posts, headers
 * LinkedIn-Version and X-Restli-Protocol-Version 2.0.0) for an organization page and read
 * its answers.  The commentary is "little text": its reserved characters are escaped with a
 * backslash and the hashtags are written as LinkedIn's hashtag template {hashtag|\#|tag}.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "social_net.h"
#include "social_text.h"
#include "util.h"

#define LI_DEFAULT_VERSION "202611"
#define LI_MAX_CHARS 3000
#define LI_ORG_PREFIX "urn:li:organization:"

static const char *
li_version(const struct sn_account *a)
{
	return a->version && *a->version ? a->version : LI_DEFAULT_VERSION;
}

/* RFC 3986 percent-encoding of everything but the unreserved characters. */
static char *
urlenc(const char *s)
{
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return buf_detach(&b);
}

/* The organization's URN ([linkedin] organization: a URN or its number), or NULL. */
static char *
org_urn(const struct sn_account *a)
{
	if (!a->id || !*a->id)
		return NULL;
	const char *n = a->id;
	if (strncmp(n, LI_ORG_PREFIX, strlen(LI_ORG_PREFIX)) == 0)
		n += strlen(LI_ORG_PREFIX);
	if (!*n || strspn(n, "0123456789") != strlen(n) || strlen(n) > 20)
		return NULL;
	return xasprintf(LI_ORG_PREFIX "%s", n);
}

static void
li_start(const struct sn_account *a, struct sn_req *req, const char *method, const char *restli_method)
{
	memset(req, 0, sizeof *req);
	snprintf(req->method, sizeof req->method, "%s", method);
	req->headers[0] = xasprintf("LinkedIn-Version: %s", li_version(a));
	req->headers[1] = xstrdup("X-Restli-Protocol-Version: 2.0.0");
	if (restli_method)
		req->headers[2] = xasprintf("X-RestLi-Method: %s", restli_method);
}

static void
add_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr("|{}@[]()<>#\\*_~", s[i]))
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
}

/* The built text as little text: reserved characters escaped, hashtags as templates. */
static char *
little_text(const struct social_text *t)
{
	struct buf b = {0};
	size_t i = 0;
	for (size_t f = 0; f < t->nfacets; f++) {
		const struct social_facet *fc = &t->facets[f];
		if (fc->kind != SOCIAL_FACET_TAG || fc->start < i || fc->end > t->len)
			continue;
		add_escaped(&b, t->text + i, fc->start - i);
		buf_addf(&b, "{hashtag|\\#|");
		add_escaped(&b, fc->value, strlen(fc->value));
		buf_addf(&b, "}");
		i = fc->end;
	}
	add_escaped(&b, t->text + i, t->len - i);
	return buf_detach(&b);
}

static size_t
codepoints(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static size_t
li_measure(const struct social_text *t, void *ctx)
{
	char *l = little_text(t);
	size_t n = codepoints(l);
	free(l);
	return n;
}

/* The commentary of p's post (what create sends), or NULL when nothing fits. */
static char *
commentary(const char *body, const struct sn_post_in *p)
{
	struct social_text t;
	if (!body || social_text_fit(body, p->link, p->tags, p->ntags, LI_MAX_CHARS, 4 * LI_MAX_CHARS, li_measure, NULL,
				     &t) != 0)
		return NULL;
	char *c = little_text(&t);
	social_text_free(&t);
	return c;
}

static int
li_verify(const struct sn_account *a, struct sn_req *req)
{
	char *urn = org_urn(a);
	if (!urn)
		return -1;
	li_start(a, req, "GET", NULL);
	req->url = xasprintf("%s/rest/organizations/%s", a->base, urn + strlen(LI_ORG_PREFIX));
	free(urn);
	return 0;
}

static char *
dumps(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

static int
li_create(const struct sn_account *a, const struct sn_post_in *p, struct sn_req *req)
{
	char *urn = org_urn(a), *c = commentary(p->body, p);
	json_t *j = urn && c ? json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:[]}, s:s, s:b}", "author", urn, "commentary",
					 c, "visibility", "PUBLIC", "distribution", "feedDistribution", "MAIN_FEED",
					 "targetEntities", "thirdPartyDistributionChannels", "lifecycleState",
					 "PUBLISHED", "isReshareDisabledByAuthor", 0)
			     : NULL;
	if (j && p->link && *p->link) {
		const char *title = p->card_title && *p->card_title ? p->card_title : p->link;
		json_t *art = json_pack("{s:s, s:s}", "source", p->link, "title", title);
		if (art && p->card_text && *p->card_text)
			json_object_set_new(art, "description", json_string(p->card_text));
		json_object_set_new(j, "content", json_pack("{s:o*}", "article", art));
	}
	char *body = dumps(j);
	free(urn);
	free(c);
	if (!body)
		return -1;
	li_start(a, req, "POST", NULL);
	req->url = xasprintf("%s/rest/posts", a->base);
	req->body = body;
	req->content_type = "application/json";
	return 0;
}

static int
li_recent(const struct sn_account *a, struct sn_req *req)
{
	char *urn = org_urn(a);
	if (!urn)
		return -1;
	char *e = urlenc(urn);
	li_start(a, req, "GET", "FINDER");
	req->url = xasprintf("%s/rest/posts?author=%s&q=author&count=20", a->base, e);
	free(e);
	free(urn);
	return 0;
}

static int
li_edit(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req)
{
	char *c = commentary(p->body, p);
	char *body = c ? dumps(json_pack("{s:{s:{s:s}}}", "patch", "$set", "commentary", c)) : NULL;
	free(c);
	if (!body || !post_id || !*post_id) {
		free(body);
		return -1;
	}
	char *e = urlenc(post_id);
	li_start(a, req, "POST", "PARTIAL_UPDATE");
	req->url = xasprintf("%s/rest/posts/%s", a->base, e);
	req->body = body;
	req->content_type = "application/json";
	free(e);
	return 0;
}

static int
li_remove(const struct sn_account *a, const char *post_id, struct sn_req *req)
{
	if (!post_id || !*post_id)
		return -1;
	char *e = urlenc(post_id);
	li_start(a, req, "DELETE", "DELETE");
	req->url = xasprintf("%s/rest/posts/%s", a->base, e);
	free(e);
	return 0;
}

/* A post URN as LinkedIn gives it (urn:li:share:N, urn:li:ugcPost:N), nothing else. */
static int
good_urn(const char *s)
{
	if (!s || strncmp(s, "urn:li:", 7) != 0 || strlen(s) > 100)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == ':' ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static void
set_post(struct sn_result *out, const char *urn)
{
	free(out->id);
	free(out->url);
	out->id = xstrdup(urn);
	out->url = xasprintf("https://www.linkedin.com/feed/update/%s/", urn);
}

/* Not 2xx: the outcome, and for SN_FAIL a short reason from the status and LinkedIn's error
 * code (never its message, which may quote the post). */
static enum sn_outcome
li_error(const struct sn_resp *r, json_t *j, struct sn_result *out)
{
	enum sn_outcome o = r->status == 403 ? SN_AUTH : sn_status_outcome(r->status);
	if (o == SN_FAIL || o == SN_AUTH) {
		const char *code = json_string_value(json_object_get(j, "code"));
		long sec = (long)json_integer_value(json_object_get(j, "serviceErrorCode"));
		char c[41] = "";
		for (size_t i = 0; code && code[i] && i < 40; i++)
			c[i] = (code[i] >= 'A' && code[i] <= 'Z') || code[i] == '_' ? code[i] : '?';
		free(out->err);
		out->err = xasprintf("linkedin: HTTP %ld %s %ld", r->status, c, sec);
	}
	return o;
}

static enum sn_outcome
li_find(const struct sn_post_in *p, json_t *j, struct sn_result *out)
{
	char *c = p ? commentary(p->body, p) : NULL;
	json_t *els = json_object_get(j, "elements"), *e;
	size_t i;
	enum sn_outcome o = SN_GONE;
	if (c && json_is_array(els))
		json_array_foreach(els, i, e)
		{
			const char *cm = json_string_value(json_object_get(e, "commentary"));
			const char *id = json_string_value(json_object_get(e, "id"));
			if (cm && strcmp(cm, c) == 0 && good_urn(id)) {
				set_post(out, id);
				o = SN_OK;
				break;
			}
		}
	free(c);
	return o;
}

static enum sn_outcome
li_read(const struct sn_account *a, const char *step, const struct sn_post_in *p, const struct sn_resp *r,
	struct sn_result *out)
{
	json_t *j = r->body && r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	enum sn_outcome o = SN_OK;
	if (r->status < 200 || r->status > 299) {
		o = li_error(r, j, out);
		if (o == SN_GONE && strcmp(step, "edit") != 0 && strcmp(step, "remove") != 0) {
			o = SN_FAIL;
			free(out->err);
			out->err = xasprintf("linkedin: HTTP %ld", r->status);
		}
	} else if (strcmp(step, "create") == 0) {
		const char *id = r->restli_id ? r->restli_id : json_string_value(json_object_get(j, "id"));
		if (good_urn(id))
			set_post(out, id);
		else
			o = SN_FAIL, out->err = xstrdup("linkedin: no post id in the answer");
	} else if (strcmp(step, "recent") == 0) {
		o = li_find(p, j, out);
	} else if (strcmp(step, "verify") == 0) {
		const char *n = json_string_value(json_object_get(j, "localizedName"));
		if (n)
			out->account = str_one_line(n, 100);
		else
			o = SN_FAIL, out->err = xstrdup("linkedin: no organization in the answer");
	}
	json_decref(j);
	return o;
}

const struct social_net sn_linkedin = {
	.name = "linkedin",
	.default_base = "https://api.linkedin.com",
	.verify = li_verify,
	.limits = NULL,
	.create = li_create,
	.recent = li_recent,
	.edit = li_edit,
	.reply = NULL,
	.remove = li_remove,
	.read = li_read,
};
