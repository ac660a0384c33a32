/*
 * test_site.c - the public page and its Atom feed (bot/site.h) rendered from
 * items without a database: everything escaped (a <script> in a title stays
 * text), both languages with their lang attribute and links to each other,
 * the accessible skeleton (skip link, main, headings, <time datetime>), the
 * RSVP and join instructions by mail, the "nothing yet" sentences, the Atom
 * feed's required elements (RFC 4287), and the atomic write with mode 0644.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/site.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "t.h"

static struct templates *tmpl;

/* Sunday 2026-12-20 10:00 and 12:00 Europe/Berlin (UTC+1) */
#define T_START 1797757200
#define T_END (T_START + 7200)

static const struct site_event events[] = {
	{.id = 7,
	 .title = "Open day <script>alert(1)</script> & \"friends\"",
	 .place = "Campus <b>Nord</b>",
	 .url = "javascript:alert(1)",
	 .description = "Bring <i>questions</i>",
	 .start = T_START,
	 .end = T_END,
	 .created = 1764547200,
	 .updated = 1764633600,
	 .capacity = 20,
	 .seats_left = 1},
	{.id = 8,
	 .title = "Talk",
	 .start = T_START + 86400,
	 .end = T_END + 86400,
	 .created = 1764547200,
	 .updated = 1764547200,
	 .cancelled = 1},
};
static const struct site_offer offers[] = {
	{.id = 3,
	 .kind = "internship",
	 .title = "Data <internship>",
	 .company = "ACME & Co",
	 .location = "Berlin",
	 .link = "https://acme.example/jobs?a=1&b=2",
	 .deadline = T_START,
	 .created = 1764547200,
	 .updated = 1764720000},
};
static const struct site_programme progs[] = {
	{.slug = "mentoring", .name = "Mentoring", .approve = 0, .created = 1764000000},
	{.slug = "stipend", .name = "Stipend", .approve = 1, .created = 1764000000},
};

static struct site_data
full(void)
{
	struct site_data d = {events,
			      2,
			      offers,
			      1,
			      progs,
			      2,
			      "bot@uni.example",
			      "uni.example",
			      "https://uni.example/mentoring/",
			      "de",
			      1764800000};
	return d;
}

static void
page_escapes_everything(void)
{
	struct site_data d = full();
	for (int l = 0; l < 2; l++) {
		char *p = site_page(&d, tmpl, l ? "en" : "de");
		CHECK(strstr(p, "<script") == NULL);
		CHECK(strstr(p, "Open day &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;") != NULL);
		CHECK(strstr(p, "Campus &lt;b&gt;Nord&lt;/b&gt;") != NULL);
		CHECK(strstr(p, "Bring &lt;i&gt;questions&lt;/i&gt;") != NULL);
		CHECK(strstr(p, "javascript:") == NULL); /* no href but http(s) */
		CHECK(strstr(p, "href=\"https://acme.example/jobs?a=1&amp;b=2\"") != NULL);
		CHECK(strstr(p, "Data &lt;internship&gt;") != NULL);
		CHECK(strstr(p, "ACME &amp; Co") != NULL);
		free(p);
	}
}

static void
page_in_both_languages(void)
{
	struct site_data d = full();
	char *de = site_page(&d, tmpl, "de"), *en = site_page(&d, tmpl, "en");
	CHECK(strncmp(de, "<!DOCTYPE html>\n<html lang=\"de\">", 32) == 0);
	CHECK(strncmp(en, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	CHECK(strstr(de, "<a href=\"index.en.html\" hreflang=\"en\" lang=\"en\">English</a>") != NULL);
	CHECK(strstr(en, "<a href=\"index.de.html\" hreflang=\"de\" lang=\"de\">Deutsch</a>") != NULL);
	CHECK(strstr(de, "Sonntag, 20. Dezember 2026") != NULL);
	CHECK(strstr(en, "Sunday, 20 December 2026") != NULL);
	CHECK(strstr(de, "<time datetime=\"2026-12-20T10:00:00+01:00\">10:00</time>–"
			 "<time datetime=\"2026-12-20T12:00:00+01:00\">12:00</time> Uhr") != NULL);
	/* answering by mail, with the command words of each language */
	CHECK(strstr(de, "<code>zusage 7</code>") != NULL);
	CHECK(strstr(de, "<a href=\"mailto:bot@uni.example?subject=zusage%207\">bot@uni.example</a>") != NULL);
	CHECK(strstr(en, "<code>attend 7</code>") != NULL);
	CHECK(strstr(en, "<code>regret 7</code>") != NULL);
	CHECK(strstr(en, "1 place left.") != NULL);
	CHECK(strstr(de, "Noch 1 Platz frei.") != NULL);
	CHECK(strstr(en, "Cancelled.") != NULL);
	CHECK(strstr(en, "<code>attend 8</code>") == NULL); /* no answers to a cancelled event */
	CHECK(strstr(en, "<code>join stipend</code>") != NULL);
	CHECK(strstr(de, "<code>beitreten mentoring</code>") != NULL);
	CHECK(strstr(en, "With selection") != NULL);
	CHECK(strstr(en, "<code>interested 3</code>") != NULL);
	CHECK(strstr(en, "Internship at ACME &amp; Co") != NULL);
	/* the skeleton */
	for (int l = 0; l < 2; l++) {
		const char *p = l ? en : de;
		CHECK(strstr(p, "<a class=\"skip\" href=\"#main\">") != NULL);
		CHECK(strstr(p, "<main id=\"main\">") != NULL);
		CHECK(strstr(p, "<h1>") != NULL);
		CHECK(strstr(p, "<section aria-labelledby=\"events\">\n<h2 id=\"events\">") != NULL);
		CHECK(strstr(p, "<li id=\"event-7\"><article>") != NULL);
		CHECK(strstr(p, "<script") == NULL);
		CHECK(strstr(p, "</html>\n") != NULL);
	}
	free(de);
	free(en);
}

static void
page_without_items(void)
{
	struct site_data d = {.domain = "uni.example", .lang = "en", .now = 1764800000};
	char *de = site_page(&d, tmpl, "de"), *en = site_page(&d, tmpl, "en");
	CHECK(strstr(de, "Zurzeit sind keine öffentlichen Veranstaltungen angekündigt.") != NULL);
	CHECK(strstr(de, "Zurzeit gibt es keine offenen Angebote.") != NULL);
	CHECK(strstr(en, "No public events are announced at the moment.") != NULL);
	CHECK(strstr(en, "There are no open offers at the moment.") != NULL);
	CHECK(strstr(en, "No programme is open for applications at the moment.") != NULL);
	CHECK(strstr(en, "<ul class=\"items\">") == NULL);
	free(de);
	free(en);
	/* no mail: answers in the chat */
	struct site_data c = full();
	c.bot_addr = NULL;
	char *p = site_page(&c, tmpl, "en");
	CHECK(strstr(p, "mailto:") == NULL);
	CHECK(strstr(p, "to the bot in the chat") != NULL);
	free(p);
}

static void
atom_has_required_elements(void)
{
	struct site_data d = full();
	char *a = site_atom(&d, tmpl, "en");
	CHECK(strncmp(a,
		      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
		      "xml:lang=\"en\">",
		      80) == 0);
	CHECK(strstr(a, "<id>tag:uni.example,2026-01-01:site-en</id>") != NULL);
	CHECK(strstr(a, "<title type=\"text\">Mentoring: events, offers and programmes</title>") != NULL);
	CHECK(strstr(a, "<updated>2025-12-03T00:00:00Z</updated>") != NULL); /* the newest item */
	CHECK(strstr(a, "<author><name>") != NULL);
	CHECK(strstr(a, "<link rel=\"self\" type=\"application/atom+xml\" "
			"href=\"https://uni.example/mentoring/atom.en.xml\"/>") != NULL);
	CHECK(strstr(a, "<entry>\n<id>tag:uni.example,2025-12-01:event-7</id>") != NULL);
	CHECK(strstr(a, "<title type=\"text\">Event: Open day &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
			"&quot;friends&quot;</title>") != NULL);
	CHECK(strstr(a, "href=\"https://uni.example/mentoring/index.en.html#event-7\"") != NULL);
	CHECK(strstr(a, "<id>tag:uni.example,2025-12-01:offer-3</id>") != NULL);
	CHECK(strstr(a, "Internship: Data &lt;internship&gt; (ACME &amp; Co)") != NULL);
	CHECK(strstr(a, ":programme-stipend</id>") != NULL);
	CHECK(strstr(a, "<script") == NULL);
	int entries = 0;
	for (const char *p = a; (p = strstr(p, "<entry>")); p++)
		entries++;
	CHECK(entries == 5);
	free(a);
	/* no [site] url: links relative to the feed; no items: updated is now */
	struct site_data e = {.domain = "uni.example", .lang = "de", .now = 1764800000};
	a = site_atom(&e, tmpl, "de");
	CHECK(strstr(a, "<link rel=\"self\" type=\"application/atom+xml\" href=\"atom.de.xml\"/>") != NULL);
	CHECK(strstr(a, "<updated>2025-12-03T22:13:20Z</updated>") != NULL);
	CHECK(strstr(a, "<entry>") == NULL);
	free(a);
}

static void
render_and_write(void)
{
	struct site_data d = full();
	struct site_file *v;
	size_t n = site_render(&d, tmpl, &v);
	CHECK(n == 5);
	char dir[] = "/tmp/test_site.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *out = xasprintf("%s/www", dir);
	CHECK(site_write(out, v, n) == 0);
	CHECK(site_write(out, v, n) == 0); /* again, over the files */
	const char *names[] = {"index.html", "index.de.html", "index.en.html", "atom.de.xml", "atom.en.xml"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", out, names[i]);
		struct stat st;
		CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
		unlink(p);
		free(p);
	}
	char *tmp = xasprintf("%s/.index.html.tmp", out);
	CHECK(access(tmp, F_OK) != 0);
	free(tmp);
	/* index.html is the page in [bot] language */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, "index.html") == 0)
			CHECK(strstr(v[i].data, "<html lang=\"de\">") != NULL);
	rmdir(out);
	rmdir(dir);
	free(out);
	site_files_free(v, n);
	CHECK(site_write("/proc/version/x", NULL, 0) != 0);
}

int
main(void)
{
	umask(077);
	struct buf err = BUF_INIT;
	if (templates_load("templates", &tmpl, &err) != 0) {
		printf("FAIL setup: %s\n", err.p ? err.p : "templates");
		return 1;
	}
	RUN(page_escapes_everything);
	RUN(page_in_both_languages);
	RUN(page_without_items);
	RUN(atom_has_required_elements);
	RUN(render_and_write);
	templates_free(tmpl);
	buf_free(&err);
	return t_done();
}
