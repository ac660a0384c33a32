/*
 * state.h - everything mentorbot keeps, behind named operations.  This is
 * the only module that speaks SQL.  One struct db is one SQLite connection;
 * it is used by one thread at a time (each thread opens its own).
 *
 * Writes happen inside db_begin()/db_commit() (BEGIN IMMEDIATE).  The
 * database runs in WAL mode with synchronous=FULL, so a returned
 * db_commit() is durable: only after it may a mail be flagged or moved.
 *
 * Strings returned inside structs are owned by the struct and freed by its
 * *_free() function.  Functions return DB_OK (0) on success, DB_NOTFOUND
 * and DB_EXISTS where stated, and DB_ERR on a database error (logged); every
 * code but DB_OK is negative.
 */
#ifndef MB_STATE_H
#define MB_STATE_H

#include <stddef.h>
#include <stdint.h>

struct db;

/*
 * DB_NOTFOUND is an answer (no such row, nothing changed), not a failure:
 * test for a failure with db_failed(), not with "< 0".  DB_EXISTS says a
 * UNIQUE or PRIMARY KEY constraint refused a write ("already there").  It is
 * an answer only where a function says so, and its callers test for it by
 * name; db_failed() counts it as a failure, so one nobody expected is undone
 * like any other.  (Other constraint violations are DB_ERR.)
 */
enum { DB_OK = 0, DB_ERR = -1, DB_NOTFOUND = -2, DB_EXISTS = -3 };
static inline int
db_failed(int rc)
{
	return rc < 0 && rc != DB_NOTFOUND;
}

/* Open (creating if needed) and migrate to the current schema version. */
int db_open(struct db **out, const char *path);
void db_close(struct db *db);
/*
 * synchronous=NORMAL for this connection (the XMPP thread, the mail sender).
 * In WAL mode a commit then survives a crash of the process (kill -9) but
 * not a power loss.  Used where no server waits for our acknowledgement: an
 * XMPP message is not acknowledged at all, and a "sent" mark lost to a power
 * cut only means a resend with the same Message-ID.  The mail thread keeps
 * FULL (IMAP flags follow its commits), and its commits flush the shared WAL.
 * Commits stay ordered either way.
 */
int db_sync_normal(struct db *db);
/* Savepoints inside a transaction: one command of a batch can be undone alone. */
int db_savepoint(struct db *db);
int db_release(struct db *db);
void db_rollback_savepoint(struct db *db);
int db_schema_version(struct db *db);
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* One write transaction: BEGIN IMMEDIATE, fn(db, ud), COMMIT; ROLLBACK when fn fails
 * (db_failed: DB_NOTFOUND commits) or the commit fails.  fn's result, or DB_ERR.  Commands, jobs and posts go through
 * dispatch_txn() (bot/dispatch.h), which adds the template lock; transports use this for
 * their bookkeeping (the journal, sent marks, checkpoints). */
int db_txn(struct db *db, int (*fn)(struct db *db, void *ud), void *ud);
/* Rows inserted, changed or deleted on this connection since it was opened (rolled-back ones
 * included): the difference across a step tells whether it wrote anything. */
int64_t db_total_changes(struct db *db);

/* ---- people and endpoints ---- */
struct person {
	int64_t id;
	char *lang; /* "de"/"en" or NULL */
	char *name; /* or NULL */
	char *consent_version;
	int64_t consent_at;
	int64_t created;
};
void person_free(struct person *p);
/* Person owning a *verified* endpoint (kind "mail"/"xmpp"/"matrix"). DB_NOTFOUND if none. */
int state_person_by_endpoint(struct db *db, const char *kind, const char *addr, struct person *out);
int state_person_create(struct db *db, const char *lang, int64_t *id_out);
int state_person_set_lang(struct db *db, int64_t person, const char *lang);
int state_person_set_consent(struct db *db, int64_t person, const char *version, int64_t at);
/* Add (or re-verify) an endpoint for person. */
int state_endpoint_add(struct db *db, int64_t person, const char *kind, const char *addr, int verified);
struct endpoint {
	char *kind;
	char *addr;
	int verified;
};
/* All endpoints of a person; *out is an array the caller frees with endpoints_free. */
int state_endpoints(struct db *db, int64_t person, struct endpoint **out, size_t *n);
void endpoints_free(struct endpoint *v, size_t n);

/* ---- programmes and memberships ---- */
struct membership {
	char *programme; /* slug */
	char *name;      /* display name */
	char *role;      /* mentee, mentor, alumnus, member */
	char *status;    /* active, pending, left */
	int64_t since;
};
int state_programme_exists(struct db *db, const char *slug, char **name_out);
/* Slugs of all programmes, for help texts: "a, b, c". Caller frees. */
char *state_programme_list(struct db *db);
int state_membership_set(struct db *db, int64_t person, const char *programme, const char *role, const char *status);
/* Set status of every matching active/pending membership; programme NULL = all. *changed gets the count. */
int state_membership_leave(struct db *db, int64_t person, const char *programme, int *changed);
int state_memberships(struct db *db, int64_t person, struct membership **out, size_t *n);
void memberships_free(struct membership *v, size_t n);

/* ---- profile ---- */
int state_profile_set(struct db *db, int64_t person, const char *field, const char *value);
int state_profile_set_visible(struct db *db, int64_t person, const char *field, int visible);
struct profile_field {
	char *field;
	char *value;
	int visible;
};
int state_profile(struct db *db, int64_t person, struct profile_field **out, size_t *n);
void profile_free(struct profile_field *v, size_t n);

/* ---- tokens (reply-to-confirm) ----
 * Only the SHA-256 of a token is stored.  mail_msgid is the Message-ID of
 * the mail that carried the token, so a plain reply to it can confirm. */
struct token {
	int64_t id;
	char *kind;     /* "join", "link" */
	int64_t person; /* 0 when none yet */
	char *ep_kind;
	char *ep_addr;
	char *payload; /* e.g. programme slug */
	char *lang;
	int64_t expires;
	int used;
};
void token_free(struct token *t);
int state_token_add(struct db *db, const char *hash, const struct token *t, const char *mail_msgid);
int state_token_by_hash(struct db *db, const char *hash, struct token *out);
int state_token_by_msgid(struct db *db, const char *msgid, struct token *out);
int state_token_use(struct db *db, int64_t id);

/* ---- the installation key (bot/keyed.h) and proof by Message-ID ---- */
/* The installation key (len bytes): read, or made at first call from the system's random
 * source and stored (its own transaction: call outside one). */
int state_install_key(struct db *db, unsigned char *key, size_t len);
/* The address the mail with Message-ID msgid (without <>) was queued for, if the bot queued
 * it after its key existed; *rcpt allocated (caller frees).  DB_NOTFOUND otherwise. */
int state_outbox_mail_rcpt(struct db *db, const char *msgid, char **rcpt);

/* ---- inbound journal ---- */
struct journal_row {
	int64_t id;
	char *transport;
	char *dedupe;
	char *raw; /* the message bytes (mail) or text (chat) */
	size_t rawlen;
	int attempts;
	uint32_t uid;
	uint32_t uidvalidity;
	char *meta; /* transport specific, or NULL */
};
void journal_row_free(struct journal_row *m);
/* Record a message; DB_NOTFOUND when the dedupe key is already known (then nothing changes). */
int state_inbound_add(struct db *db, const char *transport, const char *dedupe, const char *raw, size_t rawlen,
		      uint32_t uidvalidity, uint32_t uid, const char *meta, int64_t *id_out);
/* Up to max ids of messages in status 'new', oldest first; with their attempt counts. */
int state_inbound_pending(struct db *db, const char *transport, int64_t *ids, int *attempts, size_t max, size_t *n);
int state_inbound_get(struct db *db, int64_t id, struct journal_row *out);
int state_inbound_attempt(struct db *db, const int64_t *ids, size_t n);
/* The same in a transaction of its own (committed before the messages run). */
int state_inbound_attempt_txn(struct db *db, const int64_t *ids, size_t n);
/* status: done, ignored, quarantined. reason may be NULL. */
int state_inbound_finish(struct db *db, int64_t id, const char *status, const char *reason);
/* Mail still to move: (uid, status) of finished messages of this uidvalidity not yet moved. */
int state_inbound_unmoved(struct db *db, uint32_t uidvalidity, uint32_t *uids, int *quarantine, size_t max, size_t *n);
int state_inbound_mark_moved(struct db *db, uint32_t uidvalidity, const uint32_t *uids, size_t n);
/* Re-mark a uid as moved even though it was deduplicated (an older copy exists). */

/* ---- IMAP checkpoint ---- */
int state_imap_checkpoint(struct db *db, const char *folder, uint32_t *uidvalidity, uint32_t *last_uid);
int state_imap_set_checkpoint(struct db *db, const char *folder, uint32_t uidvalidity, uint32_t last_uid);

/* ---- outbox ---- */
/*
 * Every row has a kind (what it is) and a pacing class (how the sender spaces it):
 *   kind   "reply"  an answer to the sender of an inbound message (state_outbox_add's default)
 *          "notice" any other message a handler, job or the CLI queues for one person
 *          "invite" an event invitation, update or cancellation
 *          "post"   a message to a group ("mentorbot post", post_to_group)
 *   pacing NULL     sent as soon as it is due
 *          "announce"  mail: at most [bot] announce_rate a second, counted at send time
 *          "room"      chat: [bot] post_interval seconds after the previous post to the room
 * The pacing class follows from kind and transport (state_outbox_pacing); rows of schema
 * version 8 and older were classified by their Message-ID once, the way the senders did then.
 * A chat row (xmpp, matrix) is the message itself: rcpt the room or user, chat_type
 * "groupchat" (a room message) or "chat" (a direct message), payload the text.  Rows of
 * schema version 9 and older held {"to", "type", "body"} as JSON and were converted once.
 */
struct outbox_item {
	int64_t id;
	char *message_id;
	char *transport;
	char *env_from;
	char *rcpt;
	char *payload;
	size_t len;
	int attempts;
	char *kind;      /* never NULL for a row read by state_outbox_due */
	char *pacing;    /* NULL: none */
	char *chat_type; /* chat rows: "groupchat" | "chat"; NULL for mail */
};
void outbox_item_free(struct outbox_item *o);
/* The pacing class of a row of kind on transport, or NULL (static string). */
const char *state_outbox_pacing(const char *transport, const char *kind);
/*
 * Queue one row: inbound is the journal row it answers (0: none), next_try the earliest
 * send time (0: now), kind one of the kinds above (NULL: "reply").  The caller keeps
 * every argument (SQLite copies what it stores).  DB_OK, DB_NOTFOUND if message_id is
 * queued already (idempotent), or DB_ERR.
 */
int state_outbox_put(struct db *db, int64_t inbound, const char *transport, const char *kind, const char *env_from,
		     const char *rcpt, const char *message_id, const char *payload, size_t len, int64_t next_try);
/* Queue one chat message: body (a C string) to rcpt as chat_type, otherwise as state_outbox_put. */
int state_outbox_put_chat(struct db *db, int64_t inbound, const char *transport, const char *kind, const char *rcpt,
			  const char *chat_type, const char *message_id, const char *body, int64_t next_try);
/* state_outbox_put of a "reply", due now. */
int state_outbox_add(struct db *db, int64_t inbound, const char *transport, const char *env_from, const char *rcpt,
		     const char *message_id, const char *payload, size_t len);
int state_outbox_due(struct db *db, const char *transport, int64_t now, struct outbox_item *out, size_t max, size_t *n);
/*
 * The same for one of lanes sending sessions of a transport (lane 0 … lanes-1): bulk rows
 * (pacing 'announce') are shared out by id, every other row is lane 0's, so each row has
 * exactly one lane and a person's replies keep their order.  lanes = 1: every row.
 */
int state_outbox_due_lane(struct db *db, const char *transport, int lanes, int lane, int64_t now,
			  struct outbox_item *out, size_t max, size_t *n);
int state_outbox_sent(struct db *db, int64_t id);
int state_outbox_retry(struct db *db, int64_t id, int64_t next_try, const char *err);
int state_outbox_failed(struct db *db, int64_t id, const char *err);
/* Hold a pending row back until next_try without counting an attempt (pacing). */
int state_outbox_defer(struct db *db, int64_t id, int64_t next_try);
/* Seconds until the next pending item is due (-1 if none). */
int64_t state_outbox_next_due(struct db *db, const char *transport, int64_t now);
/* The same for one lane (state_outbox_due_lane). */
int64_t state_outbox_next_due_lane(struct db *db, const char *transport, int lanes, int lane, int64_t now);
int state_outbox_count(struct db *db, const char *status, int64_t *n);
/* The pending rows of transport (due or not).  DB_OK or DB_ERR. */
int state_outbox_pending(struct db *db, const char *transport, int64_t *n);

/* ---- reply limit and bounces ---- */
/* Count one more reply for addr today; *count gets the count before this one, *noticed whether the notice went. */
int state_reply_count(struct db *db, const char *addr, int64_t day, int *count, int *noticed);
int state_reply_bump(struct db *db, const char *addr, int64_t day, int notice);
/* A shared cap: count one more for name in window (e.g. the current hour) unless cap are
 * counted already.  DB_OK when counted, DB_NOTFOUND when the cap is reached. */
int state_cap_take(struct db *db, const char *name, int64_t window, int cap);
int state_bounce_record(struct db *db, const char *addr, const char *reason, int64_t at);
int state_bounce_count(struct db *db, const char *addr, int *count);

/* ---- audiences ---- */
struct recipient {
	int64_t person;
	char *addr; /* verified mail address */
	char *lang; /* or NULL */
};
/* Every person with an active membership in programme (NULL: in any), with each verified mail address. */
int state_audience_mail(struct db *db, const char *programme, struct recipient **out, size_t *n);
void recipients_free(struct recipient *v, size_t n);
/* Latest scheduled send time of transport's rows to rcpt (0 if none): spacing posts per room. */
int64_t state_outbox_last_for(struct db *db, const char *transport, const char *rcpt);

/* ---- programmes ---- */
struct programme {
	int64_t id;
	char *slug;
	char *name;
	char *policy;     /* open | approve */
	int request_days; /* mentoring requests expire after this many days */
	char *consent_version;
	char *questions; /* profile fields asked when applying, comma list */
	char *weights;   /* matching weights "topics=3,language=2,…" */
};
void programme_free(struct programme *p);
/* Add or update (by slug) a programme. */
int state_programme_put(struct db *db, const struct programme *p);
int state_programme_get(struct db *db, const char *slug, struct programme *out);
int state_programmes(struct db *db, struct programme **out, size_t *n);
void programmes_free(struct programme *v, size_t n);

/* ---- scheduler jobs: due times in the database, each run exactly once ---- */
struct job {
	int64_t id;
	int64_t due;
	char *kind;
	int64_t ref; /* what it is about (a request, a session, …) */
	char *payload;
};
void job_free(struct job *j);
/* Schedule kind for ref at due; an existing (kind, ref) job is moved to the new time
 * and made pending again.  */
int state_job_put(struct db *db, const char *kind, int64_t ref, int64_t due, const char *payload);
/* Cancel a pending job (done = 1, result 'cancelled'). */
int state_job_cancel(struct db *db, const char *kind, int64_t ref);
/* Pending jobs due at or before now, oldest first, at most max.  out: caller frees each with job_free. */
int state_jobs_due(struct db *db, int64_t now, struct job *out, size_t max, size_t *n);
/* Mark done with a result word ("ran", "skipped: …"); only if still pending. DB_NOTFOUND if it was not. */
int state_job_done(struct db *db, int64_t id, const char *result);
/* Seconds until the next pending job (-1 if none, 0 if due). */
int64_t state_job_next(struct db *db, int64_t now);

/* ---- small named values (transport cursors, direct-chat rooms) ---- */
/* *out gets an allocated copy; DB_NOTFOUND if absent. */
int state_kv_get(struct db *db, const char *key, char **out);
int state_kv_set(struct db *db, const char *key, const char *value);
int state_kv_del(struct db *db, const char *key);
/* Keys starting with prefix and their values: parallel allocated arrays (free with kv_list_free). */
int state_kv_list(struct db *db, const char *prefix, char ***keys, char ***values, size_t *n);
void kv_list_free(char **keys, char **values, size_t n);

/* ---- mentoring: suggestions, requests, matches (state/mentoring.c) ----
 * Capacity is the mentor's profile field "capacity" (default 1 when unset or
 * not a number); a mentor's load is their number of active matches across
 * all programmes. */
int state_person_get(struct db *db, int64_t id, struct person *out);

/* One active mentor of a programme, with what matching needs. Strings owned. */
struct mentor_row {
	int64_t person;
	int capacity;
	int load;
	char *topics, *languages, *field, *availability; /* profile values or NULL */
};
/* Active mentors of programme with load < capacity, except person `except`; ordered by id.
 * *out: caller frees with mentor_rows_free. */
int state_mentors_free(struct db *db, const char *programme, int64_t except, struct mentor_row **out, size_t *n);
void mentor_rows_free(struct mentor_row *v, size_t n);
/* Active mentees of programme without an active match there (capacity/load unused); ordered by id. */
int state_mentees_unmatched(struct db *db, const char *programme, struct mentor_row **out, size_t *n);
/* Capacity and load of one mentor. */
int state_mentor_capacity(struct db *db, int64_t mentor, int *capacity, int *load);

struct suggestion {
	int n; /* 1-based rank */
	int64_t mentor;
	char *programme;
	double score;
};
void suggestions_free(struct suggestion *v, size_t n);
/* Replace person's suggestions by v[0..n). */
int state_suggestions_set(struct db *db, int64_t person, const struct suggestion *v, size_t n);
/* All of person's suggestions by rank; caller frees with suggestions_free. */
int state_suggestions(struct db *db, int64_t person, struct suggestion **out, size_t *n);

struct mrequest {
	int64_t id;
	char *programme;
	int64_t mentee, mentor;
	char *status; /* open, accepted, declined, expired, withdrawn, full */
	char *reason;
	int64_t created, deadline, answered;
	char *mail_msgid;
};
void mrequest_free(struct mrequest *r);
int state_request_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t deadline,
		      const char *mail_msgid, int64_t *id_out);
int state_request_get(struct db *db, int64_t id, struct mrequest *out);
/* The request whose mail had this Message-ID (with or without <>). DB_NOTFOUND if none. */
int state_request_by_msgid(struct db *db, const char *msgid, struct mrequest *out);
/* DB_OK with *id when mentee has an open request to mentor; DB_NOTFOUND otherwise. */
int state_request_open_between(struct db *db, int64_t mentee, int64_t mentor, int64_t *id);
/* Has mentee ever asked mentor in programme?  *asked 1/0. */
int state_request_asked(struct db *db, int64_t mentee, int64_t mentor, const char *programme, int *asked);
/* Close an open request (status, reason may be NULL, answered = now). DB_NOTFOUND if it was not open. */
int state_request_close(struct db *db, int64_t id, const char *status, const char *reason);
/* Open requests of mentee in programme (NULL: all); caller frees each with mrequest_free and the array. */
int state_requests_open_of(struct db *db, int64_t mentee, const char *programme, struct mrequest **out, size_t *n);

/* Create an active match.  DB_EXISTS when the mentee already has one in programme (index match_pair). */
int state_match_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t request,
		    int64_t *id_out);
/* DB_OK when mentee has an active match in programme, DB_NOTFOUND otherwise. */
int state_match_active(struct db *db, int64_t mentee, const char *programme);

/* ---- mentoring sessions (state/sessions.c) ----
 * A session belongs to a match; status proposed → confirmed → done, or
 * replaced (a newer proposal for the match), declined, cancelled.
 * uid is the stable iCalendar UID "session-<id>@<domain>"; sequence the
 * iCalendar SEQUENCE of the last invitation or cancellation sent. */
struct mmatch {
	int64_t id;
	char *programme;
	int64_t mentee, mentor;
	char *status;
};
void mmatch_free(struct mmatch *m);
int state_match_get(struct db *db, int64_t id, struct mmatch *out);
/* Ids of person's active matches (as mentee or mentor), at most max, by id; *n gets the count. */
int state_matches_of(struct db *db, int64_t person, int64_t *ids, size_t max, size_t *n);

struct msession {
	int64_t id, match_id, proposer;
	int64_t start; /* epoch s */
	int minutes;
	char *place; /* or NULL */
	char *status;
	char *uid;
	int sequence;
	int has_logged;
	int logged_minutes;
	char *note;         /* or NULL */
	char *mail_msgid;   /* the proposal mail to the other side (no <>), or NULL */
	char *prompt_msgid; /* the "log it" mails, space separated, or NULL */
	int64_t created, updated;
};
void msession_free(struct msession *s);
/* New proposed session; uid "session-<id>@<domain>".  *id_out the new id. */
int state_session_add(struct db *db, int64_t match, int64_t proposer, int64_t start, int minutes, const char *place,
		      const char *domain, const char *mail_msgid, int64_t *id_out);
int state_session_get(struct db *db, int64_t id, struct msession *out);
/* The session whose proposal mail (*is_prompt 0) or prompt mail (*is_prompt 1) had msgid
 * (with or without <>).  DB_NOTFOUND if none. */
int state_session_by_msgid(struct db *db, const char *msgid, struct msession *out, int *is_prompt);
/* Set status (and updated); only when the current status is from (NULL: any).  DB_NOTFOUND otherwise. */
int state_session_set_status(struct db *db, int64_t id, const char *from, const char *status);
/* Mark the match's other proposed sessions 'replaced'; *ids (caller frees) gets them. */
int state_session_replace_proposed(struct db *db, int64_t match, int64_t except, int64_t **ids, size_t *n);
/* Cancel a proposed or confirmed session: status cancelled, sequence + 1 (*sequence gets it). */
int state_session_cancel(struct db *db, int64_t id, int *sequence);
/* Log a held session: status done, logged_minutes, note (may be NULL). */
int state_session_done(struct db *db, int64_t id, int minutes, const char *note);
int state_session_set_prompt(struct db *db, int64_t id, const char *msgids);

#endif
