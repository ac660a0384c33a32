/*
 * events.h - events, their invitations and the answers to them (schema 7:
 * tables event, invitation, rsvp).  Named queries only; every write runs
 * inside the caller's transaction (BEGIN IMMEDIATE), which is what keeps
 * "going" within the capacity when the mail, XMPP and Matrix threads answer
 * at the same moment: the count and the write are one statement, and the
 * write lock serialises the statements of different connections.
 *
 * Strings in the structs are owned by them and freed by the *_free()
 * functions.  Functions return DB_OK, DB_NOTFOUND where stated, or a
 * negative value on a database error (logged).
 */
#ifndef MB_STATE_EVENTS_H
#define MB_STATE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

struct event {
	int64_t id;
	char *uid;    /* "event-<id>-<token>@<domain>", stable */
	int sequence; /* iCalendar SEQUENCE of the last REQUEST/CANCEL sent */
	char *title;
	char *description;  /* or NULL */
	int64_t start, end; /* epoch s */
	char *place;        /* or NULL */
	char *url;          /* online link, or NULL */
	int capacity;       /* seats (a person and their guests); 0 = unlimited */
	int guests;         /* at most this many guests per person */
	char *audience;     /* programme slug, "all", or a group name */
	int is_public;      /* in the public feed */
	int claim_hours;    /* a promoted person confirms within this many hours (0: no claim) */
	int remind_hours;   /* the reminder, hours before the start */
	char *status;       /* draft, announced, cancelled */
	char *token;        /* 26 base32 characters: the Reply-To plus-address */
	char *created_by;   /* who created it (address or "cli"), or NULL */
	int64_t created, updated, announced;
};
void event_free(struct event *e);
void events_free(struct event *v, size_t n);

/* New draft event from e (title … remind_hours, token, created_by); the uid is made
 * from the new id, e->token and domain.  *id_out gets the id. */
int state_event_add(struct db *db, const struct event *e, const char *domain, int64_t *id_out);
int state_event_get(struct db *db, int64_t id, struct event *out);
int state_event_by_uid(struct db *db, const char *uid, struct event *out);
int state_event_by_token(struct db *db, const char *token, struct event *out);
/* Write back title … remind_hours and sequence of e (updated = now). */
int state_event_update(struct db *db, const struct event *e);
/* Set the status; "announced" also sets announced = now the first time. */
int state_event_set_status(struct db *db, int64_t id, const char *status);

enum event_list {
	EVENT_LIST_ALL,      /* every event, newest first */
	EVENT_LIST_UPCOMING, /* announced, not yet ended at now, by start */
	EVENT_LIST_FEED,     /* public and announced or cancelled, by start */
};
/* *out: caller frees with events_free. */
int state_events(struct db *db, enum event_list which, int64_t now, struct event **out, size_t *n);

struct invitation {
	int64_t event_id, person_id;
	char *address; /* where the invitation went */
	char *msgid;   /* its Message-ID (no <>) */
	int sequence;
	int64_t created;
};
void invitations_free(struct invitation *v, size_t n);
/* Record (or update after a change) person's invitation. */
int state_invitation_put(struct db *db, int64_t event, int64_t person, const char *address, const char *msgid,
			 int sequence);
/* DB_NOTFOUND when person was not invited.  out may be NULL. */
int state_invitation_get(struct db *db, int64_t event, int64_t person, struct invitation *out);
/* Every invitation of event, by person id.  *out: caller frees with invitations_free. */
int state_invitations(struct db *db, int64_t event, struct invitation **out, size_t *n);

struct rsvp {
	int64_t event_id, person_id;
	char *answer; /* yes, no, maybe */
	char *status; /* going, waiting, declined, maybe */
	int guests;
	char *comment; /* or NULL */
	char *via;     /* mail, itip, xmpp, matrix, cli */
	int itip_seq;
	int64_t queued;      /* waiting-list order (0 when not waiting) */
	int64_t claim_until; /* promoted and not yet confirmed: the deadline; else 0 */
	int attended;        /* -1 not marked, 0, 1 */
	int64_t updated;
};
void rsvp_free(struct rsvp *r);
void rsvps_free(struct rsvp *v, size_t n);
/* DB_NOTFOUND when person has not answered. */
int state_rsvp_get(struct db *db, int64_t event, int64_t person, struct rsvp *out);
/*
 * Record person's answer (replacing any earlier one; claim_until cleared).
 * "no" → declined, "maybe" → maybe, "yes" → going when the seats (1 +
 * guests) fit into capacity (0: unlimited) beside everyone else going, or
 * when the person was going with at least as many guests; else waiting (at
 * the end of the list, or keeping their place).  One statement.
 */
int state_rsvp_set(struct db *db, int64_t event, int64_t person, const char *answer, int guests, const char *comment,
		   const char *via, int itip_seq, int capacity);
/* Only the comment (and via/itip_seq) of an unchanged answer. */
int state_rsvp_set_comment(struct db *db, int64_t event, int64_t person, const char *comment, const char *via,
			   int itip_seq);
/* 1-based position of a waiting person. */
int state_rsvp_position(struct db *db, int64_t event, int64_t person, int *pos);
/* Move the first waiting person to going when their seats fit; claim_until 0 = none.
 * *person gets who.  DB_NOTFOUND when nobody waits or the first does not fit. */
int state_rsvp_promote(struct db *db, int64_t event, int capacity, int64_t claim_until, int64_t *person);
/* A promotion not confirmed by claim_until (<= now): answer no, status declined.  DB_NOTFOUND otherwise. */
int state_rsvp_lapse(struct db *db, int64_t event, int64_t person, int64_t now);
/* Every answer of event: going, waiting (in order), maybe, declined.  Caller frees with rsvps_free. */
int state_rsvps(struct db *db, int64_t event, struct rsvp **out, size_t *n);
/* Mark attendance of one person (value 0/1); DB_NOTFOUND when they have no answer. */
int state_rsvp_attended(struct db *db, int64_t event, int64_t person, int value);
/* Mark everyone going as attended; *n gets the count. */
int state_rsvp_attended_all(struct db *db, int64_t event, int *n);

struct rsvp_counts {
	int going; /* people */
	int seats; /* people + guests */
	int waiting, maybe, declined;
};
int state_rsvp_counts(struct db *db, int64_t event, struct rsvp_counts *c);

#endif
