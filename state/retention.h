/*
 * retention.h - what is kept how long ([retention], product.md §6): the
 * queries that count or purge what is past its age at a given `now`.  Pure
 * SQL in the caller's transaction; the daily scheduler job "retention"
 * (bot/scheduler_kinds.c) and `mentorbot purge` (bot/cli_purge.c) call them
 * batch by batch, so that a large purge never holds the write lock long.
 *
 * Rows are kept where something else needs them (a journal row's dedupe key
 * stops a command from running twice; a sent outbox row threads replies):
 * then only their personal content is cleared.  People who left every
 * programme (all memberships 'left'; membership.since is when) and have no
 * open match are told RETENTION_NOTICE_DAYS before they are erased; the
 * notice is remembered in kv as "retention.notice.<person>" = "<day> <left>"
 * (day: now / 86400 when it was sent, left: the leave time it was about), so
 * a person who rejoins, or leaves again later, is not erased on that notice.
 */
#ifndef MB_RETENTION_H
#define MB_RETENTION_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct config;

#define RETENTION_NOTICE_DAYS 14

enum retention_cat {
	RET_RAW_MAIL,     /* inbound.raw of finished mail rows (raw_mail_days) */
	RET_CHAT_JOURNAL, /* inbound.raw of finished chat rows (chat_journal_days) */
	RET_JOURNAL_META, /* inbound.meta of finished rows: chat sender, room, nick (journal_days) */
	RET_OUTBOX_BODY,  /* outbox.payload of rows no longer pending (outbox_body_days) */
	RET_BOUNCE,       /* bounce rows by last_at (bounce_days) */
	RET_BOUNCE_EVENT, /* bounce_event rows by at (bounce_days) */
	RET_REPLY_COUNT,  /* per-address reply counters older than 2 days (fixed) */
	RET_TOKEN,        /* tokens 7 days (fixed) after they expired or were used */
	RET_CONTACT_TEXT, /* contact_request.message once answered, expired or withdrawn (journal_days) */
	RET_IMPORT_DATA,  /* import_invite name and profile data once confirmed, or never confirmed within
			     [network] invite_days (the address stays: a second import does not invite again) */
	RET_NCAT
};

/* "raw_mail", "chat_journal", … (the CLI's and the log's word for cat). */
const char *retention_cat_name(enum retention_cat cat);
/* The age in days of cat in cfg's [retention]. */
int retention_days(const struct config *cfg, enum retention_cat cat);
/* How many rows of cat are past their age at now. */
int retention_count(struct db *db, const struct config *cfg, enum retention_cat cat, int64_t now, int64_t *n);
/* Purge at most max rows of cat past their age at now, in row order after row *after (0: from the
 * start), which becomes the last row purged, so that the next batch does not read the purged
 * rows again; *n: how many went (n == max: there may be more). */
int retention_purge(struct db *db, const struct config *cfg, enum retention_cat cat, int64_t now, int max,
		    int64_t *after, int64_t *n);

/* A person who left every programme: id and when (the latest membership.since). */
struct retention_person {
	int64_t id;
	int64_t left;
};
/* People due the notice at now (past left_people_days - 14 days, not yet told about this leave),
 * at most max, by id.  *out: caller frees. */
int retention_notice_due(struct db *db, const struct config *cfg, int64_t now, size_t max,
			 struct retention_person **out, size_t *n);
/* Remember that p was told at now. */
int retention_notice_mark(struct db *db, const struct retention_person *p, int64_t now);
/* The day (now / 86400) p will be erased on, told at now. */
int64_t retention_erase_day(int64_t now);
/* People due the erasure at now: told at least 14 days ago about the leave that still holds. */
int retention_erase_due(struct db *db, int64_t now, size_t max, struct retention_person **out, size_t *n);
/* Forget the notice of person (erased). */
int retention_notice_forget(struct db *db, int64_t person);
/* Forget notices that no longer hold (rejoined, left again later, an open match, gone); *n: how many. */
int retention_notices_prune(struct db *db, int64_t *n);

/* The scheduler job kind; ref = day * RETENTION_PASSES + pass of that day. */
#define RETENTION_JOB "retention"
#define RETENTION_PASSES 1000
/* Make sure a retention job is pending (daemon start): one due at now unless one is pending. */
int retention_arm(struct db *db, int64_t now);

#endif
