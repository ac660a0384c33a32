/*
 * rsvp_text.c - the pure text part of reading an answer to an invitation
 * (see rsvp_text.h): the answer phrase with its separators, "+N", the
 * comment, valedictions.  Each byte is looked at a bounded number of times:
 * linear in the input.  No state; any thread may call it.
 */
#include "rsvp_text.h"
#include "commands.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
is_sep(char c)
{
	return isspace((unsigned char)c) || strchr(",.;:!-", c) != NULL;
}

static const char *
skip_seps(const char *p)
{
	while (*p && is_sep(*p))
		p++;
	return p;
}

/* After the answer a at p (folded): up to three restatements are skipped;
 * a contrary answer or "oder"/"or"/"/" and another answer make it ambiguous.
 * Returns the new position, or NULL when ambiguous. */
static const char *
after_answer(const char *p, enum words_answer a)
{
	for (int k = 0; k < 3; k++) {
		size_t l2;
		p = skip_seps(p);
		if (strncmp(p, "oder ", 5) == 0 || strncmp(p, "or ", 3) == 0 || strncmp(p, "/", 1) == 0) {
			const char *q = skip_seps(p + (*p == '/' ? 1 : (*p == 'o' && p[1] == 'd' ? 5 : 3)));
			return words_at(q, WORDS_RSVP, &l2) != WORDS_NONE ? NULL : p;
		}
		enum words_answer b = words_at(p, WORDS_RSVP, &l2);
		if (b == WORDS_NONE)
			break;
		if (b != a)
			return NULL;
		p += l2;
	}
	return p;
}

/* "+1", "+ 2" at p, or "+N" later on the line (f: the line's start): *guests. */
static const char *
read_guests(const char *f, const char *p, int *guests)
{
	if (*p == '+') {
		const char *q = p + 1;
		while (*q == ' ')
			q++;
		if (isdigit((unsigned char)*q)) {
			char *e;
			long v = strtol(q, &e, 10);
			if (v > 0 && v <= RSVP_GUESTS_MAX && (!*e || is_sep(*e))) {
				*guests = (int)v;
				p = e;
			}
		}
	}
	p = skip_seps(p);
	/* "+1" later on the line ("zusage für uns beide +1") */
	for (const char *q = p; !*guests && *q; q++)
		if (*q == '+' && (q == f || isspace((unsigned char)q[-1])) && isdigit((unsigned char)q[1])) {
			char *e;
			long v = strtol(q + 1, &e, 10);
			if (v > 0 && v <= RSVP_GUESTS_MAX && (!*e || is_sep(*e)))
				*guests = (int)v;
		}
	return p;
}

enum rsvp_answer
rsvp_parse_answer(const char *line, int want_answer, int *guests, char **comment)
{
	char *f = cmd_fold(line ? line : "");
	const char *p = skip_seps(f);
	enum rsvp_answer a = RSVP_NONE;
	*guests = 0;
	*comment = NULL;
	if (want_answer) {
		size_t len;
		a = (enum rsvp_answer)words_at(p, WORDS_RSVP, &len);
		if (a == RSVP_NONE || !(p = after_answer(p + len, (enum words_answer)a))) {
			free(f);
			return a == RSVP_NONE ? RSVP_NONE : RSVP_AMBIGUOUS;
		}
	}
	p = read_guests(f, skip_seps(p), guests);
	size_t off = (size_t)(p - f);
	/* folding keeps byte lengths: the comment is the original text from there */
	if (line && off < strlen(line) && line[off])
		*comment = str_one_line(line + off, RSVP_COMMENT_MAX);
	free(f);
	return a;
}

/* ---- the sign-off below an answer ---- */

/* Closing lines of a mail as valediction_fold() folds them (lower case, "ß" as
 * "ss", single spaces, no trailing comma). */
static const char *const valedictions[] = {"mit freundlichen grüssen",
					   "freundliche grüsse",
					   "viele grüsse",
					   "beste grüsse",
					   "liebe grüsse",
					   "herzliche grüsse",
					   "gruss",
					   "grüsse",
					   "vg",
					   "lg",
					   "mfg",
					   "best regards",
					   "kind regards",
					   "regards",
					   "best",
					   "cheers",
					   "thanks",
					   "thank you",
					   "many thanks",
					   "sincerely",
					   "yours",
					   "yours sincerely",
					   "yours truly",
					   NULL};

/* One line (len bytes) folded for valedictions[] into out (size outsz).  0 when it
 * does not fit (no valediction is that long). */
static int
valediction_fold(const char *line, size_t len, char *out, size_t outsz)
{
	size_t n = 0, i = 0, e = len;
	while (i < e && isspace((unsigned char)line[i]))
		i++;
	while (e > i && isspace((unsigned char)line[e - 1]))
		e--;
	if (e > i && line[e - 1] == ',')
		e--;
	for (; i < e; i++) {
		unsigned char c = (unsigned char)line[i], d = i + 1 < e ? (unsigned char)line[i + 1] : 0;
		if (n + 3 > outsz)
			return 0;
		if (isspace(c) || (c == 0xc2 && d == 0xa0)) { /* also a no-break space */
			if (c == 0xc2)
				i++;
			if (n && out[n - 1] != ' ')
				out[n++] = ' ';
		} else if (c == 0xc3 && d == 0x9f) { /* ß */
			out[n++] = 's';
			out[n++] = 's';
			i++;
		} else if (c == 0xc3 && (d == 0x84 || d == 0x96 || d == 0x9c)) { /* Ä Ö Ü */
			out[n++] = (char)c;
			out[n++] = (char)(d + 0x20);
			i++;
		} else {
			out[n++] = (char)tolower(c);
		}
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return 1;
}

int
rsvp_is_valediction(const char *line, size_t len)
{
	char f[64];
	if (!valediction_fold(line, len, f, sizeof f) || !*f)
		return 0;
	for (size_t i = 0; valedictions[i]; i++)
		if (strcmp(f, valedictions[i]) == 0)
			return 1;
	return 0;
}

char *
rsvp_cut_valediction(const char *text)
{
	const char *p = text ? text : "";
	for (const char *l = p; *l;) {
		size_t n = strcspn(l, "\n");
		if (rsvp_is_valediction(l, n))
			return xstrndup(p, (size_t)(l - p));
		l += n;
		if (*l)
			l++;
	}
	return xstrdup(p);
}

const char *
rsvp_after_first_line(const char *text)
{
	const char *p = text ? text : "";
	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *q = p;
		while (q < p + n && isspace((unsigned char)*q))
			q++;
		p += n;
		if (*p)
			p++;
		if (q < p - (*p ? 1 : 0) && !isspace((unsigned char)*q))
			return p;
	}
	return p;
}

int64_t
rsvp_msgid_event(const char *id, const char *domain, int64_t *person)
{
	long long e = 0, p = 0;
	int seq = 0, n = 0;
	if (!id || sscanf(id, "ev%lld.%lld.%d%n", &e, &p, &seq, &n) != 3 || n == 0)
		return 0;
	const char *rest = id + n;
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "abcdefghijklmnopqrstuvwxyz234567");
	if (*rest != '@' || strcasecmp(rest + 1, domain ? domain : "") != 0)
		return 0;
	*person = p;
	return e;
}
