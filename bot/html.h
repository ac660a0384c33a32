/*
 * html.h - the parts of HTML-to-text (html_to_text() in mime.h) shared by
 * the tag scanner (bot/html.c) and the text renderer with the quote
 * recognition (bot/html_render.c).
 *
 * The scanner reads the bytes once and reports text, start tags (with the
 * few attributes that mark a quote) and end tags; the renderer keeps the
 * stack of open elements (depth-capped), writes the lines and prefixes
 * quoted parts with ">" so quote_strip() removes them.
 */
#ifndef MB_HTML_H
#define MB_HTML_H

#include <stddef.h>

/* The attributes the quote recognition looks at: pointers into the HTML,
 * not NUL-terminated, entities not decoded (client markers have none). */
struct html_attrs {
	const char *cls, *id, *name, *type, *style;
	size_t cls_n, id_n, name_n, type_n, style_n;
};

struct html_render;

/* Text (UTF-8) in the flow: blanks collapse outside <pre>. */
void html_render_text(struct html_render *r, const char *s, size_t n);
/* One code point (a decoded entity). */
void html_render_cp(struct html_render *r, unsigned long cp);
/* A start tag: name in lower case.  Void elements (br, hr, img, …) only here. */
void html_render_open(struct html_render *r, const char *name, const struct html_attrs *a);
/* An end tag: closes the nearest open element of that name (stray ones are ignored). */
void html_render_close(struct html_render *r, const char *name);

/* The tag scanner: feeds the whole of html[0..len) to r.  Linear in len. */
void html_scan(struct html_render *r, const char *html, size_t len);

/* html_to_text() with a given scanner (the benchmark compares scanners). */
char *html_to_text_with(const char *html, size_t len, void (*scan)(struct html_render *, const char *, size_t));

/* The elements whose content is not text. */
int html_skipped(const char *name);

#endif
