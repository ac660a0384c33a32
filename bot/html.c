/*
 * html.c - HTML to readable plain text for mails that only carry HTML.
 * A single forward scan (no DOM, no recursion): tags become line breaks,
 * entities are decoded, script/style/head content is dropped and
 * <blockquote> nesting turns into "> " prefixes, so quote_strip() can treat
 * the result like a plain-text reply.  <hr> becomes an Outlook-style
 * underscore separator line for the same reason.
 */
#include "mime.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct h2t {
	struct buf out;
	int quote;       /* <blockquote> depth */
	int pre;         /* inside <pre> */
	int at_bol;      /* nothing but the prefix written on this line */
	int pend_space;  /* a collapsed blank is pending */
	int nl_pending;  /* line breaks wanted before the next text (max 2) */
	int any;         /* some text written */
	int no_head_end; /* a search for </head> failed: never search again */
};

static void
h_break(struct h2t *h, int n)
{
	if (h->any && h->nl_pending < n)
		h->nl_pending = n;
	h->pend_space = 0;
}

/* Write text bytes (already UTF-8) honouring pending breaks and prefixes. */
static void
h_text(struct h2t *h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!h->pre && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f')) {
			if (!h->at_bol)
				h->pend_space = 1;
			continue;
		}
		if (h->pre && c == '\r')
			continue;
		if (h->pre && c == '\n') {
			h->nl_pending++;
			if (!h->any)
				h->any = 1;
			continue;
		}
		if (h->nl_pending) {
			for (int k = 0; k < h->nl_pending; k++) {
				buf_addc(&h->out, '\n');
				for (int q = 0; q < h->quote && q < 32; q++)
					buf_addc(&h->out, '>');
				if (h->quote)
					buf_addc(&h->out, ' ');
			}
			h->nl_pending = 0;
			h->at_bol = 1;
			h->pend_space = 0;
		} else if (!h->any && h->quote) {
			for (int q = 0; q < h->quote && q < 32; q++)
				buf_addc(&h->out, '>');
			buf_addc(&h->out, ' ');
		}
		if (h->pend_space && !h->at_bol)
			buf_addc(&h->out, ' ');
		h->pend_space = 0;
		buf_addc(&h->out, c);
		h->at_bol = 0;
		h->any = 1;
	}
}

static const struct {
	const char *name;
	unsigned short cp;
} entities[] = {
	{"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
	{"nbsp", ' '},     {"auml", 0xe4},    {"ouml", 0xf6},    {"uuml", 0xfc},     {"Auml", 0xc4},
	{"Ouml", 0xd6},    {"Uuml", 0xdc},    {"szlig", 0xdf},   {"euro", 0x20ac},   {"copy", 0xa9},
	{"reg", 0xae},     {"trade", 0x2122}, {"mdash", 0x2014}, {"ndash", 0x2013},  {"hellip", 0x2026},
	{"laquo", 0xab},   {"raquo", 0xbb},   {"bdquo", 0x201e}, {"ldquo", 0x201c},  {"rdquo", 0x201d},
	{"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201a}, {"eacute", 0xe9},   {"egrave", 0xe8},
	{"ecirc", 0xea},   {"agrave", 0xe0},  {"aacute", 0xe1},  {"acirc", 0xe2},    {"ccedil", 0xe7},
	{"iacute", 0xed},  {"oacute", 0xf3},  {"uacute", 0xfa},  {"ntilde", 0xf1},   {"Eacute", 0xc9},
	{"middot", 0xb7},  {"bull", 0x2022},  {"deg", 0xb0},     {"sect", 0xa7},     {"para", 0xb6},
	{"shy", 0xad},     {"zwnj", 0x200c},  {"zwj", 0x200d},   {"thinsp", 0x2009}, {"ensp", 0x2002},
	{"emsp", 0x2003},  {"times", 0xd7},   {"divide", 0xf7},
};

/* Decode the entity at s[0]=='&'; returns bytes consumed (0 = not an entity). */
static size_t
h_entity(struct h2t *h, const char *s, size_t n)
{
	size_t i = 1;
	char tmp[8];
	if (n > 2 && s[1] == '#') {
		unsigned long cp = 0;
		int hex = (s[2] == 'x' || s[2] == 'X'), digits = 0;
		i = hex ? 3 : 2;
		for (; i < n && digits < 8; i++, digits++) {
			int c = (unsigned char)s[i], v;
			if (c >= '0' && c <= '9')
				v = c - '0';
			else if (hex && isxdigit(c))
				v = tolower(c) - 'a' + 10;
			else
				break;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
		}
		if (!digits)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (cp == 0xa0)
			cp = ' ';
		{
			struct buf t = BUF_INIT;
			utf8_put(&t, cp);
			h_text(h, t.p, t.len);
			buf_free(&t);
		}
		return i;
	}
	while (i < n && i < 9 && isalnum((unsigned char)s[i]))
		i++;
	if (i == 1 || i - 1 >= sizeof(tmp))
		return 0;
	memcpy(tmp, s + 1, i - 1);
	tmp[i - 1] = '\0';
	for (size_t k = 0; k < ARRAY_LEN(entities); k++) {
		if (!strcmp(entities[k].name, tmp)) {
			struct buf t = BUF_INIT;
			utf8_put(&t, entities[k].cp);
			h_text(h, t.p, t.len);
			buf_free(&t);
			return (i < n && s[i] == ';') ? i + 1 : i;
		}
	}
	return 0;
}

/* Case-insensitive search for needle from s[pos]; returns index or n. */
static size_t
find_ci(const char *s, size_t n, size_t pos, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = pos; i + m <= n; i++)
		if (tolower((unsigned char)s[i]) == needle[0] && !strncasecmp(s + i, needle, m))
			return i;
	return n;
}

static int
name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static const char *const para_tags[] = {"p",     "h1", "h2", "h3",  "h4", "h5",      "h6",
					"table", "ul", "ol", "pre", "dl", "address", NULL};
static const char *const line_tags[] = {"div",    "tr",     "li",     "dt",   "dd",       "section", "article",
					"header", "footer", "center", "form", "fieldset", "title",   "caption",
					"figure", "nav",    "aside",  "main", "body",     NULL};

/* The elements whose content is not text. */
static const char *const skipped_tags[] = {"script", "style", "head", "title", NULL};

/* Read the tag at html[i] (a '<'): its name in lower case (cut to fit) and whether it closes.
 * Returns the index just past it (honouring quoted attribute values), or 0 when the '<'
 * opens no tag (a lone "<" in text). */
static size_t
tag_read(const char *html, size_t len, size_t i, char name[16], int *closing)
{
	size_t j = i + 1, nl = 0;
	char quote = 0;

	*closing = 0;
	if (j < len && html[j] == '/') {
		*closing = 1;
		j++;
	}
	if (j >= len || !(isalpha((unsigned char)html[j]) || html[j] == '!' || html[j] == '?'))
		return 0;
	while (j < len && (isalnum((unsigned char)html[j]) || html[j] == ':' || html[j] == '!' || html[j] == '?' ||
			   html[j] == '-')) {
		if (nl + 1 < 16)
			name[nl++] = (char)tolower((unsigned char)html[j]);
		j++;
	}
	name[nl] = '\0';
	while (j < len) {
		if (quote) {
			if (html[j] == quote)
				quote = 0;
		} else if (html[j] == '"' || html[j] == '\'') {
			/* only a quote that opens an attribute value counts */
			if (j > 0 && html[j - 1] == '=')
				quote = html[j];
		} else if (html[j] == '>') {
			break;
		}
		j++;
	}
	return j < len ? j + 1 : len;
}

/* Skip the content of a skipped element opened just before html[i]: the index past its end
 * tag.  <head> without </head> keeps the rest rather than lose the mail; one failed search
 * per tag kind keeps this linear. */
static size_t
skip_element(struct h2t *h, const char *html, size_t len, size_t i, const char *name)
{
	char endtag[24];
	snprintf(endtag, sizeof(endtag), "</%s", name);
	if (!strcmp(name, "head") && h->no_head_end)
		return i;
	size_t e = find_ci(html, len, i, endtag);
	if (e >= len) {
		if (!strcmp(name, "head")) {
			h->no_head_end = 1;
			return i;
		}
		return len;
	}
	i = e;
	while (i < len && html[i] != '>')
		i++;
	return i < len ? i + 1 : i;
}

/* What a tag does to the text: line breaks, rules, quoting, preformatted text, list dashes,
 * table cells. */
static void
tag_apply(struct h2t *h, const char *name, int closing)
{
	if (!strcmp(name, "br")) {
		if (!h->any)
			h->any = 1; /* a leading <br> still counts as a line */
		h->nl_pending++;
		if (h->nl_pending > 2)
			h->nl_pending = 2;
		h->pend_space = 0;
	} else if (!strcmp(name, "hr")) {
		h_break(h, 1);
		h_text(h, "________________________________", 32);
		h_break(h, 1);
	} else if (!strcmp(name, "blockquote")) {
		h_break(h, 1);
		h->quote += closing ? -1 : 1;
		if (h->quote < 0)
			h->quote = 0;
	} else if (!strcmp(name, "pre")) {
		h->pre = !closing;
		h_break(h, 2);
	} else if (!strcmp(name, "li") && !closing) {
		h_break(h, 1);
		h_text(h, "- ", 2);
	} else if (!strcmp(name, "td") || !strcmp(name, "th")) {
		if (!closing)
			h->pend_space = !h->at_bol;
	} else if (!strcmp(name, "img") && !closing) {
		/* no text */
	} else if (name_is(name, para_tags)) {
		h_break(h, 2);
	} else if (name_is(name, line_tags)) {
		h_break(h, 1);
	}
}

/* One pass over the bytes (text, entity, comment, tag, skipped element): each byte is read
 * once, here or in the step it belongs to; the tag tables above hold the decisions. */
char *
html_to_text(const char *html, size_t len)
{
	struct h2t h;
	size_t i = 0;
	char *res, *clean;

	memset(&h, 0, sizeof(h));
	h.at_bol = 1;
	if (!html)
		len = 0;
	while (i < len) {
		char c = html[i];
		if (c == '&') {
			size_t k = h_entity(&h, html + i, len - i);
			if (k) {
				i += k;
				continue;
			}
			h_text(&h, "&", 1);
			i++;
			continue;
		}
		if (c != '<') {
			size_t j = i;
			while (j < len && html[j] != '<' && html[j] != '&')
				j++;
			h_text(&h, html + i, j - i);
			i = j;
			continue;
		}
		/* a tag, comment or declaration */
		if (i + 3 < len && !strncmp(html + i, "<!--", 4)) {
			size_t e = i + 4;
			while (e + 2 < len && !(html[e] == '-' && html[e + 1] == '-' && html[e + 2] == '>'))
				e++;
			i = e + 2 < len ? e + 3 : len;
			continue;
		}
		char name[16];
		int closing;
		size_t next = tag_read(html, len, i, name, &closing);
		if (!next) {
			h_text(&h, "<", 1); /* a lone "<" in text */
			i++;
			continue;
		}
		i = next;
		if (!closing && name_is(name, skipped_tags))
			i = skip_element(&h, html, len, i, name);
		else
			tag_apply(&h, name, closing);
	}
	res = buf_detach(&h.out);
	clean = utf8_sanitize(res, strlen(res));
	free(res);
	return clean;
}
