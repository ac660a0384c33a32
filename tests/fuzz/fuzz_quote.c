/*
 * fuzz_quote.c - libFuzzer target: any bytes through quote_strip_flags()
 * (bot/quote.h), up to an embedded NUL.  Checks: the result is never longer
 * than the input plus one line end per line, every line ends in "\n", no
 * blank line leads or trails, QUOTE_FORWARDED only with QUOTE_CUT, and
 * quote_strip() gives the same text.  Seed corpus: tests/fixtures/quote/
 * (the per-class reply fixtures and their expected texts) and, in make
 * fuzz-long and make check, tests/fixtures/mail/.
 */
#include "quote.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size), *v, *w;
	size_t n = strlen(s), lines = 1, vn;
	unsigned fl = 0;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	v = quote_strip_flags(s, &fl);
	vn = strlen(v);
	if (vn > n + lines)
		abort();
	if (vn && (v[vn - 1] != '\n' || v[0] == '\n' || (vn >= 2 && v[vn - 2] == '\n')))
		abort();
	if ((fl & QUOTE_FORWARDED) && !(fl & QUOTE_CUT))
		abort();
	w = quote_strip(s);
	if (strcmp(v, w) != 0)
		abort();
	free(w);
	free(v);
	free(s);
	return 0;
}
