/*
 * bounces.h - bounces one by one (bounce_event) and the addresses marked
 * undeliverable (undeliverable), schema 11.  A hard bounce marks its address
 * at once; soft ones count, and BOUNCE_SOFT_LIMIT of them within
 * BOUNCE_SOFT_WINDOW_S mark it too.  Every event also bumps the per-address
 * total of the older bounce table (state_bounce_record, state.h).  A real
 * mail from a marked address clears the mark.  Callers hold the transaction.
 */
#ifndef MB_STATE_BOUNCES_H
#define MB_STATE_BOUNCES_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define BOUNCE_SOFT_LIMIT 3
#define BOUNCE_SOFT_WINDOW_S (14 * 24 * 3600)

/* One bounce of addr (lower-case) at time at: hard 1 (permanent) or 0 (transient), status
 * "5.1.1" or NULL, the outbox row it answers (0: unknown), reason one line or NULL.
 * *marked (may be NULL) 1 when the address is undeliverable now (newly or before). */
int state_bounce_event(struct db *db, const char *addr, int64_t at, const char *status, int hard, int64_t outbox_id,
		       const char *reason, int *marked);

/* DB_OK when addr is marked undeliverable (reason/status copied when the pointers are not NULL;
 * caller frees), DB_NOTFOUND when not. */
int state_undeliverable_get(struct db *db, const char *addr, char **status, char **reason);

/* Clear the mark of addr: DB_OK when there was one, DB_NOTFOUND when not. */
int state_undeliverable_clear(struct db *db, const char *addr);

struct undeliverable {
	char *address;
	int64_t since;
	char *status;      /* NULL: none */
	char *reason;      /* NULL: none */
	int64_t person_id; /* the person owning the mail address, 0: nobody */
	char *person_name; /* NULL: nobody */
};
/* Every marked address, oldest first; free with undeliverable_free. */
int state_undeliverable_list(struct db *db, struct undeliverable **out, size_t *n);
void undeliverable_free(struct undeliverable *v, size_t n);

/* The recipient of mail outbox row id (caller frees): DB_OK, or DB_NOTFOUND (no such mail row). */
int state_outbox_mail_row_rcpt(struct db *db, int64_t id, char **rcpt);

/* Fail every pending mail row to addr with err; *n (may be NULL) how many. */
int state_outbox_fail_pending_to(struct db *db, const char *addr, const char *err, int64_t *n);

#endif
