/*
 * quote.c - cut quoted text, quote headers and signatures from a reply so
 * only the sender's new text reaches the command parser; plus a tiny
 * stopword language guess.  Line based, each line looked at a bounded
 * number of times (no regex, no backtracking): linear in the input.
 * No state; any thread may call it.
 */
#include "quote.h"
#include "quote_rules.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct line {
	const char *s;
	size_t n; /* without "\r\n" / "\n" */
};

/* Invisible code points that carry no text: zero-width spaces and joiners,
 * the BOM, no-break space, Gmail's U+1427 tracking mark.  Returns the
 * length of the one at s, or 0. */
static size_t
invisible(const char *s, size_t n)
{
	static const char *const inv[] = {"\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d",
					  "\xe2\x81\xa0", "\xef\xbb\xbf", "\xe1\xa0\x8e",
					  "\xe1\x90\xa7", "\xcd\x8f",     "\xc2\xa0"};
	if (n < 2 || (unsigned char)s[0] < 0xc2)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(inv); i++) {
		size_t k = strlen(inv[i]);
		if (n >= k && !memcmp(s, inv[i], k))
			return k;
	}
	return 0;
}

/* Zero-width characters dropped from kept lines (not ZWJ/ZWNJ, which join
 * emoji and Persian letters, and not the no-break space). */
static size_t
zero_width(const char *s, size_t n)
{
	size_t k = invisible(s, n);
	if (k == 3 && (!memcmp(s, "\xe2\x80\x8b", 3) || !memcmp(s, "\xe2\x81\xa0", 3) ||
		       !memcmp(s, "\xef\xbb\xbf", 3) || !memcmp(s, "\xe1\xa0\x8e", 3)))
		return 3;
	return 0;
}

/* Trimmed view of a line: blanks and invisible characters off both ends. */
static void
trim_view(const struct line *l, const char **s, size_t *n)
{
	const char *p = l->s;
	size_t k = l->n, z;
	for (;;) {
		if (k && (*p == ' ' || *p == '\t')) {
			p++;
			k--;
		} else if ((z = invisible(p, k))) {
			p += z;
			k -= z;
		} else
			break;
	}
	for (;;) {
		if (k && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r'))
			k--;
		else if (k >= 2 && !memcmp(p + k - 2, "\xc2\xa0", 2))
			k -= 2;
		else if (k >= 3 && invisible(p + k - 3, 3) == 3)
			k -= 3;
		else
			break;
	}
	*s = p;
	*n = k;
}

static int
is_blank(const struct line *l)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
contains_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, p, k))
			return 1;
	return 0;
}

static int
is_quoted(const struct line *l)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	return n && s[0] == '>';
}

static int
digit_count(const char *s, size_t n)
{
	int d = 0;
	for (size_t i = 0; i < n; i++)
		d += isdigit((unsigned char)s[i]) != 0;
	return d;
}

/* Date-first headers without a verb (mail.ru, Yandex, Gmail in Russian and
 * Japanese): "26.06.2014, 14:41, "Alexander L" <abc@example.com>:" */
static int
addr_header(const char *s, size_t n)
{
	if (n < 10 || n > 200 || n < 2 || s[n - 2] != '>' || s[n - 1] != ':' || !memchr(s, '@', n))
		return 0;
	return digit_count(s, n) >= 6;
}

/* A whole attribution line ("On … wrote:", "Am … schrieb …:", "X kirjoitti:"). */
static int
attr_line(const char *s, size_t n)
{
	return n && n <= 400 && (qr_match(QR_ATTR_END, s, n) || qr_match(QR_ATTR_MID, s, n) || addr_header(s, n));
}

/* Has the text an unclosed "<" (an address broken before ">:")? */
static int
open_angle(const char *s, size_t n)
{
	const char *lt = memrchr(s, '<', n), *gt = memrchr(s, '>', n);
	return lt && (!gt || gt < lt);
}

/*
 * An attribution without its colon: "On <date> X <x@y> wrote", or Zoho's
 * "---- On <date> X wrote ----" (decorated).  Undecorated it must start like
 * a date line and hold a date or an address.
 */
static int
attr_loose(const char *s, size_t n, int decorated)
{
	char tmp[404];
	if (n == 0 || n > 400 || s[n - 1] == ':' || open_angle(s, n))
		return 0;
	if (!decorated && (!qr_match(QR_ATTR_PRE, s, n) || (digit_count(s, n) < 4 && !memchr(s, '@', n))))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = ':';
	/* "Am … schrieb X <x@y>" without colon only between Zoho's dashes */
	return qr_match(QR_ATTR_END, tmp, n + 1) || (decorated && qr_match(QR_ATTR_MID, tmp, n + 1));
}

/* "---- On … wrote ----" → the text between the dashes. */
static int
undecorate(const char **s, size_t *n)
{
	const char *p = *s;
	size_t k = *n, a = 0;
	while (a < k && p[a] == '-')
		a++;
	if (a < 2 || k < a + 2 || p[k - 1] != '-')
		return 0;
	while (k > a && (p[k - 1] == '-' || p[k - 1] == ' '))
		k--;
	while (a < k && p[a] == ' ')
		a++;
	*s = p + a;
	*n = k - a;
	return 1;
}

/* One line of an attribution: whole, without colon, Zoho's, or with the
 * quoted text on the same line ("On … wrote: > hi"). */
static int
attr_single(const char *s, size_t n)
{
	size_t off;
	if (attr_line(s, n) || attr_loose(s, n, 0))
		return 1;
	if (undecorate(&s, &n))
		return attr_line(s, n) || attr_loose(s, n, 1);
	if (n <= 400 && qr_match(QR_ATTR_PRE, s, n) && (off = qr_attr_inside(s, n))) {
		while (off < n && s[off] == ' ')
			off++;
		return (off < n && s[off] == '>') || (memchr(s, '@', off) && digit_count(s, off) >= 4);
	}
	return 0;
}

/*
 * A reply header at line i, possibly wrapped over up to 3 lines by the
 * client ("X <x@…> schrieb am Di., 16. Aug. 2016" / "um 12:52 Uhr:").
 * Returns its number of lines or 0.
 */
static int
wrote_header(const struct line *L, size_t nl, size_t i)
{
	const char *s;
	size_t n, jl;
	char joined[1300];
	int dated;

	trim_view(&L[i], &s, &n);
	if (n == 0 || n > 400 || s[0] == '>')
		return 0;
	if (attr_single(s, n))
		return 1;
	/* wrapped forms start like a date line ("On", "Am", a digit) or name an address */
	dated = qr_match(QR_ATTR_PRE, s, n) || isdigit((unsigned char)s[0]);
	if (!dated && !memchr(s, '@', n) && !memchr(s, '<', n))
		return 0;
	memcpy(joined, s, n);
	jl = n;
	for (size_t k = 1; k <= 2 && i + k < nl; k++) {
		const char *t;
		size_t tn;
		if (is_blank(&L[i + k]))
			return 0;
		trim_view(&L[i + k], &t, &tn);
		if (tn > 400 || (t[0] == '>' && !open_angle(joined, jl)))
			return 0;
		/* a name line above "Max wrote:" is text, not part of the header;
		 * a line that opens a header itself ("Am heutigen Tage" / "Am So., …")
		 * starts it there */
		if ((!dated && (tn > 60 || attr_line(t, tn))) || (dated && qr_match(QR_ATTR_PRE, t, tn)))
			return 0;
		joined[jl++] = ' ';
		memcpy(joined + jl, t, tn);
		jl += tn;
		if (attr_line(joined, jl) || attr_loose(joined, jl, 0))
			return (int)k + 1;
	}
	return 0;
}

/* A header field line ("Von: …", "*De :* …"); *from set for a From field. */
static size_t
field_at(const struct line *l, int *from)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	return qr_field(s, n, from);
}

/*
 * An Outlook header block at line i: a From field followed by at least two
 * other fields within the next few lines.  *fwd is set when its subject
 * starts with a forward prefix ("WG:", "Fwd:", "TR:").
 */
static int
outlook_block(const struct line *L, size_t nl, size_t i, int *fwd)
{
	int hits = 0, from = 0, f;
	size_t k, v;
	*fwd = 0;
	if (!field_at(&L[i], &from) || !from)
		return 0;
	for (k = i + 1; k < nl && k <= i + 6; k++) {
		if ((v = field_at(&L[k], &f)) != 0 && !f) {
			const char *s;
			size_t n;
			trim_view(&L[k], &s, &n);
			*fwd |= qr_fwd_subject(s + v, n - v);
			hits++;
		} else if (is_blank(&L[k]) && hits == 0 && k > i + 2)
			return 0;
	}
	return hits >= 2;
}

static int
only_char(const char *s, size_t n, char c, size_t min)
{
	if (n < min)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != c)
			return 0;
	return 1;
}

/*
 * A piece the client broke off a long quoted line and left without ">":
 * between two quoted lines, below a long one, starting in lower case
 * ("> … Nullam pharetra d" / "ignissim odio?" / "> …").
 */
static int
quote_wrap(const struct line *L, size_t nl, size_t i)
{
	const char *s;
	size_t n;
	if (i == 0 || i + 1 >= nl || !is_quoted(&L[i - 1]) || !is_quoted(&L[i + 1]))
		return 0;
	trim_view(&L[i - 1], &s, &n);
	if (n < 60)
		return 0;
	trim_view(&L[i], &s, &n);
	return n && islower((unsigned char)s[0]);
}

enum cut { CUT_NONE, CUT_QUOTE, CUT_FORWARD };

/* A line after which everything is the quoted (or forwarded) original. */
static enum cut
cut_line(const struct line *L, size_t nl, size_t i)
{
	const char *s;
	size_t n;
	int fwd, from;

	trim_view(&L[i], &s, &n);
	if (n == 0 || s[0] == '>')
		return CUT_NONE;
	if (qr_match(QR_FWD_SEP, s, n) || qr_match(QR_FWD_START, s, n))
		return CUT_FORWARD;
	if (qr_match(QR_SEP, s, n))
		return CUT_QUOTE;
	if (outlook_block(L, nl, i, &fwd))
		return fwd ? CUT_FORWARD : CUT_QUOTE;
	/* a block that opens with another field: "Message du : …" above "De : …" */
	if (i + 1 < nl && field_at(&L[i], &from) && !from && field_at(&L[i + 1], &from) && from &&
	    outlook_block(L, nl, i + 1, &fwd))
		return fwd ? CUT_FORWARD : CUT_QUOTE;
	/* a rule right above an Outlook block; underscores cut by themselves */
	if (only_char(s, n, '_', 20) || only_char(s, n, '-', 10)) {
		for (size_t k = i + 1; k < nl && k <= i + 3; k++)
			if (!is_blank(&L[k])) {
				if (outlook_block(L, nl, k, &fwd))
					return fwd ? CUT_FORWARD : CUT_QUOTE;
				break;
			}
		if (s[0] == '_')
			return CUT_QUOTE;
	}
	return CUT_NONE;
}

/*
 * The first line of a forwarded mail's body: past the separator line, the
 * header fields (and their folded continuations) and the blank lines.
 */
static size_t
forward_body(const struct line *L, size_t nl, size_t i)
{
	int from, fields = 0;
	if (!field_at(&L[i], &from))
		i++; /* the separator line itself */
	while (i < nl && is_blank(&L[i]))
		i++;
	for (; i < nl; i++) {
		if (field_at(&L[i], &from))
			fields++;
		else if (!(fields && L[i].n && (L[i].s[0] == ' ' || L[i].s[0] == '\t')) || is_blank(&L[i]))
			break;
	}
	while (i < nl && is_blank(&L[i]))
		i++;
	return i;
}

static int
word_count(const char *s, size_t n)
{
	int w = 0, in = 0;
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			in = 0;
		else if (!in) {
			in = 1;
			w++;
		}
	}
	return w;
}

/* Signature start: everything from here on is cut. */
static int
sig_line(const struct line *L, size_t i)
{
	const char *s;
	size_t n;

	/* "-- " exactly (trailing space is often lost, so "--" too) */
	if ((L[i].n == 3 && !memcmp(L[i].s, "-- ", 3)) || (L[i].n == 2 && !memcmp(L[i].s, "--", 2)))
		return 1;
	trim_view(&L[i], &s, &n);
	if (n == 0)
		return 0;
	if (qr_match(QR_MOBILE, s, n) || qr_match(QR_SIG_IN, s, n))
		return 1;
	/* a rule of em dashes above the name (Chinese and Japanese clients) */
	if (n >= 3 * 6 && n % 3 == 0) {
		size_t k = 0;
		while (k < n && !memcmp(s + k, "\xe2\x80\x94", 3))
			k += 3;
		if (k == n)
			return 1;
	}
	/* "-Name" after a blank line (the reply parsers' "-Abhishek Kona") */
	if (i > 0 && n <= 40 && s[0] == '-' && n > 1 && isalpha((unsigned char)s[1]) && word_count(s, n) <= 3 &&
	    is_blank(&L[i - 1]))
		return 1;
	return 0;
}

/* Looks like contact data: an address, a web address or a phone number. */
static int
contact_line(const struct line *l)
{
	const char *s;
	size_t n;
	int digits = 0;
	trim_view(l, &s, &n);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '@' && i > 0 && i + 3 < n && memchr(s + i, '.', n - i))
			return 1;
		digits += isdigit((unsigned char)s[i]) != 0;
	}
	if (contains_ci(s, n, "www.") || contains_ci(s, n, "http://") || contains_ci(s, n, "https://"))
		return 1;
	return digits >= 7;
}

static int
name_line(const struct line *l)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	if (n == 0 || n > 40 || word_count(s, n) > 5 || memchr(s, '@', n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * A trailing contact block: a name line followed by contact lines
 * ("Gina X / gina@example.com / (555) 346-9947"), or a dashes line followed
 * by short lines with contact data.  Returns the index in keep[] where the
 * signature starts, or nk.  Only the end of the text is looked at, and only
 * when real text stays above it.
 */
static size_t
contact_sig(const struct line *L, const size_t *keep, size_t nk)
{
	size_t end = nk, start, k;
	int contacts = 0;
	while (end > 0 && is_blank(&L[keep[end - 1]]))
		end--;
	/* a dashes line within the last 20 lines, everything below short */
	for (k = end; k > 0 && end - k < 20; k--) {
		const char *s;
		size_t n;
		const struct line *l = &L[keep[k - 1]];
		trim_view(l, &s, &n);
		if (n > 60)
			break;
		contacts += contact_line(l);
		if (only_char(s, n, '-', 4) && contacts >= 2 && k > 1)
			return k - 1;
	}
	/* the last paragraph: name line, then at least two contact lines */
	start = end;
	while (start > 0 && !is_blank(&L[keep[start - 1]]))
		start--;
	if (start == 0 || end - start < 3 || end - start > 8 || !name_line(&L[keep[start]]))
		return nk;
	contacts = 0;
	for (k = start + 1; k < end; k++) {
		const char *s;
		size_t n;
		trim_view(&L[keep[k]], &s, &n);
		if (n > 60)
			return nk;
		contacts += contact_line(&L[keep[k]]);
	}
	return contacts >= 2 ? start : nk;
}

/* A line of one delimiter repeated: "--", "***", "####", "~~~~~", "=====", "____". */
static int
delimiter_line(const struct line *l)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	return n >= 2 && strchr("-*#~=_", s[0]) && only_char(s, n, s[0], 2);
}

static struct line *
split_lines(const char *text, size_t *nl)
{
	size_t cap = 16;
	struct line *L = xmalloc(cap * sizeof(*L));
	*nl = 0;
	for (const char *p = text;;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!e && n == 0)
			break;
		if (*nl == cap)
			L = xrealloc(L, (cap *= 2) * sizeof(*L));
		L[*nl].s = p;
		L[*nl].n = (n && p[n - 1] == '\r') ? n - 1 : n;
		(*nl)++;
		if (!e)
			break;
		p = e + 1;
	}
	return L;
}

/* Kept lines out: without leading/trailing blank or delimiter lines,
 * trailing blanks and zero-width characters. */
static char *
render(const struct line *L, const size_t *keep, size_t nk)
{
	struct buf out = BUF_INIT;
	size_t a = 0, b = nk;
	while (a < b && is_blank(&L[keep[a]]))
		a++;
	while (b > a && (is_blank(&L[keep[b - 1]]) || delimiter_line(&L[keep[b - 1]])))
		b--;
	for (size_t k = a; k < b; k++) {
		const char *s = L[keep[k]].s;
		size_t n = L[keep[k]].n, z;
		if (is_blank(&L[keep[k]]))
			n = 0;
		/* trailing blanks carry nothing and upset exact command matching */
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		for (size_t j = 0, from = 0; j <= n;) {
			if (j == n || (z = zero_width(s + j, n - j))) {
				buf_add(&out, s + from, j - from);
				if (j == n)
					break;
				from = j += z;
				continue;
			}
			j++;
		}
		buf_addc(&out, '\n');
	}
	return buf_detach(&out);
}

char *
quote_strip_flags(const char *text, unsigned *flags)
{
	struct line *L;
	size_t nl, i, nk = 0, text_lines = 0;
	size_t *keep; /* indices of kept lines */
	int removed = 0;
	unsigned fl = 0;
	char *res;

	if (!text) {
		if (flags)
			*flags = 0;
		return xstrdup("");
	}
	L = split_lines(text, &nl);
	keep = xmalloc((nl ? nl : 1) * sizeof(*keep));

	for (i = 0; i < nl; i++) {
		int h;
		enum cut c;
		if (sig_line(L, i))
			break;
		if ((c = cut_line(L, nl, i)) != CUT_NONE) {
			fl |= QUOTE_CUT;
			/* a mail that is only a forward: the forwarded body is the text */
			if (c == CUT_FORWARD && text_lines == 0) {
				fl |= QUOTE_FORWARDED;
				i = forward_body(L, nl, i) - 1;
				continue;
			}
			break;
		}
		if ((h = wrote_header(L, nl, i))) {
			/* followed by ">" lines: drop the header, keep reading (inline
			 * and bottom posting); else the quote follows unmarked: stop */
			size_t k = i + (size_t)h;
			fl |= QUOTE_CUT;
			while (k < nl && is_blank(&L[k]))
				k++;
			if (k < nl && is_quoted(&L[k])) {
				i += (size_t)h - 1;
				removed = 1;
				continue;
			}
			break;
		}
		if (is_blank(&L[i]) && L[i].n && L[i].s[0] != ' ' && L[i].s[0] != '\t' && L[i].s[0] != '\r')
			continue; /* a line of invisible characters only (Gmail's U+1427) */
		if (is_quoted(&L[i]) || quote_wrap(L, nl, i)) {
			fl |= QUOTE_CUT;
			removed = 1;
			continue;
		}
		if (is_blank(&L[i]) && removed && nk && is_blank(&L[keep[nk - 1]]))
			continue; /* no blank runs where a quote was cut out */
		removed = 0;
		text_lines += !is_blank(&L[i]);
		keep[nk++] = i;
	}
	nk = contact_sig(L, keep, nk);
	res = render(L, keep, nk);
	free(keep);
	free(L);
	if (flags)
		*flags = fl;
	return res;
}

char *
quote_strip(const char *text)
{
	return quote_strip_flags(text, NULL);
}

/* ---- language guess ---------------------------------------------------- */

static const char *const de_words[] = {
	"und",      "ich",      "nicht",      "die",    "der",    "das",   "ist",   "mit",    "sie",
	"wir",      "ein",      "eine",       "zu",     "auf",    "für",   "bitte", "danke",  "hallo",
	"ja",       "nein",     "bin",        "komme",  "kann",   "gerne", "mich",  "mir",    "dem",
	"den",      "von",      "wie",        "aber",   "auch",   "noch",  "nur",   "mein",   "meine",
	"sehr",     "geehrte",  "liebe",      "lieber", "grüße",  "gruß",  "viele", "termin", "hilfe",
	"abmelden", "anmelden", "teilnehmen", "leider", "morgen", "heute", "woche", "uhr",    "dass",
	"habe",     "haben",    "wird",       "werde",  "sind",   "oder",  "wenn",  NULL};
static const char *const en_words[] = {
	"the",    "and",    "i",     "you",   "is",      "not",  "to",     "of",   "a",           "with",  "for",
	"please", "thanks", "thank", "hello", "hi",      "yes",  "no",     "am",   "will",        "can",   "my",
	"me",     "we",     "are",   "this",  "that",    "have", "be",     "it",   "on",          "in",    "at",
	"would",  "like",   "help",  "dear",  "regards", "best", "attend", "join", "unsubscribe", "sorry", "tomorrow",
	"today",  "week",   "but",   "also",  "just",    "if",   "or",     "do",   "there",       NULL};

static int
in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return 1;
	return 0;
}

const char *
lang_guess(const char *text)
{
	int de = 0, en = 0;
	char w[32];
	size_t wl = 0;
	int overlong = 0;

	if (!text)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)text;; p++) {
		/* words: ASCII letters and any UTF-8 multibyte (umlauts) */
		if (*p && (isalpha(*p) || *p >= 0x80)) {
			if (wl + 1 < sizeof(w))
				w[wl++] = (char)tolower(*p);
			else
				overlong = 1;
			continue;
		}
		if (wl && !overlong) {
			w[wl] = '\0';
			de += in_list(w, de_words);
			en += in_list(w, en_words);
			/* umlauts and ß are German evidence by themselves */
			if (strstr(w, "\xc3\xa4") || strstr(w, "\xc3\xb6") || strstr(w, "\xc3\xbc") ||
			    strstr(w, "\xc3\x9f"))
				de++;
		}
		wl = 0;
		overlong = 0;
		if (!*p)
			break;
	}
	if (de >= 2 && de > en)
		return "de";
	if (en >= 2 && en > de)
		return "en";
	return NULL;
}
