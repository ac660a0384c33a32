/*
 * consent.h - the consent record (DSGVO/GDPR Art. 7): one row per event, never changed.
 *
 * A person gives consent to a purpose (a programme's slug) in a version of its text, over a
 * channel ("mail", "xmpp", "matrix", "cli"); leaving withdraws it.  The current consent for a
 * purpose is the latest event for it.  The table's trigger refuses every UPDATE; only an
 * erasure deletes a person's rows.
 */
#ifndef MB_CONSENT_H
#define MB_CONSENT_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct consent {
	char *purpose; /* programme slug */
	char *version; /* version of the consent text */
	char *channel; /* mail, xmpp, matrix, cli */
	char *action;  /* "given" or "withdrawn" */
	int64_t at;
};
void consents_free(struct consent *v, size_t n);

/* Append one event (action "given" or "withdrawn"; source: free text or NULL) at now_s(). */
int consent_add(struct db *db, int64_t person, const char *purpose, const char *version, const char *channel,
		const char *action, const char *source);
/* The latest event per purpose of person, by purpose; *out is an array the caller frees with
 * consents_free (also empty). */
int consent_current(struct db *db, int64_t person, struct consent **out, size_t *n);
/* The purposes whose current consent is "given" in another version than the programme's
 * consent_version today, for an active (or pending) member: the version field holds the
 * programme's new version.  Caller frees with consents_free. */
int consent_outdated(struct db *db, int64_t person, struct consent **out, size_t *n);

#endif
