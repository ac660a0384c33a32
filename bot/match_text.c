/*
 * match_text.c - the words of a profile as match.c compares them: one
 * normal form for strings (case, umlauts, white space), language names in
 * English and German to ISO codes, and free-text availability ("Mo/Di
 * abends", "weekday mornings") to day-part slots.  Pure functions, no
 * global state; any thread may call them.
 */
#include "match.h"
#include "match_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Lower-case ASCII and the German upper-case umlauts, trim, collapse runs
 * of white space to one space.  out needs strlen(in) + 1 bytes. */
static void
norm_into(const char *in, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	char *o = out;
	int space = 0;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	for (; *p; p++) {
		unsigned char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == 0xc3 && (p[1] == 0x84 || p[1] == 0x96 || p[1] == 0x9c)) {
			*o++ = (char)c;
			*o++ = (char)(p[1] + 0x20); /* Ä Ö Ü -> ä ö ü */
			p++;
			continue;
		}
		*o++ = (char)c;
	}
	*o = '\0';
}

/* Normalised copy; caller frees. */
char *
match_norm_dup(const char *in)
{
	char *o = xmalloc(strlen(in) + 1);
	norm_into(in, o);
	return o;
}

/* ------------------------------------------------------------------ */
/* Languages                                                            */

struct lang_alias {
	const char *code;
	const char *names; /* NUL-separated, double NUL at the end */
};

static const struct lang_alias languages[] = {
	{"en", "english\0englisch\0eng\0"},
	{"de", "german\0deutsch\0ger\0deu\0"},
	{"fr", "french\0französisch\0franzoesisch\0français\0francais\0fra\0fre\0"},
	{"es", "spanish\0spanisch\0español\0espanol\0spa\0"},
	{"it", "italian\0italienisch\0italiano\0ita\0"},
	{"pt", "portuguese\0portugiesisch\0português\0por\0"},
	{"nl", "dutch\0niederländisch\0niederlaendisch\0nederlands\0nld\0"},
	{"pl", "polish\0polnisch\0polski\0pol\0"},
	{"ru", "russian\0russisch\0rus\0"},
	{"uk", "ukrainian\0ukrainisch\0ukr\0"},
	{"tr", "turkish\0türkisch\0tuerkisch\0türkçe\0tur\0"},
	{"ar", "arabic\0arabisch\0ara\0"},
	{"fa", "persian\0persisch\0farsi\0fas\0per\0"},
	{"zh", "chinese\0chinesisch\0mandarin\0zho\0chi\0"},
	{"ja", "japanese\0japanisch\0jpn\0"},
	{"ko", "korean\0koreanisch\0kor\0"},
	{"hi", "hindi\0hin\0"},
	{"el", "greek\0griechisch\0ell\0gre\0"},
	{"cs", "czech\0tschechisch\0ces\0cze\0"},
	{"ro", "romanian\0rumänisch\0rumaenisch\0ron\0rum\0"},
	{"sv", "swedish\0schwedisch\0swe\0"},
	{"da", "danish\0dänisch\0daenisch\0dan\0"},
	{"fi", "finnish\0finnisch\0fin\0"},
	{"no", "norwegian\0norwegisch\0nor\0"},
	{"hu", "hungarian\0ungarisch\0hun\0"},
	{"bg", "bulgarian\0bulgarisch\0bul\0"},
	{"hr", "croatian\0kroatisch\0hrv\0"},
	{"sr", "serbian\0serbisch\0srp\0"},
	{"ku", "kurdish\0kurdisch\0kur\0"},
	{"vi", "vietnamese\0vietnamesisch\0vie\0"},
	{"sq", "albanian\0albanisch\0sqi\0alb\0"},
	{"he", "hebrew\0hebräisch\0hebraeisch\0heb\0"},
};

int
match_language_normalize(const char *in, char *out, size_t outsz)
{
	char *s = match_norm_dup(in ? in : "");
	size_t n = strlen(s);
	int known = 0;
	if (outsz == 0) {
		free(s);
		return 0;
	}
	/* "en-GB", "de_AT", "pt-br": the part before the region */
	char *sep = strpbrk(s, "-_");
	if (sep && (sep - s == 2 || sep - s == 3)) {
		*sep = '\0';
		n = strlen(s);
	}
	const char *res = s;
	for (size_t i = 0; i < ARRAY_LEN(languages) && !known; i++) {
		if (!strcmp(s, languages[i].code)) {
			res = languages[i].code;
			known = 1;
		}
		for (const char *a = languages[i].names; *a && !known; a += strlen(a) + 1)
			if (!strcmp(s, a)) {
				res = languages[i].code;
				known = 1;
			}
	}
	n = strlen(res);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, res, n);
	out[n] = '\0';
	free(s);
	return known;
}

/* ------------------------------------------------------------------ */
/* Availability                                                         */

enum tok_kind { TK_OTHER, TK_DAY, TK_DAY2, TK_PART, TK_WEEKDAYS, TK_WEEKEND, TK_ANY, TK_RANGE, TK_AM, TK_FILL };

struct avail_word {
	const char *w;
	enum tok_kind k;
	int v;
};

static const struct avail_word avail_words[] = {
	{"mon", TK_DAY, 0},
	{"monday", TK_DAY, 0},
	{"mondays", TK_DAY, 0},
	{"montag", TK_DAY, 0},
	{"montags", TK_DAY, 0},
	{"mo", TK_DAY2, 0},
	{"tue", TK_DAY, 1},
	{"tues", TK_DAY, 1},
	{"tuesday", TK_DAY, 1},
	{"tuesdays", TK_DAY, 1},
	{"dienstag", TK_DAY, 1},
	{"dienstags", TK_DAY, 1},
	{"di", TK_DAY2, 1},
	{"wed", TK_DAY, 2},
	{"wednesday", TK_DAY, 2},
	{"wednesdays", TK_DAY, 2},
	{"mittwoch", TK_DAY, 2},
	{"mittwochs", TK_DAY, 2},
	{"mi", TK_DAY2, 2},
	{"thu", TK_DAY, 3},
	{"thur", TK_DAY, 3},
	{"thurs", TK_DAY, 3},
	{"thursday", TK_DAY, 3},
	{"thursdays", TK_DAY, 3},
	{"donnerstag", TK_DAY, 3},
	{"donnerstags", TK_DAY, 3},
	{"do", TK_DAY2, 3},
	{"fri", TK_DAY, 4},
	{"friday", TK_DAY, 4},
	{"fridays", TK_DAY, 4},
	{"freitag", TK_DAY, 4},
	{"freitags", TK_DAY, 4},
	{"fr", TK_DAY2, 4},
	{"sat", TK_DAY, 5},
	{"saturday", TK_DAY, 5},
	{"saturdays", TK_DAY, 5},
	{"samstag", TK_DAY, 5},
	{"samstags", TK_DAY, 5},
	{"sonnabend", TK_DAY, 5},
	{"sa", TK_DAY2, 5},
	{"sun", TK_DAY, 6},
	{"sunday", TK_DAY, 6},
	{"sundays", TK_DAY, 6},
	{"sonntag", TK_DAY, 6},
	{"sonntags", TK_DAY, 6},
	{"so", TK_DAY2, 6},
	{"morning", TK_PART, 0},
	{"mornings", TK_PART, 0},
	{"vormittag", TK_PART, 0},
	{"vormittags", TK_PART, 0},
	{"morgens", TK_PART, 0},
	{"morgen", TK_PART, 0},
	{"früh", TK_PART, 0},
	{"pm", TK_PART, 1},
	{"afternoon", TK_PART, 1},
	{"afternoons", TK_PART, 1},
	{"nachmittag", TK_PART, 1},
	{"nachmittags", TK_PART, 1},
	{"mittag", TK_PART, 1},
	{"mittags", TK_PART, 1},
	{"noon", TK_PART, 1},
	{"midday", TK_PART, 1},
	{"lunchtime", TK_PART, 1},
	{"eve", TK_PART, 2},
	{"evening", TK_PART, 2},
	{"evenings", TK_PART, 2},
	{"abend", TK_PART, 2},
	{"abends", TK_PART, 2},
	{"night", TK_PART, 2},
	{"nights", TK_PART, 2},
	{"nachts", TK_PART, 2},
	{"weekday", TK_WEEKDAYS, 0},
	{"weekdays", TK_WEEKDAYS, 0},
	{"workdays", TK_WEEKDAYS, 0},
	{"werktags", TK_WEEKDAYS, 0},
	{"wochentags", TK_WEEKDAYS, 0},
	{"werktag", TK_WEEKDAYS, 0},
	{"weekend", TK_WEEKEND, 0},
	{"weekends", TK_WEEKEND, 0},
	{"wochenende", TK_WEEKEND, 0},
	{"wochenenden", TK_WEEKEND, 0},
	{"anytime", TK_ANY, 0},
	{"any", TK_ANY, 0},
	{"flexible", TK_ANY, 0},
	{"flexibel", TK_ANY, 0},
	{"jederzeit", TK_ANY, 0},
	{"always", TK_ANY, 0},
	{"immer", TK_ANY, 0},
	{"to", TK_RANGE, 0},
	{"bis", TK_RANGE, 0},
	{"through", TK_RANGE, 0},
	{"till", TK_RANGE, 0},
	{"until", TK_RANGE, 0},
	{"am", TK_AM, 0},
	{"and", TK_FILL, 0},
	{"und", TK_FILL, 0},
	{"or", TK_FILL, 0},
	{"oder", TK_FILL, 0},
	{"on", TK_FILL, 0},
	{"at", TK_FILL, 0},
	{"in", TK_FILL, 0},
	{"the", TK_FILL, 0},
	{"um", TK_FILL, 0},
	{"uhr", TK_FILL, 0},
	{"ab", TK_FILL, 0},
	{"after", TK_FILL, 0},
	{"nach", TK_FILL, 0},
	{"only", TK_FILL, 0},
	{"nur", TK_FILL, 0},
	{"also", TK_FILL, 0},
	{"auch", TK_FILL, 0},
	{"von", TK_FILL, 0},
	{"from", TK_FILL, 0},
	{"each", TK_FILL, 0},
	{"every", TK_FILL, 0},
	{"jeden", TK_FILL, 0},
	{"jede", TK_FILL, 0},
};

#define AVAIL_ALL_DAYS 0x7fu
#define AVAIL_ALL_PARTS 0x7u
#define AVAIL_MAX_TOKENS 64

struct avail_tok {
	enum tok_kind k;
	int v;
	char sep; /* the character before the token ('-' marks "mon-pm", "mon-fri") */
};

static int
is_tok_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}

static uint32_t
avail_segment(const char *s, size_t len)
{
	struct avail_tok t[AVAIL_MAX_TOKENS];
	size_t nt = 0, i = 0;
	int unknown = 0;
	char sep = ' ';
	while (i < len && nt < AVAIL_MAX_TOKENS) {
		if (!is_tok_char((unsigned char)s[i])) {
			if (s[i] != ' ' || sep != '-')
				sep = (s[i] >= '0' && s[i] <= '9') ? ' ' : s[i];
			i++;
			continue;
		}
		size_t b = i;
		while (i < len && is_tok_char((unsigned char)s[i]))
			i++;
		size_t n = i - b;
		enum tok_kind k = TK_OTHER;
		int v = 0;
		for (size_t w = 0; w < ARRAY_LEN(avail_words); w++)
			if (strlen(avail_words[w].w) == n && !memcmp(avail_words[w].w, s + b, n)) {
				k = avail_words[w].k;
				v = avail_words[w].v;
				break;
			}
		if (k == TK_OTHER)
			unknown = 1;
		t[nt].k = k;
		t[nt].v = v;
		t[nt].sep = sep;
		nt++;
		sep = ' ';
	}
	unsigned days = 0, parts = 0;
	int any = 0;
	for (size_t j = 0; j < nt; j++) {
		enum tok_kind k = t[j].k;
		/* "do", "so", "mi" are days only in a text made of slot words */
		if (k == TK_DAY2)
			k = unknown ? TK_OTHER : TK_DAY;
		/* "am": morning in "mon-am" or at the end, else German "on" */
		if (k == TK_AM)
			k = (t[j].sep == '-' || j + 1 == nt) ? TK_PART : TK_FILL;
		switch (k) {
		case TK_DAY: {
			int d = t[j].v;
			/* a range: "mon-fri", "Montag bis Freitag" */
			if (j >= 1 && (t[j].sep == '-' || (j >= 2 && t[j - 1].k == TK_RANGE))) {
				size_t p = t[j].sep == '-' ? j - 1 : j - 2;
				int pk = t[p].k == TK_DAY2 ? (unknown ? TK_OTHER : TK_DAY) : (int)t[p].k;
				if (pk == TK_DAY)
					for (int x = t[p].v; x != d; x = (x + 1) % MATCH_DAYS)
						days |= 1u << x;
			}
			days |= 1u << d;
			break;
		}
		case TK_PART:
			parts |= 1u << (t[j].k == TK_AM ? 0 : t[j].v);
			break;
		case TK_WEEKDAYS:
			days |= 0x1fu;
			break;
		case TK_WEEKEND:
			days |= 0x60u;
			break;
		case TK_ANY:
			any = 1;
			break;
		default:
			break;
		}
	}
	if (!days && !parts && !any)
		return 0;
	if (!days)
		days = AVAIL_ALL_DAYS;
	if (!parts)
		parts = AVAIL_ALL_PARTS;
	uint32_t m = 0;
	for (int d = 0; d < MATCH_DAYS; d++)
		if (days & (1u << d))
			for (int p = 0; p < MATCH_PARTS; p++)
				if (parts & (1u << p))
					m |= MATCH_SLOT(d, p);
	return m;
}

uint32_t
match_availability_parse(const char *const *items, size_t n)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!items[i])
			continue;
		char *s = match_norm_dup(items[i]);
		/* each comma/semicolon/line separated part on its own */
		const char *p = s;
		while (*p) {
			size_t l = strcspn(p, ",;\n");
			m |= avail_segment(p, l);
			p += l;
			if (*p)
				p++;
		}
		free(s);
	}
	return m;
}
