/* Templates: both languages complete, placeholders consistent, rendering. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/templates.h"
#include "bot/util.h"
#include "t.h"

static char dir[64];

static void
shipped_templates_load_cleanly(void)
{
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	int n = templates_load("templates", &t, &err);
	if (n)
		printf("# %s", err.p);
	CHECK(n == 0);
	const char *vars[] = {"limit", "10", NULL};
	char *s = tmpl_render(t, "de", "reply_limit", vars);
	CHECK(strstr(s, "10 Antworten") != NULL);
	free(s);
	s = tmpl_render(t, "en", "reply_limit", vars);
	CHECK(strstr(s, "limit of 10 answers") != NULL);
	free(s);
	templates_free(t);
	buf_free(&err);
}

/* Copy the shipped templates of lang (every file) into dir, with extra appended to messages.txt. */
static void
copy_shipped(const char *lang, const char *extra)
{
	char *cmd = xasprintf("cp templates/%s/*.txt %s/%s/", lang, dir, lang);
	if (system(cmd) != 0)
		printf("# copy failed: %s\n", cmd);
	free(cmd);
	char *dst = xasprintf("%s/%s/messages.txt", dir, lang);
	FILE *out = fopen(dst, "a");
	fputs(extra, out);
	fclose(out);
	free(dst);
}

static void
a_key_missing_in_one_language_fails(void)
{
	copy_shipped("de", "");
	copy_shipped("en", "\n== only.english\nhello\n");
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load(dir, &t, &err) == 1);
	CHECK(err.p && strstr(err.p, "only.english") != NULL);
	CHECK(t == NULL);
	buf_free(&err);
}

static void
different_placeholders_fail(void)
{
	copy_shipped("de", "\n== extra\nHallo {{name}}\n");
	copy_shipped("en", "\n== extra\nHello {{nmae}}\n");
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load(dir, &t, &err) >= 1);
	CHECK(err.p && strstr(err.p, "'extra'") != NULL);
	buf_free(&err);
}

/* Copy the shipped file of lang with every "from" replaced by "to". */
static void
copy_replaced(const char *lang, const char *from, const char *to)
{
	copy_shipped(lang, "");
	char *src = xasprintf("templates/%s/messages.txt", lang);
	char *dst = xasprintf("%s/%s/messages.txt", dir, lang);
	FILE *in = fopen(src, "r");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
		buf_add(&b, chunk, n);
	fclose(in);
	FILE *out = fopen(dst, "w");
	for (const char *p = b.p; *p;) {
		const char *hit = strstr(p, from);
		if (!hit) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(hit - p), out);
		fputs(to, out);
		p = hit + strlen(from);
	}
	fclose(out);
	buf_free(&b);
	free(src);
	free(dst);
}

static void
unknown_placeholder_in_known_key_fails(void)
{
	copy_replaced("de", "{{limit}}", "{{limt}}");
	copy_replaced("en", "{{limit}}", "{{limt}}");
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load(dir, &t, &err) >= 1);
	CHECK(err.p && strstr(err.p, "{{limt}}") != NULL);
	CHECK(t == NULL);
	buf_free(&err);
}

static void
render_replaces_and_drops_unknown(void)
{
	copy_shipped("de", "\n== x\nA {{a}} B {{b}} C\n");
	copy_shipped("en", "\n== x\nA {{a}} B {{b}} C\n");
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load(dir, &t, &err) == 0);
	const char *vars[] = {"a", "1", NULL};
	char *s = tmpl_render(t, "xx", "x", vars);
	CHECK_STR(s, "A 1 B  C");
	free(s);
	templates_free(t);
	buf_free(&err);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/mb-tmpl-%d", (int)getpid());
	char *de = xasprintf("%s/de", dir), *en = xasprintf("%s/en", dir);
	mkdir(dir, 0700);
	mkdir(de, 0700);
	mkdir(en, 0700);
	RUN(shipped_templates_load_cleanly);
	RUN(a_key_missing_in_one_language_fails);
	RUN(different_placeholders_fail);
	RUN(unknown_placeholder_in_known_key_fails);
	RUN(render_replaces_and_drops_unknown);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	free(cmd);
	free(de);
	free(en);
	return t_done();
}
