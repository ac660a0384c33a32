/*
 * audit.h - the staff audit log (DSGVO/GDPR Art. 5(2), 30): who did what, when, over which
 * channel.  Append-only: a trigger refuses DELETE and any change of the fact (id, at,
 * channel, action, subject); an erasure may only blank actor, actor_id, person_id and detail.
 * Rows are written in the transaction of the action they record, so an undone action leaves
 * none and a replayed one (after a crash before its commit) writes one.
 */
#ifndef MB_AUDIT_H
#define MB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Append one row at now_s().  actor: the staff address, "cli:<user>" or "scheduler"; actor_id
 * and person_id: a person id or 0 (stored as NULL); channel: mail, xmpp, matrix, cli; action: a
 * short verb ("approve", "programme.set", …); subject: what it acted on (a slug, an id);
 * detail: free text or NULL. */
int audit_add(struct db *db, const char *actor, int64_t actor_id, const char *channel, const char *action,
	      const char *subject, int64_t person_id, const char *detail);

struct audit_row {
	int64_t id, at;
	char *actor; /* NULL once redacted by an erasure */
	int64_t actor_id;
	char *channel, *action, *subject;
	int64_t person_id;
	char *detail;
	int redacted; /* actor, actor_id, person_id and detail are all NULL: an erased person's row */
};
void audit_rows_free(struct audit_row *v, size_t n);
/* Every row with at >= since, oldest first. */
int audit_list(struct db *db, int64_t since, struct audit_row **out, size_t *n);
/* Rows whose action is action (and subject, when not NULL), for tests and checks. */
int audit_count(struct db *db, const char *action, const char *subject, int *n);

#endif
