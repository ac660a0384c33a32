/*
 * html_xml.c - (measurement only) libxml2's lenient HTML parser as the tag
 * source of html_to_text_with(): htmlReadMemory builds the tree, a
 * non-recursive walk feeds the same renderer (bot/html_render.c).
 */
#include "html.h"
#include "util.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

void html_scan_xml(struct html_render *r, const char *html, size_t len);

static void
attrs_of(xmlNode *n, struct html_attrs *a)
{
	memset(a, 0, sizeof(*a));
	for (xmlAttr *p = n->properties; p; p = p->next) {
		const char *v = p->children && p->children->content ? (const char *)p->children->content : "";
		const char *k = (const char *)p->name;
		if (!strcmp(k, "class") && !a->cls)
			a->cls = v, a->cls_n = strlen(v);
		else if (!strcmp(k, "id") && !a->id)
			a->id = v, a->id_n = strlen(v);
		else if (!strcmp(k, "name") && !a->name)
			a->name = v, a->name_n = strlen(v);
		else if (!strcmp(k, "type") && !a->type)
			a->type = v, a->type_n = strlen(v);
		else if (!strcmp(k, "style") && !a->style)
			a->style = v, a->style_n = strlen(v);
	}
}

void
html_scan_xml(struct html_render *r, const char *html, size_t len)
{
	htmlDocPtr doc;
	xmlNode *n;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (!doc)
		return;
	n = xmlDocGetRootElement(doc);
	while (n) {
		int descend = 0;
		char name[16];
		if (n->type == XML_ELEMENT_NODE) {
			snprintf(name, sizeof(name), "%s", (const char *)n->name);
			if (!html_skipped(name)) {
				struct html_attrs a;
				attrs_of(n, &a);
				html_render_open(r, name, &a);
				descend = 1;
			}
		} else if (n->type == XML_TEXT_NODE && n->content) {
			html_render_text(r, (const char *)n->content, strlen((const char *)n->content));
		}
		if (descend && n->children) {
			n = n->children;
			continue;
		}
		if (descend) {
			html_render_close(r, name);
		}
		while (n && !n->next) {
			n = n->parent;
			if (!n || n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE) {
				n = NULL;
				break;
			}
			snprintf(name, sizeof(name), "%s", (const char *)n->name);
			html_render_close(r, name);
		}
		if (n)
			n = n->next;
	}
	xmlFreeDoc(doc);
}
