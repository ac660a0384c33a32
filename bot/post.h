/*
 * post.h - posting to a group: a named set of rooms and mail recipients.
 */
#ifndef MB_POST_H
#define MB_POST_H

#include <stdint.h>

struct config;
struct db;
struct templates;

/*
 * The members of group name: from [groups] in the configuration, else from
 * the database (set with "mentorbot group set").  Returns an allocated
 * comma-separated list, or NULL if there is no such group.
 */
char *group_members(struct db *db, const struct config *cfg, const char *name);

/*
 * Queue text for every member of group, in one transaction: each room
 * ("xmpp:room@…", "matrix:!id…" or "matrix:#alias…") gets one message,
 * spaced post_interval seconds after the previous post to that room; each
 * person of "members:<programme|all>" and each plain mail address gets
 * one mail of its own (never a long To/Cc), in the person's language.
 * key: the installation key (state_install_key), which makes the ids unguessable.
 * Without [smtp] the mail recipients are left out: *mail_skipped counts them.
 * *queued gets the number of outbox rows.  0, or -1 (unknown group: 1).
 */
int post_to_group(struct db *db, const struct config *cfg, const struct templates *tmpl, const unsigned char *key,
		  const char *group, const char *text, int *queued, int *mail_skipped);

/* post_to_group inside the caller's transaction (a handler's post, e.g. an approved offer):
 * no transaction of its own and no audit row of the command line.  0, -1 (unknown group: 1). */
int post_to_group_txn(struct db *db, const struct config *cfg, const struct templates *tmpl, const unsigned char *key,
		      const char *group, const char *text, int *queued);

/*
 * Pacing at send time, for the chat senders: an outbox row of pacing class
 * "room" (a post, see state.h) may go to room only interval_s after the
 * previous post there.  Returns 0 (go; the time is recorded) or the seconds
 * still to wait.  Other rows always return 0.  Thread-safe.
 */
int post_pacing(const char *transport, const char *room, const char *pacing_class, int interval_s);

#endif
