/*
 * html_render.c - the text side of html_to_text(): lines from the element
 * flow the scanner (bot/html.c) reports, and the quote recognition of the
 * common mail clients.  Quoted parts come out as ">"-prefixed lines, so
 * quote_strip() removes them like a plain-text quote:
 *
 *   scoped to the element   <blockquote> (Apple Mail, Thunderbird, Gmail,
 *                           Zoho), class gmail_attr / moz-cite-prefix (the
 *                           attribution line)
 *   scoped, split by a      class gmail_quote / gmail_quote_container
 *   direct <blockquote>     (Gmail), yahoo_quoted (Yahoo), zmail_extra
 *                           (Zoho), name="quote" (GMX, web.de): after a
 *                           <blockquote> child closes, what follows inside
 *                           is an interleaved answer, not quote
 *   to the end of the mail  id divRplyFwdMsg / appendonsend (Outlook web,
 *                           iOS, Android), mail-editor-reference-message-
 *                           container (new Outlook), class
 *                           OutlookMessageHeader, Outlook desktop's header
 *                           block (style border-top:solid #E1E1E1 or
 *                           #B5C4DF)
 *
 * A mail with no new text above its quote may be a forward (staff forward
 * mails to the bot): it is rendered a second time without ">" and, when
 * quote_strip() finds a forward in it, that rendering is the text.
 * The stack of open elements is capped (HR_STACK); a quote opened deeper
 * than that makes the rest of the mail quote.  No state; any thread.
 */
#include "html.h"
#include "mime.h"
#include "quote.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HR_STACK 1024      /* open elements tracked */
#define HR_CLOSE_WINDOW 64 /* how far down an end tag looks for its element */
#define HR_PREFIX_MAX 32   /* at most this many ">" */
#define HR_STYLE_MAX 1024  /* bytes of a style attribute looked at */

enum kind { K_PLAIN, K_QUOTE, K_SPLIT, K_REST };

struct elem {
	char name[16];
	unsigned char kind;
	unsigned char quoting; /* counts in qdepth */
	unsigned flags;        /* F_* of the element (tag_flags()) */
};

struct html_render {
	struct buf out;
	struct elem *st;
	size_t depth;
	int qdepth;       /* open elements that quote */
	int rest;         /* an Outlook marker: everything from here is quote */
	int plain;        /* the forward pass: no ">" at all */
	int pre;          /* open <pre> elements */
	size_t untracked; /* elements opened past HR_STACK and not closed */
	int at_bol;       /* nothing but the prefix written on this line */
	int pend_space;   /* a collapsed blank is pending */
	int nl_pending;   /* line breaks wanted before the next text (max 2) */
	int nl_depth;     /* the least quote depth while they were wanted */
	int any;          /* some text written */
	int new_text;     /* some text written outside every quote */
	int quotes;       /* some quote marker seen */
};

static int
prefix_depth(const struct html_render *r)
{
	int d = r->plain ? 0 : r->qdepth + r->rest;
	return d > HR_PREFIX_MAX ? HR_PREFIX_MAX : d;
}

static void
put_prefix(struct html_render *r, int d, int blank)
{
	for (int q = 0; q < d; q++)
		buf_addc(&r->out, '>');
	if (d && !blank)
		buf_addc(&r->out, ' ');
}

/* Ask for line breaks: to n in all (grow), or one more (n == 0), at most 2. */
static void
want_nl(struct html_render *r, int n)
{
	int d = prefix_depth(r);
	if (!r->nl_pending || d < r->nl_depth)
		r->nl_depth = d;
	if (!n)
		n = r->nl_pending + 1;
	if (r->nl_pending < n)
		r->nl_pending = n > 2 ? 2 : n;
}

static void
h_break(struct html_render *r, int n)
{
	if (r->any)
		want_nl(r, n);
	r->pend_space = 0;
}

/* Start the wanted line(s). */
static void
h_flush(struct html_render *r)
{
	/* a blank line between a quote and the text is neither's */
	for (int k = 1; k < r->nl_pending; k++) {
		buf_addc(&r->out, '\n');
		put_prefix(r, r->nl_depth < prefix_depth(r) ? r->nl_depth : prefix_depth(r), 1);
	}
	buf_addc(&r->out, '\n');
	put_prefix(r, prefix_depth(r), 0);
	r->nl_pending = 0;
	r->at_bol = 1;
	r->pend_space = 0;
}

/* Visible bytes s[0..n), after the pending breaks, prefix and blank. */
static void
h_put(struct html_render *r, const char *s, size_t n)
{
	if (r->nl_pending) {
		h_flush(r);
	} else if (!r->any) {
		put_prefix(r, prefix_depth(r), 0);
	}
	if (r->pend_space && !r->at_bol)
		buf_addc(&r->out, ' ');
	r->pend_space = 0;
	buf_add(&r->out, s, n);
	r->at_bol = 0;
	r->any = 1;
	if (!r->qdepth && !r->rest)
		r->new_text = 1;
}

static int
blank_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

void
html_render_text(struct html_render *r, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		size_t j = i;
		if (c == '\xc2' && i + 1 < n && s[i + 1] == '\xa0') {
			/* a no-break space is a blank, but it holds a line open:
			 * Outlook's empty paragraphs are <p>&nbsp;</p> */
			if (!r->pre && r->nl_pending)
				h_flush(r);
			if (r->pre)
				h_put(r, " ", 1);
			else if (!r->at_bol)
				r->pend_space = 1;
			i += 2;
			continue;
		}
		if (r->pre && (c == '\r' || c == '\n')) {
			if (c == '\n')
				want_nl(r, 0);
			r->any = 1;
			i++;
			continue;
		}
		if (!r->pre && blank_byte(c)) {
			if (!r->at_bol)
				r->pend_space = 1;
			i++;
			continue;
		}
		while (j < n && !(r->pre ? (s[j] == '\r' || s[j] == '\n') : blank_byte(s[j])) &&
		       !(s[j] == '\xc2' && j + 1 < n && s[j + 1] == '\xa0'))
			j++;
		h_put(r, s + i, j - i);
		i = j;
	}
}

void
html_render_cp(struct html_render *r, unsigned long cp)
{
	struct buf t = BUF_INIT;
	utf8_put(&t, cp);
	html_render_text(r, t.p, t.len);
	buf_free(&t);
}

/* What an element does to the lines. */
enum {
	F_VOID = 1,   /* no content, no end tag */
	F_PARA = 2,   /* a paragraph: a blank line around it */
	F_LINE = 4,   /* a block: a line break around it */
	F_SKIP = 8,   /* content is not text */
	F_BR = 16,    /* a line break */
	F_HR = 32,    /* a rule: an Outlook-style underscore line */
	F_LI = 64,    /* a list item: "- " */
	F_CELL = 128, /* a table cell: a blank between cells */
	F_PRE = 256,  /* preformatted */
	F_BQ = 512,   /* <blockquote> */
	F_P = 1024,   /* <p> */
};

/* Sorted by name (bsearch). */
static const struct tag {
	const char *name;
	unsigned flags;
} tags[] = {
	{"address", F_PARA}, {"area", F_VOID},        {"article", F_LINE},
	{"aside", F_LINE},   {"base", F_VOID},        {"blockquote", F_BQ | F_LINE},
	{"body", F_LINE},    {"br", F_VOID | F_BR},   {"caption", F_LINE},
	{"center", F_LINE},  {"col", F_VOID},         {"dd", F_LINE},
	{"div", F_LINE},     {"dl", F_PARA},          {"dt", F_LINE},
	{"embed", F_VOID},   {"fieldset", F_LINE},    {"figure", F_LINE},
	{"footer", F_LINE},  {"form", F_LINE},        {"h1", F_PARA},
	{"h2", F_PARA},      {"h3", F_PARA},          {"h4", F_PARA},
	{"h5", F_PARA},      {"h6", F_PARA},          {"head", F_SKIP},
	{"header", F_LINE},  {"hr", F_VOID | F_HR},   {"img", F_VOID},
	{"input", F_VOID},   {"keygen", F_VOID},      {"li", F_LINE | F_LI},
	{"link", F_VOID},    {"main", F_LINE},        {"meta", F_VOID},
	{"nav", F_LINE},     {"ol", F_PARA},          {"p", F_PARA | F_P},
	{"param", F_VOID},   {"pre", F_PARA | F_PRE}, {"script", F_SKIP},
	{"section", F_LINE}, {"source", F_VOID},      {"style", F_SKIP},
	{"table", F_PARA},   {"td", F_CELL},          {"th", F_CELL},
	{"title", F_SKIP},   {"tr", F_LINE},          {"track", F_VOID},
	{"ul", F_PARA},      {"wbr", F_VOID},
};

static int
tag_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct tag *)e)->name);
}

static unsigned
tag_flags(const char *name)
{
	const struct tag *t = bsearch(name, tags, ARRAY_LEN(tags), sizeof(tags[0]), tag_cmp);
	return t ? t->flags : 0;
}

int
html_skipped(const char *name)
{
	return (tag_flags(name) & F_SKIP) != 0;
}

/* What a tag does to the lines: breaks, rules, list dashes, table cells. */
static void
tag_effect(struct html_render *r, unsigned f, int closing)
{
	if (f & F_BR) {
		r->any = 1; /* a leading <br> still counts as a line */
		want_nl(r, 0);
		r->pend_space = 0;
	} else if (f & F_HR) {
		h_break(r, 1);
		html_render_text(r, "________________________________", 32);
		h_break(r, 1);
	} else if ((f & F_LI) && !closing) {
		h_break(r, 1);
		html_render_text(r, "- ", 2);
	} else if (f & F_CELL) {
		if (!closing)
			r->pend_space = !r->at_bol;
	} else if (f & F_PARA) {
		h_break(r, 2);
	} else if (f & F_LINE) {
		h_break(r, 1);
	}
}

/* Attribute value v[0..n) equals w (ASCII case-insensitive). */
static int
attr_is(const char *v, size_t n, const char *w)
{
	return v && strlen(w) == n && !strncasecmp(v, w, n);
}

enum { C_QUOTE = 1, C_SPLIT = 2, C_REST = 4, C_MSO = 8 };

/* The marker classes in the class list v[0..n): C_* bits.  One pass over the list. */
static unsigned
class_bits(const char *v, size_t n)
{
	static const struct {
		const char *name;
		unsigned bit;
	} marks[] = {
		{"gmail_attr", C_QUOTE},          {"moz-cite-prefix", C_QUOTE},
		{"gmail_quote", C_SPLIT},         {"gmail_quote_container", C_SPLIT},
		{"yahoo_quoted", C_SPLIT},        {"zmail_extra", C_SPLIT},
		{"OutlookMessageHeader", C_REST}, {"MsoNormal", C_MSO},
	};
	unsigned bits = 0;
	size_t i = 0;
	while (v && i < n) {
		size_t j;
		while (i < n && isspace((unsigned char)v[i]))
			i++;
		for (j = i; j < n && !isspace((unsigned char)v[j]); j++)
			;
		if (j - i >= 9 && j - i <= 21 && strchr("gmyzOM", v[i]))
			for (size_t k = 0; k < ARRAY_LEN(marks); k++)
				if (attr_is(v + i, j - i, marks[k].name))
					bits |= marks[k].bit;
		i = j;
	}
	return bits;
}

/* Outlook desktop's header block: a top border in one of its two colours
 * ("border:none;border-top:solid #E1E1E1 1.0pt", "#B5C4DF" before 2013). */
static int
outlook_border(const char *v, size_t n)
{
	char s[HR_STYLE_MAX + 1];
	size_t k = 0;
	const char *p;
	if (!v || !memmem(v, n < HR_STYLE_MAX ? n : HR_STYLE_MAX, "border-top", 10))
		return 0;
	for (size_t i = 0; i < n && k < HR_STYLE_MAX; i++)
		if (!isspace((unsigned char)v[i]))
			s[k++] = (char)tolower((unsigned char)v[i]);
	s[k] = '\0';
	for (p = strstr(s, "border-top:"); p; p = strstr(p + 1, "border-top:")) {
		const char *end = strchr(p, ';');
		size_t m = end ? (size_t)(end - p) : strlen(p);
		char decl[128];
		if (m >= sizeof(decl))
			m = sizeof(decl) - 1;
		memcpy(decl, p, m);
		decl[m] = '\0';
		if (strstr(decl, "solid") && (strstr(decl, "#e1e1e1") || strstr(decl, "#b5c4df")))
			return 1;
	}
	return 0;
}

static enum kind
classify(unsigned f, const struct html_attrs *a, unsigned cls)
{
	static const char *const rest_ids[] = {"divRplyFwdMsg",
					       "x_divRplyFwdMsg",
					       "appendonsend",
					       "x_appendonsend",
					       "mail-editor-reference-message-container",
					       NULL};
	if ((f & F_BQ) || (cls & C_QUOTE))
		return K_QUOTE;
	if ((cls & C_SPLIT) || attr_is(a->name, a->name_n, "quote"))
		return K_SPLIT;
	for (const char *const *p = rest_ids; a->id && *p; p++)
		if (attr_is(a->id, a->id_n, *p))
			return K_REST;
	if ((cls & C_REST) || outlook_border(a->style, a->style_n))
		return K_REST;
	return K_PLAIN;
}

static void
copy_name(char dst[16], const char *name)
{
	size_t n = strlen(name);
	if (n > 15)
		n = 15;
	memcpy(dst, name, n);
	dst[n] = '\0';
}

void
html_render_open(struct html_render *r, const char *name, const struct html_attrs *a)
{
	unsigned f = tag_flags(name), cls;
	enum kind k;
	struct elem *e;
	if (f & F_VOID) {
		tag_effect(r, f, 0);
		return;
	}
	cls = class_bits(a->cls, a->cls_n);
	k = classify(f, a, cls);
	if (k != K_PLAIN) {
		h_break(r, 1);
		r->quotes = 1;
	}
	if (k == K_REST)
		r->rest = 1;
	if ((f & F_P) && (cls & C_MSO)) {
		f = F_LINE; /* Outlook's paragraphs are lines */
	}
	tag_effect(r, f, 0);
	if (r->depth == HR_STACK) {
		if (k != K_PLAIN)
			r->rest = 1; /* too deep to know where it ends: the rest is quote */
		r->untracked++;
		return;
	}
	e = &r->st[r->depth++];
	copy_name(e->name, name);
	e->flags = f;
	e->kind = (unsigned char)k;
	e->quoting = (k == K_QUOTE || k == K_SPLIT);
	r->qdepth += e->quoting;
	r->pre += !!(f & F_PRE);
}

static void
pop(struct html_render *r)
{
	struct elem *e = &r->st[--r->depth];
	r->qdepth -= e->quoting;
	r->pre -= !!(e->flags & F_PRE);
	if (e->kind != K_PLAIN)
		h_break(r, 1);
	if ((e->flags & F_BQ) && r->depth) {
		struct elem *up = &r->st[r->depth - 1];
		if (up->kind == K_SPLIT && up->quoting) {
			up->quoting = 0; /* what follows inside is an interleaved answer */
			r->qdepth--;
		}
	}
}

void
html_render_close(struct html_render *r, const char *name)
{
	char key[16];
	size_t k, low;
	unsigned f = tag_flags(name);
	if (f & F_BR) {
		tag_effect(r, f, 0); /* browsers read </br> as <br> */
		return;
	}
	if (f & F_VOID)
		return;
	if (r->untracked) {
		r->untracked--; /* closes one opened past the stack cap */
		tag_effect(r, f, 1);
		return;
	}
	copy_name(key, name);
	low = r->depth > HR_CLOSE_WINDOW ? r->depth - HR_CLOSE_WINDOW : 0;
	for (k = r->depth; k > low; k--)
		if (!strcmp(r->st[k - 1].name, key))
			break;
	tag_effect(r, k > low ? r->st[k - 1].flags : f, 1);
	if (k == low)
		return; /* a stray end tag */
	while (r->depth >= k)
		pop(r);
}

static char *
render(const char *html, size_t len, void (*scan)(struct html_render *, const char *, size_t), int plain, int *new_text,
       int *quotes)
{
	struct html_render r;
	char *res, *clean;
	memset(&r, 0, sizeof(r));
	r.st = xmalloc(HR_STACK * sizeof(*r.st));
	r.at_bol = 1;
	r.plain = plain;
	if (html)
		scan(&r, html, len);
	free(r.st);
	*new_text = r.new_text;
	*quotes = r.quotes;
	res = buf_detach(&r.out);
	clean = utf8_sanitize(res, strlen(res));
	free(res);
	return clean;
}

char *
html_to_text_with(const char *html, size_t len, void (*scan)(struct html_render *, const char *, size_t))
{
	int new_text, quotes, nt2, q2;
	char *text = render(html, len, scan, 0, &new_text, &quotes);
	if (!new_text && quotes) {
		/* nothing above the quote: a forward gives its body */
		char *plain = render(html, len, scan, 1, &nt2, &q2), *cut;
		unsigned fl = 0;
		cut = quote_strip_flags(plain, &fl);
		free(cut);
		if (fl & QUOTE_FORWARDED) {
			free(text);
			return plain;
		}
		free(plain);
	}
	return text;
}

char *
html_to_text(const char *html, size_t len)
{
	return html_to_text_with(html, len, html_scan);
}
