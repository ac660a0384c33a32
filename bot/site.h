/*
 * site.h - the public page ("mentorbot site", [site] dir): a static,
 * accessible HTML page per language with the public events (and how to
 * answer by mail), the approved open offers and the programmes that take
 * applications, the iCalendar feed of the public events (the same as
 * "mentorbot feed") and an Atom feed (RFC 4287) per language.
 *
 * Files written to DIR:
 *   index.de.html index.en.html  the page in German / English (each links the other)
 *   index.html                   the page in [bot] language (what a web server serves for DIR/)
 *   atom.de.xml atom.en.xml      the Atom feeds
 *   events.ics                   the iCalendar feed (METHOD:PUBLISH)
 *
 * site_render() is pure (no database, no files): it turns a struct site_data
 * into the HTML and Atom files, so it is unit-tested on its own.  Every
 * sentence comes from templates/LANG/site.txt; every value is escaped.
 * site_gather() reads the items from the database, site_write() writes the
 * files atomically (a temporary file per file, then rename; mode 0644), and
 * site_tick() is the daemon's: it regenerates [site] dir when what the
 * files show changed (it builds them at most every SITE_CHECK_S seconds and
 * compares a hash).
 */
#ifndef MB_SITE_H
#define MB_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "bot/templates.h"

struct config;
struct db;
struct templates;

struct site_event {
	int64_t id;
	const char *title;
	const char *place;       /* or NULL */
	const char *url;         /* online link, or NULL */
	const char *description; /* or NULL */
	int64_t start, end, created, updated;
	int cancelled;
	int capacity;   /* 0: unlimited */
	int seats_left; /* capacity minus the seats taken (when capacity > 0) */
};

struct site_offer {
	int64_t id;
	const char *kind; /* internship, job, thesis, working_student, project */
	const char *title, *company;
	const char *location; /* or NULL */
	const char *link;     /* or NULL */
	int64_t deadline;     /* 0: none */
	int64_t created, updated;
};

struct site_programme {
	const char *slug, *name;
	int approve;   /* policy "approve": staff decide on each application */
	int64_t until; /* the call's deadline, 0: none */
	int64_t created;
};

struct site_data {
	const struct site_event *events; /* upcoming public events, by start */
	size_t nevents;
	const struct site_offer *offers; /* approved, not expired */
	size_t noffers;
	const struct site_programme *programmes;
	size_t nprogrammes;
	const char *bot_addr; /* where to write (the [smtp] from address), or NULL: chat only */
	const char *domain;   /* for the Atom tag: URIs */
	const char *base_url; /* [site] url ("https://…/", absolute links in the feeds), or NULL */
	const char *lang;     /* [bot] language: the page index.html holds */
	int64_t now;          /* the feeds' updated when there is no item */
};

struct site_file {
	char *name; /* "index.de.html" … */
	char *data;
	size_t len;
};
void site_files_free(struct site_file *v, size_t n);

/* The HTML pages and the Atom feeds of d (files as above, without events.ics).  *out: the caller
 * frees with site_files_free.  Returns the number of files. */
size_t site_render(const struct site_data *d, const struct templates *t, struct site_file **out);

/* One page / one feed in lang (allocated). */
char *site_page(const struct site_data *d, const struct templates *t, const char *lang);
char *site_atom(const struct site_data *d, const struct templates *t, const char *lang);

/* Helpers the page and the feed share (site_html.c). */
struct buf;
void site_esc(struct buf *b, const char *s);     /* text or attribute value: & < > " ' escaped */
int site_url_ok(const char *url);                /* http(s):// and no blanks: may become an href */
void site_iso(char out[32], int64_t t, int utc); /* RFC 3339 (Europe/Berlin offset, or Z) */
/* Render key in lang as HTML: the template text escaped, each {{name}} replaced by the given
 * markup (vars: name, html, …, NULL). */
void site_sentence(struct buf *b, const struct templates *t, const char *lang, const char *key,
		   const char *const *vars);

/* Everything for the site, read from db (at now): files (with events.ics), *n of them.
 * Returns 0, or -1 on a database or calendar error (logged). */
int site_build(struct db *db, const struct config *cfg, const struct templates *t, int64_t now, struct site_file **out,
	       size_t *n);
/* The public iCalendar feed (what "mentorbot feed" prints), in lang's calendar name.  0, or a
 * negative ical_err / -100 on a database error; *cal is allocated. */
int site_ical_feed(struct db *db, const struct templates *t, const char *lang, char **cal);
/* Write the files into dir (created when missing) atomically.  0, or -1 with errno set. */
int site_write(const char *dir, const struct site_file *v, size_t n);

/* The daemon: regenerate cfg's [site] dir when what it shows changed since the last write
 * (and the first time).  The files are built in memory at most every SITE_CHECK_S seconds
 * and written only when their hash differs. */
#define SITE_CHECK_S 10
struct site_watch {
	char *fingerprint; /* of the last written state, or NULL */
	char *dir;         /* where it was written */
	int64_t checked;   /* when the files were last built */
	int failed;        /* the last write failed (logged once) */
};
void site_tick(struct site_watch *w, struct db *db, const struct config *cfg, const struct templates *t);
void site_watch_free(struct site_watch *w);

/* mentorbot site -c FILE [--out DIR]   (bot/cli_site.c) */
int cli_site(const char *conf, int argc, char **argv);
/* The template keys of the page and of "mentorbot site" (bot/site.c). */
extern const struct tmpl_key tmpl_keys_site[];

#endif
