/*
 * fuzz_html.c - libFuzzer target: any bytes through html_to_text()
 * (mime.h), then quote_strip() on the result as the daemon does.  Checks:
 * the text is valid UTF-8 without NUL, a ">"-quoted line never survives
 * quote_strip(), and the output stays within a fixed multiple of the input
 * (every byte yields at most a line break, a prefix and an entity's UTF-8).
 * Seed corpus: tests/fixtures/html/.
 */
#include "mime.h"
#include "quote.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = html_to_text((const char *)data, size), *q;
	size_t n = strlen(t);
	if (!utf8_valid(t, n))
		abort();
	if (n > 64 + 80 * size)
		abort();
	q = quote_strip(t);
	if (q[0] == '>' || strstr(q, "\n>"))
		abort();
	free(q);
	free(t);
	return 0;
}
