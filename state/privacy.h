/*
 * privacy.h - what is stored about one person, read out ("my data", Art. 15
 * and 20) and erased ("delete me", Art. 17; the retention job).
 *
 * The export reads every table that holds a person id or one of the person's
 * addresses (privacy_tables lists them; a unit test walks the schema and
 * fails when a table is missing).  Of other people it names only a match
 * partner, by the display name they made visible.
 *
 * The erasure runs inside the caller's transaction.  Matches, sessions,
 * RSVPs, requests and applications stay, re-pointed to an anonymous
 * stand-in person (person.erased set, no name, language or address), with
 * their free-text columns cleared, so the figures of "stats" do not change
 * (answers to events not yet started are deleted instead: their seats are free);
 * everything else about the person is deleted, their consent history is
 * reduced to counters in tally, the audit log is redacted, and other
 * people's mails and journal rows that name the person lose their bodies.
 */
#ifndef MB_PRIVACY_H
#define MB_PRIVACY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* The tables the export covers (NULL-terminated). */
extern const char *const privacy_tables[];

/*
 * Everything stored about person as one JSON object (*out: the caller
 * json_decref()s it): person, endpoints, profile, consents, memberships, applications,
 * suggestions, requests, matches, sessions, invitations, rsvps, messages_in
 * (with "head": the first bytes of the message, for the caller to read a
 * subject or command from and remove), messages_out, reply_counts, bounces,
 * bounce_events, undeliverable, audit, tokens.  DB_NOTFOUND: no such person.
 */
int state_privacy_export(struct db *db, int64_t person, json_t **out);

/* The outbox kind of the final confirmation to an erased person: once sent (or failed for
 * good) its row loses recipient and payload (state_outbox_sent, state_outbox_failed). */
#define PRIVACY_KIND_FINAL "erasure"

/* What an erasure leaves for the messages about it. */
struct privacy_erased {
	int64_t standin;   /* the anonymous person row that now holds the statistics */
	int64_t *partners; /* the other side of each match that was active (ended now) */
	size_t npartners;
	int64_t *seats; /* the events not yet started where they were going (their answer deleted) */
	size_t nseats;
};
void privacy_erased_free(struct privacy_erased *e);
/*
 * Erase person inside the open transaction (see above).  channel and why go
 * into the audit fact ("mail", "xmpp", "scheduler"; "request", "retention").
 * DB_OK, DB_NOTFOUND (no such person, or already a stand-in) or DB_ERR.
 */
int state_privacy_erase(struct db *db, int64_t person, const char *channel, const char *why,
			struct privacy_erased *out);
/*
 * After a commit: when this thread erased someone since the last call, copy
 * the WAL into the database and truncate it (PRAGMA wal_checkpoint(TRUNCATE)),
 * so the erased rows live on in no WAL frame.  Freed pages are zeroed by
 * PRAGMA secure_delete (state/db.c).  DB_OK, or DB_ERR when readers kept the
 * checkpoint from finishing (logged; the next erasure or checkpoint copies it).
 */
int state_privacy_after_commit(struct db *db);

/* The journal row id was sent by person (inbound.person_id). */
int state_inbound_set_person(struct db *db, int64_t id, int64_t person);

#endif
