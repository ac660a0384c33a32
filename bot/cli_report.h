/*
 * cli_report.h - the work behind "mentorbot report" and "mentorbot export"
 * (bot/cli_report.c), apart from opening configuration and database, so it
 * can run on any open database (the unit tests do).
 */
#ifndef MB_CLI_REPORT_H
#define MB_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db;
struct templates;

/* Events filling up: the share of places taken from which the report lists an event. */
#define REPORT_FILL_PERCENT 80

/*
 * Write the report of programme (NULL: all) at now to out, in lang: the
 * figures, then pending applications, requests open longer than half their
 * deadline, matches without a session, and (with events) upcoming events at
 * least REPORT_FILL_PERCENT % full.  DB_OK, DB_NOTFOUND (no such programme;
 * nothing written) or DB_ERR.
 */
int report_write(FILE *out, struct db *db, const struct templates *t, const char *lang, const char *programme,
		 int64_t now);

/*
 * Write the export what ("matches", "sessions", or the network's "alumni", "companies",
 * "offers", which take no programme) of programme (NULL: all)
 * to f as CSV: byte order mark, a header row from the template
 * staff.csv.<what> in lang, one row per record, CRLF.  *rows gets the number
 * of records.  DB_OK or DB_ERR (f may then hold part of it).
 */
int report_export_csv(FILE *f, struct db *db, const struct templates *t, const char *lang, const char *what,
		      const char *programme, size_t *rows);

#endif
