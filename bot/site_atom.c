/*
 * site_atom.c - the Atom feed (RFC 4287) of the public page, one per
 * language (site.h): the feed's id, title, updated, author and its self
 * and alternate links; one entry per public event, open offer and
 * programme taking applications, each with a stable tag: URI (RFC 4151)
 * as id, a title, updated, a link to the item on the page and a plain
 * text summary.
 *
 * The links are absolute when [site] url is set and otherwise relative to
 * the feed (which RFC 4287 allows: they resolve against the feed's own
 * address, beside which the page lies).  updated is the newest item's
 * time, so a feed only changes when an item did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"

/* "tag:DOMAIN,YYYY-MM-DD:what" of an item created at t. */
static void
tag_uri(struct buf *b, const struct site_data *d, int64_t created, const char *what)
{
	char iso[32];
	site_iso(iso, created > 0 ? created : 0, 1);
	iso[10] = '\0';
	buf_adds(b, "tag:");
	site_esc(b, d->domain && *d->domain ? d->domain : "mentorbot.invalid");
	buf_addf(b, ",%s:", iso);
	site_esc(b, what);
}

/* href="BASE/name" */
static void
href(struct buf *b, const struct site_data *d, const char *name)
{
	buf_adds(b, "href=\"");
	if (d->base_url && *d->base_url) {
		site_esc(b, d->base_url);
		if (d->base_url[strlen(d->base_url) - 1] != '/')
			buf_addc(b, '/');
	}
	site_esc(b, name);
	buf_addc(b, '"');
}

static void
text_el(struct buf *b, const char *el, const char *s)
{
	buf_addf(b, "<%s type=\"text\">", el);
	site_esc(b, s);
	buf_addf(b, "</%s>\n", el);
}

static void
time_el(struct buf *b, const char *el, int64_t t)
{
	char iso[32];
	site_iso(iso, t, 1);
	buf_addf(b, "<%s>%s</%s>\n", el, iso, el);
}

static void
entry(struct buf *b, const struct site_data *d, const char *lang, const char *what, int64_t created, int64_t updated,
      const char *title, const char *summary)
{
	buf_adds(b, "<entry>\n<id>");
	tag_uri(b, d, created, what);
	buf_adds(b, "</id>\n");
	text_el(b, "title", title);
	time_el(b, "updated", updated > 0 ? updated : created);
	if (created > 0)
		time_el(b, "published", created);
	char *page = xasprintf("index.%s.html#%s", lang, what);
	buf_adds(b, "<link rel=\"alternate\" type=\"text/html\" ");
	href(b, d, page);
	buf_adds(b, "/>\n");
	free(page);
	if (summary && *summary)
		text_el(b, "summary", summary);
	buf_adds(b, "</entry>\n");
}

/* "Thursday, 10 December 2026, 18:00–20:00 (Europe/Berlin) · Place" (allocated). */
static char *
event_summary(const struct templates *t, const char *lang, const struct site_event *e)
{
	struct when_tm s, en;
	when_epoch_to_local(e->start, &s);
	when_epoch_to_local(e->end, &en);
	char wk[24], mk[24], day[8], year[8], st[8], et[8];
	snprintf(wk, sizeof wk, "site.weekday.%d", s.wday);
	snprintf(mk, sizeof mk, "site.month.%d", s.mon);
	snprintf(day, sizeof day, "%d", s.day);
	snprintf(year, sizeof year, "%d", s.year);
	snprintf(st, sizeof st, "%02d:%02d", s.hour, s.min);
	snprintf(et, sizeof et, "%02d:%02d", en.hour, en.min);
	char *w = tmpl_render(t, lang, wk, NULL), *m = tmpl_render(t, lang, mk, NULL);
	const char *dv[] = {"weekday", w, "day", day, "month", m, "year", year, NULL};
	char *date = tmpl_render(t, lang, "site.event.date", dv);
	const char *vars[] = {"date", date, "start", st, "end", et, "end_date", "", "tz", "Europe/Berlin", NULL};
	char *when = tmpl_render(t, lang, "site.event.when", vars);
	struct buf b = BUF_INIT;
	buf_adds(&b, when);
	if (e->place && *e->place)
		buf_addf(&b, " · %s", e->place);
	if (e->cancelled) {
		char *c = tmpl_render(t, lang, "site.event.cancelled", NULL);
		buf_addf(&b, " · %s", c);
		free(c);
	}
	if (e->description && *e->description)
		buf_addf(&b, "\n\n%s", e->description);
	free(when);
	free(date);
	free(w);
	free(m);
	return buf_detach(&b);
}

static void
event_entries(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang)
{
	for (size_t i = 0; i < d->nevents; i++) {
		const struct site_event *e = &d->events[i];
		char what[40];
		snprintf(what, sizeof what, "event-%lld", (long long)e->id);
		const char *tv[] = {"title", e->title, NULL};
		char *title = tmpl_render(t, lang, "site.atom.event", tv);
		char *sum = event_summary(t, lang, e);
		entry(b, d, lang, what, e->created, e->updated, title, sum);
		free(sum);
		free(title);
	}
}

static void
offer_entries(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang)
{
	for (size_t i = 0; i < d->noffers; i++) {
		const struct site_offer *o = &d->offers[i];
		char what[40];
		snprintf(what, sizeof what, "offer-%lld", (long long)o->id);
		char *kk = xasprintf("offers.kind.%s", o->kind ? o->kind : "");
		char *kind = tmpl_has(t, lang, kk) ? tmpl_render(t, lang, kk, NULL) : xstrdup(o->kind ? o->kind : "");
		const char *tv[] = {"kind", kind, "title", o->title, "company", o->company, NULL};
		char *title = tmpl_render(t, lang, "site.atom.offer", tv);
		char *sum = NULL;
		if (o->location && *o->location) {
			const char *pv[] = {"place", o->location, NULL};
			sum = tmpl_render(t, lang, "site.offer.place", pv);
		}
		entry(b, d, lang, what, o->created, o->updated, title, sum);
		free(sum);
		free(title);
		free(kind);
		free(kk);
	}
}

static void
programme_entries(struct buf *b, const struct site_data *d, const struct templates *t, const char *lang)
{
	for (size_t i = 0; i < d->nprogrammes; i++) {
		const struct site_programme *p = &d->programmes[i];
		char *what = xasprintf("programme-%s", p->slug);
		const char *tv[] = {"name", p->name, NULL};
		char *title = tmpl_render(t, lang, "site.atom.programme", tv);
		char *sum = tmpl_render(t, lang, p->approve ? "site.programme.approve" : "site.programme.open", NULL);
		entry(b, d, lang, what, p->created, p->created, title, sum);
		free(sum);
		free(title);
		free(what);
	}
}

/* The newest time of any item, or d->now when there is none. */
static int64_t
newest(const struct site_data *d)
{
	int64_t m = 0;
	for (size_t i = 0; i < d->nevents; i++)
		m = d->events[i].updated > m ? d->events[i].updated : m;
	for (size_t i = 0; i < d->noffers; i++)
		m = d->offers[i].updated > m ? d->offers[i].updated : m;
	for (size_t i = 0; i < d->nprogrammes; i++)
		m = d->programmes[i].created > m ? d->programmes[i].created : m;
	return m > 0 ? m : d->now;
}

char *
site_atom(const struct site_data *d, const struct templates *t, const char *lang)
{
	struct buf b = BUF_INIT;
	buf_addf(&b,
		 "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
		 "xml:lang=\"%s\">\n<id>",
		 lang);
	char *what = xasprintf("site-%s", lang);
	tag_uri(&b, d, 1767225600 /* 2026-01-01: the feed's id never changes */, what);
	free(what);
	buf_adds(&b, "</id>\n");
	char *title = tmpl_render(t, lang, "site.title", NULL);
	char *intro = tmpl_render(t, lang, "site.intro", NULL);
	text_el(&b, "title", title);
	text_el(&b, "subtitle", intro);
	time_el(&b, "updated", newest(d));
	buf_adds(&b, "<author><name>");
	site_esc(&b, title);
	buf_adds(&b, "</name></author>\n");
	char *self = xasprintf("atom.%s.xml", lang), *page = xasprintf("index.%s.html", lang);
	buf_adds(&b, "<link rel=\"self\" type=\"application/atom+xml\" ");
	href(&b, d, self);
	buf_addf(&b, "/>\n<link rel=\"alternate\" type=\"text/html\" hreflang=\"%s\" ", lang);
	href(&b, d, page);
	buf_adds(&b, "/>\n");
	free(self);
	free(page);
	free(title);
	free(intro);
	event_entries(&b, d, t, lang);
	offer_entries(&b, d, t, lang);
	programme_entries(&b, d, t, lang);
	buf_adds(&b, "</feed>\n");
	return buf_detach(&b);
}
