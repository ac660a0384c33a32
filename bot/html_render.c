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
	unsigned char line;    /* a paragraph that is one line (Outlook's MsoNormal) */
};

struct html_render {
	struct buf out;
	struct elem *st;
	size_t depth;
	int qdepth;     /* open elements that quote */
	int rest;       /* an Outlook marker: everything from here is quote */
	int plain;      /* the forward pass: no ">" at all */
	int pre;        /* open <pre> elements */
	int at_bol;     /* nothing but the prefix written on this line */
	int pend_space; /* a collapsed blank is pending */
	int nl_pending; /* line breaks wanted before the next text (max 2) */
	int nl_depth;   /* the least quote depth while they were wanted */
	int any;        /* some text written */
	int new_text;   /* some text written outside every quote */
	int quotes;     /* some quote marker seen */
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

/* One visible byte, after the pending breaks, prefix and blank. */
static void
h_put(struct html_render *r, char c)
{
	if (r->nl_pending) {
		h_flush(r);
	} else if (!r->any) {
		put_prefix(r, prefix_depth(r), 0);
	}
	if (r->pend_space && !r->at_bol)
		buf_addc(&r->out, ' ');
	r->pend_space = 0;
	buf_addc(&r->out, c);
	r->at_bol = 0;
	r->any = 1;
	if (!r->qdepth && !r->rest)
		r->new_text = 1;
}

void
html_render_text(struct html_render *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\xc2' && i + 1 < n && s[i + 1] == '\xa0') {
			/* a no-break space is a blank, but it holds a line open:
			 * Outlook's empty paragraphs are <p>&nbsp;</p> */
			c = ' ';
			i++;
			if (!r->pre && r->nl_pending)
				h_flush(r);
		}
		if (!r->pre && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f')) {
			if (!r->at_bol)
				r->pend_space = 1;
			continue;
		}
		if (r->pre && c == '\r')
			continue;
		if (r->pre && c == '\n') {
			want_nl(r, 0);
			r->any = 1;
			continue;
		}
		h_put(r, c);
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

static int
name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static const char *const void_tags[] = {"br",   "hr",   "img",   "meta",   "link",  "input", "wbr",    "col",
					"area", "base", "param", "source", "track", "embed", "keygen", NULL};
static const char *const para_tags[] = {"p",     "h1", "h2", "h3",  "h4", "h5",      "h6",
					"table", "ul", "ol", "pre", "dl", "address", NULL};
static const char *const line_tags[] = {"div",    "tr",     "li",     "dt",   "dd",       "section",    "article",
					"header", "footer", "center", "form", "fieldset", "title",      "caption",
					"figure", "nav",    "aside",  "main", "body",     "blockquote", NULL};
static const char *const skipped_tags[] = {"script", "style", "head", "title", NULL};

int
html_skipped(const char *name)
{
	return name_is(name, skipped_tags);
}

/* What a tag does to the lines: breaks, rules, list dashes, table cells. */
static void
tag_effect(struct html_render *r, const char *name, int closing)
{
	if (!strcmp(name, "br")) {
		r->any = 1; /* a leading <br> still counts as a line */
		want_nl(r, 0);
		r->pend_space = 0;
	} else if (!strcmp(name, "hr")) {
		h_break(r, 1);
		html_render_text(r, "________________________________", 32);
		h_break(r, 1);
	} else if (!strcmp(name, "li") && !closing) {
		h_break(r, 1);
		html_render_text(r, "- ", 2);
	} else if (!strcmp(name, "td") || !strcmp(name, "th")) {
		if (!closing)
			r->pend_space = !r->at_bol;
	} else if (name_is(name, para_tags)) {
		h_break(r, 2);
	} else if (name_is(name, line_tags)) {
		h_break(r, 1);
	}
}

/* Attribute value v[0..n) equals w (ASCII case-insensitive). */
static int
attr_is(const char *v, size_t n, const char *w)
{
	return v && strlen(w) == n && !strncasecmp(v, w, n);
}

/* The class list v[0..n) holds the class w. */
static int
class_has(const char *v, size_t n, const char *w)
{
	size_t i = 0;
	while (v && i < n) {
		size_t j;
		while (i < n && isspace((unsigned char)v[i]))
			i++;
		for (j = i; j < n && !isspace((unsigned char)v[j]); j++)
			;
		if (attr_is(v + i, j - i, w))
			return 1;
		i = j;
	}
	return 0;
}

/* Outlook desktop's header block: a top border in one of its two colours
 * ("border:none;border-top:solid #E1E1E1 1.0pt", "#B5C4DF" before 2013). */
static int
outlook_border(const char *v, size_t n)
{
	char s[HR_STYLE_MAX + 1];
	size_t k = 0;
	const char *p;
	for (size_t i = 0; v && i < n && k < HR_STYLE_MAX; i++)
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
classify(const char *name, const struct html_attrs *a)
{
	static const char *const rest_ids[] = {"divRplyFwdMsg",
					       "x_divRplyFwdMsg",
					       "appendonsend",
					       "x_appendonsend",
					       "mail-editor-reference-message-container",
					       NULL};
	static const char *const split_classes[] = {"gmail_quote", "gmail_quote_container", "yahoo_quoted",
						    "zmail_extra", NULL};
	const char *const *p;

	if (!strcmp(name, "blockquote") || class_has(a->cls, a->cls_n, "gmail_attr") ||
	    class_has(a->cls, a->cls_n, "moz-cite-prefix"))
		return K_QUOTE;
	for (p = split_classes; *p; p++)
		if (class_has(a->cls, a->cls_n, *p))
			return K_SPLIT;
	if (attr_is(a->name, a->name_n, "quote"))
		return K_SPLIT;
	for (p = rest_ids; *p; p++)
		if (attr_is(a->id, a->id_n, *p))
			return K_REST;
	if (class_has(a->cls, a->cls_n, "OutlookMessageHeader") || outlook_border(a->style, a->style_n))
		return K_REST;
	return K_PLAIN;
}

void
html_render_open(struct html_render *r, const char *name, const struct html_attrs *a)
{
	enum kind k;
	int line;
	if (name_is(name, void_tags)) {
		tag_effect(r, name, 0);
		return;
	}
	k = classify(name, a);
	if (k != K_PLAIN) {
		h_break(r, 1);
		r->quotes = 1;
	}
	if (k == K_REST)
		r->rest = 1;
	line = !strcmp(name, "p") && class_has(a->cls, a->cls_n, "MsoNormal");
	if (line)
		h_break(r, 1);
	else
		tag_effect(r, name, 0);
	if (r->depth == HR_STACK) {
		if (k != K_PLAIN)
			r->rest = 1; /* too deep to know where it ends: the rest is quote */
		return;
	}
	struct elem *e = &r->st[r->depth++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->kind = (unsigned char)k;
	e->quoting = (k == K_QUOTE || k == K_SPLIT);
	e->line = (unsigned char)line;
	r->qdepth += e->quoting;
	r->pre += !strcmp(e->name, "pre");
}

static void
pop(struct html_render *r)
{
	struct elem *e = &r->st[--r->depth];
	r->qdepth -= e->quoting;
	r->pre -= !strcmp(e->name, "pre");
	if (e->kind != K_PLAIN)
		h_break(r, 1);
	if (!strcmp(e->name, "blockquote") && r->depth) {
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
	if (!strcmp(name, "br")) {
		tag_effect(r, name, 0); /* browsers read </br> as <br> */
		return;
	}
	if (name_is(name, void_tags))
		return;
	snprintf(key, sizeof(key), "%s", name);
	low = r->depth > HR_CLOSE_WINDOW ? r->depth - HR_CLOSE_WINDOW : 0;
	for (k = r->depth; k > low; k--)
		if (!strcmp(r->st[k - 1].name, key))
			break;
	if (k > low && r->st[k - 1].line)
		h_break(r, 1);
	else
		tag_effect(r, name, 1);
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
