/*
 * fuzz_social_text.c - libFuzzer target: any bytes as the body of a social post
 * (bot/social_text.h; event titles and places are untrusted).  The first byte picks the
 * limits, the rest up to a NUL is the body, after it the link.  Checks: the text is within
 * the limits, valid UTF-8 without control characters but '\n', and every facet's byte range
 * lies inside it and holds exactly its URL or "#tag".
 * Seed corpus: tests/fixtures/social_text/.
 */
#include "social_text.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t maxg = 20 + (data[0] & 0x7f) * 3, maxb = (data[0] & 0x80) ? 3000 : 200;
	char *s = xstrndup((const char *)data + 1, size - 1);
	size_t bl = strlen(s);
	const char *link = bl + 2 <= size - 1 ? (const char *)data + 1 + bl + 1 : NULL;
	char *l = link ? xstrndup(link, size - 1 - bl - 1) : NULL;
	const char *tags[] = {"Mentoring", "Uni_2026", "Grüße"};
	struct social_text t;
	if (social_text_build(s, l, tags, 3, maxg, maxb, &t) == 0) {
		if (strlen(t.text) != t.len || t.len > maxb || social_graphemes(t.text, t.len) > maxg)
			abort();
		char *c = social_clean(t.text, t.len, 1);
		if (strcmp(c, t.text) != 0)
			abort(); /* clean already */
		free(c);
		for (size_t i = 0; i < t.nfacets; i++) {
			const struct social_facet *f = &t.facets[i];
			size_t vl = strlen(f->value), off = f->kind == SOCIAL_FACET_TAG;
			if (f->end > t.len || f->end - f->start != vl + off)
				abort();
			if (off && t.text[f->start] != '#')
				abort();
			if (memcmp(t.text + f->start + off, f->value, vl) != 0)
				abort();
		}
		social_text_free(&t);
	}
	free(l);
	free(s);
	return 0;
}
