/*
 * bluesky_http.c - XRPC requests to a Bluesky PDS (libcurl, JSON with jansson) and the
 * session (see bluesky_int.h).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bluesky_int.h"
#include "curlx.h"
#include "logkv.h"
#include "util.h"

#define BS_RESP_CAP (1u << 20)

static size_t
bs_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct bs_client *c = ud;
	size_t n = size * nmemb;
	if (c->resp.len + n > BS_RESP_CAP) {
		c->over_cap = 1;
		return 0;
	}
	buf_add(&c->resp, data, n);
	return n;
}

/* ratelimit-reset (epoch s) or Retry-After (s) of a 429 into c->retry_after. */
static size_t
bs_header_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct bs_client *c = ud;
	size_t n = size * nmemb;
	char line[128];
	if (n >= sizeof line)
		return n;
	memcpy(line, data, n);
	line[n] = 0;
	long v;
	if (strncasecmp(line, "ratelimit-reset:", 16) == 0 && sscanf(line + 16, " %ld", &v) == 1) {
		long d = v - (long)time(NULL);
		c->retry_after = d > 0 ? d + 1 : 1; /* the reset second is whole: one more, not one early */
	} else if (strncasecmp(line, "retry-after:", 12) == 0 && sscanf(line + 12, " %ld", &v) == 1) {
		c->retry_after = v > 0 ? v : 1;
	}
	return n;
}

static int
bs_progress_cb(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct bs_client *c = ud;
	return c->stop && *c->stop ? 1 : 0;
}

int
bs_init(struct bs_client *c, const char *url, const char *handle, const char *password, volatile sig_atomic_t *stop)
{
	memset(c, 0, sizeof *c);
	if (curlx_global() != CURLE_OK || !(c->curl = curl_easy_init())) {
		log_err("event=start_failed transport=bluesky reason=curl_init");
		return -1;
	}
	c->base = xstrdup(url);
	size_t bl = strlen(c->base);
	while (bl && c->base[bl - 1] == '/')
		c->base[--bl] = 0;
	c->handle = xstrdup(handle);
	c->password = xstrdup(password);
	c->stop = stop;
	CURL *h = c->curl;
	curlx_http_defaults(h, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bs_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, bs_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, bs_progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	return 0;
}

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
bs_session_clear(struct bs_client *c)
{
	wipe_free(c->access);
	wipe_free(c->refresh);
	free(c->did);
	c->access = c->refresh = c->did = NULL;
}

void
bs_free(struct bs_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	buf_free(&c->resp);
	bs_session_clear(c);
	wipe_free(c->password);
	free(c->handle);
	free(c->base);
	memset(c, 0, sizeof *c);
}

char *
bs_escape(struct bs_client *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	if (!e)
		fatal("bluesky: out of memory");
	char *r = xstrdup(e);
	curl_free(e);
	return r;
}

const char *
bs_errname(json_t *err)
{
	const char *e = json_string_value(json_object_get(err, "error"));
	return e ? e : "?";
}

int
bs_call(struct bs_client *c, const char *method, const char *nsid, const char *query, json_t *body, const char *token,
	json_t **out, long *status)
{
	CURL *h = c->curl;
	*out = NULL;
	*status = 0;
	if (c->stop && *c->stop)
		return BS_STOPPED;
	char *url = xasprintf("%s/xrpc/%s%s%s", c->base, nsid, query ? "?" : "", query ? query : "");
	const char *tok = token && strcmp(token, "refresh") == 0 ? c->refresh : token ? c->access : NULL;
	char *auth = tok ? xasprintf("Authorization: Bearer %s", tok) : NULL;
	struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/json");
	if (auth)
		hd = curl_slist_append(hd, auth);
	char *payload = NULL;
	buf_free(&c->resp);
	c->over_cap = 0;
	c->errbuf[0] = 0;
	c->retry_after = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		hd = curl_slist_append(hd, "Content-Type: application/json");
		payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload ? payload : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(payload ? strlen(payload) : 0));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	CURLcode cr = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hd);
	wipe_free(auth);
	free(payload);
	free(url);
	if (c->stop && *c->stop)
		return BS_STOPPED;
	if (cr != CURLE_OK) {
		log_warn("event=request_failed transport=bluesky xrpc=%s error=%s", LOG_KV(nsid),
			 LOG_KV(c->errbuf[0] ? c->errbuf : curl_easy_strerror(cr)));
		return BS_NET;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (c->resp.len)
		*out = json_loadb(c->resp.p, c->resp.len, 0, NULL);
	if (*status >= 200 && *status < 300)
		return BS_OK;
	return BS_HTTP;
}

int
bs_login(struct bs_client *c, long *status, char **err)
{
	*err = NULL;
	bs_session_clear(c);
	json_t *body = json_pack("{s:s, s:s}", "identifier", c->handle, "password", c->password);
	json_t *out;
	int rc = bs_call(c, "POST", "com.atproto.server.createSession", NULL, body, NULL, &out, status);
	json_decref(body);
	if (rc == BS_OK) {
		const char *a = json_string_value(json_object_get(out, "accessJwt"));
		const char *r = json_string_value(json_object_get(out, "refreshJwt"));
		const char *d = json_string_value(json_object_get(out, "did"));
		if (a && r && d) {
			c->access = xstrdup(a);
			c->refresh = xstrdup(r);
			c->did = xstrdup(d);
		} else {
			rc = BS_NET;
		}
	} else if (rc == BS_HTTP) {
		const char *m = json_string_value(json_object_get(out, "message"));
		*err = xasprintf("HTTP %ld %s%s%s", *status, bs_errname(out), m ? ": " : "", m ? m : "");
	} else {
		*err = xstrdup(c->errbuf[0] ? c->errbuf : "no answer");
	}
	json_decref(out);
	return rc;
}

int
bs_refresh(struct bs_client *c)
{
	if (!c->refresh)
		return BS_HTTP;
	json_t *out;
	long st;
	int rc = bs_call(c, "POST", "com.atproto.server.refreshSession", NULL, NULL, "refresh", &out, &st);
	const char *a = json_string_value(json_object_get(out, "accessJwt"));
	const char *r = json_string_value(json_object_get(out, "refreshJwt"));
	if (rc == BS_OK && a && r) {
		wipe_free(c->access);
		wipe_free(c->refresh);
		c->access = xstrdup(a);
		c->refresh = xstrdup(r);
	} else if (rc == BS_OK) {
		rc = BS_HTTP;
	}
	json_decref(out);
	return rc;
}
