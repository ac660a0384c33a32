/*
 * site.c - the public page's data and files (site.h): what site_render()
 * makes of a struct site_data, reading that data from the database
 * (site_build), the iCalendar feed "mentorbot feed" prints too
 * (site_ical_feed), writing the files atomically (site_write) and the
 * daemon's regeneration when anything on the page changed (site_tick).
 *
 * What is on the page: the public events (Public: yes) that are announced
 * or cancelled and not yet over, with the seats left when there is a
 * capacity; the approved offers before their deadline; every programme with an open call,
 * ("programme <slug> call"), with its deadline; each takes applications by "join <slug>" (policy open: at once,
 * approve: staff decide).
 *
 * site_tick() builds the files in memory (at most every SITE_CHECK_S
 * seconds) and compares a hash of them with the last written one: every
 * change shows (a new event, an answer that takes a seat, an offer that
 * expires at midnight), and nothing is written when nothing changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/ical.h"
#include "bot/logkv.h"
#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "state/calls.h"
#include "state/events.h"
#include "state/offers.h"
#include "state/state.h"

#define SITE_DB_ERR (-100)

const struct tmpl_key tmpl_keys_site[] = {
	{"site.title", ""},
	{"site.intro", ""},
	{"site.skip", ""},
	{"site.lang_nav", ""},
	{"site.other_lang", ""},
	{"site.events", ""},
	{"site.events.none", ""},
	{"site.event.when", "date,start,end,end_date,tz"},
	{"site.event.when_days", "date,start,end,end_date,tz"},
	{"site.event.date", "weekday,day,month,year"},
	{"site.event.place", "place"},
	{"site.event.online", "url"},
	{"site.event.cancelled", ""},
	{"site.event.seats", "seats"},
	{"site.event.seats.one", "seats"},
	{"site.event.full", "seats"},
	{"site.event.rsvp", "command,no,address"},
	{"site.event.rsvp_chat", "command,no"},
	{"site.offers", ""},
	{"site.offers.none", ""},
	{"site.offer.head", "kind,company"},
	{"site.offer.place", "place"},
	{"site.offer.deadline", "date"},
	{"site.offer.link", "link"},
	{"site.offer.interested", "command,address"},
	{"site.programmes", ""},
	{"site.programmes.none", ""},
	{"site.programme.open", ""},
	{"site.programme.approve", ""},
	{"site.programme.join", "command,address"},
	{"site.programme.join_chat", "command"},
	{"site.feeds", ""},
	{"site.feed.ics", ""},
	{"site.feed.atom", ""},
	{"site.updated", "date"},
	{"site.month.1", ""},
	{"site.month.2", ""},
	{"site.month.3", ""},
	{"site.month.4", ""},
	{"site.month.5", ""},
	{"site.month.6", ""},
	{"site.month.7", ""},
	{"site.month.8", ""},
	{"site.month.9", ""},
	{"site.month.10", ""},
	{"site.month.11", ""},
	{"site.month.12", ""},
	{"site.weekday.0", ""},
	{"site.weekday.1", ""},
	{"site.weekday.2", ""},
	{"site.weekday.3", ""},
	{"site.weekday.4", ""},
	{"site.weekday.5", ""},
	{"site.weekday.6", ""},
	{"site.atom.event", "title"},
	{"site.atom.offer", "kind,title,company"},
	{"site.atom.programme", "name"},
	{"cli.site.usage", ""},
	{"cli.site.wrote", "n,dir"},
	{"cli.site.failed", "dir,error"},
	{NULL, NULL},
};

void
site_files_free(struct site_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].data);
	}
	free(v);
}

static void
add_file(struct site_file *v, size_t *n, const char *name, char *data)
{
	v[*n].name = xstrdup(name);
	v[*n].data = data;
	v[*n].len = strlen(data);
	(*n)++;
}

size_t
site_render(const struct site_data *d, const struct templates *t, struct site_file **out)
{
	static const char *const langs[] = {"de", "en"};
	struct site_file *v = xcalloc(8, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_LEN(langs); i++) {
		char name[32];
		snprintf(name, sizeof name, "index.%s.html", langs[i]);
		add_file(v, &n, name, site_page(d, t, langs[i]));
		snprintf(name, sizeof name, "atom.%s.xml", langs[i]);
		add_file(v, &n, name, site_atom(d, t, langs[i]));
	}
	const char *def = d->lang && strcmp(d->lang, "en") == 0 ? "en" : "de";
	add_file(v, &n, "index.html", site_page(d, t, def));
	*out = v;
	return n;
}

int
site_ical_feed(struct db *db, const struct templates *t, const char *lang, char **cal)
{
	struct event *v;
	size_t n;
	*cal = NULL;
	if (state_events(db, EVENT_LIST_FEED, now_s(), &v, &n) != DB_OK)
		return SITE_DB_ERR;
	struct ical_event *ie = xcalloc(n + 1, sizeof *ie);
	for (size_t i = 0; i < n; i++) {
		ie[i].uid = v[i].uid;
		ie[i].sequence = v[i].sequence;
		ie[i].dtstamp = v[i].updated;
		ie[i].start = v[i].start;
		ie[i].end = v[i].end;
		ie[i].summary = v[i].title;
		ie[i].location = v[i].place;
		ie[i].url = v[i].url;
		ie[i].description = v[i].description;
		ie[i].cancelled = strcmp(v[i].status, "cancelled") == 0;
	}
	char *name = tmpl_render(t, lang, "event.feed.name", NULL);
	int rc = ical_publish_feed(ie, n, name, cal);
	free(name);
	free(ie);
	events_free(v, n);
	return rc;
}

/* What the page shows, read from db; freed by gathered_free. */
struct gathered {
	struct event *ev;
	size_t nev;
	struct site_event *sev;
	size_t nsev;
	struct offer *of;
	size_t nof;
	struct site_offer *sof;
	struct programme *pr;
	size_t npr;
	struct site_programme *spr;
	size_t nspr;
	struct programme_call *calls;
	size_t ncalls;
};

static void
gathered_free(struct gathered *g)
{
	events_free(g->ev, g->nev);
	offers_free(g->of, g->nof);
	programmes_free(g->pr, g->npr);
	programme_calls_free(g->calls, g->ncalls);
	free(g->sev);
	free(g->sof);
	free(g->spr);
	memset(g, 0, sizeof *g);
}

static int
gather_events(struct db *db, int64_t now, struct gathered *g)
{
	if (state_events(db, EVENT_LIST_FEED, now, &g->ev, &g->nev) != DB_OK)
		return -1;
	g->sev = xcalloc(g->nev + 1, sizeof *g->sev);
	for (size_t i = 0; i < g->nev; i++) {
		const struct event *e = &g->ev[i];
		if (e->end <= now)
			continue;
		struct site_event *s = &g->sev[g->nsev++];
		s->id = e->id;
		s->title = e->title;
		s->place = e->place;
		s->url = e->url;
		s->description = e->description;
		s->start = e->start;
		s->end = e->end;
		s->created = e->created;
		s->updated = e->updated;
		s->cancelled = strcmp(e->status, "cancelled") == 0;
		s->capacity = e->capacity;
		if (e->capacity > 0) {
			struct rsvp_counts c;
			if (state_rsvp_counts(db, e->id, &c) != DB_OK)
				return -1;
			s->seats_left = e->capacity - c.seats;
		}
	}
	return 0;
}

static int
gather(struct db *db, int64_t now, struct gathered *g)
{
	memset(g, 0, sizeof *g);
	if (gather_events(db, now, g) != 0)
		return -1;
	if (state_company_offers_open(db, now, &g->of, &g->nof) != DB_OK)
		return -1;
	g->sof = xcalloc(g->nof + 1, sizeof *g->sof);
	for (size_t i = 0; i < g->nof; i++) {
		const struct offer *o = &g->of[i];
		struct site_offer *s = &g->sof[i];
		s->id = o->id;
		s->kind = o->kind;
		s->title = o->title;
		s->company = o->company;
		s->location = o->location;
		s->link = o->link;
		s->deadline = o->deadline;
		s->created = o->created;
		s->updated = o->decided > o->created ? o->decided : o->created;
	}
	/* the programmes with an open call ("programme <slug> call"), with its deadline */
	if (state_programmes(db, &g->pr, &g->npr) != DB_OK || state_calls_open(db, now, &g->calls, &g->ncalls) != DB_OK)
		return -1;
	g->spr = xcalloc(g->ncalls + 1, sizeof *g->spr);
	for (size_t k = 0; k < g->ncalls; k++)
		for (size_t i = 0; i < g->npr; i++) {
			if (g->pr[i].id != g->calls[k].programme_id)
				continue;
			struct site_programme *s = &g->spr[g->nspr++];
			s->slug = g->pr[i].slug;
			s->name = g->pr[i].name;
			s->approve = g->pr[i].policy && strcmp(g->pr[i].policy, "approve") == 0;
			s->until = g->calls[k].until;
			s->created = g->calls[k].opened;
		}
	return 0;
}

int
site_build(struct db *db, const struct config *cfg, const struct templates *t, int64_t now, struct site_file **out,
	   size_t *n)
{
	struct gathered g;
	*out = NULL;
	*n = 0;
	if (gather(db, now, &g) != 0) {
		gathered_free(&g);
		log_err("site: cannot read the events, offers and programmes");
		return -1;
	}
	const char *addr = cfg->smtp.present ? cfg->smtp.from_addr : NULL;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	struct site_data d = {
		.events = g.sev,
		.nevents = g.nsev,
		.offers = g.sof,
		.noffers = g.nof,
		.programmes = g.spr,
		.nprogrammes = g.nspr,
		.bot_addr = addr,
		.domain = at ? at + 1 : "mentorbot.invalid",
		.base_url = cfg->site.url,
		.lang = cfg->bot.language,
		.now = now,
	};
	struct site_file *v;
	size_t k = site_render(&d, t, &v);
	gathered_free(&g);
	char *cal = NULL;
	int rc = site_ical_feed(db, t, d.lang && strcmp(d.lang, "en") == 0 ? "en" : "de", &cal);
	if (rc != 0) {
		log_err("site: cannot build the iCalendar feed: %s",
			rc == SITE_DB_ERR ? "database error" : ical_strerror(rc));
		site_files_free(v, k);
		return -1;
	}
	add_file(v, &k, "events.ics", cal);
	*out = v;
	*n = k;
	return 0;
}

/* Write one file as dir/.name.tmp, then rename it over dir/name. */
static int
write_one(const char *dir, const struct site_file *f)
{
	char *tmp = xasprintf("%s/.%s.tmp", dir, f->name), *dst = xasprintf("%s/%s", dir, f->name);
	int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t off = 0;
		while (off < f->len) {
			ssize_t w = write(fd, f->data + off, f->len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		/* the process umask (077) must not keep the web server out */
		int ok = off == f->len && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
		int saved = errno;
		if (close(fd) != 0 && ok)
			saved = errno, ok = 0;
		if (ok && rename(tmp, dst) == 0)
			rc = 0;
		else
			errno = saved ? saved : errno;
		if (rc != 0) {
			saved = errno;
			unlink(tmp);
			errno = saved;
		}
	}
	free(tmp);
	free(dst);
	return rc;
}

int
site_write(const char *dir, const struct site_file *v, size_t n)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0755) != 0 || chmod(dir, 0755) != 0)
			return -1;
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (write_one(dir, &v[i]) != 0)
			return -1;
	return 0;
}

/* FNV-1a over the names and contents, as hex (allocated). */
static char *
fingerprint(const struct site_file *v, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		for (const char *p = v[i].name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		for (size_t k = 0; k < v[i].len; k++)
			h = (h ^ (unsigned char)v[i].data[k]) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return xasprintf("%016llx", (unsigned long long)h);
}

void
site_tick(struct site_watch *w, struct db *db, const struct config *cfg, const struct templates *t)
{
	const char *dir = cfg->site.dir;
	if (!dir || !*dir)
		return;
	int64_t now = now_s();
	int moved = !w->dir || strcmp(w->dir, dir) != 0;
	if (!moved && now >= w->checked && now - w->checked < SITE_CHECK_S)
		return;
	w->checked = now;
	if (moved) { /* a new [site] dir (SIGHUP): write it whole */
		free(w->dir);
		free(w->fingerprint);
		w->dir = xstrdup(dir);
		w->fingerprint = NULL;
		w->failed = 0;
	}
	struct site_file *v;
	size_t n;
	if (site_build(db, cfg, t, now, &v, &n) != 0)
		return;
	char *fp = fingerprint(v, n);
	if (!w->fingerprint || strcmp(w->fingerprint, fp) != 0) {
		if (site_write(dir, v, n) == 0) {
			free(w->fingerprint);
			w->fingerprint = fp;
			fp = NULL;
			w->failed = 0;
			log_info("event=site_written files=%zu", n);
		} else if (!w->failed) {
			const char *err = strerror(errno);
			w->failed = 1;
			log_err("event=site_write_failed dir=%s error=%s", LOG_KV(dir), LOG_KV(err));
		}
	}
	free(fp);
	site_files_free(v, n);
}

void
site_watch_free(struct site_watch *w)
{
	free(w->fingerprint);
	free(w->dir);
	memset(w, 0, sizeof *w);
}
