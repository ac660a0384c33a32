/*
 * rsvp_text.h - the text of an answer to an event invitation: the answer
 * and "+N" guests at the start of a line, the comment after them, where the
 * sign-off below begins, and what an invitation's Message-ID names.  Pure:
 * no state, no network; linear in the input.  Any thread.  Which event and
 * which person a mail answers, and whether they may, is the handler's part
 * (handlers/h_event_reply.c).
 */
#ifndef MB_RSVP_TEXT_H
#define MB_RSVP_TEXT_H

#include "words.h"

#include <stddef.h>
#include <stdint.h>

#define RSVP_COMMENT_MAX 500 /* bytes of a kept comment */
#define RSVP_GUESTS_MAX 99

enum rsvp_answer {
	RSVP_NONE = WORDS_NONE,
	RSVP_YES = WORDS_YES,
	RSVP_NO = WORDS_NO,
	RSVP_MAYBE = WORDS_MAYBE,
	RSVP_AMBIGUOUS /* "ja, ich komme nicht", "yes or no" */
};

/*
 * Read "[answer] [+N] [comment]" from the start of line (may be NULL).
 * want_answer: the line must start with an answer phrase (WORDS_RSVP), else
 * RSVP_NONE; otherwise the command already said the answer and only +N and
 * the comment are read (RSVP_NONE returned).  A contrary answer right after
 * the first is RSVP_AMBIGUOUS.  *guests: 0..RSVP_GUESTS_MAX.  *comment: the
 * rest of the line as one line of at most RSVP_COMMENT_MAX bytes, or NULL
 * when there is none; caller frees.
 */
enum rsvp_answer rsvp_parse_answer(const char *line, int want_answer, int *guests, char **comment);

/* 1 if the line (len bytes, not NUL-terminated) is a valediction ("Viele Grüße",
 * "Best regards,"), else 0. */
int rsvp_is_valediction(const char *line, size_t len);

/* text (may be NULL) up to the first line that is a valediction: the sign-off
 * and the name below it are no part of a comment.  Caller frees. */
char *rsvp_cut_valediction(const char *text);

/* The text after the first line that is not blank (points into text, or at a
 * static "" when text is NULL). */
const char *rsvp_after_first_line(const char *text);

/*
 * What an invitation's Message-ID "ev<id>.<person>.<seq>[.<tag>]@<domain>"
 * names: the event id (and *person), or 0 when id is no such Message-ID of
 * domain (compared without case).  It only names the event; whether the
 * sender got that mail is proven elsewhere.
 */
int64_t rsvp_msgid_event(const char *id, const char *domain, int64_t *person);

#endif
