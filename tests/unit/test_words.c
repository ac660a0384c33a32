/*
 * test_words.c - the one answer-word reader (bot/words.h): German and
 * English, case and umlauts folded, each reader's set exactly as its caller
 * accepted before (a request reply takes "annehmen", a session reply
 * "erledigt", a setting "an"/"aus", an invitation answer phrases and
 * "vielleicht", a form value "true"/"0"), the longest phrase winning, and
 * where the first word of a reply ends.
 */
#include "t.h"
#include "util.h"
#include "words.h"

#include <stdlib.h>

static void
request_reply_takes_yes_no_accept_decline(void)
{
	const char *rest;
	CHECK(words_first("Ja, gerne!", WORDS_REQUEST, &rest) == WORDS_YES);
	CHECK_STR(rest, "gerne!");
	CHECK(words_first("  ANNEHMEN", WORDS_REQUEST, &rest) == WORDS_YES);
	CHECK(words_first("ok.", WORDS_REQUEST, &rest) == WORDS_YES);
	CHECK(words_first("Nein - keine Zeit", WORDS_REQUEST, &rest) == WORDS_NO);
	CHECK_STR(rest, "keine Zeit");
	CHECK(words_first("Ablehnen: zu weit", WORDS_REQUEST, &rest) == WORDS_NO);
	CHECK_STR(rest, "zu weit");
	CHECK(words_first("decline", WORDS_REQUEST, &rest) == WORDS_NO);
	CHECK(words_first("n", WORDS_REQUEST, &rest) == WORDS_NO);
	/* not an answer to a request */
	CHECK(words_first("erledigt", WORDS_REQUEST, &rest) == WORDS_NONE);
	CHECK(words_first("vielleicht", WORDS_REQUEST, &rest) == WORDS_NONE);
	CHECK(words_first("janein", WORDS_REQUEST, &rest) == WORDS_NONE);
	CHECK_STR(rest, "janein");
	CHECK(words_first(NULL, WORDS_REQUEST, &rest) == WORDS_NONE);
	CHECK_STR(rest, "");
	CHECK(words_first("ja-", WORDS_REQUEST, &rest) == WORDS_NONE); /* the word is "ja-" */
}

static void
session_reply_takes_confirm_and_done(void)
{
	const char *rest;
	CHECK(words_first("Bestätigen", WORDS_SESSION, &rest) == WORDS_YES);
	CHECK(words_first("BESTÄTIGEN", WORDS_SESSION, &rest) == WORDS_YES);
	CHECK(words_first("passt!", WORDS_SESSION, &rest) == WORDS_YES);
	CHECK(words_first("Erledigt, 45 Minuten", WORDS_SESSION, &rest) == WORDS_YES);
	CHECK_STR(rest, "45 Minuten");
	CHECK(words_first("done", WORDS_SESSION, &rest) == WORDS_YES);
	CHECK(words_first("Nein", WORDS_SESSION, &rest) == WORDS_NO);
	/* "decline" to a proposal is a command, not a plain answer */
	CHECK(words_first("decline 3", WORDS_SESSION, &rest) == WORDS_NONE);
	CHECK_STR(rest, "decline 3");
	CHECK(words_first("annehmen", WORDS_SESSION, &rest) == WORDS_NONE);
}

static void
confirmation_cancel_words(void)
{
	/* the words that withdraw a command waiting for its sender's confirmation */
	const char *rest;
	CHECK(words_first("  Nein, doch nicht", WORDS_CANCEL, &rest) == WORDS_NO && strcmp(rest, "doch nicht") == 0);
	CHECK(words_first("cancel", WORDS_CANCEL, &rest) == WORDS_NO);
	CHECK(words_first("ABBRECHEN!", WORDS_CANCEL, &rest) == WORDS_NO);
	CHECK(words_first("stop.", WORDS_CANCEL, &rest) == WORDS_NO);
	CHECK(words_first("no", WORDS_CANCEL, &rest) == WORDS_NO);
	CHECK(words_first("ja", WORDS_CANCEL, &rest) == WORDS_NONE);
	CHECK(words_first("stopp", WORDS_CANCEL, &rest) == WORDS_NONE);
	CHECK(words_first("", WORDS_CANCEL, &rest) == WORDS_NONE);
	/* "stop" cancels a confirmation only: no other reader takes it */
	CHECK(words_is("stop", WORDS_REQUEST | WORDS_SESSION | WORDS_RSVP | WORDS_SWITCH | WORDS_BOOL) == WORDS_NONE);
}

static void
setting_takes_on_off(void)
{
	CHECK(words_is("ja", WORDS_SWITCH) == WORDS_YES);
	CHECK(words_is("An", WORDS_SWITCH) == WORDS_YES);
	CHECK(words_is("on", WORDS_SWITCH) == WORDS_YES);
	CHECK(words_is("AUS", WORDS_SWITCH) == WORDS_NO);
	CHECK(words_is("off", WORDS_SWITCH) == WORDS_NO);
	CHECK(words_is("nein", WORDS_SWITCH) == WORDS_NO);
	CHECK(words_is("y", WORDS_SWITCH) == WORDS_NONE);
	CHECK(words_is("ok", WORDS_SWITCH) == WORDS_NONE);
	CHECK(words_is("", WORDS_SWITCH) == WORDS_NONE);
	CHECK(words_is(NULL, WORDS_SWITCH) == WORDS_NONE);
}

static void
form_value_takes_true_false_digits(void)
{
	CHECK(words_is(" true ", WORDS_BOOL) == WORDS_YES);
	CHECK(words_is("1", WORDS_BOOL) == WORDS_YES);
	CHECK(words_is("Y", WORDS_BOOL) == WORDS_YES);
	CHECK(words_is("0", WORDS_BOOL) == WORDS_NO);
	CHECK(words_is("False", WORDS_BOOL) == WORDS_NO);
	CHECK(words_is("Nein", WORDS_BOOL) == WORDS_NO);
	CHECK(words_is("an", WORDS_BOOL) == WORDS_NONE);
	CHECK(words_is("maybe", WORDS_BOOL) == WORDS_NONE);
}

static void
rsvp_phrases_longest_wins(void)
{
	size_t len;
	CHECK(words_at("ich komme nicht, sorry", WORDS_RSVP, &len) == WORDS_NO);
	CHECK(len == 15);
	CHECK(words_at("ich komme gern", WORDS_RSVP, &len) == WORDS_YES);
	CHECK(len == 9);
	CHECK(words_at("vielleicht", WORDS_RSVP, &len) == WORDS_MAYBE);
	CHECK(words_at("sorry, no", WORDS_RSVP, &len) == WORDS_NO);
	CHECK(len == 9);
	CHECK(words_at("i'll be there +1", WORDS_RSVP, &len) == WORDS_YES);
	CHECK(words_at("yes-", WORDS_RSVP, &len) == WORDS_YES); /* '-' ends a phrase */
	CHECK(words_at("jawohl", WORDS_RSVP, &len) == WORDS_NONE);
	CHECK(len == 0);
	CHECK(words_at("jaé", WORDS_RSVP, &len) == WORDS_NONE); /* a non-ASCII letter goes on */
	CHECK(words_at("ok", WORDS_RSVP, &len) == WORDS_NONE);  /* never an RSVP word */
	CHECK(words_at("annehmen", WORDS_RSVP, &len) == WORDS_NONE);
	CHECK(words_at(NULL, WORDS_RSVP, &len) == WORDS_NONE);
	/* sets combine */
	CHECK(words_at("erledigt", WORDS_RSVP | WORDS_SESSION, &len) == WORDS_YES);
}

static void
names_are_the_stored_answers(void)
{
	CHECK_STR(words_name(WORDS_YES), "yes");
	CHECK_STR(words_name(WORDS_NO), "no");
	CHECK_STR(words_name(WORDS_MAYBE), "maybe");
	CHECK(words_name(WORDS_NONE) == NULL);
}

int
main(void)
{
	RUN(request_reply_takes_yes_no_accept_decline);
	RUN(session_reply_takes_confirm_and_done);
	RUN(setting_takes_on_off);
	RUN(confirmation_cancel_words);
	RUN(form_value_takes_true_false_digits);
	RUN(rsvp_phrases_longest_wins);
	RUN(names_are_the_stored_answers);
	return t_done();
}
