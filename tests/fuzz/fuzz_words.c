/*
 * fuzz_words.c - libFuzzer target: any bytes through the answer-word reader
 * (bot/words.h).  The first byte picks the word sets, the rest is the text
 * (up to an embedded NUL).  Checks: a phrase found is no longer than the
 * folded text and the answer is one of the three; words_first() leaves *rest
 * inside the text, moved only past an answer; a whole word is also a word
 * at the start; words_name() names every answer.
 * Seed corpus: tests/fixtures/words/.
 */
#include "commands.h"
#include "util.h"
#include "words.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_answer(enum words_answer a)
{
	if (a != WORDS_NONE && a != WORDS_YES && a != WORDS_NO && a != WORDS_MAYBE)
		abort();
	if ((a == WORDS_NONE) != (words_name(a) == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned sets = data[0] & 0x1f;
	char *s = xstrndup((const char *)data + 1, size - 1);
	size_t n = strlen(s), len = 0;
	char *f = cmd_fold(s);
	if (strlen(f) != n)
		abort(); /* folding keeps byte lengths: callers index the original by it */

	enum words_answer a = words_at(f, sets, &len);
	check_answer(a);
	if (len > n || (a == WORDS_NONE) != (len == 0))
		abort();

	const char *rest = NULL;
	a = words_first(s, sets, &rest);
	check_answer(a);
	if (!rest || rest < s || rest > s + n)
		abort();
	if (a == WORDS_NONE && strspn(s, " \t\r\n\v\f") != (size_t)(rest - s))
		abort();

	a = words_is(s, sets);
	check_answer(a);
	if (a != WORDS_NONE) {
		const char *t = f + strspn(f, " \t\r\n\v\f");
		if (words_at(t, sets, &len) != a || len == 0)
			abort();
	}
	free(f);
	free(s);
	return 0;
}
