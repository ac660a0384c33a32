/*
 * social.h - social posts (schema 13: table social_post).  One row per item (an event, an
 * offer, a programme call) and channel ("bluesky", …), queued with its outbox row in the
 * caller's transaction; the record key (rkey) is fixed at queue time, so that a retry after a
 * crash addresses the same post.  The channel's transport writes the outcome: the post's
 * address (uri, cid) and web URL, or the error.  Functions return DB_OK, DB_NOTFOUND where
 * stated, or a negative value on a database error (logged).
 */
#ifndef MB_STATE_SOCIAL_H
#define MB_STATE_SOCIAL_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

struct social_post {
	int64_t id;
	char *channel, *item_kind;
	int64_t item_id, outbox_id;
	char *rkey;
	char *uri, *cid, *url; /* NULL until posted */
	char *status;          /* queued, posted, failed */
	char *error;           /* failed: why */
	int64_t created, posted_at;
};
void social_posts_free(struct social_post *v, size_t n);

/* The outbox Message-ID of an item's post on a channel (caller frees). */
char *social_message_id(const char *channel, const char *item_kind, int64_t item_id);

/*
 * Queue item's post on channel: the social_post row (with rkey) and the outbox row
 * (transport channel, kind "social", rcpt "<item_kind>:<item_id>", payload) together.
 * DB_NOTFOUND when the item has a row on that channel already (nothing is queued again).
 */
int state_social_queue(struct db *db, const char *channel, const char *item_kind, int64_t item_id, const char *rkey,
		       const char *payload);
/* The row of the outbox row outbox_id into *out (DB_NOTFOUND: none). */
int state_social_by_outbox(struct db *db, int64_t outbox_id, struct social_post *out);
/* The network took it: uri, cid, url, posted_at = now, status posted. */
int state_social_posted(struct db *db, int64_t outbox_id, const char *uri, const char *cid, const char *url);
/* Given up: status failed with err. */
int state_social_failed(struct db *db, int64_t outbox_id, const char *err);
/* Every post of an item, by channel.  *out: caller frees with social_posts_free. */
int state_social_of_item(struct db *db, const char *item_kind, int64_t item_id, struct social_post **out, size_t *n);
/* Every failed post, newest first.  *out: caller frees with social_posts_free. */
int state_social_failures(struct db *db, struct social_post **out, size_t *n);

#endif
