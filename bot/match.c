/*
 * match.c - mentee/mentor scoring, `find mentor` top-k and the optimal
 * whole-cohort assignment.  Pure computation over in-memory structs: no
 * SQL, no I/O, no user-visible strings (reasons are codes and items).
 *
 * Speed comes from compiling once: every topic, language and field string is
 * normalised and interned; topics and languages get small dense ids, and a
 * person's set is a sorted id array plus a 64-bit mask (exact while the pool
 * has at most 64 distinct topics/languages, a quick reject otherwise).
 *
 * The cohort assignment is the Hungarian method for a rectangular problem:
 * rows are mentees, columns are mentors with a capacity, plus a private
 * "stay unmatched" column of score 0 for every mentee.  Rows are added one
 * at a time; each takes one Dijkstra over reduced costs (duals u, v) that
 * stops at the first free place.  Scores are scaled to s * (n + 1) + 1 so
 * that the optimum maximises the total score first and the number of
 * mentees placed second.
 *
 * No global state: a pool is read-only after match_pool_new(), so any
 * thread may use it.
 */
#include "match.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Normalising and interning strings                                    */

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
static char *
norm_dup(const char *in)
{
	char *o = xmalloc(strlen(in) + 1);
	norm_into(in, o);
	return o;
}

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct vocab_entry {
	char *s;
	uint32_t hash;
	int32_t topic; /* dense topic id, -1 when no mentor lists it as a topic */
	int32_t lang;  /* dense language id, -1 when not a mentor language */
};

struct vocab {
	struct vocab_entry *e;
	size_t n, cap;
	uint32_t *tab; /* open addressing; entry index + 1, 0 = empty */
	size_t tabcap; /* power of two */
};

static long
vocab_find(const struct vocab *v, const char *s)
{
	uint32_t h = hash_str(s);
	size_t mask = v->tabcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t k = v->tab[i];
		if (!k)
			return -1;
		if (v->e[k - 1].hash == h && !strcmp(v->e[k - 1].s, s))
			return (long)(k - 1);
	}
}

/* Index of s (already normalised), adding a copy when new. */
static size_t
vocab_intern(struct vocab *v, const char *s)
{
	long f = vocab_find(v, s);
	if (f >= 0)
		return (size_t)f;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->e = xrealloc(v->e, v->cap * sizeof(*v->e));
	}
	if ((v->n + 1) * 2 > v->tabcap) {
		size_t nc = v->tabcap * 2;
		uint32_t *nt = xcalloc(nc, sizeof(*nt));
		for (size_t i = 0; i < v->n; i++) {
			size_t j = v->e[i].hash & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = (uint32_t)(i + 1);
		}
		free(v->tab);
		v->tab = nt;
		v->tabcap = nc;
	}
	struct vocab_entry *e = &v->e[v->n];
	e->s = xstrdup(s);
	e->hash = hash_str(s);
	e->topic = -1;
	e->lang = -1;
	size_t j = e->hash & (v->tabcap - 1);
	while (v->tab[j])
		j = (j + 1) & (v->tabcap - 1);
	v->tab[j] = (uint32_t)(v->n + 1);
	return v->n++;
}

static const char *const stopwords[] = {"a",  "an",  "and", "the",  "of",  "in",  "for", "to",   "with",
					"on", "or",  "und", "oder", "der", "die", "das", "für",  "mit",
					"im", "von", "zu",  "den",  "dem", "des", "ein", "eine", "&"};

static int
is_stopword(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(stopwords); i++)
		if (strlen(stopwords[i]) == n && !memcmp(stopwords[i], w, n))
			return 1;
	return 0;
}

static int
is_word_sep(char c)
{
	return c == ' ' || c == '-' || c == '/' || c == ',' || c == '(' || c == ')' || c == '.' || c == ';' ||
	       c == ':' || c == '+' || c == '&';
}

/* Calls fn(word, len, arg) for each non-stopword word of a normalised phrase. */
static void
each_word(const char *s, void (*fn)(const char *, size_t, void *), void *arg)
{
	while (*s) {
		while (*s && is_word_sep(*s))
			s++;
		const char *b = s;
		while (*s && !is_word_sep(*s))
			s++;
		if (s > b && !is_stopword(b, (size_t)(s - b)))
			fn(b, (size_t)(s - b), arg);
	}
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
	char *s = norm_dup(in ? in : "");
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
		char *s = norm_dup(items[i]);
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

/* ------------------------------------------------------------------ */
/* Compiled people                                                      */

/* A set of dense ids: ids[ofs .. ofs+n) of some array, sorted, unique. */
struct idset {
	uint32_t ofs, n;
	uint64_t mask; /* bit (id & 63) */
};

struct cperson {
	int64_t id;
	struct idset topics;
	struct idset langs;
	struct idset query; /* mentees: pool topics the query words hit */
	int lang_given;
	uint32_t field; /* vocab index + 1; 0 = none; UINT32_MAX = not in the pool */
	uint32_t slots;
	int free;
};

struct idarr {
	uint32_t *v;
	size_t n, cap;
};

static void
idarr_push(struct idarr *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Turn ids pushed since ofs into a sorted unique set. */
static struct idset
idset_close(struct idarr *a, size_t ofs)
{
	struct idset s = {(uint32_t)ofs, 0, 0};
	size_t n = a->n - ofs;
	if (n > 1)
		qsort(a->v + ofs, n, sizeof(uint32_t), cmp_u32);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || a->v[ofs + w - 1] != a->v[ofs + i])
			a->v[ofs + w++] = a->v[ofs + i];
	a->n = ofs + w;
	s.n = (uint32_t)w;
	for (size_t i = 0; i < w; i++)
		s.mask |= 1ull << (a->v[ofs + i] & 63);
	return s;
}

static uint32_t
idset_shared(const uint32_t *av, struct idset a, const uint32_t *bv, struct idset b, int exact)
{
	uint64_t m = a.mask & b.mask;
	if (exact || !m)
		return (uint32_t)__builtin_popcountll(m);
	const uint32_t *x = av + a.ofs, *y = bv + b.ofs;
	uint32_t i = 0, j = 0, c = 0;
	while (i < a.n && j < b.n) {
		if (x[i] < y[j])
			i++;
		else if (x[i] > y[j])
			j++;
		else {
			c++;
			i++;
			j++;
		}
	}
	return c;
}

static int
idset_has(const uint32_t *v, struct idset s, uint32_t id)
{
	if (!(s.mask & (1ull << (id & 63))))
		return 0;
	const uint32_t *p = v + s.ofs;
	size_t lo = 0, hi = s.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p[mid] < id)
			lo = mid + 1;
		else if (p[mid] > id)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

struct match_pool {
	struct match_weights w;
	struct vocab voc;
	struct idarr ids; /* the mentors' sets */
	struct cperson *m;
	size_t n;
	uint32_t n_topics, n_langs;
	uint32_t *topic_voc; /* dense topic id -> vocab index */
	uint32_t *lang_voc;  /* dense language id -> vocab index */
	struct idarr words;  /* vocab indices of each topic's words */
	uint32_t *tw_ofs;    /* n_topics + 1 offsets into words */
	int exact_topics, exact_langs;
};

struct word_ctx {
	struct vocab *voc;
	struct idarr *out;
};

static void
intern_word(const char *w, size_t n, void *arg)
{
	struct word_ctx *c = arg;
	char *s = xstrndup(w, n);
	idarr_push(c->out, (uint32_t)vocab_intern(c->voc, s));
	free(s);
}

struct match_pool *
match_pool_new(const struct match_weights *w, const struct match_profile *mentors, size_t n)
{
	static const struct match_weights def = MATCH_WEIGHTS_DEFAULT;
	struct match_pool *p = xcalloc(1, sizeof(*p));
	size_t topic_cap = 0, lang_cap = 0;
	char lbuf[64];
	p->w = w ? *w : def;
	p->voc.tabcap = 256;
	p->voc.tab = xcalloc(p->voc.tabcap, sizeof(uint32_t));
	p->m = xcalloc(n ? n : 1, sizeof(*p->m));
	p->n = n;
	p->tw_ofs = xmalloc(sizeof(uint32_t));
	p->tw_ofs[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct match_profile *src = &mentors[i];
		struct cperson *c = &p->m[i];
		size_t ofs = p->ids.n;
		c->id = src->id;
		for (size_t t = 0; t < src->n_topics; t++) {
			if (!src->topics[t])
				continue;
			char *s = norm_dup(src->topics[t]);
			if (*s) {
				size_t vi = vocab_intern(&p->voc, s);
				if (p->voc.e[vi].topic < 0) {
					if (p->n_topics == topic_cap) {
						topic_cap = topic_cap ? topic_cap * 2 : 64;
						p->topic_voc = xrealloc(p->topic_voc, topic_cap * sizeof(uint32_t));
						p->tw_ofs = xrealloc(p->tw_ofs, (topic_cap + 1) * sizeof(uint32_t));
					}
					p->voc.e[vi].topic = (int32_t)p->n_topics;
					p->topic_voc[p->n_topics] = (uint32_t)vi;
					struct word_ctx wc = {&p->voc, &p->words};
					each_word(s, intern_word, &wc);
					p->n_topics++;
					p->tw_ofs[p->n_topics] = (uint32_t)p->words.n;
				}
				idarr_push(&p->ids, (uint32_t)p->voc.e[vi].topic);
			}
			free(s);
		}
		c->topics = idset_close(&p->ids, ofs);
		ofs = p->ids.n;
		for (size_t l = 0; l < src->n_languages; l++) {
			if (!src->languages[l])
				continue;
			match_language_normalize(src->languages[l], lbuf, sizeof(lbuf));
			if (!*lbuf)
				continue;
			c->lang_given = 1;
			size_t vi = vocab_intern(&p->voc, lbuf);
			if (p->voc.e[vi].lang < 0) {
				if (p->n_langs == lang_cap) {
					lang_cap = lang_cap ? lang_cap * 2 : 16;
					p->lang_voc = xrealloc(p->lang_voc, lang_cap * sizeof(uint32_t));
				}
				p->voc.e[vi].lang = (int32_t)p->n_langs;
				p->lang_voc[p->n_langs++] = (uint32_t)vi;
			}
			idarr_push(&p->ids, (uint32_t)p->voc.e[vi].lang);
		}
		c->langs = idset_close(&p->ids, ofs);
		c->field = 0;
		if (src->field) {
			char *s = norm_dup(src->field);
			if (*s)
				c->field = (uint32_t)vocab_intern(&p->voc, s) + 1;
			free(s);
		}
		c->slots = match_availability_parse(src->availability, src->n_availability);
		c->free = src->capacity - src->load;
	}
	p->exact_topics = p->n_topics <= 64;
	p->exact_langs = p->n_langs <= 64;
	return p;
}

void
match_pool_free(struct match_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->voc.n; i++)
		free(p->voc.e[i].s);
	free(p->voc.e);
	free(p->voc.tab);
	free(p->ids.v);
	free(p->m);
	free(p->topic_voc);
	free(p->lang_voc);
	free(p->words.v);
	free(p->tw_ofs);
	free(p);
}

size_t
match_pool_size(const struct match_pool *p)
{
	return p->n;
}

/* A mentee compiled against a pool; its sets live in ids (owned). */
struct cmentee_set {
	struct idarr ids;
	struct cperson *c;
	size_t n;
};

struct qword_ctx {
	const struct vocab *voc;
	struct idarr *out;
};

static void
lookup_word(const char *w, size_t n, void *arg)
{
	struct qword_ctx *c = arg;
	char *s = xstrndup(w, n);
	long f = vocab_find(c->voc, s);
	if (f >= 0)
		idarr_push(c->out, (uint32_t)f);
	free(s);
}

static int
u32_in(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Compile one mentee (and query words) into c, sets appended to ids. */
static void
compile_mentee(const struct match_pool *p, const struct match_profile *src, const char *const *query, size_t n_query,
	       struct idarr *ids, struct cperson *c)
{
	char lbuf[64];
	size_t ofs = ids->n;
	memset(c, 0, sizeof(*c));
	c->id = src->id;
	for (size_t t = 0; t < src->n_topics; t++) {
		if (!src->topics[t])
			continue;
		char *s = norm_dup(src->topics[t]);
		long f = *s ? vocab_find(&p->voc, s) : -1;
		if (f >= 0 && p->voc.e[f].topic >= 0)
			idarr_push(ids, (uint32_t)p->voc.e[f].topic);
		free(s);
	}
	c->topics = idset_close(ids, ofs);
	ofs = ids->n;
	for (size_t l = 0; l < src->n_languages; l++) {
		if (!src->languages[l])
			continue;
		match_language_normalize(src->languages[l], lbuf, sizeof(lbuf));
		if (!*lbuf)
			continue;
		c->lang_given = 1;
		long f = vocab_find(&p->voc, lbuf);
		if (f >= 0 && p->voc.e[f].lang >= 0)
			idarr_push(ids, (uint32_t)p->voc.e[f].lang);
	}
	c->langs = idset_close(ids, ofs);
	if (src->field) {
		char *s = norm_dup(src->field);
		if (*s) {
			long f = vocab_find(&p->voc, s);
			c->field = f >= 0 ? (uint32_t)f + 1 : UINT32_MAX;
		}
		free(s);
	}
	c->slots = match_availability_parse(src->availability, src->n_availability);
	/* query: vocab indices of the terms and their words, then every pool
	 * topic that is one of them or has one of them as a word */
	ofs = ids->n;
	if (n_query) {
		struct idarr q = {0};
		struct qword_ctx qc = {&p->voc, &q};
		for (size_t i = 0; i < n_query; i++) {
			if (!query[i])
				continue;
			char *s = norm_dup(query[i]);
			long f = *s ? vocab_find(&p->voc, s) : -1;
			if (f >= 0)
				idarr_push(&q, (uint32_t)f);
			each_word(s, lookup_word, &qc);
			free(s);
		}
		if (q.n)
			for (uint32_t t = 0; t < p->n_topics; t++) {
				int hit = u32_in(q.v, q.n, p->topic_voc[t]);
				for (uint32_t k = p->tw_ofs[t]; k < p->tw_ofs[t + 1] && !hit; k++)
					hit = u32_in(q.v, q.n, p->words.v[k]);
				if (hit)
					idarr_push(ids, t);
			}
		free(q.v);
	}
	c->query = idset_close(ids, ofs);
}

/* Score of compiled mentee a (sets in av) against pool mentor b; -1 when
 * ineligible.  The hot loop of match_top() and match_cohort(). */
static inline int
score_fast(const struct match_pool *p, const uint32_t *av, const struct cperson *a, const struct cperson *b)
{
	const uint32_t *bv = p->ids.v;
	int s = 0;
	if (a->id == b->id)
		return -1;
	if (a->lang_given && b->lang_given) {
		int shared = a->langs.n && idset_shared(av, a->langs, bv, b->langs, p->exact_langs) > 0;
		if (shared)
			s += p->w.language;
		else if (p->w.language_required)
			return -1;
	}
	if (a->topics.n && b->topics.n)
		s += p->w.topics * (int)idset_shared(av, a->topics, bv, b->topics, p->exact_topics);
	if (a->query.n && b->topics.n)
		s += p->w.query * (int)idset_shared(av, a->query, bv, b->topics, p->exact_topics);
	if (a->field && a->field == b->field)
		s += p->w.field;
	if (a->slots & b->slots)
		s += p->w.availability;
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Strings of the ids of `from` (dense topic/language ids) that are in
 * `in`, sorted, cut at MATCH_REASON_ITEMS; returns the full count. */
static size_t
list_shared(const struct match_pool *p, const uint32_t *fromv, struct idset from, const uint32_t *inv, struct idset in,
	    const uint32_t *dense_voc, const char **out)
{
	const char **tmp = xmalloc((from.n ? from.n : 1) * sizeof(*tmp));
	size_t k = 0;
	for (uint32_t i = 0; i < from.n; i++) {
		uint32_t id = fromv[from.ofs + i];
		if (idset_has(inv, in, id))
			tmp[k++] = p->voc.e[dense_voc[id]].s;
	}
	qsort(tmp, k, sizeof(*tmp), cmp_str);
	for (size_t i = 0; i < k && i < MATCH_REASON_ITEMS; i++)
		out[i] = tmp[i];
	free(tmp);
	return k;
}

static void
fill_reasons(const struct match_pool *p, const uint32_t *av, const struct cperson *a, size_t mentor,
	     struct match_reasons *r)
{
	const struct cperson *b = &p->m[mentor];
	const uint32_t *bv = p->ids.v;
	memset(r, 0, sizeof(*r));
	r->score = score_fast(p, av, a, b);
	if (r->score < 0) {
		r->ineligible = a->id == b->id ? MATCH_INELIGIBLE_SELF : MATCH_INELIGIBLE_LANGUAGE;
		return;
	}
	r->n_topics = list_shared(p, bv, b->topics, av, a->topics, p->topic_voc, r->topics);
	if (r->n_topics)
		r->flags |= MATCH_R_TOPICS;
	r->n_query_topics = list_shared(p, bv, b->topics, av, a->query, p->topic_voc, r->query_topics);
	if (r->n_query_topics)
		r->flags |= MATCH_R_QUERY;
	if (a->lang_given && b->lang_given) {
		r->n_languages = list_shared(p, bv, b->langs, av, a->langs, p->lang_voc, r->languages);
		if (r->n_languages)
			r->flags |= MATCH_R_LANGUAGE;
	}
	if (a->field && a->field == b->field) {
		r->flags |= MATCH_R_FIELD;
		r->field = p->voc.e[b->field - 1].s;
	}
	r->slots = a->slots & b->slots;
	if (r->slots)
		r->flags |= MATCH_R_AVAILABILITY;
}

int
match_score(const struct match_pool *p, const struct match_profile *mentee, size_t mentor, const char *const *query,
	    size_t n_query, struct match_reasons *out)
{
	struct idarr ids = {0};
	struct cperson a;
	struct match_reasons r;
	if (mentor >= p->n) {
		if (out)
			memset(out, 0, sizeof(*out));
		return -1;
	}
	compile_mentee(p, mentee, query, n_query, &ids, &a);
	fill_reasons(p, ids.v, &a, mentor, out ? out : &r);
	free(ids.v);
	return out ? out->score : r.score;
}

/* Does hit x rank before hit y: higher score, then lower id. */
static int
ranks_before(int sx, int64_t idx, int sy, int64_t idy)
{
	return sx > sy || (sx == sy && idx < idy);
}

size_t
match_top(const struct match_pool *p, const struct match_profile *mentee, const char *const *query, size_t n_query,
	  size_t k, struct match_hit *out)
{
	struct idarr ids = {0};
	struct cperson a;
	size_t got = 0;
	if (!k)
		return 0;
	compile_mentee(p, mentee, query, n_query, &ids, &a);
	for (size_t j = 0; j < p->n; j++) {
		const struct cperson *b = &p->m[j];
		if (b->free <= 0)
			continue;
		int s = score_fast(p, ids.v, &a, b);
		if (s <= 0)
			continue;
		if (got == k && !ranks_before(s, b->id, out[k - 1].score, out[k - 1].id))
			continue;
		size_t pos = got < k ? got++ : k - 1;
		while (pos > 0 && ranks_before(s, b->id, out[pos - 1].score, out[pos - 1].id)) {
			out[pos].mentor = out[pos - 1].mentor;
			out[pos].id = out[pos - 1].id;
			out[pos].score = out[pos - 1].score;
			pos--;
		}
		out[pos].mentor = j;
		out[pos].id = b->id;
		out[pos].score = s;
	}
	for (size_t i = 0; i < got; i++)
		fill_reasons(p, ids.v, &a, out[i].mentor, &out[i].reasons);
	free(ids.v);
	return got;
}

static void
compile_all(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct cmentee_set *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->c = xmalloc((n ? n : 1) * sizeof(*cs->c));
	cs->n = n;
	for (size_t i = 0; i < n; i++)
		compile_mentee(p, &mentees[i], NULL, 0, &cs->ids, &cs->c[i]);
}

int *
match_score_matrix(const struct match_pool *p, const struct match_profile *mentees, size_t n)
{
	struct cmentee_set cs;
	size_t cells = n * p->n;
	int *out = xmalloc((cells ? cells : 1) * sizeof(int));
	compile_all(p, mentees, n, &cs);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->n; j++)
			out[i * p->n + j] = score_fast(p, cs.ids.v, &cs.c[i], &p->m[j]);
	free(cs.ids.v);
	free(cs.c);
	return out;
}

/* ------------------------------------------------------------------ */
/* Cohort assignment                                                    */

/* The candidate graph: for each mentee, eligible mentors with free places
 * and a score above 0, in CSR form; columns are those mentors only. */
struct graph {
	size_t n, ncol;
	size_t *col_mentor; /* column -> pool index */
	int *cap;           /* column -> free places */
	size_t *eofs;       /* n + 1 */
	uint32_t *ecol;
	int *escore;
	unsigned char *any_eligible; /* mentee had an eligible mentor (full or not) */
};

/* Is mentor id on the mentee's exclude list? */
static int
excluded(const struct match_profile *mentee, int64_t id)
{
	for (size_t k = 0; k < mentee->n_exclude; k++)
		if (mentee->exclude[k] == id)
			return 1;
	return 0;
}

static void
graph_build(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct graph *g)
{
	struct cmentee_set cs;
	size_t cap = 0, ne = 0;
	uint32_t *colof = xmalloc((p->n ? p->n : 1) * sizeof(uint32_t));
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->col_mentor = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	g->cap = xmalloc((p->n ? p->n : 1) * sizeof(int));
	for (size_t j = 0; j < p->n; j++) {
		colof[j] = UINT32_MAX;
		if (p->m[j].free > 0) {
			colof[j] = (uint32_t)g->ncol;
			g->col_mentor[g->ncol] = j;
			g->cap[g->ncol++] = p->m[j].free;
		}
	}
	g->eofs = xmalloc((n + 1) * sizeof(size_t));
	g->any_eligible = xcalloc(n ? n : 1, 1);
	compile_all(p, mentees, n, &cs);
	for (size_t i = 0; i < n; i++) {
		g->eofs[i] = ne;
		for (size_t j = 0; j < p->n; j++) {
			int s = score_fast(p, cs.ids.v, &cs.c[i], &p->m[j]);
			if (s <= 0 || excluded(&mentees[i], p->m[j].id))
				continue;
			g->any_eligible[i] = 1;
			if (colof[j] == UINT32_MAX)
				continue;
			if (ne == cap) {
				cap = cap ? cap * 2 : 4096;
				g->ecol = xrealloc(g->ecol, cap * sizeof(uint32_t));
				g->escore = xrealloc(g->escore, cap * sizeof(int));
			}
			g->ecol[ne] = colof[j];
			g->escore[ne++] = s;
		}
	}
	g->eofs[n] = ne;
	free(cs.ids.v);
	free(cs.c);
	free(colof);
}

static void
graph_free(struct graph *g)
{
	free(g->col_mentor);
	free(g->cap);
	free(g->eofs);
	free(g->ecol);
	free(g->escore);
	free(g->any_eligible);
}

/* Fill out from col_of[] (column per mentee, negative = unmatched). */
static void
assignment_from(const struct match_pool *p, const struct match_profile *mentees, const struct graph *g,
		const long *col_of, const int *score_of, struct match_assignment *out)
{
	size_t n = g->n;
	memset(out, 0, sizeof(*out));
	out->pairs = xmalloc((n ? n : 1) * sizeof(*out->pairs));
	out->unmatched = xmalloc((n ? n : 1) * sizeof(*out->unmatched));
	for (size_t i = 0; i < n; i++) {
		if (col_of[i] >= 0) {
			struct match_pair *pr = &out->pairs[out->n_pairs++];
			pr->mentee = i;
			pr->mentor = g->col_mentor[col_of[i]];
			pr->mentee_id = mentees[i].id;
			pr->mentor_id = p->m[pr->mentor].id;
			pr->score = score_of[i];
			out->total += pr->score;
		} else {
			struct match_unmatched *u = &out->unmatched[out->n_unmatched++];
			u->mentee = i;
			u->mentee_id = mentees[i].id;
			u->reason = g->any_eligible[i] ? MATCH_UNMATCHED_CAPACITY : MATCH_UNMATCHED_NO_ELIGIBLE;
		}
	}
}

struct heap_item {
	int64_t d;
	uint32_t x; /* < n: mentee row; >= n: column x - n */
};

struct heap {
	struct heap_item *a;
	size_t n, cap;
};

static void
heap_push(struct heap *h, int64_t d, uint32_t x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->a = xrealloc(h->a, h->cap * sizeof(*h->a));
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (h->a[up].d <= d)
			break;
		h->a[i] = h->a[up];
		i = up;
	}
	h->a[i].d = d;
	h->a[i].x = x;
}

static struct heap_item
heap_pop(struct heap *h)
{
	struct heap_item top = h->a[0], last = h->a[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1].d < h->a[c].d)
			c++;
		if (last.d <= h->a[c].d)
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
	return top;
}

#define END_DUMMY 0
#define END_COLUMN 1

/* The state of the assignment search (successive shortest paths with duals). */
struct solver {
	struct graph g;
	struct heap h;
	size_t n, nc;
	int64_t K;      /* scaled weight of an edge: score * K + 1, K = n + 1: the total score
			 * decides, the number placed breaks ties */
	int64_t *u, *v; /* duals of rows and columns */
	int64_t *dist;
	uint32_t *stamp; /* the search that last reached a node */
	uint32_t *pred;  /* column -> row it was reached from */
	uint32_t *settled;
	long *col_of;       /* row -> column, -1 none yet, -2 stays unmatched */
	size_t *sofs;       /* column -> its first slot in slot_row */
	int *load;          /* column -> rows assigned */
	uint32_t *slot_row; /* the rows in each column's places */
	/* the end of the path the current search found */
	int64_t best;
	int end_kind;
	size_t end_node;
};

static void
solver_init(struct solver *s, const struct match_pool *p, const struct match_profile *mentees, size_t n)
{
	memset(s, 0, sizeof *s);
	graph_build(p, mentees, n, &s->g);
	size_t nc = s->g.ncol, nodes = n + nc;
	s->n = n;
	s->nc = nc;
	s->K = (int64_t)n + 1;
	s->u = xmalloc((n ? n : 1) * sizeof(int64_t));
	s->v = xcalloc(nc ? nc : 1, sizeof(int64_t));
	s->dist = xmalloc((nodes ? nodes : 1) * sizeof(int64_t));
	s->stamp = xcalloc(nodes ? nodes : 1, sizeof(uint32_t));
	s->pred = xmalloc((nodes ? nodes : 1) * sizeof(uint32_t));
	s->settled = xmalloc((nodes ? nodes : 1) * sizeof(uint32_t));
	s->col_of = xmalloc((n ? n : 1) * sizeof(long));
	s->sofs = xmalloc((nc + 1) * sizeof(size_t));
	s->load = xcalloc(nc ? nc : 1, sizeof(int));
	s->sofs[0] = 0;
	for (size_t c = 0; c < nc; c++)
		s->sofs[c + 1] = s->sofs[c] + (size_t)s->g.cap[c];
	s->slot_row = xmalloc((s->sofs[nc] ? s->sofs[nc] : 1) * sizeof(uint32_t));
	/* duals: u_i = best scaled weight of row i (>= 0: the stay-unmatched
	 * column), v_c = 0; reduced cost u_i + v_c - w_ic >= 0 throughout */
	for (size_t i = 0; i < n; i++) {
		int64_t best = 0;
		for (size_t e = s->g.eofs[i]; e < s->g.eofs[i + 1]; e++)
			if (s->g.escore[e] * s->K + 1 > best)
				best = s->g.escore[e] * s->K + 1;
		s->u[i] = best;
		s->col_of[i] = -1;
	}
}

static void
solver_free(struct solver *s)
{
	free(s->u);
	free(s->v);
	free(s->dist);
	free(s->stamp);
	free(s->pred);
	free(s->settled);
	free(s->col_of);
	free(s->sofs);
	free(s->load);
	free(s->slot_row);
	free(s->h.a);
	graph_free(&s->g);
}

/* Relax the edges of row i, settled at distance d. */
static void
relax_row(struct solver *s, size_t i, int64_t d, uint32_t cur)
{
	const struct graph *g = &s->g;
	/* this row gives up its place and stays unmatched */
	if (d + s->u[i] < s->best) {
		s->best = d + s->u[i];
		s->end_kind = END_DUMMY;
		s->end_node = i;
	}
	for (size_t e = g->eofs[i]; e < g->eofs[i + 1]; e++) {
		uint32_t c = g->ecol[e];
		if ((long)c == s->col_of[i])
			continue;
		int64_t nd = d + s->u[i] + s->v[c] - (g->escore[e] * s->K + 1);
		size_t node = s->n + c;
		if (nd >= s->best || (s->stamp[node] == cur && nd >= s->dist[node]))
			continue;
		s->stamp[node] = cur;
		s->dist[node] = nd;
		s->pred[node] = (uint32_t)i;
		if (s->load[c] < g->cap[c]) {
			/* a free place: an end; free columns keep v = 0 */
			s->best = nd;
			s->end_kind = END_COLUMN;
			s->end_node = c;
		} else {
			heap_push(&s->h, nd, (uint32_t)node);
		}
	}
}

/* The cheapest way to place row i0 (Dijkstra over reduced costs); then the duals of the
 * settled nodes move, so every reduced cost stays >= 0 and the path found is tight. */
static void
shortest_path(struct solver *s, size_t i0)
{
	size_t n = s->n;
	uint32_t cur = (uint32_t)i0 + 1; /* stamp of this search */
	size_t ns = 0;
	/* the cheapest way found so far to end: i0 stays unmatched */
	s->best = s->u[i0];
	s->end_kind = END_DUMMY;
	s->end_node = i0;
	s->h.n = 0;
	s->dist[i0] = 0;
	s->stamp[i0] = cur;
	heap_push(&s->h, 0, (uint32_t)i0);
	while (s->h.n) {
		struct heap_item it = heap_pop(&s->h);
		if (it.d >= s->best)
			break;
		if (it.d > s->dist[it.x])
			continue;
		s->settled[ns++] = it.x;
		if (it.x < n) {
			relax_row(s, it.x, it.d, cur);
			continue;
		}
		size_t c = it.x - n;
		/* assigned edges are tight: moving on to their rows costs 0 */
		for (size_t k = s->sofs[c]; k < s->sofs[c] + (size_t)s->load[c]; k++) {
			uint32_t r = s->slot_row[k];
			if (s->stamp[r] == cur && s->dist[r] <= it.d)
				continue;
			s->stamp[r] = cur;
			s->dist[r] = it.d;
			heap_push(&s->h, it.d, r);
		}
	}
	for (size_t k = 0; k < ns; k++) {
		uint32_t x = s->settled[k];
		if (x < n)
			s->u[x] -= s->best - s->dist[x];
		else
			s->v[x - n] += s->best - s->dist[x];
	}
}

/* Flip the path the search found: walk back from its end to i0. */
static void
augment(struct solver *s, size_t i0)
{
	size_t n = s->n, r;
	long newc;
	uint32_t leaver = UINT32_MAX;
	if (s->end_kind == END_COLUMN) {
		newc = (long)s->end_node;
		r = s->pred[n + s->end_node];
	} else {
		newc = -2;
		r = s->end_node;
	}
	for (;;) {
		long oldc = s->col_of[r];
		s->col_of[r] = newc;
		if (newc >= 0) {
			size_t first = s->sofs[newc];
			if (leaver == UINT32_MAX) {
				s->slot_row[first + (size_t)s->load[newc]++] = (uint32_t)r;
			} else {
				for (size_t k = first; k < first + (size_t)s->load[newc]; k++)
					if (s->slot_row[k] == leaver) {
						s->slot_row[k] = (uint32_t)r;
						break;
					}
			}
		}
		if (r == i0)
			break;
		leaver = (uint32_t)r;
		newc = oldc;
		r = s->pred[n + (size_t)oldc];
	}
}

void
match_cohort(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct match_assignment *out)
{
	struct solver s;
	solver_init(&s, p, mentees, n);
	for (size_t i0 = 0; i0 < n; i0++) {
		shortest_path(&s, i0);
		augment(&s, i0);
	}
	int *score_of = xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		if (s.col_of[i] < 0)
			continue;
		for (size_t e = s.g.eofs[i]; e < s.g.eofs[i + 1]; e++)
			if ((long)s.g.ecol[e] == s.col_of[i]) {
				score_of[i] = s.g.escore[e];
				break;
			}
	}
	assignment_from(p, mentees, &s.g, s.col_of, score_of, out);
	free(score_of);
	solver_free(&s);
}

struct gedge {
	int score;
	uint32_t row, col;
};

static int
cmp_gedge(const void *a, const void *b)
{
	const struct gedge *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

void
match_greedy(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct match_assignment *out)
{
	struct graph g;
	graph_build(p, mentees, n, &g);
	size_t ne = g.eofs[n];
	struct gedge *e = xmalloc((ne ? ne : 1) * sizeof(*e));
	long *col_of = xmalloc((n ? n : 1) * sizeof(long));
	int *score_of = xcalloc(n ? n : 1, sizeof(int));
	int *left = xmalloc((g.ncol ? g.ncol : 1) * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		col_of[i] = -1;
		for (size_t k = g.eofs[i]; k < g.eofs[i + 1]; k++) {
			e[k].score = g.escore[k];
			e[k].row = (uint32_t)i;
			e[k].col = g.ecol[k]; /* columns are in pool order */
		}
	}
	memcpy(left, g.cap, g.ncol * sizeof(int));
	qsort(e, ne, sizeof(*e), cmp_gedge);
	for (size_t k = 0; k < ne; k++) {
		if (col_of[e[k].row] >= 0 || left[e[k].col] <= 0)
			continue;
		col_of[e[k].row] = e[k].col;
		score_of[e[k].row] = e[k].score;
		left[e[k].col]--;
	}
	assignment_from(p, mentees, &g, col_of, score_of, out);
	free(e);
	free(col_of);
	free(score_of);
	free(left);
	graph_free(&g);
}

void
match_assignment_free(struct match_assignment *a)
{
	if (!a)
		return;
	free(a->pairs);
	free(a->unmatched);
	memset(a, 0, sizeof(*a));
}
