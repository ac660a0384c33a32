/*
 * test_rsvp_text.c - the text of an answer to an invitation
 * (bot/rsvp_text.h): the answer phrase, a restatement or a contradiction
 * after it, "+N" guests (at the start or later), the comment as written,
 * valedictions cut with what follows, the first line skipped, and the
 * invitation's Message-ID read.
 */
#include "t.h"
#include "rsvp_text.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static enum rsvp_answer
answer(const char *line, int want, int *guests, char **comment)
{
	free(*comment);
	return rsvp_parse_answer(line, want, guests, comment);
}

static void
answer_guests_and_comment(void)
{
	int g;
	char *c = NULL;
	CHECK(answer("Ja, +2 wir freuen uns", 1, &g, &c) == RSVP_YES);
	CHECK(g == 2);
	CHECK_STR(c, "wir freuen uns");
	CHECK(answer("Zusage für uns beide +1", 1, &g, &c) == RSVP_YES);
	CHECK(g == 1);
	CHECK_STR(c, "für uns beide +1");
	CHECK(answer("Ich komme nicht. Krank", 1, &g, &c) == RSVP_NO);
	CHECK(g == 0);
	CHECK_STR(c, "Krank");
	CHECK(answer("VIELLEICHT", 1, &g, &c) == RSVP_MAYBE);
	CHECK(c == NULL);
	CHECK(answer("yes yes!", 1, &g, &c) == RSVP_YES); /* a restatement */
	CHECK(answer("+ 3 Anna, Ben, Cem", 0, &g, &c) == RSVP_NONE);
	CHECK(g == 3);
	CHECK_STR(c, "Anna, Ben, Cem");
	CHECK(answer("+100", 0, &g, &c) == RSVP_NONE);
	CHECK(g == 0);
	CHECK_STR(c, "+100");
	free(c);
}

static void
no_answer_or_contradiction(void)
{
	int g;
	char *c = NULL;
	CHECK(answer("Hallo zusammen", 1, &g, &c) == RSVP_NONE);
	CHECK(c == NULL);
	CHECK(answer("ja, ich komme nicht", 1, &g, &c) == RSVP_AMBIGUOUS);
	CHECK(answer("yes or no", 1, &g, &c) == RSVP_AMBIGUOUS);
	CHECK(answer("ja / nein", 1, &g, &c) == RSVP_AMBIGUOUS);
	CHECK(answer("ja oder so", 1, &g, &c) == RSVP_YES);
	CHECK(answer(NULL, 1, &g, &c) == RSVP_NONE);
	CHECK(answer("", 0, &g, &c) == RSVP_NONE);
	CHECK(c == NULL);
	free(c);
}

static void
valedictions_end_the_comment(void)
{
#define VAL(s) rsvp_is_valediction(s, strlen(s))
	CHECK(VAL("Viele Grüße,"));
	CHECK(VAL("  MIT FREUNDLICHEN GRÜSSEN "));
	CHECK(VAL("Best regards,"));
	CHECK(VAL("Liebe\xc2\xa0Grüße"));
	CHECK(!VAL("Best wishes to all of you"));
	CHECK(!VAL(""));
	CHECK(rsvp_is_valediction("Thanks a lot", 6)); /* len bytes only */
	char *t = rsvp_cut_valediction("bringe Kuchen mit\nViele Grüße\nAnna\n");
	CHECK_STR(t, "bringe Kuchen mit\n");
	free(t);
	t = rsvp_cut_valediction("no sign-off");
	CHECK_STR(t, "no sign-off");
	free(t);
	t = rsvp_cut_valediction(NULL);
	CHECK_STR(t, "");
	free(t);
}

static void
after_the_first_line(void)
{
	CHECK_STR(rsvp_after_first_line("\n  \nja\nmehr\n"), "mehr\n");
	CHECK_STR(rsvp_after_first_line("ja"), "");
	CHECK_STR(rsvp_after_first_line(NULL), "");
}

static void
invitation_message_ids(void)
{
	int64_t person = 0;
	CHECK(rsvp_msgid_event("ev7.42.3.abc234@Bot.Example", "bot.example", &person) == 7);
	CHECK(person == 42);
	CHECK(rsvp_msgid_event("ev7.42.3@bot.example", "bot.example", &person) == 7);
	CHECK(rsvp_msgid_event("ev7.42.3@evil.example", "bot.example", &person) == 0);
	CHECK(rsvp_msgid_event("ev7.42@bot.example", "bot.example", &person) == 0);
	CHECK(rsvp_msgid_event("ev7.42.3.ABC@bot.example", "bot.example", &person) == 0);
	CHECK(rsvp_msgid_event(NULL, "bot.example", &person) == 0);
}

int
main(void)
{
	RUN(answer_guests_and_comment);
	RUN(no_answer_or_contradiction);
	RUN(valedictions_end_the_comment);
	RUN(after_the_first_line);
	RUN(invitation_message_ids);
	return t_done();
}
