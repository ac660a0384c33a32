/*
 * bluesky_int.h - what the files of the Bluesky side share: bluesky_http.c (XRPC requests
 * over libcurl, the session: createSession, refreshSession) and bluesky.c (the transport:
 * its sender thread posts the queued "bluesky" outbox rows), and cli_social.c ("mentorbot
 * social test").  https://, or http:// to loopback only ([bluesky] url is checked so); TLS
 * is verified.  The app password and the tokens are never logged.
 */
#ifndef MB_BLUESKY_INT_H
#define MB_BLUESKY_INT_H

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>

#include "util.h"

/* Outcome of one request. */
enum bs_rc {
	BS_OK = 0,       /* 2xx: *out holds the JSON body (or NULL) */
	BS_HTTP = -1,    /* another status: *status and maybe *out (the error body) */
	BS_NET = -2,     /* no answer: connection, timeout, a body over the cap */
	BS_STOPPED = -3, /* *stop was set */
};

struct bs_client {
	char *base;     /* the PDS URL without a trailing '/' */
	char *handle;   /* the account */
	char *password; /* the app password (never logged) */
	volatile sig_atomic_t *stop;
	CURL *curl;
	struct buf resp;
	int over_cap;
	char errbuf[CURL_ERROR_SIZE];
	long retry_after;             /* seconds, from the last 429's ratelimit-reset / Retry-After (0: none) */
	char *access, *refresh, *did; /* the session, NULL before the login */
};

/* 0, or -1 (logged). */
int bs_init(struct bs_client *c, const char *url, const char *handle, const char *password,
	    volatile sig_atomic_t *stop);
void bs_free(struct bs_client *c);
/* One XRPC call: method GET or POST, nsid e.g. "com.atproto.repo.createRecord", query
 * (encoded) or NULL, body (borrowed) for POST, token: "access", "refresh" or NULL.  An enum
 * bs_rc; *out (caller decrefs) and *status as described there. */
int bs_call(struct bs_client *c, const char *method, const char *nsid, const char *query, json_t *body,
	    const char *token, json_t **out, long *status);
/* The error name of an error body ("ExpiredToken", …), or "?". */
const char *bs_errname(json_t *err);
/* Log in (createSession): BS_OK with the session set; BS_HTTP with *status (401: the
 * handle or password is refused) and *err (an allocated short reason); or BS_NET. */
int bs_login(struct bs_client *c, long *status, char **err);
/* refreshSession with the refresh token: BS_OK, or another bs_rc (log in again then). */
int bs_refresh(struct bs_client *c);
/* URL-encode a query value.  Caller frees. */
char *bs_escape(struct bs_client *c, const char *s);

#endif
