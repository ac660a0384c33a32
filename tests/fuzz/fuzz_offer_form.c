/*
 * fuzz_offer_form.c - libFuzzer target: any bytes through the company side's
 * readers of untrusted text (handlers/h_offer.h): the offer form with its
 * validation, the staff decision word, the action word, the word filter of
 * "offers".  Checks: the problem count is what the problem marks say; a form
 * without problems has a kind and all four required values; every value is
 * one line; the decision's rest lies inside the text.
 * Seed corpus: tests/fixtures/offer_form/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bot/util.h"
#include "handlers/h_offer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct offer_form f = {0};
	offer_form_read(&f, s);
	int n = offer_form_check(&f, 1900000000);
	int marked = 0;
	for (int i = 0; i < OF_N; i++) {
		marked += f.problem[i] != OP_NONE;
		if (f.v[i] && strchr(f.v[i], '\n'))
			abort();
	}
	if (n != marked)
		abort();
	if (n == 0 && (!f.kind || !f.v[OF_TITLE] || !f.v[OF_DESC] || !f.v[OF_LOCATION]))
		abort();
	offer_form_free(&f);
	const char *rest = NULL;
	int d = offer_decision(s, &rest);
	if (d < -1 || d > 1 || !rest || rest < s || rest > s + strlen(s))
		abort();
	(void)offer_action(s);
	const char *after = offer_after_words(s, 2);
	if (after < s || after > s + strlen(s))
		abort();
	size_t half = strlen(s) / 2;
	char *q = xstrndup(s, half);
	(void)offer_text_matches(s + half, q);
	free(q);
	free(s);
	return 0;
}
