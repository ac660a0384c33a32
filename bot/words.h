/*
 * words.h - the one reader of answer words: yes, no, maybe in English and
 * German ("ja", "nein", "vielleicht", "ich komme nicht", ...), case- and
 * umlaut-insensitive (folded as cmd_fold() folds: ASCII lower case, Ä Ö Ü as
 * ä ö ü).  Pure: no state, no network; linear in the input.  Any thread.
 *
 * One table holds every word any reply reader of the bot accepts.  The
 * readers did not all accept the same words, and a word one reader takes may
 * mean something else to another ("an" is "on" for a setting; "decline" is
 * an answer to a request but, to a session proposal, the start of an
 * ordinary mail that the command table reads).  So every word says which
 * readers take it, and a caller passes the sets it accepts; the union of what
 * each caller accepted before is kept, nothing more.
 */
#ifndef MB_WORDS_H
#define MB_WORDS_H

#include <stddef.h>

enum words_answer { WORDS_NONE = 0, WORDS_YES, WORDS_NO, WORDS_MAYBE };

/* The sets of words, by the reader that accepts them. */
#define WORDS_REQUEST (1u << 0) /* a reply to a mentoring request or offer: ja, ok, annehmen, ablehnen ... */
#define WORDS_SESSION (1u << 1) /* a reply to a session proposal or prompt: ja, passt, erledigt, nein ... */
#define WORDS_SWITCH (1u << 2)  /* a setting ("profile visible f yes"): ja, an, on, nein, aus, off */
#define WORDS_RSVP (1u << 3)    /* an answer to an invitation: phrases, "vielleicht", "can't come" ... */
#define WORDS_BOOL (1u << 4)    /* a yes/no form value: ja, y, true, 1, nein, n, false, 0 */
#define WORDS_CANCEL (1u << 5)  /* a reply to a confirmation mail that withdraws: nein, no, cancel, abbrechen, stop */

/*
 * The longest word or phrase of the given sets at the start of folded text f
 * (already cmd_fold()ed), followed by the end of f or a character that is
 * neither an ASCII letter or digit nor a non-ASCII byte.  *len: its length in
 * bytes (0 with WORDS_NONE).  f may be NULL (WORDS_NONE).
 */
enum words_answer words_at(const char *f, unsigned sets, size_t *len);

/*
 * The first word of text (unfolded): leading white space skipped, the word
 * ends at white space or one of ".,!;:", and it must be one word of the sets
 * as a whole.  When it is, *rest points after it and the white space and
 * ".,!;:-" that follow; otherwise *rest points at the word.  text may be NULL.
 * *rest points into text (or at a static "").
 */
enum words_answer words_first(const char *text, unsigned sets, const char **rest);

/* The whole of w (unfolded; white space around it ignored) as one word of the sets. */
enum words_answer words_is(const char *w, unsigned sets);

/* "yes", "no", "maybe" (the stored answer words); NULL for WORDS_NONE. */
const char *words_name(enum words_answer a);

#endif
