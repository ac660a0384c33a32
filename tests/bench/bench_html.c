/*
 * bench_html.c - html_to_text() on the HTML reply fixtures: exact new text
 * (then quote_strip()), throughput on one 1 MB mail and on 10,000 small
 * ones, peak memory, and the pathological inputs (100,000 nested <div>s, a
 * 1 MB attribute).  Prints "name: value" lines:
 *   bench.html.<impl>.fixtures_exact        passed/total
 *   bench.html.<impl>.mb_per_s_1mb          one 1 MB mail (fixtures concatenated)
 *   bench.html.<impl>.mb_per_s_small        10,000 fixture mails
 *   bench.html.<impl>.peak_kb_1mb           peak RSS above the input, one 1 MB mail
 *   bench.html.<impl>.nest_100k_ms          100,000 nested <div>s
 *   bench.html.<impl>.attr_1mb_ms           a 1 MB attribute value
 */
#include "html.h"
#include "quote.h"
#include "util.h"
#include "tests/slurp.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIX "tests/fixtures/html/"

static const struct impl {
	const char *name;
	void (*scan)(struct html_render *, const char *, size_t);
} impls[] = {
	{"scanner", html_scan}, /* libxml2's figures: the header of bot/html.c */
};

static char *fix_html[256], *fix_want[256];
static size_t fix_len[256], nfix;

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
load_fixtures(void)
{
	DIR *d = opendir(FIX);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && nfix < 256) {
		char path[512];
		size_t n = strlen(e->d_name), wl;
		if (n < 6 || strcmp(e->d_name + n - 5, ".html"))
			continue;
		snprintf(path, sizeof(path), FIX "%s", e->d_name);
		fix_html[nfix] = slurp(path, &fix_len[nfix]);
		snprintf(path + strlen(path) - 5, 10, ".expected");
		fix_want[nfix] = slurp(path, &wl);
		if (fix_html[nfix] && fix_want[nfix])
			nfix++;
	}
	if (d)
		closedir(d);
}

static int
exact(const struct impl *im)
{
	int ok = 0;
	for (size_t i = 0; i < nfix; i++) {
		char *t = html_to_text_with(fix_html[i], fix_len[i], im->scan), *q = quote_strip(t);
		ok += !strcmp(q, fix_want[i]);
		free(q);
		free(t);
	}
	return ok;
}

/* The small fixtures (under 8 KB: the mails, not the stress cases) one after another. */
static void
one_mb(struct buf *b)
{
	while (b->len < (1u << 20))
		for (size_t i = 0; i < nfix && b->len < (1u << 20); i++)
			if (fix_len[i] < 8192)
				buf_add(b, fix_html[i], fix_len[i]);
}

static double
time_one(const struct impl *im, const char *s, size_t n, int reps)
{
	double t0 = now();
	for (int k = 0; k < reps; k++)
		free(html_to_text_with(s, n, im->scan));
	return (now() - t0) / reps;
}

static double
mb_per_s_small(const struct impl *im)
{
	size_t bytes = 0, done = 0;
	double t0 = now();
	for (size_t i = 0; done < 10000; i = (i + 1) % nfix) {
		if (fix_len[i] >= 8192)
			continue;
		free(html_to_text_with(fix_html[i], fix_len[i], im->scan));
		bytes += fix_len[i];
		done++;
	}
	return (double)bytes / (1 << 20) / (now() - t0);
}

/* Peak RSS (KB) of a child that builds the 1 MB mail and, when parse, reads it. */
static long
child_peak(const struct impl *im, int parse)
{
	struct rusage ru;
	int st;
	pid_t p = fork();
	if (p == 0) {
		struct buf b = BUF_INIT;
		one_mb(&b);
		if (parse)
			free(html_to_text_with(b.p, b.len, im->scan));
		_exit(0);
	}
	waitpid(p, &st, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_maxrss; /* the largest child so far: measured in increasing order */
}

static void
bench(const struct impl *im)
{
	struct buf b = BUF_INIT;
	double t;
	long base, peak;

	printf("bench.html.%s.fixtures_exact: %d/%zu\n", im->name, exact(im), nfix);
	one_mb(&b);
	t = time_one(im, b.p, b.len, 5);
	printf("bench.html.%s.mb_per_s_1mb: %.0f\n", im->name, (double)b.len / (1 << 20) / t);
	printf("bench.html.%s.mb_per_s_small: %.0f\n", im->name, mb_per_s_small(im));
	buf_free(&b);
	base = child_peak(im, 0);
	peak = child_peak(im, 1);
	printf("bench.html.%s.peak_kb_1mb: %ld\n", im->name, peak > base ? peak - base : 0);

	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "<div>");
	buf_adds(&b, "deep");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "</div>");
	printf("bench.html.%s.nest_100k_ms: %.1f\n", im->name, 1000 * time_one(im, b.p, b.len, 3));
	buf_free(&b);
	buf_adds(&b, "<div class=\"");
	for (int i = 0; i < 1 << 20; i++)
		buf_addc(&b, i % 7 ? 'x' : ' ');
	buf_adds(&b, "\">visible</div>");
	printf("bench.html.%s.attr_1mb_ms: %.1f\n", im->name, 1000 * time_one(im, b.p, b.len, 3));
	buf_free(&b);
}

int
main(void)
{
	load_fixtures();
	for (size_t i = 0; i < ARRAY_LEN(impls); i++)
		bench(&impls[i]);
	return 0;
}
