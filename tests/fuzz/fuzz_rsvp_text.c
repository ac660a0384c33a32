/*
 * fuzz_rsvp_text.c - libFuzzer target: any bytes through the text part of an
 * invitation answer (bot/rsvp_text.h).  The first byte says whether an
 * answer is wanted, the rest is the text (up to an embedded NUL).  Checks:
 * the answer is one of five and only RSVP_NONE without want; guests within
 * 0..RSVP_GUESTS_MAX; a comment is one line (no control bytes) of at most
 * RSVP_COMMENT_MAX bytes, none with an ambiguous or missing answer; the cut
 * text is a prefix of the input; the text after the first line is a suffix;
 * a Message-ID that names an event names a positive-or-zero pair it holds.
 * Seed corpus: tests/fixtures/rsvp_text/.
 */
#include "rsvp_text.h"
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
	int want = data[0] & 1;
	char *s = xstrndup((const char *)data + 1, size - 1);
	size_t n = strlen(s);
	int guests = -1;
	char *comment = NULL;

	enum rsvp_answer a = rsvp_parse_answer(s, want, &guests, &comment);
	if (a < RSVP_NONE || a > RSVP_AMBIGUOUS || (!want && a != RSVP_NONE))
		abort();
	if (guests < 0 || guests > RSVP_GUESTS_MAX)
		abort();
	if (want && (a == RSVP_NONE || a == RSVP_AMBIGUOUS) && (comment || guests))
		abort();
	if (comment) {
		size_t cl = strlen(comment);
		if (cl > RSVP_COMMENT_MAX || cl > n)
			abort();
		for (size_t i = 0; i < cl; i++)
			if ((unsigned char)comment[i] < 0x20 || comment[i] == 0x7f)
				abort();
	}
	free(comment);

	char *cut = rsvp_cut_valediction(s);
	if (strncmp(cut, s, strlen(cut)) != 0)
		abort();
	free(cut);

	const char *after = rsvp_after_first_line(s);
	if (after < s || after > s + n)
		abort();

	int64_t person = -1;
	int64_t ev = rsvp_msgid_event(s, "bot.example", &person);
	if (ev && (strncmp(s, "ev", 2) != 0 || person == -1))
		abort();
	free(s);
	return 0;
}
