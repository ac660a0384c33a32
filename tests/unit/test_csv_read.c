/*
 * test_csv_read.c - the import's CSV reader: separator from the header line (quotes
 * respected), RFC 4180 quoting with line ends inside quotes, CRLF and LF, the byte order
 * mark, Windows-1252 when the bytes are not UTF-8, blank rows skipped, the limits, and the
 * German and English header names.
 */
#include <stdlib.h>
#include <string.h>

#include "bot/csv_read.h"
#include "bot/util.h"
#include "t.h"

static int
read_s(const char *s, struct csv_table *t)
{
	size_t line;
	return csv_read(s, strlen(s), t, &line);
}

static void
semicolon_with_bom_and_crlf(void)
{
	struct csv_table t;
	CHECK(read_s("\xef\xbb\xbfName;E-Mail\r\nJ\xc3\xbcrgen;j@x.de\r\n", &t) == CSV_OK);
	CHECK(t.sep == ';');
	CHECK(!t.cp1252);
	CHECK(t.nrows == 2);
	CHECK_STR(t.rows[0].fields[0], "Name");
	CHECK_STR(t.rows[1].fields[0], "J\xc3\xbcrgen");
	CHECK_STR(t.rows[1].fields[1], "j@x.de");
	CHECK(t.rows[1].line == 2);
	csv_table_free(&t);
}

static void
comma_when_the_header_has_more_commas(void)
{
	struct csv_table t;
	/* the ';' inside quotes does not count */
	CHECK(read_s("\"a;b;c\",Email,Name\nx,y,z\n", &t) == CSV_OK);
	CHECK(t.sep == ',');
	CHECK(t.rows[0].nfields == 3);
	CHECK_STR(t.rows[0].fields[0], "a;b;c");
	csv_table_free(&t);
}

static void
quotes_doubled_and_line_ends_inside(void)
{
	struct csv_table t;
	CHECK(read_s("n;m\n\"O\"\"Neil\";\"two\r\nlines\"\nlast;x\n", &t) == CSV_OK);
	CHECK(t.nrows == 3);
	CHECK_STR(t.rows[1].fields[0], "O\"Neil");
	CHECK_STR(t.rows[1].fields[1], "two\r\nlines");
	CHECK(t.rows[1].line == 2);
	CHECK(t.rows[2].line == 4); /* the line of the file, counted through the quoted break */
	csv_table_free(&t);
}

static void
windows_1252_converted(void)
{
	struct csv_table t;
	CHECK(read_s("Name;Stadt\r\nG\xfcnther;K\xf6ln \x80\r\n", &t) == CSV_OK);
	CHECK(t.cp1252);
	CHECK_STR(t.rows[1].fields[0], "G\xc3\xbcnther");
	CHECK_STR(t.rows[1].fields[1], "K\xc3\xb6ln \xe2\x82\xac");
	csv_table_free(&t);
}

static void
blank_rows_skipped_lines_kept(void)
{
	struct csv_table t;
	CHECK(read_s("a;b\n\n;;\n1;2", &t) == CSV_OK);
	CHECK(t.nrows == 2);
	CHECK(t.rows[1].line == 4);
	CHECK_STR(t.rows[1].fields[1], "2");
	csv_table_free(&t);
}

static void
errors_and_limits(void)
{
	struct csv_table t;
	size_t line;
	CHECK(csv_read("", 0, &t, &line) == CSV_EMPTY);
	csv_table_free(&t);
	CHECK(csv_read("a;b\n\"x;y\n", 9, &t, &line) == CSV_OPEN_QUOTE);
	CHECK(line == 2);
	csv_table_free(&t);
	char *big = xmalloc(CSV_MAX_FIELD + 20);
	memcpy(big, "a;b\nx;", 6);
	memset(big + 6, 'y', CSV_MAX_FIELD + 1);
	CHECK(csv_read(big, CSV_MAX_FIELD + 7, &t, &line) == CSV_FIELD_TOO_LONG);
	CHECK(line == 2);
	csv_table_free(&t);
	free(big);
	struct buf b = BUF_INIT;
	for (int i = 0; i <= CSV_MAX_FIELDS; i++)
		buf_adds(&b, "x;");
	CHECK(csv_read(b.p, b.len, &t, &line) == CSV_TOO_MANY_FIELDS);
	csv_table_free(&t);
	buf_free(&b);
}

static void
header_names_german_and_english(void)
{
	CHECK(csv_col_of("E-Mail") == CSV_COL_EMAIL);
	CHECK(csv_col_of("e_mail-adresse") == CSV_COL_EMAIL);
	CHECK(csv_col_of("Email") == CSV_COL_EMAIL);
	CHECK(csv_col_of("Abschlussjahr") == CSV_COL_YEAR);
	CHECK(csv_col_of("Graduation Year") == CSV_COL_YEAR);
	CHECK(csv_col_of("Field of study") == CSV_COL_FIELD);
	CHECK(csv_col_of("STUDIENGANG") == CSV_COL_FIELD);
	CHECK(csv_col_of("Unternehmen") == CSV_COL_COMPANY);
	CHECK(csv_col_of("Ort") == CSV_COL_CITY);
	CHECK(csv_col_of("Themen") == CSV_COL_TOPICS);
	CHECK(csv_col_of("Sprachen") == CSV_COL_LANGUAGES);
	CHECK(csv_col_of("Stelle") == CSV_COL_POSITION);
	CHECK(csv_col_of("Geburtstag") == -1);
	CHECK_STR(csv_col_field(CSV_COL_YEAR), "year");
	CHECK(csv_col_field(CSV_COL_NAME) == NULL);
}

static void
first_and_last_name_joined(void)
{
	struct csv_table t;
	CHECK(read_s("Vorname;Nachname;Mail;Notiz;Geburtstag\n Anna ; M\xc3\xbcller ;a@b.de;x;y\n;Solo;s@b.de\n", &t) ==
	      CSV_OK);
	int map[CSV_NCOLS];
	char *unknown;
	csv_header_map(&t.rows[0], map, &unknown);
	CHECK_STR(unknown, "Notiz, Geburtstag");
	CHECK(map[CSV_COL_NAME] == -1 && map[CSV_COL_EMAIL] == 2);
	char *n = csv_value(&t.rows[1], map, CSV_COL_NAME);
	CHECK_STR(n, "Anna M\xc3\xbcller");
	free(n);
	n = csv_value(&t.rows[2], map, CSV_COL_NAME);
	CHECK_STR(n, "Solo");
	free(n);
	n = csv_value(&t.rows[2], map, CSV_COL_CITY); /* no such column */
	CHECK_STR(n, "");
	free(n);
	free(unknown);
	csv_table_free(&t);
}

int
main(void)
{
	RUN(semicolon_with_bom_and_crlf);
	RUN(comma_when_the_header_has_more_commas);
	RUN(quotes_doubled_and_line_ends_inside);
	RUN(windows_1252_converted);
	RUN(blank_rows_skipped_lines_kept);
	RUN(errors_and_limits);
	RUN(header_names_german_and_english);
	RUN(first_and_last_name_joined);
	return t_done();
}
