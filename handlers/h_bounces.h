/*
 * h_bounces.h - the staff's list of undeliverable mail addresses
 * (state/bounces.h), for "stats" and "mentorbot report".
 */
#ifndef MB_H_BOUNCES_H
#define MB_H_BOUNCES_H

#include <stdint.h>

struct db;
struct templates;

/*
 * The list as text in lang (a heading with the count, one line per address),
 * no trailing newline.  With always 0 and no address marked *out is NULL.
 * DB_OK or DB_ERR.
 */
int staff_undeliverable_text(struct db *db, const struct templates *t, const char *lang, int always, char **out);

#endif
