/*
 * csv_read.h - the reader of the people lists an office imports (mentorbot import): CSV as
 * spreadsheets export it.  A pure function of untrusted bytes: the separator (';' or ',') is
 * the one the header line uses more often outside quotes; RFC 4180 quoting (a doubled quote
 * inside quotes, CR/LF inside quotes kept), CRLF or LF line ends, an optional UTF-8 byte order
 * mark, and Windows-1252 when the bytes are not valid UTF-8 (bot/charset.c converts them).
 * Every field is valid UTF-8 afterwards.  Limits on rows and field size keep the memory of a
 * hostile file bounded.
 *
 * The header names (German or English, compared without case, umlauts, spaces, '-', '_' and
 * '.') map to the columns of enum csv_col; a name known to no column is listed once.
 */
#ifndef MB_CSV_READ_H
#define MB_CSV_READ_H

#include <stddef.h>

#define CSV_MAX_ROWS 200000 /* data rows and header */
#define CSV_MAX_FIELD 4096  /* bytes of one field (after conversion) */
#define CSV_MAX_FIELDS 256  /* fields of one row */

struct csv_row {
	size_t line; /* the line of the file the row starts on (1: the header) */
	size_t nfields;
	char **fields; /* UTF-8, owned */
};

struct csv_table {
	char sep;     /* ';' or ',' */
	int cp1252;   /* 1: the bytes were not UTF-8 and were read as Windows-1252 */
	size_t nrows; /* rows read, the header included; lines that are empty are skipped */
	struct csv_row *rows;
};

enum csv_status {
	CSV_OK = 0,
	CSV_EMPTY = -1,          /* no header line */
	CSV_TOO_MANY_ROWS = -2,  /* more than CSV_MAX_ROWS rows */
	CSV_FIELD_TOO_LONG = -3, /* a field over CSV_MAX_FIELD bytes */
	CSV_TOO_MANY_FIELDS = -4,
	CSV_OPEN_QUOTE = -5, /* the file ends inside a quoted field */
};

/* Read in[0..len) into *out (always set; free it with csv_table_free, also after an error).
 * CSV_OK, or a negative status with *err_line the line where the problem starts. */
int csv_read(const char *in, size_t len, struct csv_table *out, size_t *err_line);
void csv_table_free(struct csv_table *t);
/* A short English name of a status ("field too long"), for logs and tests. */
const char *csv_strerror(int status);

/* The columns an import knows. */
enum csv_col {
	CSV_COL_NAME,
	CSV_COL_FIRST, /* Vorname */
	CSV_COL_LAST,  /* Nachname */
	CSV_COL_EMAIL,
	CSV_COL_YEAR,
	CSV_COL_FIELD,
	CSV_COL_COMPANY,
	CSV_COL_POSITION,
	CSV_COL_CITY,
	CSV_COL_TOPICS,
	CSV_COL_LANGUAGES,
	CSV_NCOLS,
};
/* The profile field a column fills ("year", …), or NULL (name and address columns). */
const char *csv_col_field(enum csv_col c);
/* The column a header name means, or -1. */
int csv_col_of(const char *header);

/* The columns of a header row: map[c] the index of column c in the row, or -1 (the first of
 * two columns with one meaning wins).  *unknown: the names no column knows, ", "-separated
 * (allocated; "" when none). */
void csv_header_map(const struct csv_row *header, int map[CSV_NCOLS], char **unknown);

/* The value of column c in row (trimmed of blanks, line breaks inside as one space; allocated,
 * "" when absent).  For
 * CSV_COL_NAME: the name column, else first and last name joined by a space. */
char *csv_value(const struct csv_row *row, const int map[CSV_NCOLS], enum csv_col c);

#endif
