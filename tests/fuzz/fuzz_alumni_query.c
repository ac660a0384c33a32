/*
 * fuzz_alumni_query.c - libFuzzer target: any bytes through the alumni
 * directory's pure readers of user text (state/directory.h): the FTS5 MATCH
 * builder dir_match_expr(), dir_open_to_parse(), dir_link_ok() and
 * dir_year_ok().  The text ends at an embedded NUL.  Checks: a MATCH
 * expression is only quoted strings, "*", parentheses and the operators AND
 * and OR between them (no user byte outside quotes, no quote inside one),
 * parentheses balance, at most DIR_QUERY_WORDS groups, valid UTF-8; "open to"
 * is canonical (known words, ", " between, "none" alone) and reads back the
 * same; an accepted link starts with https:// and has no blank or quote.
 * Seed corpus: tests/fixtures/alumni_query/.
 */
#include "state/directory.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_expr(const char *e)
{
	int depth = 0, groups = 0;
	const char *p = e;
	while (*p) {
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');
			if (!q || q == p + 1)
				abort(); /* unterminated or empty string */
			for (const char *c = p + 1; c < q; c++)
				if ((unsigned char)*c < 0x20 || *c == '\\')
					abort();
			p = q + 1;
		} else if (*p == '(') {
			depth++;
			groups++;
			p++;
		} else if (*p == ')') {
			if (--depth < 0)
				abort();
			p++;
		} else if (*p == ' ' || *p == '*') {
			p++;
		} else if (!strncmp(p, "AND ", 4) || !strncmp(p, "OR ", 3)) {
			p += *p == 'A' ? 4 : 3;
		} else {
			abort(); /* a byte outside a quoted string */
		}
	}
	if (depth != 0 || groups < 1 || groups > DIR_QUERY_WORDS)
		abort();
}

static void
check_open_to(const char *s)
{
	char *o = NULL;
	if (dir_open_to_parse(s, &o) != 0) {
		if (o)
			abort();
		return;
	}
	if (!o || (strstr(o, "none") && strcmp(o, "none") != 0))
		abort();
	char *again = NULL;
	if (dir_open_to_parse(o, &again) != 0 || strcmp(again, o) != 0)
		abort();
	free(again);
	free(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *e = dir_match_expr(s);
	if (e) {
		check_expr(e);
		free(e);
	}
	check_open_to(s);
	if (dir_link_ok(s) && (strncasecmp(s, "https://", 8) != 0 || strpbrk(s, " \t\r\n\"<>")))
		abort();
	(void)dir_year_ok(s, 2026);
	free(s);
	return 0;
}
