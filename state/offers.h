/*
 * offers.h - named queries for companies, their contacts (approved by staff)
 * and their offers (approved by staff, posted, expired at the deadline).
 * Tables of schema 12 (state/db.c).  Error codes as in state.h.
 */
#ifndef MB_STATE_OFFERS_H
#define MB_STATE_OFFERS_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct company_contact {
	int64_t company_id, person_id;
	char *company; /* the company's name */
	char *status;  /* pending, approved, rejected */
	char *notice_msgid;
	int64_t created, decided;
};
void company_contact_free(struct company_contact *c);
void company_contacts_free(struct company_contact *v, size_t n);

/* The company whose folded name is folded, added (status pending) when there is none: *id. */
int state_company_get_or_add(struct db *db, const char *name, const char *folded, int64_t *id);
/* The company's name (caller frees) and status (caller frees; may be NULL). */
int state_company_get(struct db *db, int64_t id, char **name, char **status);
/* A pending contact person of company: DB_OK, or DB_EXISTS when there is one already. */
int state_company_contact_add(struct db *db, int64_t company, int64_t person);
int state_company_contact_get(struct db *db, int64_t company, int64_t person, struct company_contact *out);
int state_company_contact_set_msgid(struct db *db, int64_t company, int64_t person, const char *msgid);
/* Decide a pending contact ("approved"/"rejected"; an approval approves the company too):
 * DB_NOTFOUND when it is not pending. */
int state_company_contact_decide(struct db *db, int64_t company, int64_t person, const char *status, const char *by);
/* The contacts of company (status NULL: all), oldest first. */
int state_company_contacts(struct db *db, int64_t company, const char *status, struct company_contact **out, size_t *n);
/* The (first) approved company contact row of person: DB_NOTFOUND when person is none. */
int state_company_contact_of(struct db *db, int64_t person, struct company_contact *out);

struct offer {
	int64_t id, company_id, person_id;
	char *company; /* the company's name (read only) */
	char *kind, *title, *description, *location, *remote, *start, *link, *contact, *lang;
	char *status; /* pending, approved, rejected, expired, closed */
	char *notice_msgid, *decided_by, *reason;
	int64_t deadline; /* 0: none */
	int64_t created, decided, posted, closed;
};
void offer_free(struct offer *o);
void offers_free(struct offer *v, size_t n);

/* A new pending offer of o's company, person and fields: *id. */
int state_company_offer_add(struct db *db, const struct offer *o, int64_t *id);
int state_company_offer_get(struct db *db, int64_t id, struct offer *out);
int state_company_offer_set_msgid(struct db *db, int64_t id, const char *msgid);
/* Decide a pending offer ("approved"/"rejected", reason may be NULL): DB_NOTFOUND when not pending. */
int state_company_offer_decide(struct db *db, int64_t id, const char *status, const char *by, const char *reason);
/* Status of an approved offer ("expired", "closed"; closed gets the time): DB_NOTFOUND when not approved. */
int state_company_offer_end(struct db *db, int64_t id, const char *status);
int state_company_offer_set_deadline(struct db *db, int64_t id, int64_t deadline);
int state_company_offer_set_posted(struct db *db, int64_t id, int64_t at);
/* The approved offers whose deadline (if any) is after now, by id. */
int state_company_offers_open(struct db *db, int64_t now, struct offer **out, size_t *n);
/* The offers person posted, newest first. */
int state_company_offers_of(struct db *db, int64_t person, struct offer **out, size_t *n);

#endif
