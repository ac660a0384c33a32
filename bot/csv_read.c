/*
 * csv_read.c - the CSV reader of "mentorbot import" (csv_read.h): bytes to rows of UTF-8
 * fields, and the header names an office's spreadsheet uses to the columns of an import.
 * Pure functions; any bytes are safe.
 */
#include "csv_read.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "util.h"

void
csv_table_free(struct csv_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t f = 0; f < t->rows[r].nfields; f++)
			free(t->rows[r].fields[f]);
		free(t->rows[r].fields);
	}
	free(t->rows);
	memset(t, 0, sizeof *t);
}

const char *
csv_strerror(int status)
{
	switch (status) {
	case CSV_OK:
		return "ok";
	case CSV_EMPTY:
		return "no header line";
	case CSV_TOO_MANY_ROWS:
		return "too many rows";
	case CSV_FIELD_TOO_LONG:
		return "field too long";
	case CSV_TOO_MANY_FIELDS:
		return "too many fields";
	case CSV_OPEN_QUOTE:
		return "quote not closed";
	}
	return "unknown";
}

/* The separator the first line uses more often outside quotes (';' on a tie with none). */
static char
detect_sep(const char *s, size_t n)
{
	size_t semi = 0, comma = 0;
	int inq = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			inq = !inq;
		else if (!inq && (s[i] == '\n' || s[i] == '\r'))
			break;
		else if (!inq && s[i] == ';')
			semi++;
		else if (!inq && s[i] == ',')
			comma++;
	}
	return comma > semi ? ',' : ';';
}

/* The row being read. */
struct rowbuf {
	struct buf field;
	char **fields;
	size_t n, cap;
};

static int
row_field_end(struct rowbuf *r)
{
	if (r->n == CSV_MAX_FIELDS)
		return CSV_TOO_MANY_FIELDS;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->fields = xrealloc(r->fields, r->cap * sizeof *r->fields);
	}
	r->fields[r->n++] = buf_detach(&r->field);
	return CSV_OK;
}

/* Whether every field of the row is blank (an empty line, or ";;;" of an empty sheet row). */
static int
row_blank(const struct rowbuf *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->fields[i][strspn(r->fields[i], " \t")])
			return 0;
	return 1;
}

static int
row_end(struct rowbuf *r, struct csv_table *t, size_t line)
{
	int rc = row_field_end(r);
	if (rc != CSV_OK)
		return rc;
	if (row_blank(r)) {
		for (size_t i = 0; i < r->n; i++)
			free(r->fields[i]);
		r->n = 0;
		return CSV_OK;
	}
	if (t->nrows == CSV_MAX_ROWS)
		return CSV_TOO_MANY_ROWS;
	if ((t->nrows & (t->nrows - 1)) == 0) /* 0, 1, 2, 4, …: grow to the next power of two */
		t->rows = xrealloc(t->rows, (t->nrows ? 2 * t->nrows : 1) * sizeof *t->rows);
	struct csv_row *row = &t->rows[t->nrows++];
	row->line = line;
	row->nfields = r->n;
	row->fields = xrealloc(r->fields, (r->n ? r->n : 1) * sizeof *r->fields);
	r->fields = NULL;
	r->n = r->cap = 0;
	return CSV_OK;
}

/* The rows of UTF-8 text s[0..n), into t.  *line: the line reached (of the error). */
static int
parse(const char *s, size_t n, struct csv_table *t, size_t *line)
{
	enum { START, PLAIN, QUOTED, QUOTE_SEEN } st = START;
	struct rowbuf r = {BUF_INIT, NULL, 0, 0};
	size_t row_line = 1;
	int rc = CSV_OK;
	*line = 1;
	for (size_t i = 0; rc == CSV_OK; i++) {
		int c = i < n ? (unsigned char)s[i] : -1;
		if (st == QUOTED) {
			if (c < 0) {
				rc = CSV_OPEN_QUOTE;
				*line = row_line;
				break;
			}
			if (c == '"') {
				st = QUOTE_SEEN;
				continue;
			}
			if (c == '\n' || (c == '\r' && (i + 1 >= n || s[i + 1] != '\n')))
				(*line)++;
		} else if (st == QUOTE_SEEN && c == '"') {
			st = QUOTED; /* a doubled quote: one quote in the value */
		} else {
			if (st == QUOTE_SEEN)
				st = PLAIN; /* the closing quote: what follows up to the separator is kept */
			if (c < 0 || c == '\n' || c == '\r') {
				if (c < 0 && st == START && r.n == 0) /* the file ends with a line end */
					break;
				rc = row_end(&r, t, row_line);
				if (c < 0)
					break;
				if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
					i++;
				row_line = ++(*line);
				st = START;
				continue;
			}
			if (c == t->sep) {
				rc = row_field_end(&r);
				st = START;
				continue;
			}
			if (c == '"' && st == START) {
				st = QUOTED;
				continue;
			}
			st = PLAIN;
		}
		if (r.field.len >= CSV_MAX_FIELD) {
			rc = CSV_FIELD_TOO_LONG;
			break;
		}
		buf_addc(&r.field, (char)c);
	}
	if (rc != CSV_OK && rc != CSV_OPEN_QUOTE)
		*line = row_line;
	for (size_t i = 0; i < r.n; i++)
		free(r.fields[i]);
	free(r.fields);
	buf_free(&r.field);
	return rc;
}

int
csv_read(const char *in, size_t len, struct csv_table *out, size_t *err_line)
{
	memset(out, 0, sizeof *out);
	*err_line = 0;
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) {
		in += 3;
		len -= 3;
	}
	char *text = NULL;
	if (!utf8_valid(in, len)) {
		text = charset_to_utf8(in, len, "windows-1252");
		out->cp1252 = 1;
	}
	const char *s = text ? text : in;
	size_t n = text ? strlen(text) : len;
	out->sep = detect_sep(s, n);
	size_t line = 0;
	int rc = parse(s, n, out, &line);
	free(text);
	if (rc == CSV_OK && out->nrows == 0)
		rc = CSV_EMPTY;
	if (rc != CSV_OK)
		*err_line = line;
	return rc;
}

/* ---- header names ---- */

static const struct {
	const char *name; /* folded: lower case, umlauts written out, only letters and digits */
	enum csv_col col;
} header_names[] = {
	{"name", CSV_COL_NAME},
	{"vollername", CSV_COL_NAME},
	{"fullname", CSV_COL_NAME},
	{"vorname", CSV_COL_FIRST},
	{"firstname", CSV_COL_FIRST},
	{"givenname", CSV_COL_FIRST},
	{"nachname", CSV_COL_LAST},
	{"familienname", CSV_COL_LAST},
	{"lastname", CSV_COL_LAST},
	{"surname", CSV_COL_LAST},
	{"familyname", CSV_COL_LAST},
	{"email", CSV_COL_EMAIL},
	{"mail", CSV_COL_EMAIL},
	{"emailadresse", CSV_COL_EMAIL},
	{"mailadresse", CSV_COL_EMAIL},
	{"emailaddress", CSV_COL_EMAIL},
	{"abschluss", CSV_COL_YEAR},
	{"abschlussjahr", CSV_COL_YEAR},
	{"graduationyear", CSV_COL_YEAR},
	{"graduation", CSV_COL_YEAR},
	{"year", CSV_COL_YEAR},
	{"jahr", CSV_COL_YEAR},
	{"studiengang", CSV_COL_FIELD},
	{"studienfach", CSV_COL_FIELD},
	{"fach", CSV_COL_FIELD},
	{"field", CSV_COL_FIELD},
	{"fieldofstudy", CSV_COL_FIELD},
	{"firma", CSV_COL_COMPANY},
	{"unternehmen", CSV_COL_COMPANY},
	{"arbeitgeber", CSV_COL_COMPANY},
	{"company", CSV_COL_COMPANY},
	{"employer", CSV_COL_COMPANY},
	{"position", CSV_COL_POSITION},
	{"stelle", CSV_COL_POSITION},
	{"jobtitle", CSV_COL_POSITION},
	{"stadt", CSV_COL_CITY},
	{"ort", CSV_COL_CITY},
	{"wohnort", CSV_COL_CITY},
	{"city", CSV_COL_CITY},
	{"themen", CSV_COL_TOPICS},
	{"thema", CSV_COL_TOPICS},
	{"topics", CSV_COL_TOPICS},
	{"sprachen", CSV_COL_LANGUAGES},
	{"sprache", CSV_COL_LANGUAGES},
	{"languages", CSV_COL_LANGUAGES},
};

static const char *const col_fields[CSV_NCOLS] = {
	[CSV_COL_YEAR] = "year",           [CSV_COL_FIELD] = "field", [CSV_COL_COMPANY] = "company",
	[CSV_COL_POSITION] = "position",   [CSV_COL_CITY] = "city",   [CSV_COL_TOPICS] = "topics",
	[CSV_COL_LANGUAGES] = "languages",
};

const char *
csv_col_field(enum csv_col c)
{
	return (unsigned)c < CSV_NCOLS ? col_fields[c] : NULL;
}

/* h folded for the table above: ASCII letters lower-cased, ä/ö/ü (either case) as ae/oe/ue,
 * ß as ss, everything else but letters and digits dropped.  Allocated. */
static char *
header_fold(const char *h)
{
	struct buf b = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)h; *p; p++) {
		if (isalnum(*p) && *p < 0x80) {
			buf_addc(&b, (char)tolower(*p));
		} else if (p[0] == 0xc3 && p[1]) {
			switch (p[1]) {
			case 0xa4: /* ä */
			case 0x84: /* Ä */
				buf_adds(&b, "ae");
				break;
			case 0xb6:
			case 0x96:
				buf_adds(&b, "oe");
				break;
			case 0xbc:
			case 0x9c:
				buf_adds(&b, "ue");
				break;
			case 0x9f:
				buf_adds(&b, "ss");
				break;
			}
			p++;
		}
	}
	return buf_detach(&b);
}

int
csv_col_of(const char *header)
{
	char *f = header_fold(header);
	int col = -1;
	for (size_t i = 0; i < ARRAY_LEN(header_names) && col < 0; i++)
		if (strcmp(f, header_names[i].name) == 0)
			col = (int)header_names[i].col;
	free(f);
	return col;
}

void
csv_header_map(const struct csv_row *header, int map[CSV_NCOLS], char **unknown)
{
	struct buf u = BUF_INIT;
	for (int c = 0; c < CSV_NCOLS; c++)
		map[c] = -1;
	for (size_t i = 0; i < header->nfields; i++) {
		int c = csv_col_of(header->fields[i]);
		if (c >= 0 && map[c] < 0)
			map[c] = (int)i;
		else if (c < 0 && header->fields[i][strspn(header->fields[i], " \t")])
			buf_addf(&u, "%s%s", u.len ? ", " : "", header->fields[i]);
	}
	*unknown = buf_detach(&u);
}

/* Field i of row trimmed of blanks, on one line, allocated ("" when absent). */
static char *
field_trimmed(const struct csv_row *row, int i)
{
	if (i < 0 || (size_t)i >= row->nfields)
		return xstrdup("");
	const char *s = row->fields[i];
	s += strspn(s, " \t\r\n");
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	/* a cell's line breaks (quoted) become one space: profile values are one line */
	struct buf b = BUF_INIT;
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '\r' || s[k] == '\n') {
			k += strspn(s + k, "\r\n") - 1;
			buf_addc(&b, ' ');
		} else {
			buf_addc(&b, s[k]);
		}
	}
	return buf_detach(&b);
}

char *
csv_value(const struct csv_row *row, const int map[CSV_NCOLS], enum csv_col c)
{
	if ((unsigned)c >= CSV_NCOLS)
		return xstrdup("");
	if (c != CSV_COL_NAME || map[CSV_COL_NAME] >= 0)
		return field_trimmed(row, map[c]);
	char *first = field_trimmed(row, map[CSV_COL_FIRST]), *last = field_trimmed(row, map[CSV_COL_LAST]);
	char *v = xasprintf("%s%s%s", first, *first && *last ? " " : "", last);
	free(first);
	free(last);
	return v;
}
