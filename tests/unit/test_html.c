/*
 * test_html.c - HTML-only replies read the way the daemon reads them: the
 * mail (Content-Type: text/html only) through mime_parse(), which calls
 * html_to_text(), then quote_strip() and mail_find_command() as
 * bot/dispatch.c does.  Every tests/fixtures/html/NAME.html must give
 * exactly NAME.expected as new text, and a command inside the quoted part
 * is never found.  Plus hostile input: 1 MB of nesting, a 1 MB attribute.
 */
#include "commands.h"
#include "mailcmd.h"
#include "mime.h"
#include "quote.h"
#include "t.h"
#include "util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIX "tests/fixtures/html/"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* The new text of an HTML-only mail with this body, as the daemon finds it. */
static char *
new_text_of(const char *html, size_t n, const char *subject, struct mail_cmd *mc)
{
	struct buf raw = BUF_INIT;
	struct mail_caps caps = MAIL_CAPS_DEFAULT;
	struct parsed_mail pm;
	char *text;
	buf_addf(&raw,
		 "From: Ben Meier <ben.meier@uni-example.de>\r\nTo: mentoring@uni-example.de\r\n"
		 "Subject: %s\r\nMessage-ID: <h1@uni-example.de>\r\nMIME-Version: 1.0\r\n"
		 "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		 subject);
	buf_add(&raw, html, n);
	CHECK(mime_parse(raw.p, raw.len, &caps, &pm) == 0);
	CHECK(pm.text_from_html == 1);
	text = quote_strip(pm.text ? pm.text : "");
	if (mc)
		mail_find_command(pm.subject, text, mc);
	parsed_mail_free(&pm);
	buf_free(&raw);
	return text;
}

static int
is_html(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && !strcmp(name + n - 5, ".html");
}

static void
test_every_fixture_gives_exactly_the_new_text(void)
{
	DIR *d = opendir(FIX);
	struct dirent *e;
	int seen = 0;
	CHECK(d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		char path[512], *html, *want, *got;
		size_t n, wn;
		if (!is_html(e->d_name))
			continue;
		snprintf(path, sizeof(path), FIX "%s", e->d_name);
		html = slurp(path, &n);
		snprintf(path + strlen(path) - 5, 10, ".expected");
		want = slurp(path, &wn);
		CHECK(html && want);
		got = new_text_of(html, n, "Re: Treffen", NULL);
		if (want && strcmp(got, want) != 0)
			printf("  %s: got \"%s\"\n", e->d_name, got);
		CHECK_STR(got, want);
		seen++;
		free(got);
		free(html);
		free(want);
	}
	if (d)
		closedir(d);
	CHECK(seen >= 40);
}

/* Each reply fixture quotes a mail that starts with a command ("abmelden",
 * "leave"); its new text has none.  Forwards (fwd_*) give the forwarded body. */
static void
test_command_inside_the_html_quote_is_never_found(void)
{
	DIR *d = opendir(FIX);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char path[512], *html, *got;
		size_t n;
		struct mail_cmd mc;
		if (!is_html(e->d_name) || !strncmp(e->d_name, "fwd_", 4))
			continue;
		snprintf(path, sizeof(path), FIX "%s", e->d_name);
		html = slurp(path, &n);
		memset(&mc, 0, sizeof(mc));
		got = new_text_of(html, n, "Re: Treffen", &mc);
		if (mc.cmd)
			printf("  %s: found a command\n", e->d_name);
		CHECK(mc.cmd == NULL);
		CHECK(strstr(got, "abmelden") == NULL && strstr(got, "leave") == NULL);
		mail_cmd_free(&mc);
		free(got);
		free(html);
	}
	if (d)
		closedir(d);
}

static void
test_entities_come_out_as_text(void)
{
	const char *h = "<p>f&uuml;r &#252;ber &#xFC;bel&nbsp;&amp;&lt;&gt; caf&eacute; &euro;&#8364; "
			"&unknown; &#0; a&b</p>";
	char *t = html_to_text(h, strlen(h));
	CHECK_STR(t, "für über übel &<> café €€ &unknown; \xef\xbf\xbd a&b");
	free(t);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 MB of nested <div>s (and of unclosed <blockquote>s) and a 1 MB attribute: bounded time, the
 * text around them kept, and a quote opened deeper than the stack cap still never becomes new text. */
static void
test_pathological_html_is_bounded(void)
{
	struct buf b = BUF_INIT;
	char *t;
	double t0 = now();
	buf_adds(&b, "<div>new text</div>");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "<div>");
	buf_adds(&b, "<blockquote>leave</blockquote>deep");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "</div>");
	buf_adds(&b, "<div>after</div>");
	t = html_to_text(b.p, b.len);
	CHECK(strncmp(t, "new text\n", 9) == 0);
	CHECK(strstr(t, "\nleave") == NULL);
	free(t);
	buf_free(&b);

	buf_adds(&b, "<p>start</p>");
	for (int i = 0; i < 80000; i++)
		buf_adds(&b, "<blockquote type=cite>");
	buf_adds(&b, "leave");
	t = html_to_text(b.p, b.len);
	CHECK(strstr(t, "\nleave") == NULL);
	free(t);
	buf_free(&b);

	buf_adds(&b, "<div class=\"");
	for (int i = 0; i < 1 << 20; i++)
		buf_addc(&b, i % 7 ? 'x' : ' ');
	buf_adds(&b, "\" style=\"");
	for (int i = 0; i < 1 << 20; i++)
		buf_addc(&b, i % 5 ? 'b' : ';');
	buf_adds(&b, "\">visible</div>");
	t = html_to_text(b.p, b.len);
	CHECK_STR(t, "visible");
	free(t);
	buf_free(&b);
	CHECK(now() - t0 < 30); /* a hang guard: the speed is make bench's (bench.html.*) */
}

int
main(void)
{
	RUN(test_every_fixture_gives_exactly_the_new_text);
	RUN(test_command_inside_the_html_quote_is_never_found);
	RUN(test_entities_come_out_as_text);
	RUN(test_pathological_html_is_bounded);
	return t_done();
}
