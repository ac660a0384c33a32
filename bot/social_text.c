/*
 * social_text.c - a social post's text from untrusted pieces: graphemes, shortening, facets
 * with UTF-8 byte offsets, and TID record keys (see social_text.h).
 */
#include "social_text.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Decode one code point at s (n bytes left).  *cp gets it (0xFFFD if invalid); returns its
 * length (1 for an invalid byte). */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t l;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		l = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		l = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		l = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (l > n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = v;
	return l;
}

/* Joins the cluster before it whatever that is (Extend, SpacingMark-like, ZWJ). */
static int
is_extend(uint32_t c)
{
	return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) || (c >= 0x0591 && c <= 0x05BD) ||
	       (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || (c >= 0x0900 && c <= 0x0903) ||
	       (c >= 0x093A && c <= 0x093C) || (c >= 0x093E && c <= 0x094F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	       (c >= 0x1DC0 && c <= 0x1DFF) || c == 0x200C || c == 0x200D || (c >= 0x20D0 && c <= 0x20FF) ||
	       (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
	       (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

/* Extended_Pictographic, roughly: what a ZWJ joins to the emoji before it. */
static int
is_pict(uint32_t c)
{
	return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2300 && c <= 0x23FF) ||
	       (c >= 0x2B00 && c <= 0x2BFF) || c == 0x00A9 || c == 0x00AE || c == 0x203C || c == 0x2049 ||
	       c == 0x2122 || c == 0x2139 || (c >= 0x2194 && c <= 0x21AA);
}

static int
is_ri(uint32_t c)
{
	return c >= 0x1F1E6 && c <= 0x1F1FF;
}

/* Bytes of the first grapheme cluster of s[0..n) (n > 0). */
static size_t
cluster_len(const unsigned char *s, size_t n)
{
	uint32_t c, prev;
	size_t i = utf8_next(s, n, &c);
	if (c == '\r' && i < n && s[i] == '\n')
		return 2;
	if (c < 0x20 || c == 0x7F)
		return i;
	int ri = is_ri(c), pict = is_pict(c);
	prev = c;
	while (i < n) {
		uint32_t d;
		size_t l = utf8_next(s + i, n - i, &d);
		if (is_extend(d)) {
			/* keep "pictographic" across Extend so that ZWJ after a modifier still joins */
		} else if (prev == 0x200D && pict && is_pict(d)) {
			/* emoji ZWJ sequence */
		} else if (ri && is_ri(d)) {
			ri = 0; /* the second indicator of a flag; a third starts a new cluster */
			prev = d;
			i += l;
			continue;
		} else {
			break;
		}
		if (is_ri(d))
			ri = 0;
		prev = d;
		i += l;
	}
	return i;
}

size_t
social_graphemes(const char *s, size_t len)
{
	size_t n = 0, i = 0;
	while (i < len) {
		i += cluster_len((const unsigned char *)s + i, len - i);
		n++;
	}
	return n;
}

char *
social_clean(const char *s, size_t len, int keep_nl)
{
	struct buf b = BUF_INIT;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t l = utf8_next(u + i, len - i, &c);
		if (c == 0xFFFD && l == 1)
			buf_add(&b, "\xEF\xBF\xBD", 3);
		else if (c == '\n' && keep_nl)
			buf_addc(&b, '\n');
		else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029)
			buf_addc(&b, ' ');
		else
			buf_add(&b, s + i, l);
		i += l;
	}
	return buf_detach(&b);
}

/* The longest prefix of s[0..len) of whole clusters with at most g graphemes and b bytes. */
static size_t
prefix_fit(const char *s, size_t len, size_t g, size_t b)
{
	size_t i = 0, n = 0;
	while (i < len && n < g) {
		size_t l = cluster_len((const unsigned char *)s + i, len - i);
		if (i + l > b)
			break;
		i += l;
		n++;
	}
	return i;
}

static int
is_space_or_punct_end(unsigned char c)
{
	return c == ' ' || c == '\n' || c == ',' || c == ';' || c == ':' || c == '-' || c == '(';
}

/* The body cut to fit g graphemes and b bytes, "…" included (s[0..*len) is kept). */
static size_t
shorten(const char *s, size_t len, size_t g, size_t b)
{
	static const size_t ell_bytes = 3;
	if (g < 1 || b < ell_bytes)
		return 0;
	size_t cut = prefix_fit(s, len, g - 1, b - ell_bytes);
	/* back to the last space, unless that loses more than half */
	size_t w = cut;
	while (w > 0 && w < len && s[w] != ' ' && s[w] != '\n')
		w--;
	if (w > cut / 2)
		cut = w;
	while (cut > 0 && is_space_or_punct_end((unsigned char)s[cut - 1]))
		cut--;
	return cut;
}

/* A hashtag word: letters, digits, '_' and any non-ASCII; at most SOCIAL_TAG_MAX_BYTES.
 * Returns its clean copy (no '#'), or NULL when unusable. */
static char *
tag_clean(const char *t)
{
	while (*t == '#' || *t == ' ')
		t++;
	char *c = social_clean(t, strlen(t), 0);
	size_t n = strlen(c);
	while (n > 0 && c[n - 1] == ' ')
		c[--n] = '\0';
	int digits_only = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (ch < 0x80 &&
		    !(ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
			free(c);
			return NULL;
		}
		if (!(ch >= '0' && ch <= '9'))
			digits_only = 0;
	}
	if (n == 0 || n > SOCIAL_TAG_MAX_BYTES || digits_only) {
		free(c);
		return NULL;
	}
	return c;
}

static void
add_facet(struct social_text *out, enum social_facet_kind k, size_t start, size_t end, const char *v)
{
	struct social_facet *f = &out->facets[out->nfacets++];
	f->kind = k;
	f->start = start;
	f->end = end;
	f->value = xstrdup(v);
}

/* Assemble body[0..blen) (+ "…" if cut), link and ntags of tags; facets recorded. */
static void
assemble(struct social_text *out, const char *body, size_t blen, int cut, const char *link, char *const *tags,
	 size_t ntags)
{
	struct buf b = BUF_INIT;
	buf_add(&b, body, blen);
	if (cut)
		buf_add(&b, "\xE2\x80\xA6", 3);
	if (link) {
		if (b.len)
			buf_add(&b, "\n\n", 2);
		size_t s = b.len;
		buf_add(&b, link, strlen(link));
		add_facet(out, SOCIAL_FACET_LINK, s, b.len, link);
	}
	for (size_t i = 0; i < ntags; i++) {
		buf_add(&b, i == 0 ? (b.len ? (link ? "\n" : "\n\n") : "") : " ",
			i == 0 ? (b.len ? (link ? 1 : 2) : 0) : 1);
		size_t s = b.len;
		buf_addc(&b, '#');
		buf_add(&b, tags[i], strlen(tags[i]));
		add_facet(out, SOCIAL_FACET_TAG, s, b.len, tags[i]);
	}
	out->len = b.len;
	out->text = buf_detach(&b);
	out->shortened = cut;
}

void
social_text_free(struct social_text *t)
{
	free(t->text);
	for (size_t i = 0; i < t->nfacets; i++)
		free(t->facets[i].value);
	memset(t, 0, sizeof *t);
}

int
social_text_build(const char *body, const char *link, const char *const *tags, size_t ntags, size_t max_graphemes,
		  size_t max_bytes, struct social_text *out)
{
	memset(out, 0, sizeof *out);
	char *bc = social_clean(body ? body : "", body ? strlen(body) : 0, 1);
	size_t blen = strlen(bc);
	while (blen > 0 && (bc[blen - 1] == ' ' || bc[blen - 1] == '\n'))
		blen--;
	char *lc = NULL;
	if (link && *link) {
		lc = social_clean(link, strlen(link), 0);
		if (strchr(lc, ' ') || strlen(lc) + 2 > max_bytes ||
		    social_graphemes(lc, strlen(lc)) + 2 > max_graphemes) {
			free(lc); /* a link with spaces is no link; one that cannot fit is left out */
			lc = NULL;
		}
	}
	char *tg[SOCIAL_MAX_TAGS];
	size_t nt = 0;
	for (size_t i = 0; i < ntags && nt < SOCIAL_MAX_TAGS; i++)
		if (tags[i] && (tg[nt] = tag_clean(tags[i])) != NULL)
			nt++;
	int rc = -1;
	for (;;) {
		/* the tail's size: assemble it without a body */
		struct social_text tail;
		memset(&tail, 0, sizeof tail);
		assemble(&tail, "x", 1, 0, lc, tg, nt);
		size_t tg_n = social_graphemes(tail.text, tail.len) - 1, tb = tail.len - 1;
		social_text_free(&tail);
		if (tg_n <= max_graphemes && tb <= max_bytes) {
			size_t g = max_graphemes - tg_n, b = max_bytes - tb;
			if (social_graphemes(bc, blen) <= g && blen <= b) {
				assemble(out, bc, blen, 0, lc, tg, nt);
				rc = 0;
				break;
			}
			size_t cut = shorten(bc, blen, g, b);
			if (cut > 0 || !nt) {
				assemble(out, bc, cut, cut > 0, lc, tg, nt);
				rc = 0;
				break;
			}
		}
		if (nt == 0)
			break;
		free(tg[--nt]); /* the tags go first, the link never */
	}
	for (size_t i = 0; i < nt; i++)
		free(tg[i]);
	free(lc);
	free(bc);
	return rc;
}

/* ---- record keys ---- */

static const char b32s[] = "234567abcdefghijklmnopqrstuvwxyz";

void
social_tid(int64_t micros, unsigned clock_id, char out[14])
{
	uint64_t v = (((uint64_t)micros & ((1ULL << 53) - 1)) << 10) | (clock_id & 1023u);
	for (int i = 12; i >= 0; i--) {
		out[i] = b32s[v & 31];
		v >>= 5;
	}
	out[13] = '\0';
}

void
social_rkey(const char *channel, const char *item, int64_t us, char out[14])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = channel; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = item; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	social_tid(us, h ^ (h >> 10) ^ (h >> 20), out);
}

int
social_is_tid(const char *s)
{
	if (!s || strlen(s) != 13 || !strchr("234567abcdefghij", s[0]) || !s[0])
		return 0;
	for (int i = 0; i < 13; i++)
		if (!strchr(b32s, s[i]) || !s[i])
			return 0;
	return 1;
}

static size_t
x_cp_weight(uint32_t c)
{
	if (c <= 4351 || (c >= 8192 && c <= 8205) || (c >= 8208 && c <= 8223) || (c >= 8242 && c <= 8247))
		return 100;
	return 200;
}

size_t
social_x_weight(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = 0, i = 0;
	while (i < len) {
		int at_word = i == 0 || u[i - 1] == ' ' || u[i - 1] == '\n';
		if (at_word && ((len - i > 7 && memcmp(u + i, "http://", 7) == 0) ||
				(len - i > 8 && memcmp(u + i, "https://", 8) == 0))) {
			while (i < len && u[i] != ' ' && u[i] != '\n')
				i++;
			w += 2300;
			continue;
		}
		uint32_t c;
		size_t cl = cluster_len(u + i, len - i);
		utf8_next(u + i, len - i, &c);
		if (is_pict(c) || is_ri(c)) {
			w += 200; /* the whole emoji sequence */
			i += cl;
			continue;
		}
		for (size_t e = i + cl; i < e;) {
			i += utf8_next(u + i, e - i, &c);
			w += x_cp_weight(c);
		}
	}
	return w;
}

int
social_text_fit(const char *body, const char *link, const char *const *tags, size_t ntags, size_t limit,
		size_t max_bytes, size_t (*measure)(const struct social_text *t, void *ctx), void *ctx,
		struct social_text *out)
{
	size_t g = limit;
	while (g > 0) {
		if (social_text_build(body, link, tags, ntags, g, max_bytes, out) != 0)
			return -1;
		size_t m = measure(out, ctx);
		if (m <= limit)
			return 0;
		social_text_free(out);
		size_t next = (size_t)((unsigned long long)g * limit / m);
		g = next < g ? next : g - 1; /* in proportion to what is over */
	}
	return -1;
}
