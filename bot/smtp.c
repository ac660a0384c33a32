/*
 * smtp.c - submit composed mails with libcurl's SMTP client.
 *
 * One struct smtp owns one curl easy handle; libcurl keeps the connection
 * in the handle's cache between transfers, so a run of smtp_send() calls
 * needs one TCP/TLS handshake.  TLS policy: smtps:// is implicit TLS;
 * smtp:// to a non-loopback host requires STARTTLS (CURLUSESSL_ALL, never
 * _TRY); plain smtp:// only to loopback.  Peer and host name verification
 * stay on.  A struct smtp is used by one thread at a time.
 */
#include "smtp.h"

#include "config.h"
#include "curlx.h"
#include "logkv.h"
#include "util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smtp {
	CURL *curl;
	struct smtp_settings set; /* strings borrowed from the caller */
	const char *up;           /* upload cursor into the current message */
	size_t up_left;
	unsigned long connects;
	char errbuf[CURL_ERROR_SIZE];
	void (*eod_hook)(void *ud); /* called once the whole message was handed to curl */
	void *eod_ud;
	int eod_done;
};

static size_t
read_cb(char *out, size_t size, size_t nitems, void *userp)
{
	struct smtp *s = userp;
	size_t n = size * nitems;
	if (n > s->up_left)
		n = s->up_left;
	memcpy(out, s->up, n);
	s->up += n;
	s->up_left -= n;
	if (s->up_left == 0 && s->eod_hook && !s->eod_done) {
		/* the last bytes and the terminating "." reach the socket only after we
		 * return (with the size known, curl never asks again): see smtp.h */
		s->eod_done = 1;
		s->eod_hook(s->eod_ud);
	}
	return n;
}

struct smtp *
smtp_new(const struct smtp_settings *set)
{
	struct url_parts u;
	struct smtp *s = NULL;
	long use_ssl;
	long timeout = set->timeout_s > 0 ? set->timeout_s : 60;

	if (!set->url || url_parse(set->url, &u) < 0) {
		log_err("event=start_failed transport=smtp reason=malformed_url");
		return NULL;
	}
	if (!strcmp(u.scheme, "smtps"))
		use_ssl = CURLUSESSL_ALL; /* implicit TLS anyway */
	else if (!strcmp(u.scheme, "smtp"))
		use_ssl = is_loopback_host(u.host) ? CURLUSESSL_NONE : CURLUSESSL_ALL;
	else {
		log_err("event=start_failed transport=smtp reason=url_scheme scheme=%s", LOG_KV(u.scheme));
		goto fail;
	}
	CURLcode global = curlx_global();
	if (global != CURLE_OK) {
		log_err("event=start_failed transport=smtp reason=curl_global_init error=%s",
			LOG_KV(curl_easy_strerror(global)));
		goto fail;
	}
	s = xcalloc(1, sizeof *s);
	s->set = *set;
	s->curl = curl_easy_init();
	if (!s->curl) {
		log_err("event=start_failed transport=smtp reason=curl_easy_init");
		goto fail;
	}
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, set->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (set->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, set->ca_file);
	if (set->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, set->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, set->password ? set->password : "");
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	url_parts_free(&u);
	return s;
fail:
	url_parts_free(&u);
	smtp_free(s);
	return NULL;
}

void
smtp_free(struct smtp *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl); /* sends QUIT on a cached connection */
	free(s);
}

unsigned long
smtp_connect_count(const struct smtp *s)
{
	return s ? s->connects : 0;
}

/* An envelope address must not carry anything that changes the SMTP
 * command line: no controls, spaces or angle brackets. */
static int
envelope_ok(const char *a, int may_be_empty)
{
	if (!a || (!*a && !may_be_empty))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* Failures that say nothing about this message: retry later. */
static int
connection_level(CURLcode r)
{
	switch (r) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
	case CURLE_GOT_NOTHING:
	case CURLE_AUTH_ERROR:
		return 1;
	default:
		return 0;
	}
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

int
smtp_send(struct smtp *s, const char *env_from, const char *rcpt, const char *data, size_t len, char *err,
	  size_t errlen)
{
	struct curl_slist *rcpts = NULL;
	char *from = NULL, *to = NULL;
	int ret = SMTP_ERR_TEMP;
	CURLcode r = CURLE_OK;
	long code = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!envelope_ok(env_from, 1) || !envelope_ok(rcpt, 0)) {
		set_err(err, errlen, "invalid envelope address");
		return SMTP_ERR_PERM;
	}
	from = xasprintf("<%s>", env_from);
	to = xasprintf("<%s>", rcpt);
	rcpts = curl_slist_append(NULL, to);
	if (!rcpts)
		fatal("out of memory");
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

	/* A cached connection the server has closed in the meantime fails
	 * without a reply code; one fresh attempt then is not a duplicate. */
	for (int attempt = 0; attempt < 2; attempt++) {
		long nconn = 0;
		s->up = data;
		s->up_left = len;
		s->eod_done = 0;
		s->errbuf[0] = '\0';
		r = curl_easy_perform(s->curl);
		curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &nconn);
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
		s->connects += (unsigned long)nconn;
		if (r == CURLE_OK || nconn > 0 || code != 0 || connection_level(r))
			break;
	}
	if (r == CURLE_OK) {
		ret = SMTP_OK;
		goto out;
	}
	/* errbuf holds curl's own wording ("RCPT failed: 550"): no credentials */
	set_err(err, errlen, "%s%s%s (reply %ld)", curl_easy_strerror(r), s->errbuf[0] ? ": " : "", s->errbuf, code);
	if (!connection_level(r) && code >= 500 && code <= 599)
		ret = SMTP_ERR_PERM;
	else
		ret = SMTP_ERR_TEMP;
out:
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, NULL);
	curl_slist_free_all(rcpts);
	free(from);
	free(to);
	return ret;
}

void
smtp_set_eod_hook(struct smtp *s, void (*fn)(void *ud), void *ud)
{
	s->eod_hook = fn;
	s->eod_ud = ud;
}
