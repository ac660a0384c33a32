/*
 * words.c - the answer-word table and its three ways of reading (a phrase at
 * the start of folded text, the first word of a reply, one whole word).  See
 * words.h for why each word names the readers that accept it.  No state; any
 * thread may call it.
 */
#include "words.h"
#include "commands.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define RQ WORDS_REQUEST
#define SE WORDS_SESSION
#define SW WORDS_SWITCH
#define RS WORDS_RSVP
#define BO WORDS_BOOL
#define CA WORDS_CANCEL

/* Folded words and phrases.  The sets are what each reader accepted before
 * there was one table (h_mentoring's yes_no_word: RQ; h_session's answer_word:
 * SE; h_member's yes_no: SW; h_event's answer phrases: RS; the event form's
 * yes/no values: BO). */
static const struct {
	const char *w;
	enum words_answer a;
	unsigned sets;
} words[] = {
	{"ja", WORDS_YES, RQ | SE | SW | RS | BO},
	{"yes", WORDS_YES, RQ | SE | SW | RS | BO},
	{"y", WORDS_YES, RQ | SE | BO},
	{"ok", WORDS_YES, RQ | SE},
	{"okay", WORDS_YES, RQ | SE},
	{"gerne", WORDS_YES, RQ | SE | RS},
	{"gern", WORDS_YES, RS},
	{"accept", WORDS_YES, RQ | RS},
	{"annehmen", WORDS_YES, RQ},
	{"passt", WORDS_YES, SE},
	{"confirm", WORDS_YES, SE},
	{"bestätigen", WORDS_YES, SE},
	{"done", WORDS_YES, SE},
	{"erledigt", WORDS_YES, SE},
	{"on", WORDS_YES, SW},
	{"an", WORDS_YES, SW},
	{"true", WORDS_YES, BO},
	{"1", WORDS_YES, BO},
	{"ich komme", WORDS_YES, RS},
	{"ich bin dabei", WORDS_YES, RS},
	{"bin dabei", WORDS_YES, RS},
	{"zusage", WORDS_YES, RS},
	{"zusagen", WORDS_YES, RS},
	{"attend", WORDS_YES, RS},
	{"attending", WORDS_YES, RS},
	{"i'll come", WORDS_YES, RS},
	{"i will come", WORDS_YES, RS},
	{"i'll be there", WORDS_YES, RS},
	{"count me in", WORDS_YES, RS},
	{"sure", WORDS_YES, RS},

	{"nein", WORDS_NO, RQ | SE | SW | RS | BO | CA},
	{"no", WORDS_NO, RQ | SE | SW | RS | BO | CA},
	{"cancel", WORDS_NO, CA},
	{"abbrechen", WORDS_NO, CA},
	{"stop", WORDS_NO, CA},
	{"n", WORDS_NO, RQ | SE | BO},
	{"decline", WORDS_NO, RQ | RS},
	{"ablehnen", WORDS_NO, RQ},
	{"off", WORDS_NO, SW},
	{"aus", WORDS_NO, SW},
	{"false", WORDS_NO, BO},
	{"0", WORDS_NO, BO},
	{"ich komme nicht", WORDS_NO, RS},
	{"komme nicht", WORDS_NO, RS},
	{"ich kann nicht", WORDS_NO, RS},
	{"leider nicht", WORDS_NO, RS},
	{"leider nein", WORDS_NO, RS},
	{"not attending", WORDS_NO, RS},
	{"can't come", WORDS_NO, RS},
	{"cannot come", WORDS_NO, RS},
	{"absage", WORDS_NO, RS},
	{"absagen", WORDS_NO, RS},
	{"regret", WORDS_NO, RS},
	{"unfortunately not", WORDS_NO, RS},
	{"sorry, no", WORDS_NO, RS},

	{"vielleicht", WORDS_MAYBE, RS},
	{"maybe", WORDS_MAYBE, RS},
	{"eventuell", WORDS_MAYBE, RS},
	{"tentative", WORDS_MAYBE, RS},
	{"perhaps", WORDS_MAYBE, RS},
};

enum words_answer
words_at(const char *f, unsigned sets, size_t *len)
{
	enum words_answer best = WORDS_NONE;
	size_t bl = 0;
	for (size_t i = 0; f && i < ARRAY_LEN(words); i++) {
		if (!(words[i].sets & sets))
			continue;
		size_t l = strlen(words[i].w);
		if (l > bl && strncmp(f, words[i].w, l) == 0 && !isalnum((unsigned char)f[l]) &&
		    (unsigned char)f[l] < 0x80) {
			best = words[i].a;
			bl = l;
		}
	}
	*len = bl;
	return best;
}

/* The folded word w (whole) in the sets. */
static enum words_answer
whole(const char *w, unsigned sets)
{
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if ((words[i].sets & sets) && strcmp(w, words[i].w) == 0)
			return words[i].a;
	return WORDS_NONE;
}

enum words_answer
words_first(const char *text, unsigned sets, const char **rest)
{
	const char *p = text ? text : "";
	while (*p && isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && !strchr(".,!;:", p[n]))
		n++;
	char *w = xstrndup(p, n), *f = cmd_fold(w);
	enum words_answer a = whole(f, sets);
	free(f);
	free(w);
	if (a != WORDS_NONE) {
		p += n;
		while (*p && (isspace((unsigned char)*p) || strchr(".,!;:-", *p)))
			p++;
	}
	*rest = p;
	return a;
}

enum words_answer
words_is(const char *w, unsigned sets)
{
	char *f = cmd_fold(w ? w : "");
	enum words_answer a = whole(str_trim(f), sets);
	free(f);
	return a;
}

const char *
words_name(enum words_answer a)
{
	return a == WORDS_YES ? "yes" : a == WORDS_NO ? "no" : a == WORDS_MAYBE ? "maybe" : NULL;
}
