/*
 * calls.h - programme calls (schema 14: table programme_call) and the hashtags of a
 * programme's and an event's social posts.  A call is open from "programme <slug> call" until
 * it is closed or its deadline (until) has passed; each opening is a new row, the item the
 * social channels post.  Functions return DB_OK, DB_NOTFOUND where stated, or a negative value
 * on a database error.
 */
#ifndef MB_STATE_CALLS_H
#define MB_STATE_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

struct programme_call {
	int64_t id, programme_id;
	char *slug, *name; /* the programme's */
	int64_t until;     /* the deadline (epoch s), 0: none */
	int64_t opened, closed;
};
void programme_calls_free(struct programme_call *v, size_t n);

/* Open a new call of programme slug (an open one is closed first): *id the new call's id.
 * DB_NOTFOUND: no such programme. */
int state_call_open(struct db *db, const char *slug, int64_t until, const char *by, int64_t *id);
/* Close the open call of slug: DB_NOTFOUND when none is open.  *id the call closed. */
int state_call_close(struct db *db, const char *slug, int64_t *id);
/* The call of slug open at now into *out (DB_NOTFOUND: none); free with programme_call_free. */
int state_call_current(struct db *db, const char *slug, int64_t now, struct programme_call *out);
void programme_call_free(struct programme_call *c);
/* Every call open at now, by programme id.  Caller frees. */
int state_calls_open(struct db *db, int64_t now, struct programme_call **out, size_t *n);

/* The hashtags (blank-separated words, without '#') of a programme or an event, or NULL. */
int state_programme_hashtags_set(struct db *db, const char *slug, const char *tags);
int state_programme_hashtags(struct db *db, const char *slug, char **out);
int state_event_hashtags_set(struct db *db, int64_t id, const char *tags);
int state_event_hashtags(struct db *db, int64_t id, char **out);

#endif
