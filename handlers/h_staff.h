/*
 * h_staff.h - the staff figures as text, shared by the "stats" command
 * (h_staff.c) and "mentorbot report" (bot/cli_report.c).
 */
#ifndef MB_H_STAFF_H
#define MB_H_STAFF_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct templates;

/*
 * The figures of programme (NULL: every programme) at now, rendered in lang
 * from the staff templates: aligned blocks, one per programme, and the event
 * figures when the database has events (full = 1: mail and the report), or
 * one line per programme (full = 0: chat).  *out (caller frees) gets the
 * text.  Returns DB_OK, DB_NOTFOUND when programme does not exist, or
 * DB_ERR.
 */
int staff_figures_text(struct db *db, const struct templates *t, const char *lang, const char *programme, int64_t now,
		       int full, char **out);

/* "12.5" / "12,5" (de): minutes as hours with one decimal, into buf. */
void staff_hours(int64_t minutes, const char *lang, char *buf, size_t size);
/* "2026-12-03" (with_time 0) or "2026-12-03 15:00" (Europe/Berlin) into buf ("" when t is 0). */
void staff_date(int64_t t, int with_time, char *buf, size_t size);

#endif
