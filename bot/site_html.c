/*
 * site_html.c - the public page (site.h): one HTML5 document per language
 * with the public events, the open offers and the programmes taking
 * applications, and the helpers the Atom feed shares (escaping, RFC 3339
 * times, sentences from templates with markup in their placeholders).
 *
 * Accessibility: lang on <html> (and on the link to the other language),
 * a skip link to <main>, one <h1>, a <section> with an <h2> per kind of
 * item, each item an <article> with an <h3> in a list, times in <time
 * datetime>, no JavaScript, a small inline style with dark text on white
 * (contrast well above 7:1) and a visible keyboard focus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/handlers.h"

void
site_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			/* control characters are not allowed in HTML or XML text */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				buf_addc(b, ' ');
			else
				buf_addc(b, *s);
		}
	}
}

int
site_url_ok(const char *url)
{
	if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return 0;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return 0;
	return strlen(url) > 8;
}

void
site_iso(char out[32], int64_t t, int utc)
{
	struct when_tm a;
	if (utc || when_epoch_to_local(t, &a) != 0) {
		time_t tt = (time_t)t;
		struct tm g;
		gmtime_r(&tt, &g);
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &g);
		return;
	}
	int off = a.utc_offset / 60;
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", a.year, a.mon, a.day, a.hour, a.min, a.sec,
		 off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

#define MARK_OPEN '\x01'
#define MARK_CLOSE '\x02'
#define SENTENCE_VARS 8

void
site_sentence(struct buf *b, const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	/* the values become markers the template text cannot contain; the text is escaped and
	 * the markers replaced by the markup */
	const char *mv[2 * SENTENCE_VARS + 1];
	char marks[SENTENCE_VARS][4];
	size_t n = 0;
	for (; vars && vars[2 * n] && n < SENTENCE_VARS; n++) {
		snprintf(marks[n], sizeof marks[n], "%c%c%c", MARK_OPEN, (char)('A' + n), MARK_CLOSE);
		mv[2 * n] = vars[2 * n];
		mv[2 * n + 1] = marks[n];
	}
	mv[2 * n] = NULL;
	char *s = tmpl_render(t, lang, key, mv);
	for (const char *p = s; *p; p++) {
		if (p[0] == MARK_OPEN && p[1] >= 'A' && p[1] < (char)('A' + n) && p[2] == MARK_CLOSE) {
			const char *html = vars[2 * (p[1] - 'A') + 1];
			buf_adds(b, html ? html : "");
			p += 2;
			continue;
		}
		char c[2] = {*p, 0};
		site_esc(b, c);
	}
	free(s);
}

/* Plain text of a template (allocated). */
static char *
text(const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	return tmpl_render(t, lang, key, vars);
}

static void
esc_text(struct buf *b, const struct templates *t, const char *lang, const char *key)
{
	char *s = text(t, lang, key, NULL);
	site_esc(b, s);
	free(s);
}

/* <p>sentence</p> */
static void
para(struct buf *b, const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	buf_adds(b, "<p>");
	site_sentence(b, t, lang, key, vars);
	buf_adds(b, "</p>\n");
}

/* The date of t in lang: "Donnerstag, 10. Dezember 2026" (allocated, plain text). */
static char *
long_date(const struct templates *t, const char *lang, int64_t when)
{
	struct when_tm a;
	if (when_epoch_to_local(when, &a) != 0)
		return xstrdup("?");
	char wk[24], mk[24], day[8], year[8];
	snprintf(wk, sizeof wk, "site.weekday.%d", a.wday);
	snprintf(mk, sizeof mk, "site.month.%d", a.mon);
	snprintf(day, sizeof day, "%d", a.day);
	snprintf(year, sizeof year, "%d", a.year);
	char *w = text(t, lang, wk, NULL), *m = text(t, lang, mk, NULL);
	const char *vars[] = {"weekday", w, "day", day, "month", m, "year", year, NULL};
	char *r = text(t, lang, "site.event.date", vars);
	free(w);
	free(m);
	return r;
}

/* <time datetime="ISO">label</time> (allocated markup); label plain text. */
static char *
time_el(int64_t when, const char *label)
{
	char iso[32];
	site_iso(iso, when, 0);
	struct buf b = BUF_INIT;
	buf_addf(&b, "<time datetime=\"%s\">", iso);
	site_esc(&b, label);
	buf_adds(&b, "</time>");
	return buf_detach(&b);
}

/* An escaped link: <a href="url">label</a> (allocated markup). */
static char *
link_el(const char *url, const char *label)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "<a href=\"");
	site_esc(&b, url);
	buf_adds(&b, "\">");
	site_esc(&b, label);
	buf_adds(&b, "</a>");
	return buf_detach(&b);
}

/* <code>text</code> (allocated markup). */
static char *
code_el(const char *fmt_word, const char *rest)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "<code>");
	site_esc(&b, fmt_word);
	if (rest) {
		buf_addc(&b, ' ');
		site_esc(&b, rest);
	}
	buf_adds(&b, "</code>");
	return buf_detach(&b);
}

/* A mailto: link to the bot with the command as subject (allocated markup). */
static char *
mail_el(const char *addr, const char *command)
{
	struct buf u = BUF_INIT;
	buf_addf(&u, "mailto:%s?subject=", addr);
	for (const unsigned char *p = (const unsigned char *)command; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_')
			buf_addc(&u, (char)*p);
		else
			buf_addf(&u, "%%%02X", *p);
	}
	char *r = link_el(u.p, addr);
	buf_free(&u);
	return r;
}

static void
event_when(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang,
	   const struct site_event *e)
{
	struct when_tm s, en;
	when_epoch_to_local(e->start, &s);
	when_epoch_to_local(e->end, &en);
	char st[8], et[8];
	snprintf(st, sizeof st, "%02d:%02d", s.hour, s.min);
	snprintf(et, sizeof et, "%02d:%02d", en.hour, en.min);
	char *date = long_date(t, lang, e->start), *end_date = long_date(t, lang, e->end);
	char *sd = time_el(e->start, st), *ed = time_el(e->end, et);
	struct buf dd = BUF_INIT;
	site_esc(&dd, date);
	struct buf ee = BUF_INIT;
	site_esc(&ee, end_date);
	int same = s.year == en.year && s.mon == en.mon && s.day == en.day;
	const char *vars[] = {"date", dd.p, "start", sd, "end", ed, "end_date", ee.p, "tz", "Europe/Berlin", NULL};
	para(b, t, lang, same ? "site.event.when" : "site.event.when_days", vars);
	buf_free(&dd);
	buf_free(&ee);
	free(sd);
	free(ed);
	free(date);
	free(end_date);
}

/* How to answer: by mail to the bot, or in the chat when there is no mail. */
static void
event_rsvp(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang,
	   const struct site_event *e)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)e->id);
	char *yes = code_el(hctx_cmd_word_in(lang, "attend"), id);
	char *no = code_el(hctx_cmd_word_in(lang, "regret"), id);
	if (d->bot_addr) {
		char *subject = xasprintf("%s %s", hctx_cmd_word_in(lang, "attend"), id);
		char *addr = mail_el(d->bot_addr, subject);
		const char *vars[] = {"command", yes, "no", no, "address", addr, NULL};
		para(b, t, lang, "site.event.rsvp", vars);
		free(addr);
		free(subject);
	} else {
		const char *vars[] = {"command", yes, "no", no, NULL};
		para(b, t, lang, "site.event.rsvp_chat", vars);
	}
	free(yes);
	free(no);
}

static void
event_item(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang,
	   const struct site_event *e)
{
	buf_addf(b, "<li id=\"event-%lld\"><article>\n<h3>", (long long)e->id);
	site_esc(b, e->title);
	buf_adds(b, "</h3>\n");
	event_when(b, d, t, lang, e);
	if (e->place && *e->place) {
		struct buf p = BUF_INIT;
		site_esc(&p, e->place);
		const char *vars[] = {"place", p.p, NULL};
		para(b, t, lang, "site.event.place", vars);
		buf_free(&p);
	}
	if (site_url_ok(e->url)) {
		char *a = link_el(e->url, e->url);
		const char *vars[] = {"url", a, NULL};
		para(b, t, lang, "site.event.online", vars);
		free(a);
	}
	if (e->description && *e->description) {
		buf_adds(b, "<p class=\"desc\">");
		site_esc(b, e->description);
		buf_adds(b, "</p>\n");
	}
	if (e->cancelled) {
		buf_adds(b, "<p class=\"cancelled\"><strong>");
		esc_text(b, t, lang, "site.event.cancelled");
		buf_adds(b, "</strong></p>\n");
	} else {
		if (e->capacity > 0) {
			char n[16];
			snprintf(n, sizeof n, "%d", e->seats_left);
			const char *vars[] = {"seats", n, NULL};
			para(b, t, lang,
			     e->seats_left <= 0   ? "site.event.full"
			     : e->seats_left == 1 ? "site.event.seats.one"
						  : "site.event.seats",
			     vars);
		}
		event_rsvp(b, d, t, lang, e);
	}
	buf_adds(b, "</article></li>\n");
}

static void
offer_item(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang,
	   const struct site_offer *o)
{
	buf_addf(b, "<li id=\"offer-%lld\"><article>\n<h3>", (long long)o->id);
	site_esc(b, o->title);
	buf_adds(b, "</h3>\n");
	char *kk = xasprintf("offers.kind.%s", o->kind ? o->kind : "");
	char *kind = tmpl_has(t, lang, kk) ? text(t, lang, kk, NULL) : xstrdup(o->kind ? o->kind : "");
	struct buf kb = BUF_INIT, cb = BUF_INIT;
	site_esc(&kb, kind);
	site_esc(&cb, o->company);
	const char *hv[] = {"kind", kb.p, "company", cb.p, NULL};
	para(b, t, lang, "site.offer.head", hv);
	buf_free(&kb);
	buf_free(&cb);
	free(kind);
	free(kk);
	if (o->location && *o->location) {
		struct buf p = BUF_INIT;
		site_esc(&p, o->location);
		const char *vars[] = {"place", p.p, NULL};
		para(b, t, lang, "site.offer.place", vars);
		buf_free(&p);
	}
	if (o->deadline > 0) {
		char *ld = long_date(t, lang, o->deadline);
		char *te = time_el(o->deadline, ld);
		const char *vars[] = {"date", te, NULL};
		para(b, t, lang, "site.offer.deadline", vars);
		free(te);
		free(ld);
	}
	if (site_url_ok(o->link)) {
		char *a = link_el(o->link, o->link);
		const char *vars[] = {"link", a, NULL};
		para(b, t, lang, "site.offer.link", vars);
		free(a);
	}
	if (d->bot_addr) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)o->id);
		char *cmd = code_el(hctx_cmd_word_in(lang, "interested"), id);
		char *subject = xasprintf("%s %s", hctx_cmd_word_in(lang, "interested"), id);
		char *addr = mail_el(d->bot_addr, subject);
		const char *vars[] = {"command", cmd, "address", addr, NULL};
		para(b, t, lang, "site.offer.interested", vars);
		free(cmd);
		free(subject);
		free(addr);
	}
	buf_adds(b, "</article></li>\n");
}

static void
programme_item(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang,
	       const struct site_programme *p)
{
	buf_adds(b, "<li id=\"programme-");
	site_esc(b, p->slug);
	buf_adds(b, "\"><article>\n<h3>");
	site_esc(b, p->name);
	buf_adds(b, "</h3>\n");
	para(b, t, lang, p->approve ? "site.programme.approve" : "site.programme.open", NULL);
	if (p->until > 0) {
		char *ld = long_date(t, lang, p->until);
		char *te = time_el(p->until, ld);
		const char *vars[] = {"date", te, NULL};
		para(b, t, lang, "site.offer.deadline", vars);
		free(te);
		free(ld);
	}
	char *cmd = code_el(hctx_cmd_word_in(lang, "join"), p->slug);
	if (d->bot_addr) {
		char *subject = xasprintf("%s %s", hctx_cmd_word_in(lang, "join"), p->slug);
		char *addr = mail_el(d->bot_addr, subject);
		const char *vars[] = {"command", cmd, "address", addr, NULL};
		para(b, t, lang, "site.programme.join", vars);
		free(addr);
		free(subject);
	} else {
		const char *vars[] = {"command", cmd, NULL};
		para(b, t, lang, "site.programme.join_chat", vars);
	}
	free(cmd);
	buf_adds(b, "</article></li>\n");
}

static const char style[] =
	"body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;margin:0}"
	"header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}"
	"a{color:#0b4fa0}a:focus{outline:3px solid #b35c00;outline-offset:2px}"
	".skip{position:absolute;left:-999rem}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}"
	"ul.items{list-style:none;padding:0}ul.items>li{border-top:1px solid #767676;padding:.5rem 0}"
	"h3{margin:.25rem 0}p{margin:.25rem 0}code{background:#f0f0f0;padding:0 .2rem}"
	".cancelled{color:#8b0000}";

/* One <section> with a heading and a list (or the "none" sentence). */
static void
section_open(struct buf *b, const struct templates *t, const char *lang, const char *id, const char *key)
{
	buf_addf(b, "<section aria-labelledby=\"%s\">\n<h2 id=\"%s\">", id, id);
	esc_text(b, t, lang, key);
	buf_adds(b, "</h2>\n");
}

static void
page_head(struct buf *b, const struct templates *t, const char *lang)
{
	const char *other = strcmp(lang, "de") == 0 ? "en" : "de";
	buf_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", lang);
	buf_adds(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc_text(b, t, lang, "site.title");
	buf_addf(b, "</title>\n<link rel=\"alternate\" hreflang=\"%s\" href=\"index.%s.html\">\n", other, other);
	buf_addf(b, "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"atom.%s.xml\" title=\"", lang);
	esc_text(b, t, lang, "site.feed.atom");
	buf_adds(b, "\">\n<link rel=\"alternate\" type=\"text/calendar\" href=\"events.ics\" title=\"");
	esc_text(b, t, lang, "site.feed.ics");
	buf_addf(b, "\">\n<style>%s</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">", style);
	esc_text(b, t, lang, "site.skip");
	buf_adds(b, "</a>\n<header>\n<h1>");
	esc_text(b, t, lang, "site.title");
	buf_adds(b, "</h1>\n<p>");
	esc_text(b, t, lang, "site.intro");
	buf_adds(b, "</p>\n<nav aria-label=\"");
	esc_text(b, t, lang, "site.lang_nav");
	buf_addf(b, "\"><a href=\"index.%s.html\" hreflang=\"%s\" lang=\"%s\">", other, other, other);
	esc_text(b, t, lang, "site.other_lang");
	buf_adds(b, "</a></nav>\n</header>\n");
}

static void
page_foot(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang)
{
	buf_adds(b, "<footer>\n<h2>");
	esc_text(b, t, lang, "site.feeds");
	buf_adds(b, "</h2>\n<ul>\n<li><a href=\"events.ics\" type=\"text/calendar\">");
	esc_text(b, t, lang, "site.feed.ics");
	buf_addf(b, "</a></li>\n<li><a href=\"atom.%s.xml\" type=\"application/atom+xml\">", lang);
	esc_text(b, t, lang, "site.feed.atom");
	buf_adds(b, "</a></li>\n</ul>\n");
	char *ld = long_date(t, lang, d->now);
	char *te = time_el(d->now, ld);
	para(b, t, lang, "site.updated", (const char *const[]){"date", te, NULL});
	free(te);
	free(ld);
	buf_adds(b, "</footer>\n</body>\n</html>\n");
}

char *
site_page(const struct site_data *d, const struct templates *t, const char *lang)
{
	struct buf b = BUF_INIT;
	page_head(&b, t, lang);
	buf_adds(&b, "<main id=\"main\">\n");
	section_open(&b, t, lang, "events", "site.events");
	if (d->nevents) {
		buf_adds(&b, "<ul class=\"items\">\n");
		for (size_t i = 0; i < d->nevents; i++)
			event_item(&b, d, t, lang, &d->events[i]);
		buf_adds(&b, "</ul>\n");
	} else {
		para(&b, t, lang, "site.events.none", NULL);
	}
	buf_adds(&b, "</section>\n");
	section_open(&b, t, lang, "offers", "site.offers");
	if (d->noffers) {
		buf_adds(&b, "<ul class=\"items\">\n");
		for (size_t i = 0; i < d->noffers; i++)
			offer_item(&b, d, t, lang, &d->offers[i]);
		buf_adds(&b, "</ul>\n");
	} else {
		para(&b, t, lang, "site.offers.none", NULL);
	}
	buf_adds(&b, "</section>\n");
	section_open(&b, t, lang, "programmes", "site.programmes");
	if (d->nprogrammes) {
		buf_adds(&b, "<ul class=\"items\">\n");
		for (size_t i = 0; i < d->nprogrammes; i++)
			programme_item(&b, d, t, lang, &d->programmes[i]);
		buf_adds(&b, "</ul>\n");
	} else {
		para(&b, t, lang, "site.programmes.none", NULL);
	}
	buf_adds(&b, "</section>\n</main>\n");
	page_foot(&b, d, t, lang);
	return buf_detach(&b);
}
