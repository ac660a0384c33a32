/*
 * quote.c - cut quoted text, quote headers and signatures from a reply so
 * only the sender's new text reaches the command parser; plus a tiny
 * stopword language guess.  Line based, each line looked at a bounded
 * number of times (no regex, no backtracking): linear in the input.
 * No state; any thread may call it.
 */
#include "quote.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct line {
	const char *s;
	size_t n; /* without "\r\n" / "\n" */
};

/* Trimmed view of a line. */
static void
trim_view(const struct line *l, const char **s, size_t *n)
{
	const char *p = l->s;
	size_t k = l->n;
	while (k && (*p == ' ' || *p == '\t')) {
		p++;
		k--;
	}
	while (k && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r'))
		k--;
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
starts_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && !strncasecmp(s, p, k);
}

static int
ends_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && !strncasecmp(s + n - k, p, k);
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

/* "wrote:" and its translations at the end of a (joined) header. */
static int
ends_with_wrote(const char *s, size_t n)
{
	static const char *const w[] = {
		"wrote:",   "schrieb:", "a écrit :", "a écrit:",    "escribió:", "написал:", "написала:",
		"napisał:", "skrev:",   "schreef:",  "ha scritto:", "escreveu:", NULL};
	for (int i = 0; w[i]; i++)
		if (ends_ci(s, n, w[i]))
			return 1;
	return 0;
}

/* German "Am … schrieb Name <addr>:" and friends: the verb comes first. */
static int
german_header(const char *s, size_t n)
{
	return n > 12 && n < 400 && starts_ci(s, n, "Am ") && s[n - 1] == ':' && contains_ci(s, n, " schrieb ");
}

/* Date-first headers without a verb (mail.ru, Yandex):
 * "26.06.2014, 14:41, "Alexander L" <abc@example.com>:" */
static int
addr_header(const char *s, size_t n)
{
	int digits = 0;
	if (n < 10 || n > 200 || !ends_ci(s, n, ">:") || !memchr(s, '@', n))
		return 0;
	for (size_t i = 0; i < n; i++)
		digits += isdigit((unsigned char)s[i]) != 0;
	return digits >= 6;
}

/*
 * A reply header ("On … wrote:", "Am … schrieb …:", "X wrote:") at line i,
 * possibly wrapped over up to 3 lines.  Returns its number of lines or 0.
 */
static int
wrote_header(const struct line *L, size_t nl, size_t i)
{
	const char *s;
	size_t n;
	char joined[1200];
	size_t jl = 0;
	int multi;

	trim_view(&L[i], &s, &n);
	if (n == 0 || n > 400 || s[0] == '>')
		return 0;
	if ((ends_with_wrote(s, n) && n <= 300) || german_header(s, n) || addr_header(s, n))
		return 1;
	/* wrapped forms start like a date line: "On", "Am", "Le", "El", a digit */
	multi = starts_ci(s, n, "On ") || starts_ci(s, n, "Am ") || starts_ci(s, n, "Le ") || starts_ci(s, n, "El ") ||
		isdigit((unsigned char)s[0]);
	if (!multi)
		return 0;
	memcpy(joined, s, n);
	jl = n;
	for (size_t k = 1; k <= 2 && i + k < nl; k++) {
		const char *t;
		size_t tn;
		if (is_blank(&L[i + k]))
			return 0;
		trim_view(&L[i + k], &t, &tn);
		if (tn > 400 || t[0] == '>')
			return 0;
		joined[jl++] = ' ';
		memcpy(joined + jl, t, tn);
		jl += tn;
		if (ends_with_wrote(joined, jl) || german_header(joined, jl))
			return (int)k + 1;
	}
	return 0;
}

/* "Field:" at the start of a line, optionally in *bold* (Outlook plain text). */
static int
field_is(const struct line *l, const char *const *names)
{
	const char *s;
	size_t n;
	trim_view(l, &s, &n);
	while (n && *s == '*') {
		s++;
		n--;
	}
	for (int i = 0; names[i]; i++) {
		size_t k = strlen(names[i]);
		if (n > k && !strncasecmp(s, names[i], k) &&
		    (s[k] == ':' || (s[k] == '*' && k + 1 < n && s[k + 1] == ':')))
			return 1;
	}
	return 0;
}

static const char *const from_names[] = {"From", "Von", "De", "Van", "Från", "Od", "От", NULL};
static const char *const block_names[] = {"Sent",       "Date", "To",      "Subject", "Cc",       "Gesendet",
					  "Datum",      "An",   "Betreff", "Envoyé",  "Objet",    "À",
					  "Enviado",    "Para", "Asunto",  "Fecha",   "Reply-To", "Antwort an",
					  "Отправлено", "Кому", "Тема",    "Дата",    NULL};

/* An Outlook header block: From:/Von: followed by at least two of
 * Sent:/To:/Subject: (or German) within the next few lines. */
static int
outlook_block(const struct line *L, size_t nl, size_t i)
{
	int hits = 0;
	if (!field_is(&L[i], from_names))
		return 0;
	for (size_t k = i + 1; k < nl && k <= i + 6; k++) {
		if (field_is(&L[k], block_names) && ++hits >= 2)
			return 1;
		if (is_blank(&L[k]) && hits == 0 && k > i + 2)
			return 0;
	}
	return 0;
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

/* A line after which everything is the quoted original. */
static int
cut_line(const struct line *L, size_t nl, size_t i)
{
	const char *s;
	size_t n;
	static const char *const seps[] = {
		"Original Message", "Ursprüngliche Nachricht", "Originalnachricht",         "Message d'origine",
		"Mensaje original", "Forwarded message",       "Weitergeleitete Nachricht", NULL};

	trim_view(&L[i], &s, &n);
	if (n == 0 || s[0] == '>')
		return 0;
	if (s[0] == '-' && n < 120) {
		for (int k = 0; seps[k]; k++)
			if (contains_ci(s, n, seps[k]))
				return 1;
	}
	if (only_char(s, n, '_', 20))
		return 1;
	if (starts_ci(s, n, "Begin forwarded message:") || starts_ci(s, n, "Anfang der weitergeleiteten"))
		return 1;
	if (outlook_block(L, nl, i))
		return 1;
	/* a dashes line right above an Outlook block */
	if (only_char(s, n, '-', 10)) {
		for (size_t k = i + 1; k < nl && k <= i + 3; k++)
			if (!is_blank(&L[k]))
				return outlook_block(L, nl, k);
	}
	return 0;
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
	static const char *const mobile[] = {"Sent from ",       "Sent with ",
					     "Sent via ",        "Get Outlook for ",
					     "Von meinem ",      "Gesendet von ",
					     "Gesendet mit ",    "Gesendet vom ",
					     "Von Outlook für ", "Envoyé de mon ",
					     "Envoyé depuis ",   "Enviado desde ",
					     "Enviado con ",     NULL};

	/* "-- " exactly (trailing space is often lost, so "--" too) */
	if ((L[i].n == 3 && !memcmp(L[i].s, "-- ", 3)) || (L[i].n == 2 && !memcmp(L[i].s, "--", 2)))
		return 1;
	trim_view(&L[i], &s, &n);
	if (n == 0)
		return 0;
	if (starts_ci(s, n, "Diese Nachricht wurde von meinem") && n < 160)
		return 1;
	if (n < 160 && (starts_ci(s, n, "Sent from my Android device with K-9 Mail") ||
			contains_ci(s, n, "Please excuse my brevity")))
		return 1;
	for (int k = 0; mobile[k]; k++) {
		if (!starts_ci(s, n, mobile[k]))
			continue;
		/* "Sent from my desk, is much easier …" is a sentence, not a footer */
		if (n > 80 || memchr(s, ',', n) || word_count(s, n) > 10)
			return 0;
		if (!strncasecmp(mobile[k], "Von meinem ", 11) && !ends_ci(s, n, "gesendet") &&
		    !ends_ci(s, n, "gesendet."))
			return 0;
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

char *
quote_strip(const char *text)
{
	struct line *L;
	size_t nl = 0, cap = 0, i;
	struct buf out = BUF_INIT;
	size_t *keep; /* indices of kept lines */
	size_t nk = 0;
	int removed = 0;
	const char *p;

	if (!text)
		return xstrdup("");
	/* split */
	cap = 16;
	L = xmalloc(cap * sizeof(*L));
	for (p = text;;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!e && n == 0)
			break;
		if (nl == cap)
			L = xrealloc(L, (cap *= 2) * sizeof(*L));
		L[nl].s = p;
		L[nl].n = (n && p[n - 1] == '\r') ? n - 1 : n;
		nl++;
		if (!e)
			break;
		p = e + 1;
	}
	keep = xmalloc((nl ? nl : 1) * sizeof(*keep));

	for (i = 0; i < nl; i++) {
		int h;
		if (sig_line(L, i) || cut_line(L, nl, i))
			break;
		if ((h = wrote_header(L, nl, i))) {
			/* followed by ">" lines: drop the header, keep reading (inline
			 * and bottom posting); else the quote follows unmarked: stop */
			size_t k = i + (size_t)h;
			while (k < nl && is_blank(&L[k]))
				k++;
			if (k < nl && is_quoted(&L[k])) {
				i += (size_t)h - 1;
				removed = 1;
				continue;
			}
			break;
		}
		if (is_quoted(&L[i])) {
			removed = 1;
			continue;
		}
		if (is_blank(&L[i]) && removed && nk && is_blank(&L[keep[nk - 1]]))
			continue; /* no blank runs where a quote was cut out */
		removed = 0;
		keep[nk++] = i;
	}
	nk = contact_sig(L, keep, nk);
	/* trim leading and trailing blank lines */
	{
		size_t a = 0, b = nk;
		while (a < b && is_blank(&L[keep[a]]))
			a++;
		while (b > a && is_blank(&L[keep[b - 1]]))
			b--;
		for (size_t k = a; k < b; k++) {
			size_t n = L[keep[k]].n;
			/* trailing blanks carry nothing and upset exact command matching */
			while (n && (L[keep[k]].s[n - 1] == ' ' || L[keep[k]].s[n - 1] == '\t'))
				n--;
			buf_add(&out, L[keep[k]].s, n);
			buf_addc(&out, '\n');
		}
	}
	free(keep);
	free(L);
	return buf_detach(&out);
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
