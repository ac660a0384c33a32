/*
 * bench_quote.c - quote_strip() throughput by mail size.  Mails of 1 KB,
 * 10 KB, 100 KB and 1 MB are built from random lines: the seed replies of
 * tests/fixtures/quote/ as ">"-quoted lines (every rule is tried on them)
 * and new-text lines that look like rules but cut nothing, so the whole
 * mail is read.  10 MB of mail per size (10,000 mails of 1 KB ... 10 of
 * 1 MB).  Prints "name: value" lines:
 *   bench.quote.ns_per_byte_<size>   time per input byte
 *   bench.quote.per_byte_spread      slowest / fastest of those (linear: under 2)
 *   bench.quote.1mb_ms               one 1 MB mail
 */
#include "quote.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const text_lines[] = {
	"Ich komme gerne, vielen Dank für die Einladung.",
	"On Monday I wrote to the office about it",
	"Am Montag schrieb ich dem Büro",
	"Il giorno dopo vengo anch'io.",
	"Da: domani ci sono",
	"From now on I attend every session",
	"\xe2\x80\x8bJe viens avec un ami.",
	"-----",
	"",
};

static char **lines;
static size_t nlines;

static void
load_seeds(void)
{
	DIR *d = opendir("tests/fixtures/quote");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char path[512], buf[4096];
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "tests/fixtures/quote/%s", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(buf, sizeof(buf), f)) {
			lines = xrealloc(lines, (nlines + 1) * sizeof(*lines));
			lines[nlines++] = xasprintf("> %s", buf);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < ARRAY_LEN(text_lines); i++) {
		lines = xrealloc(lines, (nlines + 1) * sizeof(*lines));
		lines[nlines++] = xasprintf("%s\n", text_lines[i]);
	}
}

static char *
mail_of(size_t size)
{
	struct buf b = BUF_INIT;
	while (b.len < size)
		buf_adds(&b, lines[(size_t)rand() % nlines]);
	return buf_detach(&b);
}

int
main(void)
{
	static const size_t sizes[] = {1024, 10240, 102400, 1048576};
	static const char *const names[] = {"1k", "10k", "100k", "1m"};
	double per[4], lo = 1e9, hi = 0, one_mb = 0;
	srand(11);
	load_seeds();
	if (nlines == 0) {
		fprintf(stderr, "bench_quote: no seeds (run from the repository root)\n");
		return 1;
	}
	for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
		size_t count = (10u << 20) / sizes[s], bytes = 0;
		double t = 0;
		for (size_t i = 0; i < count; i++) {
			char *m = mail_of(sizes[s]), *v;
			double t0 = now();
			v = quote_strip(m);
			t += now() - t0;
			bytes += strlen(m);
			free(v);
			free(m);
		}
		per[s] = t * 1e9 / (double)bytes;
		if (s == 3)
			one_mb = t * 1e3 / (double)count;
		lo = per[s] < lo ? per[s] : lo;
		hi = per[s] > hi ? per[s] : hi;
		printf("bench.quote.ns_per_byte_%s: %.2f\n", names[s], per[s]);
	}
	printf("bench.quote.per_byte_spread: %.2f\n", hi / lo);
	printf("bench.quote.1mb_ms: %.1f\n", one_mb);
	return 0;
}
