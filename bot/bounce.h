/*
 * bounce.h - what the bot does with a bounce (dispatch's admit step) and with
 * a later real mail from a bounced address.  The reading is dsn.h's, the
 * records state/bounces.h's.
 *
 * A bounce counts only when it came back to the VERP return path of the
 * outbox row it answers (dsn_verp_addr, checked against the row's
 * recipient): then that recipient, not whatever the DSN names, gets the
 * event, and a hard one (or the third soft one in 14 days) marks the address
 * undeliverable and fails the rows still waiting for it.  Any mail to a VERP
 * address is a bounce whatever its shape.  A bounce without a valid return
 * path (an old row, a forgery) is only counted in the bounce table.
 */
#ifndef MB_BOUNCE_H
#define MB_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct core;
struct parsed_mail;

/* 1 when pm was sent to one of the bot's VERP return paths (To or Cc). */
int bounce_to_verp(const struct core *core, const struct parsed_mail *pm);

/* Record the bounce pm (raw: the whole mail, len bytes; row: its journal id, for the log). */
int bounce_take(struct db *db, const struct core *core, int64_t row, const char *raw, size_t len,
		const struct parsed_mail *pm);

/* A real (not automatic) mail from addr: clear its undeliverable mark, if any. */
int bounce_mail_from(struct db *db, const char *addr);

#endif
