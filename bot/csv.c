/*
 * csv.c - see csv.h.
 */
#include "csv.h"

#include <string.h>

void
csv_bom(FILE *f)
{
	fputs("\xEF\xBB\xBF", f);
}

static void
csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t';
	int quote = formula || strpbrk(s, ",\"\r\n;") != NULL;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
csv_row(FILE *f, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		csv_field(f, fields[i]);
	}
	fputs("\r\n", f);
}
