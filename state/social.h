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
	char *status;          /* queued, posted, failed, deleted */
	char *error;           /* failed: why */
	int64_t created, posted_at;
};
void social_posts_free(struct social_post *v, size_t n);
/* Free one row's fields (a zeroed row is fine). */
void social_post_clear(struct social_post *p);

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

/*
 * Changes (schema 14: table social_change): an edit (a reply on the networks that cannot edit)
 * or a delete of an item's post, each its own outbox row (transport channel, kind
 * "social_change", rcpt "<item_kind>:<item_id>", Message-ID social_change_message_id) with a
 * key fixed at queue time.  The post is marked deleted when a delete is done.
 */
struct social_change {
	int64_t id, post_id, outbox_id;
	char *channel, *item_kind; /* the post's */
	int64_t item_id;
	char *op; /* edit, delete */
	int n;    /* 1, 2, … per post */
	char *rkey;
	char *status; /* queued, done, skipped (the post failed or is gone), failed */
	char *uri, *url, *error;
	int64_t created, done_at;
};
void social_changes_free(struct social_change *v, size_t n);
void social_change_clear(struct social_change *c);
/* social.<channel>.<kind>.<id>.<op>.<n>@mentorbot (caller frees). */
char *social_change_message_id(const char *channel, const char *item_kind, int64_t item_id, const char *op, int n);
/*
 * Queue a change of item's post on channel: the social_change row (with rkey) and its outbox
 * row, in the caller's transaction.  DB_NOTFOUND when there is nothing a change could follow:
 * no post there, the post failed or is deleted, or its delete is queued already.
 */
int state_social_change_queue(struct db *db, const char *channel, const char *item_kind, int64_t item_id,
			      const char *op, const char *rkey, const char *payload);
/* The change of outbox row outbox_id and its post (DB_NOTFOUND: none).  Free both. */
int state_social_change_by_outbox(struct db *db, int64_t outbox_id, struct social_change *c, struct social_post *p);
/* The change is over: status done (uri, url of a reply; a delete marks its post deleted),
 * skipped or failed (err). */
int state_social_change_done(struct db *db, int64_t outbox_id, const char *status, const char *uri, const char *url,
			     const char *err);
/* Every change of an item's posts, by channel and number.  Caller frees. */
int state_social_changes_of_item(struct db *db, const char *item_kind, int64_t item_id, struct social_change **out,
				 size_t *n);
/* Every failed change, newest first.  Caller frees. */
int state_social_change_failures(struct db *db, struct social_change **out, size_t *n);

#endif
