/*
 * social_net.h - the social networks reached with a bearer token: Mastodon, LinkedIn, a
 * Facebook page and X.  One transport (bot/social_net.c) sends their outbox rows; each
 * network is an adapter of pure functions (bot/sn_mastodon.c, sn_linkedin.c, sn_facebook.c,
 * sn_x.c) that build its requests and read its answers, so that they are unit-tested and the
 * readers of the networks' answers (untrusted input) are fuzzed (tests/fuzz/fuzz_social_resp.c).
 *
 * The outbox rows of these transports (transport = the network's name, rcpt "<kind>:<id>"):
 *   kind "social": a new post.  Payload (JSON):
 *     {"key": K, "lang": "de", "body": B, "link": L|null, "card_title": T, "card_text": D|null,
 *      "tags": ["a", …]}
 *     K is the post's key fixed at queue time (social_post.rkey): Mastodon's Idempotency-Key,
 *     and for the networks without idempotency what identifies the post among the account's
 *     recent ones before a retry (its text is built from the payload only, so a retry builds
 *     the same text).
 *   kind "social_change": a change of an item posted before (social_post.uri holds the
 *     network's post id).  Payload {"key": K2, "op": "edit"|"delete", …the fields above, for
 *     edit the item's new text, plus "changes": C (what changed, for a reply)}.  "edit" edits
 *     the post where the network allows it (Mastodon, Facebook) and otherwise replies to it
 *     with C (X, and Bluesky); "delete" deletes it.  A change row whose post is still queued
 *     waits (SEND_RETRY); one whose post failed or was never made is done with nothing sent.
 *
 * Authorization (Bearer token) is added by the transport; adapters never see it in a header.
 */
#ifndef MB_SOCIAL_NET_H
#define MB_SOCIAL_NET_H

#include <stddef.h>

#include "transport.h"

/* The account an adapter works for. */
struct sn_account {
	const char *name;       /* "mastodon", "linkedin", "facebook", "x" */
	const char *base;       /* API base URL, no trailing '/' (from the config, or the network's default) */
	const char *id;         /* [linkedin] organization URN, [facebook] page id, [x] the user id
				 * when known (verify reads it into sn_result.id); NULL otherwise */
	long max_chars;         /* Mastodon: the instance's max_characters (0: not read yet: 500) */
	const char *version;    /* [linkedin] LinkedIn-Version, [facebook] Graph API version; NULL otherwise */
	const char *visibility; /* [mastodon] public, unlisted or private; NULL otherwise */
};

/* What a post says (from the row's payload). */
struct sn_post_in {
	const char *key; /* the post's key (see above) */
	const char *lang, *body, *link, *card_title, *card_text, *changes;
	const char *const *tags;
	size_t ntags;
};

/* One HTTP request an adapter wants made. */
#define SN_MAX_HEADERS 6
struct sn_req {
	char method[8];                    /* "GET", "POST", "PUT", "DELETE" */
	char *url;                         /* absolute */
	char *body;                        /* NULL: none */
	const char *content_type;          /* with body: "application/json" or "application/x-www-form-urlencoded" */
	char *headers[SN_MAX_HEADERS + 1]; /* extra "Name: value" lines, NULL-terminated */
};
void sn_req_free(struct sn_req *r);

/* Its answer. */
struct sn_resp {
	long status;
	const char *body; /* NUL-terminated (may be empty) */
	size_t len;
	const char *restli_id; /* LinkedIn's x-restli-id header, or NULL */
};

enum sn_outcome {
	SN_OK,    /* done; the result's fields filled where the step has them */
	SN_RETRY, /* try again later (429 — the transport reads the rate-limit headers — and 5xx) */
	SN_AUTH,  /* the token is refused (expired, revoked): this channel stops, staff are told once */
	SN_FAIL,  /* refused for good; err says why */
	SN_GONE,  /* edit/delete: the post is not there any more (nothing to do) */
};

struct sn_result {
	char *id;       /* the network's post id */
	char *url;      /* its web address */
	char *err;      /* SN_FAIL: a short reason (no token, no body) */
	char *account;  /* verify: the account's name */
	long max_chars; /* limits */
};
void sn_result_free(struct sn_result *r);

struct social_net {
	const char *name;         /* the config section and the outbox transport */
	const char *default_base; /* https://api.linkedin.com, … (Mastodon: none, [mastodon] url is required) */
	/* Each builder returns 0 with *req set, or -1 (nothing to send: the text does not fit). */
	int (*verify)(const struct sn_account *a, struct sn_req *req); /* credentials check */
	int (*limits)(const struct sn_account *a, struct sn_req *req); /* NULL: fixed limits */
	int (*create)(const struct sn_account *a, const struct sn_post_in *p, struct sn_req *req);
	int (*recent)(const struct sn_account *a, struct sn_req *req); /* NULL: create is idempotent */
	int (*edit)(const struct sn_account *a, const char *post_id, const struct sn_post_in *p,
		    struct sn_req *req); /* NULL: changes are replies */
	int (*reply)(const struct sn_account *a, const char *post_id, const struct sn_post_in *p, struct sn_req *req);
	int (*remove)(const struct sn_account *a, const char *post_id, struct sn_req *req);
	/* Readers: the step is "verify", "limits", "create", "edit", "reply", "remove" (and for
	 * "recent", find p's post: SN_OK with out->id set when found, SN_GONE when not). */
	enum sn_outcome (*read)(const struct sn_account *a, const char *step, const struct sn_post_in *p,
				const struct sn_resp *r, struct sn_result *out);
};

extern const struct social_net sn_mastodon, sn_linkedin, sn_facebook, sn_x;
/* The adapter named name, or NULL. */
const struct social_net *social_net(const char *name);

/* The common reading of a status: 2xx SN_OK, 401 (and 403 where the adapter says so) SN_AUTH,
 * 404/410 SN_GONE, 429 and 5xx SN_RETRY, other SN_FAIL. */
enum sn_outcome sn_status_outcome(long status);

/* Seconds from now until the reset a rate-limit header of a 429 gives, or -1 (unreadable):
 * Retry-After (seconds or an HTTP date), ratelimit-reset (seconds), x-ratelimit-reset
 * (Mastodon: an ISO 8601 time; elsewhere epoch seconds), x-rate-limit-reset (X: epoch
 * seconds).  Pure (bot/social_net.c). */
#include <time.h>
long sn_reset_seconds(const char *header, const char *value, time_t now);

/* The transports (one per network, all the same code in bot/social_net.c). */
extern const struct transport_ops mastodon_transport_ops, linkedin_transport_ops, facebook_transport_ops,
	x_transport_ops;

#endif
