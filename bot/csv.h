/*
 * csv.h - RFC 4180 CSV for the staff exports: UTF-8 with a byte order mark
 * (so umlauts survive a spreadsheet), CRLF line ends, fields quoted when
 * they hold a comma, quote, CR or LF.  A field starting with = + - @ or a
 * tab is prefixed with ' so a spreadsheet does not run it as a formula.
 */
#ifndef MB_CSV_H
#define MB_CSV_H

#include <stdio.h>

/* Write the UTF-8 byte order mark. */
void csv_bom(FILE *f);
/* Write one row of n fields (NULL = empty) and the CRLF. */
void csv_row(FILE *f, const char *const *fields, size_t n);

#endif
